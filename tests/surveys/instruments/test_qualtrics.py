"""Qualtrics .qsf files: real exports read item by item, our instruments written and read back."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from study.errors import FileTooLarge, InvalidFile, InvalidInput
from study.surveys.instruments import Instrument, load_instruments
from study.surveys.instruments.foreign import plain_text
from study.surveys.instruments.qualtrics import read_qsf, write_qsf

QSF = Path(__file__).resolve().parents[2] / "data" / "instruments" / "qualtrics"
MANY_TYPES = QSF / "qualtricstools-many-question-types.qsf"
BETTER_SAMPLE = QSF / "qualtricstools-better-sample-survey.qsf"
MULTILINGUAL = QSF / "sumtxt-qsf-sq-example.qsf"
REAL_FILES = [MANY_TYPES, BETTER_SAMPLE, MULTILINGUAL]


def _source(path: Path) -> tuple[dict, list[tuple[str, dict]]]:
    """The file's JSON and its questions in block order (trash left out)."""
    document = json.loads(path.read_text(encoding="utf-8-sig"))
    elements = document["SurveyElements"]
    questions = {e["Payload"]["QuestionID"]: e["Payload"] for e in elements if e["Element"] == "SQ"}
    blocks = next(e["Payload"] for e in elements if e["Element"] == "BL")
    blocks = blocks.values() if isinstance(blocks, dict) else blocks
    ordered = [
        (element["QuestionID"], questions[element["QuestionID"]])
        for block in blocks
        if block["Type"] != "Trash"
        for element in block.get("BlockElements", [])
        if element["Type"] == "Question"
    ]
    return document, ordered


def _codes(payload: dict, key: str, order_key: str) -> list[tuple[str, int]]:
    recodes = payload.get("RecodeValues") or {}
    order = [str(c) for c in payload.get(order_key) or payload[key]]
    return [(choice, int(recodes.get(choice, choice))) for choice in order]


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_a_real_export_is_read_question_by_question(path: Path) -> None:
    document, questions = _source(path)
    imported = read_qsf(path.read_bytes(), filename=path.name)
    instrument = imported.instrument
    items = {item.id: item for item in instrument.all_items()}
    expected_types: Counter[str] = Counter()
    for qid, payload in questions:
        kind, selector = payload["QuestionType"], payload["Selector"]
        text = plain_text(payload["QuestionText"])
        required = payload["Validation"]["Settings"].get("ForceResponse") == "ON"
        if kind == "MC" and len(payload["Choices"]) >= 2:
            item = items[re.sub(r"[^A-Za-z0-9_]+", "_", payload["DataExportTag"]).strip("_")]
            expected = "single_choice" if selector == "SAVR" else "multiple_choice"
            expected_types[expected] += 1
            assert item.type == expected
            assert item.text[instrument.languages[0]] == text
            assert item.required is required
            codes = _codes(payload, "Choices", "ChoiceOrder")
            assert [o.value for o in item.options] == [value for _, value in codes]
            assert [o.label[instrument.languages[0]] for o in item.options] == [
                plain_text(payload["Choices"][choice]["Display"]) for choice, _ in codes
            ]
            assert "<" not in item.text[instrument.languages[0]]
        elif (
            kind == "Matrix"
            and payload["SubSelector"] in ("SingleAnswer", "MultipleAnswer")
            and len(payload["Answers"]) >= 2
        ):
            statements = [str(c) for c in payload["ChoiceOrder"]]
            expected = (
                "multiple_choice" if payload["SubSelector"] == "MultipleAnswer" else "single_choice"
            )
            expected_types[expected] += len(statements)
            answers = [
                plain_text(payload["Answers"][str(a)]["Display"])
                for a in payload.get("AnswerOrder") or payload["Answers"]
            ]
            for statement in statements:
                row = plain_text(payload["Choices"][statement]["Display"])
                matches = [i for i in items.values() if i.text["en"] == f"{text} - {row}"]
                assert matches, (qid, statement)
                assert [o.label["en"] for o in matches[0].options] == answers
        elif kind == "TE":
            expected_types["text"] += 1
            item = items[payload["DataExportTag"]]
            assert item.type == "text"
            assert item.text["en"] == text
        else:  # another type, or a choice question with fewer than two choices
            assert any(note.startswith(f"{qid} ") for note in imported.notes), qid
    assert Counter(item.type for item in instrument.all_items()) == expected_types
    assert instrument.title["en"] == document["SurveyEntry"]["SurveyName"]


def test_the_many_types_export_keeps_html_out_and_translates_display_logic() -> None:
    imported = read_qsf(MANY_TYPES.read_bytes(), filename=MANY_TYPES.name)
    instrument = imported.instrument
    assert [page.id for page in instrument.pages] == [
        "normal",
        "with_html",
        "with_survey_logic",
        "with_recoded_values",
    ]
    html_item = instrument.item("Q19")
    assert html_item.text["en"].startswith("This is a multiple choice single answer vertical")
    # QID36 is shown when 'Oranges' (choice 1 of QID1, export tag 'fruits') is selected.
    condition = instrument.item("Q36").show_if
    assert condition is not None and condition.item == "fruits"
    assert condition.in_ == [instrument.item("fruits").options[0].id]
    assert instrument.item("Q45").options[0].value == 143
    assert any(note.startswith("display logic of QID43 kept out") for note in imported.notes)
    assert any("QID5 (Slider/HSLIDER)" in note for note in imported.notes)
    assert any(note.startswith("QID47: export tag 'orange-ish'") for note in imported.notes)


def test_a_multilingual_export_keeps_every_language_and_the_required_flags() -> None:
    instrument = read_qsf(MULTILINGUAL.read_bytes(), filename=MULTILINGUAL.name).instrument
    assert instrument.languages == ["en", "de", "fr"]
    sex = instrument.item("Q1")
    assert sex.required is True
    assert sex.text == {
        "en": "What is your sex?",
        "de": "Was ist ihr Geschlecht?",
        "fr": "Quel est votre sexe ?",
    }
    assert [o.label["de"] for o in sex.options] == ["Männlich", "Weiblich"]
    assert [o.value for o in sex.options] == [1, 2]


def _comparable(instrument: Instrument) -> dict:
    return instrument.model_dump(mode="json")


@pytest.mark.parametrize(
    "instrument",
    [i for i in load_instruments().values() if i.kind == "survey"],
    ids=lambda i: i.id,
)
def test_a_shipped_instrument_comes_back_from_qualtrics_unchanged(instrument: Instrument) -> None:
    data = write_qsf(instrument)
    document = json.loads(data)
    kinds = Counter(e["Element"] for e in document["SurveyElements"])
    assert {"BL", "FL", "SQ", "SO", "RS", "QC"} <= set(kinds)
    assert document["SurveyEntry"]["SurveyLanguage"] == instrument.languages[0].upper()
    back = read_qsf(data, filename="back.qsf")
    assert back.notes == []
    assert _comparable(back.instrument) == _comparable(instrument)


def _logic_instrument() -> Instrument:
    two = {"en": "Two", "da": "To"}
    return Instrument.model_validate(
        {
            "id": "logic-check",
            "version": 3,
            "languages": ["en", "da"],
            "title": {"en": "Logic", "da": "Logik"},
            "intro": {"en": "Hello", "da": "Hej"},
            "consent": {"en": "You agree.", "da": "Du accepterer."},
            "closing": {"en": "Thanks", "da": "Tak"},
            "pages": [
                {
                    "id": "first",
                    "title": {"en": "First", "da": "Første"},
                    "items": [
                        {
                            "id": "uses",
                            "type": "single_choice",
                            "required": True,
                            "text": {"en": "Do you use it?", "da": "Bruger du den?"},
                            "options": [
                                {"id": "yes", "value": 1, "label": {"en": "Yes", "da": "Ja"}},
                                {"id": "no", "value": 0, "label": {"en": "No", "da": "Nej"}},
                            ],
                        },
                        {
                            "id": "what",
                            "type": "multiple_choice",
                            "text": {"en": "What for?", "da": "Til hvad?"},
                            "options": [
                                {"id": "a", "label": {"en": "One", "da": "En"}},
                                {"id": "b", "label": two},
                                {"id": "c", "label": {"en": "Three", "da": "Tre"}},
                            ],
                        },
                        {
                            "id": "minutes",
                            "type": "number",
                            "min": 0,
                            "max": 600,
                            "text": {"en": "Minutes?", "da": "Minutter?"},
                        },
                        {
                            "id": "agree",
                            "type": "likert",
                            "points": 7,
                            "labels": {
                                "en": [f"e{n}" for n in range(1, 8)],
                                "da": [f"d{n}" for n in range(1, 8)],
                            },
                            "text": {"en": "Agree?", "da": "Enig?"},
                        },
                    ],
                },
                {
                    "id": "second",
                    "title": {"en": "Second", "da": "Anden"},
                    "intro": {"en": "More & more <b>", "da": "Mere"},
                    "show_if": {"item": "uses", "in": ["yes"]},
                    "randomise": True,
                    "items": [
                        {
                            "id": "why",
                            "type": "text",
                            "max_length": 500,
                            "text": {"en": "Why?\nTell us.", "da": "Hvorfor?"},
                            "show_if": {
                                "any": [
                                    {"item": "minutes", "at_least": 60},
                                    {"item": "what", "not_in": ["b"]},
                                ]
                            },
                        },
                        {
                            "id": "how",
                            "type": "text",
                            "text": {"en": "How?", "da": "Hvordan?"},
                            "show_if": {"item": "agree", "at_least": 5},
                        },
                        {
                            "id": "when",
                            "type": "text",
                            "text": {"en": "When?", "da": "Hvornår?"},
                            "show_if": {"item": "what", "answered": False},
                        },
                    ],
                },
            ],
        }
    )


def test_logic_numbers_and_languages_round_trip() -> None:
    instrument = _logic_instrument()
    back = read_qsf(write_qsf(instrument))
    assert back.notes == []
    assert _comparable(back.instrument) == _comparable(instrument)


def test_display_logic_is_written_for_qualtrics_and_read_without_the_notes() -> None:
    instrument = _logic_instrument()
    document = json.loads(write_qsf(instrument))
    questions = {
        e["Payload"]["DataExportTag"]: e["Payload"]
        for e in document["SurveyElements"]
        if e["Element"] == "SQ"
    }
    logic = questions["how"]["DisplayLogic"]
    assert [logic["0"][k]["LeftOperand"].rsplit("/", 1)[1] for k in ("0", "1", "2")] == [
        "5",
        "6",
        "7",
    ]
    assert questions["minutes"]["Validation"]["Settings"]["ContentType"] == "ValidNumber"
    assert questions["uses"]["RecodeValues"] == {"1": "1", "2": "0"}
    assert questions["uses"]["Language"]["DA"]["QuestionText"] == "Bruger du den?"
    flow = next(e for e in document["SurveyElements"] if e["Element"] == "FL")["Payload"]
    assert flow["Flow"][2]["Type"] == "Branch"
    # Without the ISM Study notes (as if Qualtrics dropped them) the logic still reads back.
    document["SurveyElements"] = [e for e in document["SurveyElements"] if e["Element"] != "NT"]
    bare = read_qsf(json.dumps(document).encode()).instrument
    assert bare.item("how").show_if.in_ == ["e5", "e6", "e7"]  # option ids made from labels
    assert bare.pages[1].show_if is not None
    assert bare.item("minutes").type == "number" and bare.item("minutes").max == 600
    assert bare.item("agree").type == "single_choice"  # the labels do not look like agreement


def test_write_refuses_a_language_the_instrument_lacks() -> None:
    with pytest.raises(InvalidInput):
        write_qsf(_logic_instrument(), language="fr")
    danish = read_qsf(write_qsf(_logic_instrument(), language="da")).instrument
    assert danish.languages == ["da", "en"]


def _minimal(question: dict) -> bytes:
    return json.dumps(
        {
            "SurveyEntry": {"SurveyName": "Tiny", "SurveyLanguage": "EN"},
            "SurveyElements": [
                {
                    "Element": "BL",
                    "Payload": [
                        {
                            "Type": "Default",
                            "Description": "Block",
                            "ID": "BL_1",
                            "BlockElements": [
                                {"Type": "Question", "QuestionID": "QID1"},
                                {"Type": "Question", "QuestionID": "QID2"},
                            ],
                        }
                    ],
                },
                {"Element": "SQ", "Payload": question},
                {
                    "Element": "SQ",
                    "Payload": {
                        "QuestionID": "QID2",
                        "DataExportTag": "Q2",
                        "QuestionType": "Timing",
                        "Selector": "PageTimer",
                        "QuestionText": "Timing",
                    },
                },
            ],
        }
    ).encode()


def test_script_in_a_question_text_becomes_plain_text_and_unknown_types_become_notes() -> None:
    question = {
        "QuestionID": "QID1",
        "DataExportTag": "Q1",
        "QuestionType": "MC",
        "Selector": "SAVR",
        "QuestionText": '<script>alert("x")</script><p>Pick <b>one</b> &amp; go</p>',
        "Choices": {"1": {"Display": "<img src=x onerror=alert(1)>Yes"}, "2": {"Display": "No"}},
        "ChoiceOrder": [1, 2],
    }
    imported = read_qsf(_minimal(question))
    item = imported.instrument.item("Q1")
    assert item.text["en"] == 'alert("x")Pick one & go'
    assert [o.label["en"] for o in item.options] == ["Yes", "No"]
    assert any(note.startswith("QID2 (Timing/PageTimer)") for note in imported.notes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not json", "not JSON"),
        (b"[1, 2, 3]", "no SurveyElements"),
        (b'{"SurveyEntry": {}}', "no SurveyElements"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"SurveyElements": [1, "x", {"Element": "BL", "Payload": 5}]}', "no questions"),
        (b'{"SurveyElements": [{"Element": "SQ", "Payload": {"Choices": []}}]}', "no questions"),
    ],
)
def test_hostile_files_give_one_sentence(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFile) as raised:
        read_qsf(data, filename="bad.qsf")
    assert message in str(raised.value)
    assert "bad.qsf" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_file_over_20_mb_is_refused_before_parsing() -> None:
    with pytest.raises(FileTooLarge):
        read_qsf(b" " * (21 * 1024 * 1024) + b"{}", filename="huge.qsf")


@pytest.mark.parametrize("odd", [None, 5, "x", [], {}, [1, "2"], {"1": 7}])
def test_odd_values_anywhere_in_a_question_give_a_survey_or_one_sentence(odd: object) -> None:
    document = json.loads(MULTILINGUAL.read_text(encoding="utf-8-sig"))
    question = next(e for e in document["SurveyElements"] if e["Element"] == "SQ")["Payload"]
    for key in list(question):
        broken = json.loads(json.dumps(document))
        next(e for e in broken["SurveyElements"] if e["Element"] == "SQ")["Payload"][key] = odd
        try:
            read_qsf(json.dumps(broken).encode(), filename="odd.qsf")
        except InvalidFile as error:
            assert "\n" not in str(error)
