"""Importing transcripts never holds the database's write lock while a file is parsed.

Several files are imported in one transaction (all or none). Before, each file
was parsed and stored in turn, so from the first file's insert on, SQLite's
write lock was held while the next file was parsed (and a 100,000-turn file
was stored one ORM object per turn): every other writer waited, here past its
busy timeout. Now every file is parsed first and the turns are bulk-inserted.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import study.interviews.transcripts.store as store
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db import Database
from study.db.models import OrganisationRow, TranscriptRow, TurnRow

runner = CliRunner()


def test_another_connection_writes_while_a_large_file_is_parsed(database, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDY_SQLITE_BUSY_TIMEOUT_MS", "500")
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    small = tmp_path / "a-small.txt"
    small.write_text("Interviewer: Do you post?\nAnna Jensen: Sometimes.\n", encoding="utf-8")
    large = tmp_path / "b-large.txt"
    large.write_text(
        "".join(f"{'I' if i % 2 == 0 else 'R'}: w{i}\n" for i in range(20_000)), encoding="utf-8"
    )
    other = Database(database.url)
    writes: list[tuple[str, float, str]] = []
    parse = store.parse_transcript

    def parse_while_another_connection_writes(data: bytes, filename: str):
        began = time.monotonic()
        try:
            with other.transaction() as session:
                add_organisation(session, f"Written while parsing {filename}", actor=OPERATOR)
            outcome = "written"
        except Exception as error:  # the old code: "database is locked"
            outcome = f"blocked: {error}"
        writes.append((filename, time.monotonic() - began, outcome))
        return parse(data, filename)

    monkeypatch.setattr(store, "parse_transcript", parse_while_another_connection_writes)
    result = runner.invoke(
        app,
        [
            "import",
            "transcripts",
            str(small),
            str(large),
            "--org",
            "Nordlys Bank",
            "--role",
            "employee",
        ],
        env={"STUDY_DATABASE_URL": database.url},
    )
    other.dispose()
    assert result.exit_code == 0, result.output
    assert [(name, outcome) for name, _, outcome in writes] == [
        ("a-small.txt", "written"),
        ("b-large.txt", "written"),
    ]
    assert max(seconds for _, seconds, _ in writes) < 0.4
    with database.transaction() as session:
        assert session.scalar(select(func.count(TranscriptRow.id))) == 2
        assert session.scalar(select(func.count(TurnRow.id))) == 20_002
        assert session.scalar(select(func.count(OrganisationRow.id))) == 3


@pytest.mark.parametrize("turns", [30_000])
def test_turns_are_stored_in_order_with_their_offsets(database, turns):
    """The bulk insert keeps what the ORM stored: positions, speakers, offsets, search rows."""
    from study.interviews.search import search_transcripts
    from study.interviews.transcripts.store import import_transcripts, transcript_json

    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    data = "".join(
        f"{'Interviewer' if i % 2 == 0 else 'Anna Jensen'}: word{i}\n" for i in range(turns)
    ).encode()
    started = time.perf_counter()
    with database.transaction() as session:
        [info] = import_transcripts(
            session,
            [(data, "long.txt")],
            organisation="Nordlys Bank",
            role="employee",
            actor=OPERATOR,
        )
    assert time.perf_counter() - started < 20  # 30,000 ORM objects took about 10 s alone
    with database.transaction() as session:
        stored = transcript_json(session, info.id, viewer=OPERATOR)
        hits = search_transcripts(session, "word29999", viewer=OPERATOR)
    assert len(stored["turns"]) == turns
    last = stored["turns"][-1]
    assert (last["speaker"], stored["text"][last["start"] : last["end"]]) == (
        "Anna Jensen",
        "word29999",
    )
    assert [t["start"] for t in stored["turns"]] == sorted(t["start"] for t in stored["turns"])
    assert len(hits) == 1
