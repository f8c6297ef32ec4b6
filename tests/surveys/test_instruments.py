"""Instrument files: the shipped ones validate, and mistakes are reported with file, line and field."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from study.errors import InvalidFile, InvalidInput
from study.surveys.instruments import (
    DEFAULT_INSTRUMENTS_DIRECTORY,
    Instrument,
    InterviewGuide,
    answer_value,
    instrument_from_dict,
    instrument_json,
    load_instrument,
    load_instruments,
)

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "surveys"
TEAM = DATA / "team-survey.yaml"
CHALLENGES = [
    "challenge_not_work",
    "challenge_self_censorship",
    "challenge_not_routine",
    "challenge_management_words",
]


@pytest.fixture(scope="module")
def shipped() -> dict:
    return load_instruments(DEFAULT_INSTRUMENTS_DIRECTORY)


@pytest.fixture(scope="module")
def survey(shipped) -> Instrument:
    return shipped["ism-adoption-survey"]


def _texts(value, where=""):
    """Every language mapping inside a dumped instrument, with where it is."""
    if isinstance(value, dict):
        if {"en", "da"} & set(value) and all(isinstance(v, (str, list)) for v in value.values()):
            yield where, value
        else:
            for key, inner in value.items():
                yield from _texts(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _texts(inner, f"{where}.{i}")


def test_shipped_instruments_are_the_survey_and_two_interview_guides(shipped):
    assert set(shipped) == {
        "ism-adoption-survey",
        "coordinator-interview-guide",
        "executive-interview-guide",
    }
    assert isinstance(shipped["ism-adoption-survey"], Instrument)
    assert isinstance(shipped["coordinator-interview-guide"], InterviewGuide)
    assert isinstance(shipped["executive-interview-guide"], InterviewGuide)


def test_every_shipped_text_exists_in_english_and_danish(shipped):
    for instrument in shipped.values():
        assert instrument.languages == ["en", "da"]
        found = list(_texts(instrument.model_dump(mode="json")))
        assert len(found) > 20
        for where, texts in found:
            assert set(texts) == {"en", "da"}, f"{instrument.id}{where}"
            for language, text in texts.items():
                assert text, f"{instrument.id}{where}.{language} is empty"
            if isinstance(texts["en"], str):
                assert texts["en"] != texts["da"] or len(texts["en"]) < 12, f"untranslated {where}"


def test_every_page_of_the_survey_has_items_and_every_item_is_on_a_page(survey):
    placed = [item.id for page in survey.pages for item in survey.page_items(page)]
    assert all(survey.page_items(page) for page in survey.pages)
    assert sorted(placed) == sorted(item.id for item in survey.all_items())
    assert len(placed) == len(set(placed))


def test_every_guide_section_has_questions_with_probes(shipped):
    for guide_id in ("coordinator-interview-guide", "executive-interview-guide"):
        guide = shipped[guide_id]
        assert len(guide.sections) >= 6
        for section in guide.sections:
            assert section.questions
            assert all(question.probes for question in section.questions)
        assert guide.sources


def test_survey_has_the_agreed_scales_each_challenge_with_a_reverse_keyed_item(survey):
    scales = [s.id for s in survey.scales]
    for required in [
        *CHALLENGES,
        "imc_integration",
        "brand_ambassador",
        "training_policy",
        "leadership_action",
        "use_frequency",
        "commitment",
    ]:
        assert required in scales
    for challenge in CHALLENGES:
        members = survey.scale_items(challenge)
        assert 3 <= len(members) <= 4
        assert any(item.reverse for item in members)
        assert "MORE of the challenge" in (survey.scale(challenge).note or "")
    assert any("Madsen" in source and "2017" in source for source in survey.sources)
    assert any("Jiang" in source for source in survey.sources)


def test_survey_has_coarse_demographics_and_two_open_questions(survey):
    demographics = [item for item in survey.all_items() if item.demographic]
    assert [item.id for item in demographics] == ["dept", "tenure", "role"]
    assert all(len(item.options or []) <= 4 for item in demographics)
    assert len([item for item in survey.all_items() if item.type == "text"]) == 2


def test_instrument_json_has_the_agreed_item_shape(survey):
    described = json.loads(json.dumps(instrument_json(survey)))
    assert (described["id"], described["version"], described["languages"]) == (
        "ism-adoption-survey",
        2,
        ["en", "da"],
    )
    by_id = {item["id"]: item for item in described["items"]}
    nw4 = by_id["nw4"]
    assert nw4["type"] == "likert" and nw4["reverse"] is True
    assert nw4["scale"] == "challenge_not_work" and nw4["points"] == 5
    assert nw4["labels"]["da"][0] == "Helt uenig"
    assert set(nw4["text"]) == {"en", "da"} and nw4["required"] is False
    assert [o["id"] for o in by_id["tenure"]["options"]] == ["under2", "y2to10", "over10", "nosay"]
    assert by_id["minutes"]["max"] == 2400


def test_model_dump_round_trips_through_json_for_every_instrument(shipped):
    for instrument in [*shipped.values(), load_instrument(TEAM)]:
        stored = json.loads(json.dumps(instrument.model_dump(mode="json")))
        assert instrument_from_dict(stored) == instrument


def test_label_sets_are_resolved_into_items(survey):
    assert survey.item("nw1").labels["en"][4] == "Strongly agree"
    assert survey.item("uf1").label(5, "da") == "Dagligt"


def test_items_listed_by_id_and_inline_are_both_pages_items():
    team = load_instrument(TEAM)
    items = "com1 com2 com3 use1 dept uses minutes comment".split()
    assert [item.id for item in team.all_items()] == items
    assert [item.id for item in team.scale_items("commitment")] == ["com1", "com2", "com3"]


# -- mistakes in files ------------------------------------------------------------------

GOOD = """\
id: tiny
version: 1
languages: [en, da]
title: {en: Tiny, da: Lille}
intro: {en: Hello, da: Hej}
consent: {en: Agree, da: Enig}
scales:
  - id: s
    label: {en: Scale, da: Skala}
pages:
  - id: p1
    title: {en: Page, da: Side}
    items:
      - id: a1
        type: likert
        points: 5
        scale: s
        labels:
          en: [a, b, c, d, e]
          da: [a, b, c, d, e]
        text:
          en: First
          da: Første
"""


def _load(tmp_path: Path, text: str):
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path, lambda: load_instrument(path)


def _refusal(tmp_path: Path, text: str, match: str | None = None) -> InvalidFile:
    """The error loading an instrument file of ``text`` raises."""
    _, load = _load(tmp_path, text)
    with pytest.raises(InvalidFile, match=match) as caught:
        load()
    return caught.value


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_the_good_example_loads(tmp_path):
    _, load = _load(tmp_path, GOOD)
    assert load().item("a1").points == 5


def test_missing_danish_text_names_file_line_and_field(tmp_path):
    text = GOOD.replace("          da: Første\n", "")
    path, load = _load(tmp_path, text)
    with pytest.raises(InvalidFile) as caught:
        load()
    error = caught.value
    assert error.path == str(path)
    assert error.field == "pages.0.items.0.text"
    assert error.line == _line_of(text, "en: First")
    assert "'da' text is missing" in str(error) and str(path) in str(error)


def test_label_count_must_match_points(tmp_path):
    text = GOOD.replace("da: [a, b, c, d, e]", "da: [a, b, c, d]")
    error = _refusal(tmp_path, text)
    assert error.field == "pages.0.items.0.labels.da"
    assert error.line == _line_of(text, "da: [a, b, c, d]")
    assert "4 labels for 5 points" in str(error)


def test_unknown_scale_is_reported_at_the_item(tmp_path):
    text = GOOD.replace("scale: s", "scale: nope")
    error = _refusal(tmp_path, text)
    assert error.field == "pages.0.items.0.scale"
    assert error.line == _line_of(text, "scale: nope")


def test_page_referring_to_a_missing_item_is_reported(tmp_path):
    text = GOOD + "  - id: p2\n    title: {en: Two, da: To}\n    items: [ghost]\n"
    error = _refusal(tmp_path, text, match="no item 'ghost'")
    assert error.field == "pages.1.items.0"


def test_duplicate_item_ids_are_reported(tmp_path):
    text = GOOD + (
        "  - id: p2\n    title: {en: Two, da: To}\n    items:\n"
        "      - {id: A1, type: text, text: {en: x, da: y}}\n"
    )
    error = _refusal(tmp_path, text, match="item id 'A1' is used twice")
    assert error.field == "pages.1.items.0.id"


def test_item_not_on_any_page_is_reported(tmp_path):
    text = GOOD.replace(
        "scales:", "items:\n  - {id: lost, type: text, text: {en: x, da: y}}\nscales:"
    )
    error = _refusal(tmp_path, text, match="'lost' is not on any page")
    assert error.line == _line_of(text, "id: lost")


def test_field_of_another_item_type_is_refused(tmp_path):
    text = GOOD + (
        "  - id: p2\n    title: {en: Two, da: To}\n    items:\n"
        "      - {id: n1, type: number, points: 5, text: {en: x, da: y}}\n"
    )
    _refusal(tmp_path, text, match="'points' does not apply to a number item")


def test_unknown_item_type_and_misspelt_field_are_refused(tmp_path):
    error = _refusal(tmp_path, GOOD.replace("type: likert", "type: slider"))
    assert error.field == "pages.0.items.0.type"
    error = _refusal(tmp_path, GOOD.replace("scale: s", "scale: s\n        revers: true"))
    assert error.field == "pages.0.items.0.revers"


def test_scale_without_items_is_reported(tmp_path):
    text = GOOD.replace("scales:\n", "scales:\n  - {id: empty, label: {en: E, da: T}}\n")
    _refusal(tmp_path, text, match="no item belongs to scale 'empty'")


def test_broken_yaml_names_the_line(tmp_path):
    text = GOOD.replace("title: {en: Page, da: Side}", "title: {en: Page, da: Side")
    path, load = _load(tmp_path, text)
    with pytest.raises(InvalidFile, match="not valid YAML") as caught:
        load()
    assert caught.value.path == str(path) and caught.value.line is not None


def test_guide_probe_missing_a_language_is_reported(tmp_path):
    path = tmp_path / "guide.yaml"
    text = (
        "kind: interview_guide\nid: g\nversion: 1\nlanguages: [en, da]\n"
        "title: {en: G, da: G}\nintro: {en: Hi, da: Hej}\nsections:\n"
        "  - id: s1\n    title: {en: S, da: S}\n    questions:\n"
        "      - id: q1\n        text: {en: Q, da: S}\n        probes:\n"
        "          - {en: Why}\n"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        load_instrument(path)
    assert caught.value.field == "sections.0.questions.0.probes.0"
    assert caught.value.line == _line_of(text, "{en: Why}")


def test_two_files_with_the_same_id_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(TEAM.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(TEAM.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InvalidFile, match="also used by"):
        load_instruments(tmp_path)


# -- answers ----------------------------------------------------------------------------


def test_answers_are_stored_in_one_form_per_item_type(survey):
    assert answer_value(survey.item("nw1"), "4") == 4
    assert answer_value(survey.item("nw1"), "Helt enig") == 5
    assert answer_value(survey.item("dept"), 2) == "support"
    assert (
        answer_value(survey.item("dept"), "Stabsfunktioner (HR, økonomi, IT, kommunikation)")
        == "support"
    )
    assert answer_value(survey.item("uses"), "3,1") == ["news", "projects"]
    assert answer_value(survey.item("uses"), []) == []
    assert answer_value(survey.item("minutes"), "12,5") == 12.5
    assert answer_value(survey.item("open_improve"), "  Mere tid  ") == "Mere tid"
    for blank in (None, "", "  ", math.nan):
        assert answer_value(survey.item("nw1"), blank) is None


@pytest.mark.parametrize(
    "item_id, raw",
    [
        ("nw1", 6),
        ("nw1", "0"),
        ("nw1", 2.5),
        ("nw1", "maybe"),
        ("dept", "finance"),
        ("minutes", -1),
        ("minutes", "lots"),
        ("open_improve", "x" * 2001),
    ],
)
def test_impossible_answers_are_refused(survey, item_id, raw):
    with pytest.raises(InvalidInput):
        answer_value(survey.item(item_id), raw)


def test_consent_promising_any_question_may_be_skipped_clashes_with_a_required_item(tmp_path):
    promise = GOOD.replace(
        "consent: {en: Agree, da: Enig}",
        "consent: {en: 'You may skip any question.', da: 'Du kan springe spørgsmål over.'}",
    )
    _, load = _load(tmp_path, promise)
    assert load()  # nothing is required: the promise holds
    text = promise.replace(
        "          da: Første\n", "          da: Første\n        required: true\n"
    )
    error = _refusal(tmp_path, text)
    assert error.field in ("consent.en", "consent.da")
    assert "'a1' is required" in str(error)
    reworded = text.replace(
        "You may skip any question.", "You may skip any question not marked with a star."
    ).replace(
        "Du kan springe spørgsmål over.", "Du kan springe de spørgsmål over, som ikke er markeret."
    )
    _, load = _load(tmp_path, reworded)
    assert load().item("a1").required


def test_the_shipped_consent_agrees_with_its_required_items(survey):
    assert any(item.required for item in survey.all_items())
    assert "not marked with a star" in survey.consent["en"]


MAIL = """
invitation:
  subject: {en: "Survey for {organisation}", da: "Spørgeskema til {organisation}"}
  body: {en: "Answer: {link} Stop: {opt_out}", da: "Svar: {link} Stop: {opt_out}"}
"""


def test_mail_templates_need_the_link_and_the_opt_out_and_known_placeholders(tmp_path):
    _, load = _load(tmp_path, GOOD + MAIL)
    assert load().invitation.subject["da"] == "Spørgeskema til {organisation}"
    _refusal(
        tmp_path, GOOD + MAIL.replace(' Stop: {opt_out}", da', '", da'), match=r"needs \{opt_out\}"
    )
    _refusal(
        tmp_path,
        GOOD + MAIL.replace('{organisation}", da', '{name}", da'),
        match=r"unknown placeholder \{name\}",
    )


def test_an_instrument_without_mail_texts_keeps_its_stored_content_hash(tmp_path):
    # Older versions were stored before mail texts existed: their definitions are unchanged.
    _, load = _load(tmp_path, GOOD)
    dumped = load().model_dump(mode="json")
    assert "invitation" not in dumped and "reminder" not in dumped
