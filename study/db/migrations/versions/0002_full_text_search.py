"""full-text search over turns: FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:00:00

Both backends get a table ``turn_search`` keyed by ``transcript_id << 24 |
position`` (see :mod:`study.interviews.search`). It is not part of the ORM models:
``study.db.migrate.schema_drift`` leaves it (and FTS5's shadow tables) out of
the comparison. Turns are immutable, so rows are written on import and only
need removing when a turn is deleted: a trigger on SQLite (an FTS5 table has
no foreign keys), ``ON DELETE CASCADE`` on PostgreSQL.

Frozen: this revision carries its own copy of the tokenisation it indexes existing
turns with (as ``study.interviews.search`` had it when the revision was written), so
later changes to the search code never change what this migration does. A later
change of tokenisation needs a new revision that re-indexes.
"""
import re
import unicodedata
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # 'words' holds the turn's words as study.interviews.search tokenises them, casefolded and
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


# --- the tokenisation and row format of revision 0002 (frozen copy) --------------------------
_POSITION_BITS = 24
_MAX_LEXEME_CHARS = 200
_MAX_TS_POSITION = 16_383
_MAX_TS_POSITIONS_PER_LEXEME = 256
_UNPOSITIONED = "_unpositioned_"


def _word_pattern() -> "re.Pattern[str]":
    """Letters and digits of any script, plus combining marks after the first character."""
    ranges: list[tuple[int, int]] = []
    for code in (*range(0x20000), *range(0xE0000, 0xE0200)):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    marks = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)
    return re.compile(rf"\w[\w{marks}]*")


def _ts_quote(word: str) -> str:
    return "'" + word[:_MAX_LEXEME_CHARS].replace("\\", "\\\\").replace("'", "''") + "'"


def _tsvector(words: list[str]) -> str:
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(words, start=1):
        positions.setdefault(word[:_MAX_LEXEME_CHARS], []).append(position)
    if len(words) <= _MAX_TS_POSITION and all(len(p) <= _MAX_TS_POSITIONS_PER_LEXEME
                                              for p in positions.values()):
        return " ".join(f"{_ts_quote(word)}:{','.join(map(str, p))}"
                        for word, p in positions.items())
    return " ".join(_ts_quote(word) for word in [*positions, _UNPOSITIONED])


def _index_existing_turns(bind: sa.Connection) -> None:
    """Index transcripts stored before this revision, one at a time to bound memory."""
    transcript_ids = bind.execute(sa.text("SELECT id FROM transcript ORDER BY id")).scalars().all()
    if not transcript_ids:
        return
    pattern = _word_pattern()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        insert = sa.text("INSERT INTO turn_search (key, turn_id, body, document) VALUES "
                         "(:key, :turn_id, :body, CAST(:document AS tsvector))")
    else:
        insert = sa.text("INSERT INTO turn_search (rowid, words, body, turn_id) "
                         "VALUES (:key, :words, :body, :turn_id)")
    for transcript_id in transcript_ids:
        text_ = bind.execute(sa.text("SELECT text FROM transcript WHERE id = :id"),
                             {"id": transcript_id}).scalar_one()
        turns = bind.execute(sa.text('SELECT id, position, start, "end" FROM turn '
                                     "WHERE transcript_id = :id ORDER BY position"),
                             {"id": transcript_id}).all()
        rows: list[dict[str, Any]] = []
        for turn_id, position, start, end in turns:
            body = text_[start:end]
            found = pattern.findall(body.replace("_", " "))
            words = " ".join(found).casefold().split(" ") if found else []
            row: dict[str, Any] = {"key": (transcript_id << _POSITION_BITS) + position,
                                   "turn_id": turn_id, "body": body}
            if postgres:
                row["document"] = _tsvector(words)
            else:
                row["words"] = " ".join(words)
            rows.append(row)
        if rows:
            bind.execute(insert, rows)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS turn_search_delete")
    op.execute("DROP TABLE IF EXISTS turn_search")
