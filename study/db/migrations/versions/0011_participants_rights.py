"""participants' rights: a freeze date for withdrawals, a retention date, erased turns, memos to review

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 06:30:00

A participant may withdraw their survey answers until the study's analysis freeze date
(``study.freeze_on``). On the retention date (``study.retention_on``) the raw personal
data of the categories in ``study.retention_delete`` (all when empty) is deleted. A turn
of an interviewee who withdrew is redacted and marked (``turn.withdrawn``); memos that
may quote them are flagged until a researcher reviews them (``memo.needs_review``).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN on both backends: a batch operation would rebuild
    # `turn` on SQLite and lose its full-text trigger (turn_search_delete, from 0002).
    op.add_column(
        'memo', sa.Column('needs_review', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column('study', sa.Column('freeze_on', sa.Date(), nullable=True))
    op.add_column('study', sa.Column('retention_on', sa.Date(), nullable=True))
    op.add_column(
        'study', sa.Column('retention_delete', sa.JSON(), server_default='[]', nullable=False)
    )
    op.add_column(
        'turn', sa.Column('withdrawn', sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table('turn', schema=None) as batch_op:
        batch_op.drop_column('withdrawn')
    with op.batch_alter_table('study', schema=None) as batch_op:
        batch_op.drop_column('retention_delete')
        batch_op.drop_column('retention_on')
        batch_op.drop_column('freeze_on')
    with op.batch_alter_table('memo', schema=None) as batch_op:
        batch_op.drop_column('needs_review')
    if op.get_bind().dialect.name == 'sqlite':  # rebuilding `turn` dropped its trigger
        op.execute(
            "CREATE TRIGGER IF NOT EXISTS turn_search_delete AFTER DELETE ON turn BEGIN "
            "DELETE FROM turn_search WHERE rowid = (old.transcript_id << 24) + old.position; END"
        )
