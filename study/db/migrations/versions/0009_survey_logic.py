"""a seed per response for its randomised item order (survey logic)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 01:10:00

A page of an instrument may show its items in an order of each respondent's own
(``randomise: true``). The order is derived from a random seed set when the response
starts and kept with it, so a resumed response sees the same order and exports can
say which order each respondent saw. Existing responses keep no seed: they saw the
order of the file.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_seed', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('order_seed')
