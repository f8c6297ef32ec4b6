"""The erasure tests' study: an interviewee (Anna Hansen) who withdrew, in two transcripts,
with codings, memos and exports that name or quote her, and scans for any trace of her."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import JSON, String, select, text

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import Base, MemoRow
from study.exchange.qdpx import export_qdpx
from study.interviews.coding.codings import add_coding, code_turn, remove_coding
from study.interviews.coding.memos import add_memo, update_memo
from study.interviews.coding.schemes_store import load_scheme_into_db
from study.interviews.transcripts.erasure import review_memo
from study.interviews.transcripts.store import import_transcript, transcript_json

from conftest import ROOT, add_user

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


def flagged_memos(session) -> dict[int, MemoRow]:
    """The memos flagged for review, by id."""
    return {m.id: m for m in session.scalars(select(MemoRow).where(MemoRow.needs_review))}


def review_all(session, study) -> None:
    """What the researcher does next: rewrite the memos that quote or name her, keep the rest."""
    review_memo(session, study.memos["quoting"], text="Employees feel watched.", actor=OPERATOR)
    review_memo(session, study.memos["naming"], delete=True, actor=OPERATOR)
    for memo_id in flagged_memos(session):
        review_memo(session, memo_id, actor=OPERATOR)
