"""the REFI-QDA GUIDs study rows were exchanged under, with each row as it was then

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:00:00

A project exported to another program and imported again must not double what the
study holds. Every .qdpx export and import records which GUID each source, code,
coding, memo and user went out or came in under, and the row's state at that moment
(``base``), so a returning project is matched row by row and a difference is known to
be a change made in the other program, or here as well (a conflict). Rows exchanged
before this revision have no record; they are matched by their text and position.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'exchange_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('guid', sa.String(length=36), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('base', sa.JSON(), nullable=False),
        sa.Column('exchanged_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_identity')),
        sa.UniqueConstraint('kind', 'guid', name=op.f('uq_exchange_identity_kind_guid')),
    )
    with op.batch_alter_table('exchange_identity', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_identity_row', ['kind', 'row_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exchange_identity', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_identity_row')
    op.drop_table('exchange_identity')
