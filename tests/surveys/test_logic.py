"""Survey logic without a database: conditions, their validation, and randomised order."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from study.errors import InvalidFile
from study.surveys.instruments import DEFAULT_INSTRUMENTS_DIRECTORY, Instrument, load_instrument
from study.surveys.instruments.conditions import Condition
from study.surveys.logic import (
    condition_holds,
    hidden_items,
    item_order,
    permutation,
    shown_items,
    shown_order,
    shown_pages,
)

from conftest import DATA as TEST_DATA

LOGIC = TEST_DATA / "surveys" / "logic-survey.yaml"

HEAD = """\
id: logic-test
version: 1
languages: [en]
title: {en: T}
intro: {en: I}
consent: {en: C}
pages:
  - id: first
    title: {en: First}
    items:
      - id: uses
        type: single_choice
        text: {en: "Use it?"}
        options:
          - {id: "yes", label: {en: "Yes"}}
          - {id: "no", label: {en: "No"}}
      - {id: often, type: likert, points: 5, labels: {en: [a, b, c, d, e]}, text: {en: "Often?"}}
      - id: tools
        type: multiple_choice
        text: {en: "Which?"}
        options:
          - {id: news, label: {en: News}}
          - {id: chat, label: {en: Chat}}
      - {id: minutes, type: number, min: 0, max: 600, text: {en: "Minutes?"}}
      - {id: note, type: text, text: {en: "Note?"}}
"""


@pytest.fixture(scope="module")
def logic() -> Instrument:
    return load_instrument(LOGIC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "survey.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def second_page(show_if: str) -> str:
    return (
        HEAD
        + f"""\
  - id: second
    title: {{en: Second}}
    items:
      - id: follow
        type: text
        text: {{en: Follow-up}}
        show_if: {show_if}
"""
    )


@pytest.fixture(scope="module")
def tested(tmp_path_factory) -> Instrument:
    """One item of each type on page one, one conditional item on page two."""
    return load_instrument(
        write(tmp_path_factory.mktemp("t"), second_page("{item: uses, answered: true}"))
    )


@pytest.mark.parametrize(
    ("condition", "answers", "holds"),
    [
        ({"item": "uses", "in": ["yes"]}, {"uses": "yes"}, True),
        ({"item": "uses", "in": ["yes"]}, {"uses": "no"}, False),
        ({"item": "uses", "in": ["yes"]}, {}, False),  # unanswered: every value test fails
        ({"item": "uses", "not_in": ["no"]}, {"uses": "yes"}, True),
        ({"item": "uses", "not_in": ["no"]}, {}, False),
        ({"item": "tools", "in": ["chat"]}, {"tools": ["news", "chat"]}, True),  # any one chosen
        ({"item": "tools", "in": ["chat"]}, {"tools": ["news"]}, False),
        ({"item": "tools", "in": ["chat"]}, {"tools": []}, False),
        ({"item": "often", "in": [4, 5]}, {"often": 4}, True),
        ({"item": "often", "in": [4, 5]}, {"often": "5"}, True),  # a form value, not yet stored
        ({"item": "often", "in": [4, 5]}, {"often": 3}, False),
        ({"item": "often", "at_least": 4}, {"often": 4}, True),
        ({"item": "often", "at_least": 4}, {"often": 3}, False),
        ({"item": "often", "at_most": 2}, {"often": 3}, False),
        ({"item": "minutes", "at_least": 30, "at_most": 60}, {"minutes": 45.5}, True),
        ({"item": "minutes", "at_least": 30, "at_most": 60}, {"minutes": 61}, False),
        ({"item": "note", "answered": True}, {"note": "  "}, False),  # blank text is no answer
        ({"item": "note", "answered": False}, {}, True),
        (
            {"all": [{"item": "uses", "in": ["yes"]}, {"item": "often", "at_least": 4}]},
            {"uses": "yes", "often": 5},
            True,
        ),
        (
            {"all": [{"item": "uses", "in": ["yes"]}, {"item": "often", "at_least": 4}]},
            {"uses": "yes", "often": 2},
            False,
        ),
        (
            {
                "any": [
                    {"item": "uses", "in": ["no"]},
                    {"all": [{"item": "often", "at_least": 4}, {"item": "minutes", "at_most": 10}]},
                ]
            },
            {"uses": "yes", "often": 5, "minutes": 5},
            True,
        ),
        (
            {"any": [{"item": "uses", "in": ["no"]}, {"item": "often", "at_least": 4}]},
            {"uses": "yes", "often": 1},
            False,
        ),
    ],
)
def test_conditions_test_earlier_answers(tested, condition, answers, holds):
    assert condition_holds(tested, Condition.model_validate(condition), answers) is holds


def test_example_shows_the_platform_page_and_follow_ups_only_to_whom_they_apply(logic):
    assert shown_pages(logic, {}) == [0, 2]
    assert shown_pages(logic, {"uses_platform": "no"}) == [0, 2]
    assert shown_pages(logic, {"uses_platform": "yes"}) == [0, 1, 2]
    ids = [
        [i.id for i in shown_items(logic, 2, answers, seed=None)]
        for answers in (
            {"uses_platform": "no"},
            {"uses_platform": "yes", "use1": 3},
            {"uses_platform": "yes", "use1": 5},
        )
    ]
    assert ids == [["why_not", "dept"], ["dept"], ["heavy_use", "dept"]]
    assert shown_items(logic, 1, {"uses_platform": "no"}, seed=7) == []


def test_an_answer_to_an_item_not_shown_does_not_count(tmp_path):
    # 'follow' (page two) is shown on 'uses'; 'last' (page three) on 'follow'. Once
    # 'uses' hides 'follow', its old answer must not keep 'last' visible.
    text = (
        second_page("{item: uses, in: [yes]}")
        + """\
  - id: third
    title: {en: Third}
    items:
      - {id: last, type: text, text: {en: Last}, show_if: {item: follow, answered: true}}
"""
    )
    instrument = load_instrument(write(tmp_path, text))
    both = {"uses": "yes", "follow": "because"}
    assert [i.id for i in shown_items(instrument, 2, both, seed=None)] == ["last"]
    changed = {**both, "uses": "no"}
    assert shown_items(instrument, 2, changed, seed=None) == []
    assert hidden_items(instrument, changed) == {"follow", "last"}


def test_unquoted_yes_and_no_in_a_condition_mean_the_option_ids(tmp_path):
    instrument = load_instrument(write(tmp_path, second_page("{item: uses, in: [yes]}")))
    condition = instrument.pages[1].items[0].show_if
    assert condition.in_ == ["yes"]
    assert condition_holds(instrument, condition, {"uses": "yes"})


@pytest.mark.parametrize(
    ("show_if", "message", "field", "fragment"),
    [
        ("{item: ghost, in: [yes]}", "there is no item 'ghost'", "show_if.item", None),
        (
            "{item: follow, answered: true}",
            "'follow' is not on an earlier page",
            "show_if.item",
            None,
        ),
        (
            "{item: uses, in: [maybe]}",
            "no option 'maybe' (its options: yes, no)",
            "show_if.in.0",
            None,
        ),
        ("{item: often, in: [6]}", "6 is outside item 'often' (1 to 5)", "show_if.in.0", None),
        (
            "{item: often, at_least: 0}",
            "0 is outside item 'often' (1 to 5)",
            "show_if.at_least",
            None,
        ),
        (
            "{item: often, in: [2.5]}",
            "2.5 is not a point of likert item 'often'",
            "show_if.in.0",
            None,
        ),
        (
            "{item: minutes, at_most: 1000}",
            "1000 is outside item 'minutes' (0 to 600)",
            "show_if.at_most",
            None,
        ),
        (
            "{item: note, in: [x]}",
            "'note' is a text item: test it with 'answered'",
            "show_if.in.0",
            None,
        ),
        (
            "{item: uses, at_least: 1}",
            "'at_least' applies to likert and number items",
            "show_if.at_least",
            None,
        ),
        ("{item: uses}", "say what to test about 'uses'", "show_if.item", None),
        (
            "{item: uses, in: [yes], answered: true}",
            "use one test per condition",
            "show_if.answered",
            None,
        ),
        (
            "{item: often, at_least: 4, at_most: 2}",
            "'at_most' is below 'at_least'",
            "show_if.at_most",
            None,
        ),
        (
            "{all: [{item: uses, in: [yes]}, {item: often, in: [9]}]}",
            "9 is outside item 'often'",
            "show_if.all.1.in.0",
            "{item: often, in: [9]}",
        ),
        (
            "{any: [{item: uses, in: [yes]}], item: often}",
            "'any' stands alone",
            "show_if.any",
            None,
        ),
        (
            "{item: uses, in: [yes], when: always}",
            "Extra inputs are not permitted",
            "show_if.when",
            None,
        ),
    ],
)
def test_bad_conditions_name_file_line_and_field(tmp_path, show_if, message, field, fragment):
    text = second_page(show_if)
    path = write(tmp_path, text)
    with pytest.raises(InvalidFile) as caught:
        load_instrument(path)
    error = caught.value
    assert message in str(error)
    assert error.path == str(path)
    assert error.field == f"pages.1.items.0.{field}"
    assert error.line == line_of(text, fragment or "show_if:")


def test_a_page_condition_and_a_top_level_item_are_checked_where_they_are_written(tmp_path):
    text = HEAD.replace(
        "  - id: first\n    title: {en: First}\n",
        "  - id: first\n    title: {en: First}\n    show_if: {item: uses, in: [yes]}\n",
    )
    with pytest.raises(InvalidFile, match="'uses' is not on an earlier page") as caught:
        load_instrument(write(tmp_path, text))
    assert caught.value.field == "pages.0.show_if.item"
    assert caught.value.line == line_of(text, "show_if:")
    top = (
        HEAD.replace(
            "pages:\n",
            "items:\n  - {id: top, type: text, text: {en: Top}, "
            "show_if: {item: uses, in: [nope]}}\npages:\n",
        )
        + "  - {id: second, title: {en: Second}, items: [top]}\n"
    )
    with pytest.raises(InvalidFile, match="no option 'nope'") as caught:
        load_instrument(write(tmp_path, top))
    assert caught.value.field == "items.0.show_if.in.0"
    assert caught.value.line == line_of(top, "id: top")


@pytest.mark.parametrize(
    ("randomise", "message", "field"),
    [
        ("[uses, ghost]", "item 'ghost' is not on page 'first'", "pages.0.randomise.1"),
        ("[uses]", "list at least two items", "pages.0.randomise"),
        ("[uses, uses]", "randomised item id 'uses' is used twice", "pages.0.randomise.1"),
    ],
)
def test_bad_randomise_lists_are_reported(tmp_path, randomise, message, field):
    text = HEAD.replace(
        "    title: {en: First}\n", f"    title: {{en: First}}\n    randomise: {randomise}\n"
    )
    with pytest.raises(InvalidFile, match=message.replace("(", r"\(")) as caught:
        load_instrument(write(tmp_path, text))
    assert caught.value.field == field
    assert caught.value.line == line_of(text, "randomise:")


def test_logic_round_trips_and_leaves_instruments_without_it_as_stored_before(logic):
    dumped = json.loads(json.dumps(logic.model_dump(mode="json")))
    assert Instrument.model_validate(dumped).model_dump(mode="json") == dumped
    assert dumped["pages"][1]["show_if"] == {"item": "uses_platform", "in": ["yes"]}
    assert dumped["pages"][1]["randomise"] is True
    # No new keys in a definition without logic: stored versions keep their content hash.
    shipped = load_instrument(DEFAULT_INSTRUMENTS_DIRECTORY / "ism-adoption-survey.yaml")
    text = json.dumps(shipped.model_dump(mode="json"))
    assert "show_if" not in text and "randomise" not in text


def test_order_comes_from_the_seed_and_is_the_same_every_time(logic):
    first = [i.id for i in item_order(logic, 1, 3)]
    assert first == [i.id for i in item_order(logic, 1, 3)]
    # Pinned: exports recompute the order from the stored seed, so the function may never
    # change (SHA-256 draws, not the random module).
    assert first == ["pa3", "pa1", "pa2"]
    assert shown_order(logic, 3) == {"platform_order": "pa3;pa1;pa2"}
    assert [i.id for i in item_order(logic, 1, None)] == ["pa1", "pa2", "pa3"]  # file order
    assert [i.id for i in item_order(logic, 0, 3)] == ["uses_platform", "use1"]  # not randomised
    assert shown_order(logic, None) == {"platform_order": None}
    assert shown_order(logic, 3, {"uses_platform": "no"}) == {"platform_order": None}


def test_every_order_is_reachable_and_about_equally_likely(logic):
    counts = Counter(tuple(i.id for i in item_order(logic, 1, seed)) for seed in range(6000))
    assert len(counts) == 6  # all 3! orders
    assert all(850 < n < 1150 for n in counts.values()), counts  # 1000 expected each
    assert Counter(tuple(permutation(4, f"{s}:p")) for s in range(4000)).keys().__len__() == 24


def test_a_randomise_list_moves_only_the_listed_items(tmp_path):
    text = HEAD.replace(
        "    title: {en: First}\n", "    title: {en: First}\n    randomise: [uses, tools, note]\n"
    )
    instrument = load_instrument(write(tmp_path, text))
    orders = {tuple(i.id for i in item_order(instrument, 0, seed)) for seed in range(300)}
    assert len(orders) == 6
    for order in orders:
        assert (order[1], order[3]) == ("often", "minutes")  # the others stay put
        assert {order[0], order[2], order[4]} == {"uses", "tools", "note"}
