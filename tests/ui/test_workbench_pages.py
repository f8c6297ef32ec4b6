"""Coding workbench and coded-segments pages (AppTest), and the view the span selector draws.

The span selector is a browser component that AppTest cannot drive, so these
tests read the data the page hands it and run its actions through
:func:`study.interviews.coding.workbench_actions.run_actions` on a real database;
tests/test_e2e_coding.py selects and codes with a real mouse and keyboard.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.admin.studies import ensure_study
from study.interviews.coding import (
    list_codes,
    list_codings,
    list_memos,
    load_scheme_into_db,
    set_blind,
)
from study.interviews.coding.span_view import Mark, build_span_view, tidy_span
from study.interviews.coding.workbench_actions import WorkbenchTarget, run_actions
from study.interviews.coding.workbench_data import (
    coding_marks,
    pending_suggestions,
    suggestion_key,
    view_version,
)
from study.interviews.suggestions import Suggestion
from study.interviews.transcripts.store import transcript_json
from study.interviews.transcripts.transcript import Turn

from coding_study import code_passage, import_text
from conftest import ROOT, add_user

SCHEME_FILE = ROOT / "coding_schemes" / "ism-adoption-challenges.yaml"
TRANSCRIPT = (
    "Interviewer: Hvordan gik lanceringen? 🙂\n\n"
    "Coordinator: Ærligt talt 🙈 the managers said it mattered, but they never posted "
    "anything themselves.\n\n"
    "Interviewer: And your colleagues?\n\n"
    "Coordinator: Many think it is a waste of time. Others are afraid of being judged.\n"
)
PHRASE = "they never posted anything themselves"


@pytest.fixture
def coding_study(database):
    """An organisation, two coders, the adoption scheme, one transcript, one coding each."""
    with database.transaction() as session:
        ensure_study(session)
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        cora = add_user(session, "cora@example.org", "coder", password=None, display_name="Cora")
        bo = add_account(session, "bo@example.org", role="coder", password=None, actor=OPERATOR)
        scheme = load_scheme_into_db(session, SCHEME_FILE, actor=OPERATOR)
        info = import_text(session, TRANSCRIPT, "coordinator-1.txt", language="en")
        codes = {c.key: c.id for c in list_codes(session, scheme.id, viewer=OPERATOR)}
        text = transcript_json(session, info.id, viewer=OPERATOR)["text"]
        code_passage(session, info.id, "waste of time", codes["not-work-related"], cora.id)
        code_passage(session, info.id, "afraid of being judged", codes["fear-of-judgement"], bo.id)
    return {
        "cora": cora,
        "bo": bo,
        "transcript": info.id,
        "codes": codes,
        "text": text,
        "scheme": scheme.id,
    }


def workbench(account) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["account"] = asdict(account)
    at.run()
    return at.switch_page("study/ui/pages/workbench.py").run()


def drawn_view(at: AppTest) -> dict:
    """The data the page handed to the span selector (what the browser would draw)."""
    found = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) == "bidi_component":
                proto = child.proto
                found.append(json.loads(proto.json or proto.mixed.json))
            walk(child)

    walk(at._tree)
    assert len(found) == 1
    return found[0]


def test_coder_sees_the_transcript_with_only_their_own_codings(coding_study):
    at = workbench(coding_study["cora"])
    assert not at.exception
    assert at.title[0].value == "Coding workbench"
    view = drawn_view(at)
    assert [t["speaker"] for t in view["turns"]] == [
        "Interviewer",
        "Coordinator",
        "Interviewer",
        "Coordinator",
    ]
    assert [(m["label"], m["kind"]) for m in view["marks"]] == [("Not work-related", "mine")]
    drawn = "".join(run[2] for turn in view["turns"] for run in turn["runs"])
    assert PHRASE in drawn and "Coordinator:" not in drawn

    at.toggle(key="wb_others").set_value(True).run()
    assert not at.exception
    marks = drawn_view(at)["marks"]
    # one name per account: the display name (Bo's account got its e-mail's local part)
    assert [(m["label"], m["kind"], m["coder"]) for m in marks] == [
        ("Not work-related", "mine", "Cora"),
        ("Fear of being judged", "other", "bo"),
    ]
    tree = drawn_view(at)["tree"]
    assert tree["scheme"] == coding_study["scheme"] and not tree["readonly"]
    assert [c["id"] for c in tree["codes"]] == list(coding_study["codes"].values())


def test_blind_mode_keeps_a_coder_to_their_own_codings_whatever_the_toggle(coding_study, database):
    with database.transaction() as session:
        set_blind(session, coding_study["scheme"], True, actor=OPERATOR)
    at = workbench(coding_study["cora"])
    at.session_state["wb_others"] = True  # as if switched on before blind mode began
    at.run()
    assert not at.exception
    assert at.toggle(key="wb_others").disabled
    assert [m["coder"] or "me" for m in drawn_view(at)["marks"]] == ["me"]
    assert any("Blind coding" in c.value for c in at.caption)


def test_the_organisation_change_shows_that_organisations_transcript(coding_study, database):
    with database.transaction() as session:
        add_organisation(session, "Aalto Works", actor=OPERATOR)
        other = import_text(
            session,
            "Interviewer: Hei?\n\nCoordinator: Moi.\n",
            "aalto-1.txt",
            organisation="Aalto Works",
            language="da",
        )
    at = workbench(coding_study["cora"])
    assert drawn_view(at)["version"].startswith(f"t{other.id}-")  # Aalto sorts first
    at.selectbox(key="wb_org").set_value("Nordlys Bank").run()
    assert not at.exception
    boxes = [b for b in at.selectbox if (b.key or "").startswith("wb_transcript")]
    assert [b.value for b in boxes] == [coding_study["transcript"]]
    assert drawn_view(at)["version"].startswith(f"t{coding_study['transcript']}-")


def test_browser_actions_are_applied_once_through_the_library(coding_study, database):
    text = coding_study["text"]
    start = text.index(PHRASE)
    management = coding_study["codes"]["management-words-not-action"]
    target = WorkbenchTarget(
        coding_study["cora"].id,
        coding_study["transcript"],
        coding_study["scheme"],
        text,
        {management: "Management"},
    )
    done: list[str] = []
    # a padded selection is tidied; the same action sent twice is applied once
    code = {
        "type": "code",
        "id": "s-1",
        "start": start - 1,
        "end": start + len(PHRASE),
        "code": management,
    }
    outcome = run_actions(database, target, [code], done)
    assert outcome.messages == [("success", "Coded with Management.")]
    again = run_actions(
        database,
        target,
        [code, {"type": "invivo", "id": "s-2", "start": start, "end": start + 4}],
        done,
    )
    assert again.messages == [("success", "New in-vivo code “they”, applied.")]
    with database.transaction() as session:
        codings = list_codings(
            session,
            transcript_id=coding_study["transcript"],
            coder_ids=[coding_study["cora"].id],
            viewer=OPERATOR,
        )
    added = codings[codings["start"] == start]
    assert sorted(added["text"]) == ["they", PHRASE]
    assert done == ["s-1", "s-2"]
    # undo takes the in-vivo coding back; bad input is a sentence, never a traceback
    outcome = run_actions(
        database,
        target,
        [
            {"type": "undo", "id": "s-3"},
            {"type": "span", "id": "s-4", "ref": "x", "start": 0, "end": 3},
            {"type": "remove", "id": "s-5", "ref": 99999},
        ],
        done,
    )
    assert outcome.messages[0] == ("success", "Removed the coding just added.")
    assert outcome.messages[1][0] == "error" and "cannot read" in outcome.messages[1][1]
    assert outcome.messages[2] == ("error", "There is no coding with id 99999.")
    # another coder's coding cannot be touched from the browser
    bo_coding = int(added[added["text"] == PHRASE]["id"].iloc[0])
    bo = WorkbenchTarget(
        coding_study["bo"].id, coding_study["transcript"], coding_study["scheme"], text, {}
    )
    outcome = run_actions(database, bo, [{"type": "remove", "id": "b-1", "ref": bo_coding}], [])
    assert outcome.messages[0][0] == "error" and "own codings" in outcome.messages[0][1]


def test_a_coding_is_recoded_removed_and_memoed_from_the_page(coding_study, database):
    at = workbench(coding_study["cora"])
    with database.transaction() as session:
        [coding_id] = list_codings(session, coder_ids=[coding_study["cora"].id], viewer=OPERATOR)[
            "id"
        ]
    at.selectbox(key="wb_coding").set_value(coding_id).run()
    routine = coding_study["codes"]["not-daily-routine"]
    at.selectbox(key="wb_recode").set_value(routine).run()
    [button] = [b for b in at.button if b.label == "Recode"]
    button.click().run()
    assert [s.value for s in at.success] == ["Recoded as Not part of daily routines."]

    at.text_area(key="wb_memo_coding").input("Routine, not legitimacy: re-read later.")
    [button] = [b for b in at.button if b.key == "wb_add_coding_memo"]
    button.click().run()
    with database.transaction() as session:
        assert [m.text for m in list_memos(session, coding_id=coding_id, viewer=OPERATOR)] == [
            "Routine, not legitimacy: re-read later."
        ]

    [button] = [b for b in at.button if b.label == "Remove coding"]
    button.click().run()
    assert not at.exception
    with database.transaction() as session:
        left = list_codings(session, transcript_id=coding_study["transcript"], viewer=OPERATOR)
    assert list(left["coder"]) == ["bo@example.org"]


def test_other_coders_codings_cannot_be_changed_by_a_coder(coding_study, database):
    at = workbench(coding_study["cora"])
    at.toggle(key="wb_others").set_value(True).run()
    with database.transaction() as session:
        [bo_coding] = list_codings(session, coder_ids=[coding_study["bo"].id], viewer=OPERATOR)[
            "id"
        ]
    at.selectbox(key="wb_coding").set_value(int(bo_coding)).run()
    assert not at.exception
    assert "afraid of being judged" in [t.value for t in at.text]
    assert [b.disabled for b in at.button if b.label in ("Recode", "Remove coding")] == [True, True]


def test_transcript_memo_is_saved(coding_study, database):
    at = workbench(coding_study["cora"])
    at.text_area(key="wb_memo_transcript").input("Strong on management; ask about HR.")
    [button] = [b for b in at.button if b.key == "wb_add_transcript_memo"]
    button.click().run()
    with database.transaction() as session:
        memos = list_memos(session, transcript_id=coding_study["transcript"], viewer=OPERATOR)
    assert [m.text for m in memos] == ["Strong on management; ask about HR."]


def test_suggestions_are_offered_then_accepted_or_rejected_never_applied_silently(
    coding_study, database
):
    at = workbench(coding_study["cora"])
    at.toggle(key="wb_suggest").set_value(True).run()
    assert not at.exception
    with database.transaction() as session:
        assert len(list_codings(session, coder_ids=[coding_study["cora"].id], viewer=OPERATOR)) == 1
    offered = [b.key for b in at.button if (b.key or "").startswith("wb_accept_")]
    assert offered
    suggested = [m for m in drawn_view(at)["marks"] if m["kind"] == "suggestion"]
    assert len(suggested) == len(offered)

    [b for b in at.button if b.key == offered[0].replace("accept", "reject")][0].click().run()
    assert offered[0] not in [b.key for b in at.button]
    remaining = [b.key for b in at.button if (b.key or "").startswith("wb_accept_")]
    assert len(remaining) == len(offered) - 1
    [b for b in at.button if b.key == remaining[0]][0].click().run()
    assert not at.exception
    with database.transaction() as session:
        codings = list_codings(session, coder_ids=[coding_study["cora"].id], viewer=OPERATOR)
    assert list(codings["origin"]).count("suggestion") == 1
    assert remaining[0] not in [b.key for b in at.button]


def test_segments_page_lists_passages_of_a_code_with_subcodes(coding_study):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["account"] = asdict(coding_study["bo"])
    at.run()
    at.switch_page("study/ui/pages/segments.py").run()
    assert not at.exception
    parent = coding_study["codes"]["informal-self-censorship"]
    at.selectbox(key="seg_code").set_value(parent).run()
    assert "afraid of being judged" in [t.value for t in at.text]
    at.checkbox(key="seg_subcodes").uncheck().run()
    assert "afraid of being judged" not in [t.value for t in at.text]
    at.checkbox(key="seg_subcodes").check().run()
    at.selectbox(key="seg_role").set_value("executive").run()
    assert [i.value for i in at.info][0].startswith("No passages match")


# -- the view, without Streamlit ------------------------------------------------------


def test_runs_are_cut_at_every_coding_boundary_and_overlaps_keep_both_codes():
    text = "ab🙈cdefgh"
    turns = [Turn("A", 0, 10)]
    marks = [Mark(1, 6, "outer", "#111111", "mine", 1), Mark(3, 8, "inner", "#222222", "other", 2)]
    view = build_span_view(text, turns, marks, version="v")
    runs = view["turns"][0]["runs"]
    assert [(s, e, t) for s, e, t, _ in runs] == [
        (0, 1, "a"),
        (1, 3, "b🙈"),
        (3, 6, "cde"),
        (6, 8, "fg"),
        (8, 10, "h"),
    ]
    assert [covering for *_, covering in runs] == [[], [0], [0, 1], [1], []]
    assert "".join(t for _, _, t, _ in runs) == text
    assert view["turns"][0]["chips"] == [0, 1]


def test_a_coding_across_turns_is_drawn_in_each_with_one_chip():
    text = "A: one two\n\nB: three four"
    turns = [Turn("A", 3, 10), Turn("B", 15, 25)]
    view = build_span_view(text, turns, [Mark(7, 20, "x", "#123456", "mine", 9)], version="v")
    first, second = view["turns"]
    assert [r[2] for r in first["runs"] if r[3]] == ["two"]
    assert [r[2] for r in second["runs"] if r[3]] == ["three"]
    assert (first["chips"], second["chips"]) == ([0], [])


def test_tidy_span_drops_surrounding_white_space_only():
    text = "so  🙈 ledelsen siger\n"
    assert tidy_span(text, 2, 21) == (4, 20)
    assert text[4:20] == "🙈 ledelsen siger"
    assert tidy_span(text, 2, 4) == (2, 2)


def test_pending_suggestions_skip_rejected_and_already_coded_passages():
    class Code:
        def __init__(self, id, name):
            self.id, self.name, self.colour = id, name, "#000000"

    codes = {"routine": Code(5, "Routine"), "fear": Code(6, "Fear")}
    found = [
        Suggestion("routine", 0, 10, "routine", "x" * 10, 0, 7),
        Suggestion("fear", 0, 10, "afraid", "x" * 10, 2, 8),
        Suggestion("routine", 20, 30, "routine", "y" * 10, 20, 27),
    ]
    codings = pd.DataFrame(
        {"coder_id": [1, 2], "code_id": [6, 5], "start": [4, 20], "end": [12, 30]}
    )
    pending = pending_suggestions(
        found,
        codes,
        scheme_id=3,
        rejected={suggestion_key(3, "routine", 0, 10)},
        codings=codings,
        me=1,
    )
    # routine 0-10 rejected; fear 0-10 already coded by me; routine 20-30 coded by someone else.
    assert [(p.code_id, p.start) for p in pending] == [(5, 20)]


def test_view_version_changes_with_any_highlight_change():
    frame = pd.DataFrame(
        {
            "id": [1],
            "coder_id": [1],
            "coder": ["a@x.org"],
            "code_id": [5],
            "coder_name": ["A"],
            "code_name": ["Routine"],
            "start": [0],
            "end": [4],
        }
    )
    marks = coding_marks(frame, {5: "#00FF00"}, me=1)
    recoded = coding_marks(frame.assign(code_name="Fear"), {5: "#00FF00"}, me=1)
    assert view_version(1, "abc", marks) == view_version(1, "abc", list(marks))
    assert view_version(1, "abc", marks) != view_version(1, "abc", recoded)
    assert view_version(1, "abc", marks) != view_version(2, "abc", marks)


def test_search_hits_are_coded_all_at_once_with_a_preview_and_undo(coding_study, database):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["account"] = asdict(coding_study["cora"])
    at.run()
    at.switch_page("study/ui/pages/search.py").run()
    at.text_input(key="search_query").input("judged").run()
    at.session_state["search_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    at.selectbox(key="search_code").set_value(coding_study["codes"]["fear-of-judgement"]).run()
    assert any("Preview: 1 passage" in m.value for m in at.markdown)
    at.button(key="search_code_all").click().run()
    assert not at.exception
    with database.transaction() as session:
        mine = list_codings(session, coder_ids=[coding_study["cora"].id], viewer=OPERATOR)
    assert "judged" in list(mine["text"])
    assert any("Coded 1 hits" in s.value for s in at.success)
    at.button(key="search_undo").click().run()
    with database.transaction() as session:
        mine = list_codings(session, coder_ids=[coding_study["cora"].id], viewer=OPERATOR)
    assert "judged" not in list(mine["text"])
    # a hit opens the workbench at its passage
    at.session_state["search_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.button(key="search_open").click().run()
    assert not at.exception
    reveal = drawn_view(at)["reveal"]
    assert coding_study["text"][reveal["start"] : reveal["end"]] == "judged"
