"""Schemes, codes, codings and memos in the database (study.interviews.coding), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from study.admin.accounts import add_account
from study.admin.audit import list_events
from study.admin.permissions import OPERATOR
from study.db.models import CodeRow, CodingRow, CodingSchemeRow, MemoRow, TranscriptRow, TurnRow
from study.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from study.interviews.coding import (
    active_scheme,
    add_code,
    add_memo,
    code_turn,
    get_code,
    list_codes,
    list_codings,
    list_memos,
    list_schemes,
    load_scheme_into_db,
    merge_codes,
    move_code,
    recode,
    recolour_code,
    remove_coding,
    rename_code,
    update_code,
    update_memo,
)
from study.interviews.schemes import load_scheme
from study.interviews.suggestions import suggest_passages

from coding_study import CODING, code_span, seed_tiny_study, span_of


@pytest.fixture
def coded(session):
    """A session with the tiny scheme, one transcript and two coders."""
    return session, *seed_tiny_study(session)


# -- schemes ------------------------------------------------------------------------------


def test_loading_the_same_scheme_version_again_changes_nothing(session):
    first = load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    again = load_scheme_into_db(session, load_scheme(CODING / "tiny-1.0.yaml"), actor=OPERATOR)
    assert first.created and not again.created and again.id == first.id
    assert first.code_count == 4
    assert session.scalar(select(func.count(CodingSchemeRow.id))) == 1
    assert session.scalar(select(func.count(CodeRow.id))) == 4
    assert list(list_events(session, action_prefix="scheme.", viewer=OPERATOR)["action"]) == [
        "scheme.load"
    ]


def test_a_new_version_gets_its_own_codes_and_the_newest_version_is_active(session):
    load_scheme_into_db(session, CODING / "tiny-1.10.yaml", actor=OPERATOR)
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    load_scheme_into_db(session, CODING / "tiny-1.9.yaml", actor=OPERATOR)
    # 1.10 is newer than 1.9 although it sorts before it as text, and was loaded first.
    assert active_scheme(session, "tiny", viewer=OPERATOR).version == "1.10"
    versions = [(s.version, s.active, s.code_count) for s in list_schemes(session, viewer=OPERATOR)]
    assert versions == [("1.0", False, 4), ("1.9", False, 4), ("1.10", True, 5)]
    assert [c.key for c in list_codes(session, "tiny", viewer=OPERATOR)] == [
        "ideas",
        "barriers",
        "no-time",
        "fear",
        "benefits",
    ]
    assert session.scalar(select(func.count(CodeRow.id))) == 13


def test_a_changed_file_with_the_same_version_is_refused(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    with pytest.raises(AlreadyExists, match="new version number"):
        load_scheme_into_db(session, CODING / "tiny-1.0-changed.yaml", actor=OPERATOR)


def test_codes_keep_the_file_hierarchy_and_are_found_by_id_or_key(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    codes = list_codes(session, "tiny", viewer=OPERATOR)
    assert [(c.key, c.parent, c.depth) for c in codes] == [
        ("barriers", None, 0),
        ("no-time", "barriers", 1),
        ("fear", "barriers", 1),
        ("benefits", None, 0),
    ]
    no_time = get_code(session, ("tiny", "no-time"))
    assert get_code(session, no_time.id) == no_time
    assert no_time.keywords == {"en": ["busy", "no time"], "da": ["travlt"]}
    with pytest.raises(NotFound, match="no code 'nope'"):
        get_code(session, ("tiny", "nope"))
    with pytest.raises(NotFound, match="no coding scheme 'other'"):
        get_code(session, ("other", "no-time"))


# -- editing codes ------------------------------------------------------------------------


def test_code_edits_change_the_tree_and_each_writes_an_event(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    added = add_code(
        session,
        "tiny",
        key="no-budget",
        name="No budget",
        parent="barriers",
        colour="#aabbcc",
        definition="Money is missing.",
        actor=OPERATOR,
    )
    assert (added.parent, added.colour, added.depth) == ("barriers", "#AABBCC", 1)
    assert (
        rename_code(session, ("tiny", "no-budget"), "No money", actor=OPERATOR).name == "No money"
    )
    assert recolour_code(session, added.id, "#112233", actor=OPERATOR).colour == "#112233"
    moved = move_code(session, ("tiny", "no-budget"), None, actor=OPERATOR)
    assert (moved.parent, moved.depth) == (None, 0)
    assert move_code(session, added.id, "benefits", actor=OPERATOR).parent == "benefits"
    actions = list(list_events(session, action_prefix="code.", viewer=OPERATOR)["action"])
    assert actions == ["code.move", "code.move", "code.recolour", "code.rename", "code.add"]
    with pytest.raises(AlreadyExists):
        add_code(session, "tiny", key="no-budget", name="Again", actor=OPERATOR)
    with pytest.raises(InvalidInput, match="#RRGGBB"):
        recolour_code(session, added.id, "red", actor=OPERATOR)
    with pytest.raises(InvalidInput, match="lower-case"):
        add_code(session, "tiny", key="No Budget", name="x", actor=OPERATOR)


def test_updating_a_definition_logs_the_old_and_new_text_and_no_change_logs_nothing(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    code = update_code(
        session,
        ("tiny", "fear"),
        definition="Afraid of colleagues' eyes.",
        keywords={"da": ["bange"]},
        actor=OPERATOR,
    )
    assert code.definition == "Afraid of colleagues' eyes." and code.keywords == {"da": ["bange"]}
    update_code(session, ("tiny", "fear"), definition="Afraid of colleagues' eyes.", actor=OPERATOR)
    events = list_events(session, action_prefix="code.", viewer=OPERATOR)
    assert list(events["action"]) == ["code.update"]
    assert events.iloc[0]["details"]["changes"]["definition"] == [
        "Afraid of what others think.",
        "Afraid of colleagues' eyes.",
    ]


def test_moving_a_code_under_its_own_subcode_is_refused(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    with pytest.raises(InvalidInput, match="under itself or one of its subcodes"):
        move_code(session, ("tiny", "barriers"), "fear", actor=OPERATOR)
    with pytest.raises(InvalidInput, match="under itself"):
        move_code(session, ("tiny", "barriers"), "barriers", actor=OPERATOR)
    assert get_code(session, ("tiny", "fear")).parent == "barriers"


def test_merging_moves_codings_collapses_duplicates_and_moves_memos(coded):
    session, transcript, ana, ben = coded
    fear, no_time = get_code(session, ("tiny", "fear")), get_code(session, ("tiny", "no-time"))
    start, end = span_of(session, transcript, "People are afraid of being judged")
    other = span_of(session, transcript, "nobody has time for it")
    # Ana coded the passage with both codes: after the merge that is one coding, not two.
    kept = code_span(session, transcript, start, end, no_time.id, ana)
    twin = code_span(session, transcript, start, end, fear.id, ana)
    code_span(session, transcript, start, end, fear.id, ben)
    code_span(session, transcript, *other, fear.id, ana)
    add_memo(session, text="Fear is about the audience.", actor=ana, code_id=fear.id)
    add_memo(session, text="Clear case.", actor=ana, coding_id=twin.id)

    result = merge_codes(session, fear.id, ("tiny", "no-time"), actor=OPERATOR)

    assert (result.moved, result.collapsed, result.memos_moved) == (2, 1, 2)
    codings = list_codings(session, scheme="tiny", viewer=OPERATOR)
    assert set(codings["code"]) == {"no-time"} and len(codings) == 3
    assert session.get(CodeRow, fear.id).merged_into_id == no_time.id
    assert [m.text for m in list_memos(session, code_id=no_time.id, viewer=OPERATOR)] == [
        "Fear is about the audience."
    ]
    assert [m.text for m in list_memos(session, coding_id=kept.id, viewer=OPERATOR)] == [
        "Clear case."
    ]
    assert "fear" not in [c.key for c in list_codes(session, "tiny", viewer=OPERATOR)]
    event = list_events(session, action_prefix="code.merge", viewer=OPERATOR).iloc[0]
    assert event["details"]["source"] == "fear" and event["details"]["collapsed"] == 1
    with pytest.raises(InvalidInput, match="merged into 'no-time'"):
        code_span(session, transcript, 0, 5, fear.id, ana)


def test_merging_a_parent_into_its_subcode_puts_the_subcode_in_its_place(session):
    load_scheme_into_db(session, CODING / "tiny-1.0.yaml", actor=OPERATOR)
    result = merge_codes(session, ("tiny", "barriers"), ("tiny", "fear"), actor=OPERATOR)
    assert result.subcodes_moved == 2
    assert [(c.key, c.parent) for c in list_codes(session, "tiny", viewer=OPERATOR)] == [
        ("fear", None),
        ("no-time", "fear"),
        ("benefits", None),
    ]


# -- codings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "passage", ["busy all day 😀 and nobody", "😀", "afraid of being judged, på Østerbro især"]
)
def test_offsets_count_code_points_so_the_snippet_is_the_selected_text(database, passage):
    with database.transaction() as session:
        transcript, ana, _ = seed_tiny_study(session)
        code_span(
            session, transcript, *span_of(session, transcript, passage), ("tiny", "no-time"), ana
        )
    with database.transaction() as session:
        stored = session.scalar(select(CodingRow))
        text = session.get(TranscriptRow, transcript).text
        assert stored.snippet == passage == text[stored.start : stored.end]
        # The emoji is one code point (two UTF-16 units): offsets after it are not shifted.
        assert stored.end - stored.start == len(passage)
        assert list(list_codings(session, viewer=OPERATOR)["text"]) == [passage]


def test_spans_outside_the_text_and_exact_duplicates_are_refused(coded):
    session, transcript, ana, ben = coded
    length = len(session.get(TranscriptRow, transcript).text)
    fear = ("tiny", "fear")
    for start, end in [(-1, 3), (5, 5), (7, 3), (0, length + 1)]:
        with pytest.raises(InvalidInput, match="inside the transcript"):
            code_span(session, transcript, start, end, fear, ana)
    code_span(session, transcript, 0, length, fear, ana)
    with pytest.raises(AlreadyExists):
        code_span(session, transcript, 0, length, fear, ana)
    # The same span by another coder or with another code is a different coding.
    code_span(session, transcript, 0, length, fear, ben)
    code_span(session, transcript, 0, length, ("tiny", "no-time"), ana)
    with pytest.raises(InvalidInput, match="origin"):
        code_span(session, transcript, 0, 2, fear, ana, origin="guess")
    assert len(list_codings(session, viewer=OPERATOR)) == 3


def test_an_accepted_keyword_suggestion_is_marked_as_such(coded):
    session, transcript, ana, _ = coded
    row = session.get(TranscriptRow, transcript)
    suggestion = next(
        s
        for s in suggest_passages(
            row.text, row.turns, load_scheme(CODING / "tiny-1.0.yaml"), language="en"
        )
        if s.code_id == "fear"
    )
    info = code_span(
        session,
        transcript,
        suggestion.start,
        suggestion.end,
        ("tiny", suggestion.code_id),
        ana,
        origin="suggestion",
        actor=ana,
    )
    assert info.text == suggestion.sentence and info.origin == "suggestion"
    assert list(list_codings(session, viewer=OPERATOR)["origin"]) == ["suggestion"]


def test_coding_a_turn_covers_the_utterance_without_the_speaker_label(coded):
    session, transcript, ana, _ = coded

    def code(key, **turn):  # turn: position= or turn_id=
        return code_turn(
            session,
            transcript_id=transcript,
            code_id=("tiny", key),
            coder_id=ana,
            actor=OPERATOR,
            **turn,
        )

    info = code("no-time", position=1)
    assert info.text.startswith("Honestly, we are busy") and not info.text.startswith("Anna")
    turn = session.scalar(
        select(TurnRow).where(TurnRow.transcript_id == transcript, TurnRow.position == 3)
    )
    by_id = code("benefits", turn_id=turn.id)
    assert (by_id.start, by_id.end) == (turn.start, turn.end)
    with pytest.raises(NotFound, match="no turn with position 9"):
        code("fear", position=9)


def test_recode_and_remove_write_events_and_removal_takes_the_memos(coded):
    session, transcript, ana, _ = coded
    info = code_span(session, transcript, 0, 11, ("tiny", "fear"), ana, actor=ana)
    add_memo(session, text="Only the label.", actor=ana, coding_id=info.id)
    assert recode(session, info.id, ("tiny", "benefits"), actor=ana).code == "benefits"
    remove_coding(session, info.id, actor=ana)
    assert session.scalar(select(func.count(CodingRow.id))) == 0
    assert session.scalar(select(func.count(MemoRow.id))) == 0
    events = list_events(session, action_prefix="coding.", viewer=OPERATOR)
    assert list(events["action"]) == ["coding.remove", "coding.recode", "coding.add"]
    assert events.iloc[1]["details"]["from"] == "fear"
    assert set(events["actor"]) == {"ana@example.org"}


def test_blind_coding_lists_by_coder_and_a_coder_cannot_touch_anothers_codings(coded):
    session, transcript, ana, ben = coded
    mine = code_span(session, transcript, 0, 11, ("tiny", "fear"), ana, actor=ana)
    code_span(session, transcript, 2, 11, ("tiny", "fear"), ben, actor=ben)
    assert list(list_codings(session, coder_ids=[ana], viewer=OPERATOR)["coder"]) == [
        "ana@example.org"
    ]
    with pytest.raises(PermissionDenied):
        remove_coding(session, mine.id, actor=ben)
    with pytest.raises(PermissionDenied):
        code_span(session, transcript, 0, 4, ("tiny", "fear"), ana, actor=ben)
    researcher = add_account(
        session, "rita@example.org", role="researcher", password=None, actor=OPERATOR
    )
    remove_coding(session, mine.id, actor=researcher.id)


# -- memos --------------------------------------------------------------------------------


def test_a_memo_belongs_to_exactly_one_thing_and_edits_are_logged(coded):
    session, transcript, ana, ben = coded
    coding = code_span(session, transcript, 0, 11, ("tiny", "fear"), ana)
    on_transcript = add_memo(session, text="Long pause here.", actor=ana, transcript_id=transcript)
    on_code = add_memo(session, text="Define the audience.", actor=ben, code_id=("tiny", "fear"))
    on_coding = add_memo(session, text="Borderline.", actor=ana, coding_id=coding.id)
    assert (on_transcript.target, on_code.target, on_coding.target) == (
        "transcript",
        "code",
        "coding",
    )
    with pytest.raises(InvalidInput, match="exactly one"):
        add_memo(
            session, text="Two homes.", actor=ana, transcript_id=transcript, coding_id=coding.id
        )
    with pytest.raises(InvalidInput, match="needs some text"):
        add_memo(session, text="  ", actor=ana, transcript_id=transcript)
    assert [m.text for m in list_memos(session, author_ids=[ana], viewer=OPERATOR)] == [
        "Long pause here.",
        "Borderline.",
    ]
    assert [
        m.text
        for m in list_memos(
            session, transcript_id=transcript, include_codings=True, viewer=OPERATOR
        )
    ] == ["Long pause here.", "Borderline."]
    assert (
        update_memo(session, on_code.id, "Define who reads.", actor_id=ben).text
        == "Define who reads."
    )
    with pytest.raises(PermissionDenied):
        update_memo(session, on_code.id, "Mine now.", actor_id=ana)
    assert list(list_events(session, action_prefix="memo.", viewer=OPERATOR)["action"]) == [
        "memo.update",
        "memo.add",
        "memo.add",
        "memo.add",
    ]
