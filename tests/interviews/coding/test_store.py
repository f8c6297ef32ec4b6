"""Schemes, codes, codings and memos in the database (study.interviews.coding), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from conftest import DATA
from sqlalchemy import func, select

from study.admin.accounts import add_account
from study.admin.audit import list_events
from study.admin.organisations import add_organisation
from study.db.models import Code, Coding, CodingScheme, Memo, Transcript, Turn
from study.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from study.interviews.coding import (active_scheme, add_code, add_coding, add_memo, code_turn,
                                     get_code, list_codes, list_codings, list_memos, list_schemes,
                                     load_scheme_into_db, merge_codes, move_code, recode,
                                     recolour_code, remove_coding, rename_code, update_code,
                                     update_memo)
from study.interviews.schemes import load_scheme
from study.interviews.suggestions import suggest_passages
from study.interviews.transcripts.parsing import parse_transcript
from coding_study import CODING, seed_transcript, seed_coders, span_of


@pytest.fixture
def coded(session):
    """A session with the tiny scheme, one transcript and two coders."""
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    transcript = seed_transcript(session)
    ana, ben = seed_coders(session)
    return session, transcript, ana, ben


# -- schemes ------------------------------------------------------------------------------


def test_loading_the_same_scheme_version_again_changes_nothing(session):
    first = load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    again = load_scheme_into_db(session, load_scheme(CODING / "tiny-1.0.yaml"))
    assert first.created and not again.created and again.id == first.id
    assert first.code_count == 4
    assert session.scalar(select(func.count(CodingScheme.id))) == 1
    assert session.scalar(select(func.count(Code.id))) == 4
    assert list(list_events(session, action_prefix="scheme.")["action"]) == ["scheme.load"]


def test_a_new_version_gets_its_own_codes_and_the_newest_version_is_active(session):
    load_scheme_into_db(session, CODING / "tiny-1.10.yaml")
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    load_scheme_into_db(session, CODING / "tiny-1.9.yaml")
    # 1.10 is newer than 1.9 although it sorts before it as text, and was loaded first.
    assert active_scheme(session, "tiny").version == "1.10"
    versions = [(s.version, s.active, s.code_count) for s in list_schemes(session)]
    assert versions == [("1.0", False, 4), ("1.9", False, 4), ("1.10", True, 5)]
    assert [c.key for c in list_codes(session, "tiny")] == [
        "ideas", "barriers", "no-time", "fear", "benefits"]
    assert session.scalar(select(func.count(Code.id))) == 13


def test_a_changed_file_with_the_same_version_is_refused(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    with pytest.raises(AlreadyExists, match="new version number"):
        load_scheme_into_db(session, CODING / "tiny-1.0-changed.yaml")


def test_codes_keep_the_file_hierarchy_and_are_found_by_id_or_key(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    codes = list_codes(session, "tiny")
    assert [(c.key, c.parent, c.depth) for c in codes] == [
        ("barriers", None, 0), ("no-time", "barriers", 1), ("fear", "barriers", 1),
        ("benefits", None, 0)]
    no_time = get_code(session, ("tiny", "no-time"))
    assert get_code(session, no_time.id) == no_time
    assert no_time.keywords == {"en": ["busy", "no time"], "da": ["travlt"]}
    with pytest.raises(NotFound, match="no code 'nope'"):
        get_code(session, ("tiny", "nope"))
    with pytest.raises(NotFound, match="no coding scheme 'other'"):
        get_code(session, ("other", "no-time"))


# -- editing codes ------------------------------------------------------------------------


def test_code_edits_change_the_tree_and_each_writes_an_event(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    added = add_code(session, "tiny", key="no-budget", name="No budget", parent="barriers",
                     colour="#aabbcc", definition="Money is missing.")
    assert (added.parent, added.colour, added.depth) == ("barriers", "#AABBCC", 1)
    assert rename_code(session, ("tiny", "no-budget"), "No money").name == "No money"
    assert recolour_code(session, added.id, "#112233").colour == "#112233"
    moved = move_code(session, ("tiny", "no-budget"), None)
    assert (moved.parent, moved.depth) == (None, 0)
    assert move_code(session, added.id, "benefits").parent == "benefits"
    actions = list(list_events(session, action_prefix="code.")["action"])
    assert actions == ["code.move", "code.move", "code.recolour", "code.rename", "code.add"]
    with pytest.raises(AlreadyExists):
        add_code(session, "tiny", key="no-budget", name="Again")
    with pytest.raises(InvalidInput, match="#RRGGBB"):
        recolour_code(session, added.id, "red")
    with pytest.raises(InvalidInput, match="lower-case"):
        add_code(session, "tiny", key="No Budget", name="x")


def test_updating_a_definition_logs_the_old_and_new_text_and_no_change_logs_nothing(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    code = update_code(session, ("tiny", "fear"), definition="Afraid of colleagues' eyes.",
                       keywords={"da": ["bange"]})
    assert code.definition == "Afraid of colleagues' eyes." and code.keywords == {"da": ["bange"]}
    update_code(session, ("tiny", "fear"), definition="Afraid of colleagues' eyes.")
    events = list_events(session, action_prefix="code.")
    assert list(events["action"]) == ["code.update"]
    assert events.iloc[0]["details"]["changes"]["definition"] == [
        "Afraid of what others think.", "Afraid of colleagues' eyes."]


def test_moving_a_code_under_its_own_subcode_is_refused(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    with pytest.raises(InvalidInput, match="under itself or one of its subcodes"):
        move_code(session, ("tiny", "barriers"), "fear")
    with pytest.raises(InvalidInput, match="under itself"):
        move_code(session, ("tiny", "barriers"), "barriers")
    assert get_code(session, ("tiny", "fear")).parent == "barriers"


def test_merging_moves_codings_collapses_duplicates_and_moves_memos(coded):
    session, transcript, ana, ben = coded
    fear, no_time = get_code(session, ("tiny", "fear")), get_code(session, ("tiny", "no-time"))
    start, end = span_of(session, transcript, "People are afraid of being judged")
    other = span_of(session, transcript, "nobody has time for it")
    # Ana coded the passage with both codes: after the merge that is one coding, not two.
    kept = add_coding(session, transcript_id=transcript, start=start, end=end,
                      code_id=no_time.id, coder_id=ana)
    twin = add_coding(session, transcript_id=transcript, start=start, end=end, code_id=fear.id,
                      coder_id=ana)
    add_coding(session, transcript_id=transcript, start=start, end=end, code_id=fear.id,
               coder_id=ben)
    add_coding(session, transcript_id=transcript, start=other[0], end=other[1], code_id=fear.id,
               coder_id=ana)
    add_memo(session, text="Fear is about the audience.", author_id=ana, code_id=fear.id)
    add_memo(session, text="Clear case.", author_id=ana, coding_id=twin.id)

    result = merge_codes(session, fear.id, ("tiny", "no-time"))

    assert (result.moved, result.collapsed, result.memos_moved) == (2, 1, 2)
    codings = list_codings(session, scheme="tiny")
    assert set(codings["code"]) == {"no-time"} and len(codings) == 3
    assert session.get(Code, fear.id).merged_into_id == no_time.id
    assert [m.text for m in list_memos(session, code_id=no_time.id)] == [
        "Fear is about the audience."]
    assert [m.text for m in list_memos(session, coding_id=kept.id)] == ["Clear case."]
    assert "fear" not in [c.key for c in list_codes(session, "tiny")]
    event = list_events(session, action_prefix="code.merge").iloc[0]
    assert event["details"]["source"] == "fear" and event["details"]["collapsed"] == 1
    with pytest.raises(InvalidInput, match="merged into 'no-time'"):
        add_coding(session, transcript_id=transcript, start=0, end=5, code_id=fear.id,
                   coder_id=ana)


def test_merging_a_parent_into_its_subcode_puts_the_subcode_in_its_place(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
    result = merge_codes(session, ("tiny", "barriers"), ("tiny", "fear"))
    assert result.subcodes_moved == 2
    assert [(c.key, c.parent) for c in list_codes(session, "tiny")] == [
        ("fear", None), ("no-time", "fear"), ("benefits", None)]


# -- codings ------------------------------------------------------------------------------


@pytest.mark.parametrize("passage", ["busy all day 😀 and nobody", "😀",
                                     "afraid of being judged, på Østerbro især"])
def test_offsets_count_code_points_so_the_snippet_is_the_selected_text(database, passage):
    with database.transaction() as session:
        load_scheme_into_db(session, CODING / "tiny-1.0.yaml")
        transcript = seed_transcript(session)
        ana, _ = seed_coders(session)
        start, end = span_of(session, transcript, passage)
        add_coding(session, transcript_id=transcript, start=start, end=end,
                   code_id=("tiny", "no-time"), coder_id=ana)
    with database.transaction() as session:
        stored = session.scalar(select(Coding))
        text = session.get(Transcript, transcript).text
        assert stored.snippet == passage == text[stored.start:stored.end]
        # The emoji is one code point (two UTF-16 units): offsets after it are not shifted.
        assert stored.end - stored.start == len(passage)
        assert list(list_codings(session)["text"]) == [passage]


def test_spans_outside_the_text_and_exact_duplicates_are_refused(coded):
    session, transcript, ana, ben = coded
    length = len(session.get(Transcript, transcript).text)
    for start, end in [(-1, 3), (5, 5), (7, 3), (0, length + 1)]:
        with pytest.raises(InvalidInput, match="inside the transcript"):
            add_coding(session, transcript_id=transcript, start=start, end=end,
                       code_id=("tiny", "fear"), coder_id=ana)
    add_coding(session, transcript_id=transcript, start=0, end=length, code_id=("tiny", "fear"),
               coder_id=ana)
    with pytest.raises(AlreadyExists):
        add_coding(session, transcript_id=transcript, start=0, end=length,
                   code_id=("tiny", "fear"), coder_id=ana)
    # The same span by another coder or with another code is a different coding.
    add_coding(session, transcript_id=transcript, start=0, end=length, code_id=("tiny", "fear"),
               coder_id=ben)
    add_coding(session, transcript_id=transcript, start=0, end=length,
               code_id=("tiny", "no-time"), coder_id=ana)
    with pytest.raises(InvalidInput, match="origin"):
        add_coding(session, transcript_id=transcript, start=0, end=2, code_id=("tiny", "fear"),
                   coder_id=ana, origin="guess")
    assert len(list_codings(session)) == 3


def test_an_accepted_keyword_suggestion_is_marked_as_such(coded):
    session, transcript, ana, _ = coded
    row = session.get(Transcript, transcript)
    suggestion = next(s for s in suggest_passages(row.text, row.turns,
                                                  load_scheme(CODING / "tiny-1.0.yaml"),
                                                  language="en") if s.code_id == "fear")
    info = add_coding(session, transcript_id=transcript, start=suggestion.start,
                      end=suggestion.end, code_id=("tiny", suggestion.code_id), coder_id=ana,
                      origin="suggestion", actor_id=ana)
    assert info.text == suggestion.sentence and info.origin == "suggestion"
    assert list(list_codings(session)["origin"]) == ["suggestion"]


def test_coding_a_turn_covers_the_utterance_without_the_speaker_label(coded):
    session, transcript, ana, _ = coded
    info = code_turn(session, transcript_id=transcript, position=1, code_id=("tiny", "no-time"),
                     coder_id=ana)
    assert info.text.startswith("Honestly, we are busy") and not info.text.startswith("Anna")
    turn = session.scalar(select(Turn).where(Turn.transcript_id == transcript,
                                             Turn.position == 3))
    by_id = code_turn(session, transcript_id=transcript, turn_id=turn.id,
                      code_id=("tiny", "benefits"), coder_id=ana)
    assert (by_id.start, by_id.end) == (turn.start, turn.end)
    with pytest.raises(NotFound, match="no turn with position 9"):
        code_turn(session, transcript_id=transcript, position=9, code_id=("tiny", "fear"),
                  coder_id=ana)


def test_recode_and_remove_write_events_and_removal_takes_the_memos(coded):
    session, transcript, ana, _ = coded
    info = add_coding(session, transcript_id=transcript, start=0, end=11,
                      code_id=("tiny", "fear"), coder_id=ana, actor_id=ana)
    add_memo(session, text="Only the label.", author_id=ana, coding_id=info.id)
    assert recode(session, info.id, ("tiny", "benefits"), actor_id=ana).code == "benefits"
    remove_coding(session, info.id, actor_id=ana)
    assert session.scalar(select(func.count(Coding.id))) == 0
    assert session.scalar(select(func.count(Memo.id))) == 0
    events = list_events(session, action_prefix="coding.")
    assert list(events["action"]) == ["coding.remove", "coding.recode", "coding.add"]
    assert events.iloc[1]["details"]["from"] == "fear"
    assert set(events["actor"]) == {"ana@example.org"}


def test_blind_coding_lists_by_coder_and_a_coder_cannot_touch_anothers_codings(coded):
    session, transcript, ana, ben = coded
    mine = add_coding(session, transcript_id=transcript, start=0, end=11,
                      code_id=("tiny", "fear"), coder_id=ana, actor_id=ana)
    add_coding(session, transcript_id=transcript, start=2, end=11, code_id=("tiny", "fear"),
               coder_id=ben, actor_id=ben)
    assert list(list_codings(session, coder_ids=[ana])["coder"]) == ["ana@example.org"]
    with pytest.raises(PermissionDenied):
        remove_coding(session, mine.id, actor_id=ben)
    with pytest.raises(PermissionDenied):
        add_coding(session, transcript_id=transcript, start=0, end=4, code_id=("tiny", "fear"),
                   coder_id=ana, actor_id=ben)
    researcher = add_account(session, "rita@example.org", role="researcher", password=None)
    remove_coding(session, mine.id, actor_id=researcher.id)


# -- memos --------------------------------------------------------------------------------


def test_a_memo_belongs_to_exactly_one_thing_and_edits_are_logged(coded):
    session, transcript, ana, ben = coded
    coding = add_coding(session, transcript_id=transcript, start=0, end=11,
                        code_id=("tiny", "fear"), coder_id=ana)
    on_transcript = add_memo(session, text="Long pause here.", author_id=ana,
                             transcript_id=transcript)
    on_code = add_memo(session, text="Define the audience.", author_id=ben,
                       code_id=("tiny", "fear"))
    on_coding = add_memo(session, text="Borderline.", author_id=ana, coding_id=coding.id)
    assert (on_transcript.target, on_code.target, on_coding.target) == (
        "transcript", "code", "coding")
    with pytest.raises(InvalidInput, match="exactly one"):
        add_memo(session, text="Two homes.", author_id=ana, transcript_id=transcript,
                 coding_id=coding.id)
    with pytest.raises(InvalidInput, match="needs some text"):
        add_memo(session, text="  ", author_id=ana, transcript_id=transcript)
    assert [m.text for m in list_memos(session, author_ids=[ana])] == [
        "Long pause here.", "Borderline."]
    assert [m.text for m in list_memos(session, transcript_id=transcript,
                                       include_codings=True)] == [
        "Long pause here.", "Borderline."]
    assert update_memo(session, on_code.id, "Define who reads.", actor_id=ben).text == \
        "Define who reads."
    with pytest.raises(PermissionDenied):
        update_memo(session, on_code.id, "Mine now.", actor_id=ana)
    assert list(list_events(session, action_prefix="memo.")["action"]) == [
        "memo.update", "memo.add", "memo.add", "memo.add"]
