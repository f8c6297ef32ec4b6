"""blind coding mode for schemes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 18:30:00

A scheme version in blind mode (``blind_since`` set) shows each coder only their own
codings until a researcher unblinds it.
"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('coding_scheme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blind_since', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('coding_scheme', schema=None) as batch_op:
        batch_op.drop_column('blind_since')
