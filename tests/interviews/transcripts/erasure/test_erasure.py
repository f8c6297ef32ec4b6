"""Erasing an interviewee who withdrew (issue 26): their turns, codings only on their words,
memos that may quote them, search and the database file itself, on both databases."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from erasure_study import (
    CODE,
    QUOTE,
    SCHEME,
    build_study,
    flagged_memos,
    review_all,
    traces_in_tables,
)
from sqlalchemy import event, select

from study.admin.permissions import OPERATOR
from study.db.models import CodingRow, EventRow, MemoRow, TranscriptRow
from study.errors import InvalidInput, NotFound, PermissionDenied
from study.interviews.coding.codes import add_code
from study.interviews.coding.memos import add_memo
from study.interviews.search import search_transcripts
from study.interviews.transcripts.erasure import (
    FILLER,
    WITHDRAWN_SPEAKER,
    erase_speaker,
    review_memo,
)
from study.interviews.transcripts.store import import_transcript, transcript_json


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


def test_no_table_keeps_a_trace_but_the_memos_flagged_for_review(database, study, erased):
    with database.transaction() as session:
        flagged = flagged_memos(session)
        allowed = frozenset(("memo", "text", memo_id) for memo_id in flagged)
        assert traces_in_tables(session, allowed) == []
        # and those are the memos that quote or name her
        assert {row[2] for row in traces_in_tables(session)} == {
            study.memos["quoting"],
            study.memos["naming"],
        }


def test_after_review_no_table_keeps_any_trace(database, study, erased):
    with database.transaction() as session:
        review_all(session, study)
    with database.transaction() as session:
        assert traces_in_tables(session) == []
        assert not flagged_memos(session)
        reviews = session.scalars(select(EventRow).where(EventRow.action == "memo.review")).all()
        assert sorted(e.details["outcome"] for e in reviews) == ["kept"] * 3 + [
            "removed",
            "rewritten",
        ]


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
