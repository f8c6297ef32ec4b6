"""anonymity of invitations and published benchmark editions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:30:00

Issue 13, points 4 and 5:

- ``invitation.used_on`` (a date that matched the response's submission date)
  becomes ``invitation.completed`` (yes/no only);
- ``response.released`` (and an index to count what is not released yet): an
  open campaign's exports gain responses only in batches of the minimum group
  size. Responses complete before this revision were already exported, so they
  are released;
- ``benchmark_edition``: published, frozen benchmarks.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _drop_column(table: str, column: str) -> None:
    """Drop a column in place.

    Not with a SQLite batch copy: that drops and recreates the table, and with
    foreign keys on, dropping a table deletes the rows that reference it with
    ON DELETE CASCADE (a campaign's responses and invitations, say). SQLite 3.35+
    drops a plain column natively.
    """
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    else:
        op.drop_column(table, column)


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both backends: a SQLite batch copy would drop
    # and recreate the table (see _drop_column).
    op.add_column('invitation', sa.Column('completed', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.execute("UPDATE invitation SET completed = (used_on IS NOT NULL)")
    _drop_column('invitation', 'used_on')

    op.add_column('response', sa.Column('released', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.execute("UPDATE response SET released = (status = 'complete')")
    op.create_index('ix_response_release', 'response', ['campaign_id', 'released', 'status'],
                    unique=False)

    op.create_table('benchmark_edition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=100), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('instrument_label', sa.String(length=300), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('organisations', sa.JSON(), nullable=False),
    sa.Column('response_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['account.id'],
                            name=op.f('fk_benchmark_edition_published_by_id_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_edition')),
    sa.UniqueConstraint('instrument', 'number',
                        name=op.f('uq_benchmark_edition_instrument_number'))
    )


def downgrade() -> None:
    op.drop_table('benchmark_edition')
    op.drop_index('ix_response_release', table_name='response')
    _drop_column('response', 'released')
    op.add_column('invitation', sa.Column('used_on', sa.Date(), nullable=True))
    # The day of use is gone for good (that is the point); a completed invitation
    # gets the day of the downgrade so it still reads as used.
    op.execute("UPDATE invitation SET used_on = CURRENT_DATE WHERE completed")
    _drop_column('invitation', 'completed')
