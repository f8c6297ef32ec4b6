"""full-text search over turns: FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:00:00

Both backends get a table ``turn_search`` keyed by ``transcript_id << 24 |
position`` (see :mod:`study.search`). It is not part of the ORM models:
``study.db.migrate.schema_drift`` leaves it (and FTS5's shadow tables) out of
the comparison. Turns are immutable, so rows are written on import and only
need removing when a turn is deleted: a trigger on SQLite (an FTS5 table has
no foreign keys), ``ON DELETE CASCADE`` on PostgreSQL.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # 'words' holds the turn's words as study.search tokenises them, casefolded and
        # space-separated; remove_diacritics 0 keeps æ, ø, å (and é) distinct. 'body' is a
        # copy of the turn's text, so hits need not slice the long transcript text.
        op.execute("CREATE VIRTUAL TABLE turn_search USING fts5("
                   "words, body UNINDEXED, turn_id UNINDEXED, "
                   "tokenize = 'unicode61 remove_diacritics 0')")
        op.execute("CREATE TRIGGER turn_search_delete AFTER DELETE ON turn BEGIN "
                   "DELETE FROM turn_search "
                   "WHERE rowid = (old.transcript_id << 24) + old.position; END")
    else:
        op.execute("CREATE TABLE turn_search ("
                   "key BIGINT PRIMARY KEY, "
                   "turn_id INTEGER NOT NULL UNIQUE REFERENCES turn (id) ON DELETE CASCADE, "
                   "body TEXT NOT NULL, "
                   "document TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_turn_search_document ON turn_search USING gin (document)")
        # Track the frequencies of many words (100,000 instead of 1,000), so the planner
        # sees that a rare word is rare and uses the GIN index rather than scanning in key
        # order for the first matches.
        op.execute("ALTER TABLE turn_search ALTER COLUMN document SET STATISTICS 10000")
    _index_existing_turns(bind)


def _index_existing_turns(bind: sa.Connection) -> None:
    """Index transcripts stored before this revision, one at a time to bound memory."""
    from study.search import index_turns

    transcript_ids = bind.execute(sa.text("SELECT id FROM transcript ORDER BY id")).scalars().all()
    for transcript_id in transcript_ids:
        text_ = bind.execute(sa.text("SELECT text FROM transcript WHERE id = :id"),
                             {"id": transcript_id}).scalar_one()
        turns = bind.execute(sa.text('SELECT id, position, start, "end" FROM turn '
                                     "WHERE transcript_id = :id ORDER BY position"),
                             {"id": transcript_id}).all()
        index_turns(bind, transcript_id, text_, [tuple(turn) for turn in turns])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS turn_search_delete")
    op.execute("DROP TABLE IF EXISTS turn_search")
