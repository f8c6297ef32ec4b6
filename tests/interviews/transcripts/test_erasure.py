"""Erasing an interviewee who withdrew (issue 26): their turns, codings only on their words,
memos that may quote them, the audit log and every export, on both databases."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from sqlalchemy import JSON, String, event, select, text
from typer.testing import CliRunner

from study.admin.accounts import AccountInfo
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import Base, CodingRow, EventRow, MemoRow, TranscriptRow, TurnRow
from study.errors import InvalidInput, NotFound, PermissionDenied
from study.exchange.qdpx import export_qdpx
from study.interviews.coding.codes import add_code
from study.interviews.coding.codings import add_coding, code_turn, remove_coding
from study.interviews.coding.exports import export_codings, export_segments
from study.interviews.coding.memos import add_memo, update_memo
from study.interviews.coding.schemes_store import load_scheme_into_db
from study.interviews.search import search_transcripts
from study.interviews.transcripts.erasure import (
    FILLER,
    WITHDRAWN_SPEAKER,
    erase_speaker,
    review_memo,
)
from study.interviews.transcripts.store import import_transcript, transcript_json

from conftest import ROOT, add_user, open_app_page

SCHEME_FILE = ROOT / "coding_schemes" / "ism-adoption-challenges.yaml"
SCHEME = "ism-adoption-challenges"
CODE = "not-work-related"
OTHER_CODE = "management-words-not-action"

INTERVIEW = (
    "Interviewer: How do colleagues use Yammer in your team?\n\n"
    "Anna Hansen: Honestly I feel watched by the xylophonist managers on Yammer.\n"
    "Every kumquat post gets read twice.\n\n"
    "Mikkel Dahl: For me it is mostly project updates and lunch plans.\n\n"
    "Interviewer: Why do you feel watched?\n\n"
    "Anna Hansen: Because my boss reads every single zeppelin thread I start there.\n\n"
    "Mikkel Dahl: We moved the weekly questions there and it helped.\n"
)
OTHER_INTERVIEW = (
    "Interviewer: What do you post?\n\n"
    "Coordinator: Mostly news from the warehouse, and photos of the canteen.\n"
)
#: What must be gone after the erasure: Anna's own words and her name.
TRACES = re.compile(r"\b(xylophonist|kumquat|zeppelin|hansen|anna)\b", re.IGNORECASE)
QUOTE = "I feel watched by the xylophonist managers"


@dataclass(frozen=True)
class Study:
    """Ids of what :func:`build_study` stored."""

    transcript: int
    other: int
    researcher: int
    coder: int
    codings: dict[str, int]
    memos: dict[str, int]


def _span(text_: str, passage: str) -> tuple[int, int]:
    start = text_.index(passage)
    return start, start + len(passage)


def build_study(session, tmp_path) -> Study:
    """Two interviews, two coders' codings around Anna's turns, memos of every kind, an
    edited memo, a removed coding and a REFI-QDA export: every place her words can reach."""
    add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    load_scheme_into_db(session, SCHEME_FILE, actor=OPERATOR)
    researcher = add_user(session, "rita@example.org", "researcher", display_name="Rita")
    coder = add_user(session, "carl@example.org", "coder", display_name="Carl")
    interview = import_transcript(
        session,
        INTERVIEW.encode(),
        "interview-anna-hansen.txt",
        organisation="Nordlys Bank",
        role="employee",
        actor=OPERATOR,
    )
    other = import_transcript(
        session,
        OTHER_INTERVIEW.encode(),
        "warehouse.txt",
        organisation="Nordlys Bank",
        role="coordinator",
        actor=OPERATOR,
    )
    stored = transcript_json(session, interview.id, viewer=OPERATOR)
    text_, turns = stored["text"], stored["turns"]

    def code(start, end, who=researcher.id, key=CODE):
        return add_coding(
            session,
            transcript_id=interview.id,
            start=start,
            end=end,
            code_id=(SCHEME, key),
            coder_id=who,
            actor=OPERATOR,
        ).id

    codings = {
        "inside": code(*_span(text_, "feel watched by the xylophonist managers")),
        "turn": code_turn(
            session,
            transcript_id=interview.id,
            code_id=(SCHEME, CODE),
            coder_id=coder.id,
            position=4,
            actor=OPERATOR,
        ).id,
        "trim": code(turns[3]["start"], turns[4]["end"]),
        "across": code(turns[0]["start"], turns[2]["end"], key=OTHER_CODE),
        "mikkel": code(turns[5]["start"], turns[5]["end"]),
        "twin": code(turns[3]["start"], turns[3]["end"], who=coder.id, key=OTHER_CODE),
        "to_twin": code(turns[3]["start"], turns[4]["end"], who=coder.id, key=OTHER_CODE),
    }
    removed_before = code(*_span(text_, "every single zeppelin thread"))
    add_memo(session, text=f"Removed: {QUOTE}.", actor=researcher.id, coding_id=removed_before)
    remove_coding(session, removed_before, actor=OPERATOR)  # its memo's text is in the event
    other_turn = transcript_json(session, other.id, viewer=OPERATOR)["turns"][1]
    other_coding = add_coding(
        session,
        transcript_id=other.id,
        start=other_turn["start"],
        end=other_turn["end"],
        code_id=(SCHEME, CODE),
        coder_id=researcher.id,
        actor=OPERATOR,
    ).id

    def memo(text_, **target):
        return add_memo(session, text=text_, actor=researcher.id, **target).id

    memos = {
        "on_removed": memo(f"Strong: {QUOTE}.", coding_id=codings["inside"]),
        "on_twin_mover": memo("Moves with its coding.", coding_id=codings["to_twin"]),
        "on_transcript": memo("Group interview, two employees.", transcript_id=interview.id),
        "on_kept_coding": memo("Project updates as work.", coding_id=codings["mikkel"]),
        "quoting": memo("First version.", code_id=(SCHEME, CODE)),
        "naming": memo("Compare with what Anna Hansen said.", transcript_id=other.id),
        "plain": memo("Canteen photos are not work.", code_id=(SCHEME, OTHER_CODE)),
        "other_coding": memo("Warehouse news.", coding_id=other_coding),
    }
    # The edit puts the quote into the audit log ("before" and "after").
    update_memo(session, memos["quoting"], f"Employees say: {QUOTE}.", actor_id=researcher.id)
    update_memo(session, memos["quoting"], f"Employees say: {QUOTE}!", actor_id=researcher.id)
    export_qdpx(session, tmp_path / "before.qdpx", viewer=OPERATOR)  # exchange records
    return Study(interview.id, other.id, researcher.id, coder.id, codings, memos)


@pytest.fixture
def study(database, tmp_path):
    with database.transaction() as session:
        return build_study(session, tmp_path)


@pytest.fixture
def erased(database, study):
    with database.transaction() as session:
        before = session.get(TranscriptRow, study.transcript).text
        report = erase_speaker(session, study.transcript, "anna  HANSEN", actor=study.researcher)
    return before, report


def text_columns() -> list[tuple[str, str]]:
    """Every text and JSON column of every table of the models."""
    return [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, (String, JSON))
    ]


def traces_in_tables(session, allowed=frozenset()) -> list[tuple[str, str, object, str]]:
    """(table, column, row id, value) of every stored value naming or quoting Anna.

    Scans every text and JSON column, the search table (not in the models) and, on SQLite,
    the FTS5 index's own pages. ``allowed`` holds (table, column, id) cells to leave out.
    """
    found = []
    for table_name, column_name in text_columns():
        table = Base.metadata.tables[table_name]
        key = table.primary_key.columns.values()[0]
        for row_id, value in session.execute(select(key, table.c[column_name])):
            if value is None or (table_name, column_name, row_id) in allowed:
                continue
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            if TRACES.search(shown):
                found.append((table_name, column_name, row_id, shown))
    if session.get_bind().dialect.name == "sqlite":
        searchable = "SELECT rowid, words || ' ' || body FROM turn_search"
        for (block,) in session.execute(text("SELECT block FROM turn_search_data")):
            if block and TRACES.search(bytes(block).decode("utf-8", "ignore")):
                found.append(("turn_search_data", "block", None, "(index pages)"))
    else:
        searchable = "SELECT key, body || ' ' || CAST(document AS text) FROM turn_search"
    for row_id, value in session.execute(text(searchable)):
        if TRACES.search(value):
            found.append(("turn_search", "*", row_id, value))
    return found


def test_the_scan_sees_every_place_before_the_erasure(database, study):
    # The scan would find her everywhere the test later says she is gone.
    with database.transaction() as session:
        places = {(table, column) for table, column, _, _ in traces_in_tables(session)}
    for place in [
        ("transcript", "text"),
        ("transcript", "name"),
        ("transcript", "source_filename"),
        ("turn", "speaker"),
        ("coding", "snippet"),
        ("memo", "text"),
        ("event", "details"),
        ("exchange_identity", "base"),
        ("turn_search", "*"),
    ]:
        assert place in places


def test_turns_are_redacted_to_the_same_length_and_every_other_offset_stays(
    database, study, erased
):
    before, report = erased
    assert report.turns == 2
    with database.transaction() as session:
        transcript = session.get(TranscriptRow, study.transcript)
        after = transcript.text
        turns = list(transcript.turns)
        assert len(after) == len(before)
        assert [i for i, c in enumerate(after) if c == "\n"] == [
            i for i, c in enumerate(before) if c == "\n"
        ]
        withdrawn = [t for t in turns if t.withdrawn]
        assert [t.position for t in withdrawn] == [1, 4]
        assert {t.speaker for t in withdrawn} == {WITHDRAWN_SPEAKER}
        for turn in turns:
            if turn.withdrawn:
                # the label before the turn ("Anna Hansen: ") is gone as well
                previous = turns[turn.position - 1].end
                assert set(after[previous : turn.end]) <= {FILLER, "\n"}
            else:
                assert after[turn.start : turn.end] == before[turn.start : turn.end]
                assert turn.speaker in ("Interviewer", "Mikkel Dahl")
        assert transcript.text_sha256 == hashlib.sha256(after.encode()).hexdigest()
        assert transcript.name == "interview-[erased]"
        assert transcript.source_filename == "interview-[erased].txt"
        speakers = {
            t["speaker"]
            for t in transcript_json(session, study.transcript, viewer=OPERATOR)["turns"]
        }
        assert speakers == {"Interviewer", "Mikkel Dahl", WITHDRAWN_SPEAKER}


def test_codings_only_on_her_words_go_and_those_across_them_are_trimmed_or_kept(
    database, study, erased
):
    before, report = erased
    assert (report.codings_removed, report.codings_trimmed, report.codings_spanning) == (3, 1, 1)
    with database.transaction() as session:
        rows = {c.id: c for c in session.scalars(select(CodingRow))}
        turns = transcript_json(session, study.transcript, viewer=OPERATOR)["turns"]
        for name in ("inside", "turn", "to_twin"):
            assert study.codings[name] not in rows
        trimmed = rows[study.codings["trim"]]
        assert (trimmed.start, trimmed.end) == (turns[3]["start"], turns[3]["end"])
        assert trimmed.snippet == "Why do you feel watched?"
        across = rows[study.codings["across"]]
        assert (across.start, across.end) == (turns[0]["start"], turns[2]["end"])
        assert across.snippet.startswith("How do colleagues use Yammer")
        assert across.snippet.endswith("project updates and lunch plans.")
        assert FILLER in across.snippet
        assert rows[study.codings["mikkel"]].snippet == before[turns[5]["start"] : turns[5]["end"]]
        # the coding that trimmed became its coder's other coding gave that one its memo
        moved = session.get(MemoRow, study.memos["on_twin_mover"])
        assert moved.coding_id == study.codings["twin"]


def test_memos_are_flagged_never_rewritten_and_those_on_removed_codings_go(database, study, erased):
    _, report = erased
    assert report.memos_removed == 1
    with database.transaction() as session:
        assert session.get(MemoRow, study.memos["on_removed"]) is None
        memos = {m.id: m for m in session.scalars(select(MemoRow))}
        flagged = {m.id for m in memos.values() if m.needs_review}
        expected = {
            study.memos[name]
            for name in ("on_twin_mover", "on_transcript", "on_kept_coding", "quoting", "naming")
        }
        assert flagged == expected == set(report.memos_flagged)
        assert memos[study.memos["quoting"]].text == f"Employees say: {QUOTE}!"
        assert memos[study.memos["naming"]].text == "Compare with what Anna Hansen said."


def test_search_finds_none_of_her_words_afterwards(database, study, erased):
    with database.transaction() as session:
        for query in ("xylophonist", "zeppelin", "kumquat", '"feel watched by"', "Hansen"):
            assert search_transcripts(session, query, viewer=OPERATOR) == []
        assert search_transcripts(session, "mikkel", viewer=OPERATOR) == []  # labels: not words
        # the other speakers' words are still found, where they were
        [hit] = search_transcripts(session, "lunch", viewer=OPERATOR)
        assert hit.speaker == "Mikkel Dahl"
        assert session.get(TranscriptRow, hit.transcript_id).text[hit.start : hit.end] == "lunch"
        [why] = search_transcripts(session, '"feel watched"', viewer=OPERATOR)
        assert why.speaker == "Interviewer"


def test_search_finds_her_words_before(database, study):
    with database.transaction() as session:
        [hit] = search_transcripts(session, "xylophonist", viewer=OPERATOR)
        assert hit.speaker == "Anna Hansen"


def _flagged(session) -> dict[int, MemoRow]:
    return {m.id: m for m in session.scalars(select(MemoRow).where(MemoRow.needs_review))}


def test_no_table_keeps_a_trace_but_the_memos_flagged_for_review(database, study, erased):
    with database.transaction() as session:
        flagged = _flagged(session)
        allowed = frozenset(("memo", "text", memo_id) for memo_id in flagged)
        assert traces_in_tables(session, allowed) == []
        # and those are the memos that quote or name her
        assert {row[2] for row in traces_in_tables(session)} == {
            study.memos["quoting"],
            study.memos["naming"],
        }


def review_all(session, study) -> None:
    """What the researcher does next: rewrite the memos that quote or name her, keep the rest."""
    review_memo(session, study.memos["quoting"], text="Employees feel watched.", actor=OPERATOR)
    review_memo(session, study.memos["naming"], delete=True, actor=OPERATOR)
    for memo_id in _flagged(session):
        review_memo(session, memo_id, actor=OPERATOR)


def test_after_review_no_table_keeps_any_trace(database, study, erased):
    with database.transaction() as session:
        review_all(session, study)
    with database.transaction() as session:
        assert traces_in_tables(session) == []
        assert not _flagged(session)
        reviews = session.scalars(select(EventRow).where(EventRow.action == "memo.review")).all()
        assert sorted(e.details["outcome"] for e in reviews) == ["kept"] * 3 + [
            "removed",
            "rewritten",
        ]


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def _qdpx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "ignore") for n in archive.namelist())


def every_export(session) -> dict[str, str]:
    """The text of every export format that carries transcript text, codings or memos."""
    out: dict[str, str] = {}
    for fmt in ("xlsx", "csv"):
        stream = io.BytesIO()
        export_codings(session, stream, format=fmt, viewer=OPERATOR)
        data = stream.getvalue()
        out[f"codings.{fmt}"] = _xlsx_text(data) if fmt == "xlsx" else data.decode("utf-8-sig")
    for key in (CODE, OTHER_CODE):
        for fmt in ("docx", "xlsx"):
            stream = io.BytesIO()
            export_segments(
                session, stream, format=fmt, scheme=SCHEME, code_key=key, viewer=OPERATOR
            )
            read = _docx_text if fmt == "docx" else _xlsx_text
            out[f"segments-{key}.{fmt}"] = read(stream.getvalue())
    for transcript_id in session.scalars(select(TranscriptRow.id)):
        data = transcript_json(session, transcript_id, viewer=OPERATOR)
        out[f"transcript-{transcript_id}.json"] = json.dumps(data, ensure_ascii=False)
    stream = io.BytesIO()
    export_qdpx(session, stream, viewer=OPERATOR)
    out["project.qdpx"] = _qdpx_text(stream.getvalue())
    return out


def test_every_export_and_a_new_project_carry_her_before_the_erasure(database, study):
    with database.transaction() as session:
        exports = every_export(session)
    for name in ("codings.xlsx", "codings.csv", f"segments-{CODE}.docx", "project.qdpx"):
        assert TRACES.search(exports[name]), name


def test_no_export_and_no_new_project_carries_her_afterwards(database, study, erased):
    """Memos flagged for review stay out of every export until a researcher reviews them."""
    with database.transaction() as session:
        assert _flagged(session)  # not reviewed yet
        exports = every_export(session)
    assert len(exports) == 9
    for name, content in exports.items():
        assert not TRACES.search(content), (name, TRACES.search(content))
    assert "Why do you feel watched?" in exports["codings.csv"]  # the kept words are there
    assert WITHDRAWN_SPEAKER in exports[f"segments-{OTHER_CODE}.docx"]


def test_the_audit_log_says_who_erased_and_when_never_what(database, study, erased):
    with database.transaction() as session:
        [event] = session.scalars(select(EventRow).where(EventRow.action == "speaker.erase"))
        assert event.actor_id == study.researcher
        assert event.at is not None
        assert (event.target_type, event.target_id) == ("transcript", study.transcript)
        assert all(isinstance(v, int) for v in event.details.values())
        assert event.details["turns"] == 2 and event.details["codings_removed"] == 3
        # the earlier events lost the quotes and her name, and kept everything else
        updates = session.scalars(select(EventRow).where(EventRow.action == "memo.update")).all()
        assert [e.details for e in updates] == [
            {"before": "First version.", "after": "[erased]"},
            {"before": "[erased]", "after": "[erased]"},
        ]
        [imported] = session.scalars(
            select(EventRow).where(
                EventRow.action == "transcript.import", EventRow.target_id == study.transcript
            )
        )
        assert imported.details["name"] == "interview-[erased]"
        assert imported.details["organisation"] == "Nordlys Bank"
        assert imported.details["turns"] == 6


def test_erasure_is_refused_with_one_clear_sentence(database, study):
    with database.transaction() as session, pytest.raises(NotFound) as missing:
        erase_speaker(session, study.transcript, "Anna", actor=OPERATOR)
    assert "'Anna Hansen', 'Interviewer', 'Mikkel Dahl'" in str(missing.value)
    with database.transaction() as session, pytest.raises(NotFound, match="no transcript"):
        erase_speaker(session, 999_999, "Anna Hansen", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(PermissionDenied):
        erase_speaker(session, study.transcript, "Anna Hansen", actor=study.coder)
    with database.transaction() as session:
        erase_speaker(session, study.transcript, "Anna Hansen", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(NotFound, match="no speaker"):
        erase_speaker(session, study.transcript, "Anna Hansen", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(InvalidInput, match="not marked"):
        review_memo(session, study.memos["plain"], actor=OPERATOR)
    with database.transaction() as session, pytest.raises(PermissionDenied):
        review_memo(session, study.memos["quoting"], actor=study.coder)
    with database.transaction() as session, pytest.raises(InvalidInput, match="not both"):
        review_memo(session, study.memos["quoting"], text="x", delete=True, actor=OPERATOR)


def test_a_role_label_is_erased_from_its_turns_only(database, study):
    # "Coordinator" is a role, not a name: memos and names that say it are not hers.
    with database.transaction() as session:
        add_memo(
            session, text="The coordinator role matters.", actor=OPERATOR, code_id=(SCHEME, CODE)
        )
        report = erase_speaker(session, study.other, "Coordinator", actor=OPERATOR)
        assert report.turns == 1
        assert report.codings_removed == 1
        texts = {m.text: m.needs_review for m in session.scalars(select(MemoRow))}
        assert texts["The coordinator role matters."] is False
        assert texts["Compare with what Anna Hansen said."] is True  # on the transcript
        assert search_transcripts(session, "canteen", viewer=OPERATOR) == []


def test_what_is_left_for_the_researcher_is_reported(database, study):
    # Other speakers naming her, codes quoting her and the same label in another transcript.
    with database.transaction() as session:
        third = import_transcript(
            session,
            b"Interviewer: Anything else?\n\n"
            b"Anna Hansen: No, the quarterly town hall covers everything.\n\n"
            b"Mikkel Dahl: Anna Hansen is right.\n",
            "follow-up.txt",
            organisation="Nordlys Bank",
            role="employee",
            actor=OPERATOR,
        )
        quoting = add_code(
            session,
            SCHEME,
            key="town-halls",
            name="Town halls",
            examples=["the quarterly town hall covers everything"],
            actor=OPERATOR,
        )
        add_code(session, SCHEME, key="lunch", name="Lunch", examples=["lunch"], actor=OPERATOR)
        report = erase_speaker(session, third.id, "Anna Hansen", actor=OPERATOR)
        assert report.mentions_left == 1
        assert report.codes_to_review == (quoting.id,)
        assert report.elsewhere == (study.transcript,)


# SQLite only: PostgreSQL keeps old row versions until VACUUM (see the module docstring).
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_sqlite_file_keeps_no_copy_of_her_words(database, study, erased, backend):
    with database.transaction() as session:
        review_all(session, study)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    path = database.engine.url.database
    data = Path(path).read_bytes()
    for word in (b"xylophonist", b"kumquat", b"zeppelin", b"Hansen"):
        assert word not in data, word


def test_cli_erases_a_speaker_and_says_what_it_did(database, study):
    result = CliRunner().invoke(
        app, ["erase", "speaker", "--transcript", str(study.transcript), "--speaker", "Anna Hansen"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"Transcript {study.transcript}: 2 turns redacted, 3 codings removed (1 trimmed), "
        "5 memos flagged for review."
    )
    assert "Memos to review" in result.output
    with database.transaction() as session:
        assert session.scalar(select(TurnRow.id).where(TurnRow.speaker == "Anna Hansen")) is None
    again = CliRunner().invoke(
        app, ["erase", "speaker", "--transcript", str(study.transcript), "--speaker", "Anna Hansen"]
    )
    assert again.exit_code == 1
    assert again.output.startswith("Error: ") and "no speaker" in again.output
    assert "Traceback" not in again.output
    reviewed = CliRunner().invoke(
        app, ["erase", "review-memo", str(study.memos["naming"]), "--delete"]
    )
    assert reviewed.exit_code == 0, reviewed.output
    assert reviewed.output.strip() == f"Memo {study.memos['naming']} deleted."


def test_cli_erases_as_a_named_account(database, study):
    result = CliRunner().invoke(
        app,
        [
            "erase",
            "speaker",
            "--transcript",
            str(study.transcript),
            "--speaker",
            "Mikkel Dahl",
            "--as",
            "carl@example.org",
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    with database.transaction() as session:
        assert session.scalar(select(TurnRow.id).where(TurnRow.withdrawn)) is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a SQLite file's free space
def test_sqlite_erases_in_place_even_where_deleting_leaves_bytes_behind(
    database, backend, tmp_path
):

    @event.listens_for(database.engine, "connect")
    def _keep_deleted_bytes(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA secure_delete = OFF")

    database.engine.dispose()
    with database.transaction() as session:
        study = build_study(session, tmp_path)
    with database.transaction() as session:
        erase_speaker(session, study.transcript, "Anna Hansen", actor=OPERATOR)
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 0
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    data = Path(database.engine.url.database).read_bytes()
    assert b"kumquat" not in data


def test_the_transcripts_page_erases_a_speaker_once_confirmed(database, study):
    at = open_app_page(
        AccountInfo(study.researcher, "rita@example.org", "researcher", "Rita", None, None),
        "transcripts.py",
    )
    assert not at.exception, at.exception
    at.selectbox(key="transcripts_show").set_value(study.transcript).run()
    assert at.selectbox(key="transcripts_erase_speaker").options == [
        "Anna Hansen",
        "Interviewer",
        "Mikkel Dahl",
    ]
    at.selectbox(key="transcripts_erase_speaker").set_value("Anna Hansen")
    [button] = [b for b in at.button if b.label == "Erase speaker"]
    button.click().run()
    assert any("Tick the box" in w.value for w in at.warning)
    with database.transaction() as session:
        assert session.scalar(select(TurnRow.id).where(TurnRow.withdrawn)) is None
    at.checkbox(key="transcripts_erase_sure").check()
    [button] = [b for b in at.button if b.label == "Erase speaker"]
    button.click().run()
    assert not at.exception, at.exception
    assert any("2 turns redacted" in s.value for s in at.success), [s.value for s in at.success]
    assert "Anna Hansen" not in at.selectbox(key="transcripts_erase_speaker").options
    assert not any("xylophonist" in t.value for t in at.text)


def test_a_coder_gets_no_erase_form(database, study):
    at = open_app_page(
        AccountInfo(study.coder, "carl@example.org", "coder", "Carl", None, None), "transcripts.py"
    )
    assert not at.exception, at.exception
    assert at.selectbox(key="transcripts_show").value == study.transcript
    assert not [e for e in at.expander if e.label == "Erase an interviewee"]
    assert any("xylophonist" in t.value for t in at.text)
