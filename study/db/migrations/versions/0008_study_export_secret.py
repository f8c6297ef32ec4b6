"""a random secret per study for the respondent numbers of exports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 22:30:00

Exports number responses by a keyed hash so that their order says nothing about when
people answered. The key was made from the study's id, name and creation time, which
an outsider may guess. A study created from now on gets a random 256-bit secret;
an existing study keeps the old key (column left empty) so that its earlier exports
still merge with new ones on ``response_id``.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('study', schema=None) as batch_op:
        batch_op.add_column(sa.Column('export_secret', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('study', schema=None) as batch_op:
        batch_op.drop_column('export_secret')
