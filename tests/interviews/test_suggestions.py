"""Keyword suggestions point at sentences whose stemmed words match a code's stemmed keywords."""

from __future__ import annotations

import pytest

from study.errors import InvalidInput
from study.interviews.schemes import CodingScheme, load_schemes
from study.interviews.suggestions import suggest_passages
from study.interviews.transcripts.parsing import parse_transcript

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "transcripts"


def code(code_id: str, en: list[str], da: list[str]) -> dict:
    return {
        "id": code_id,
        "name": code_id,
        "colour": "#123456",
        "definition": "d",
        "inclusion": "i",
        "exclusion": "e",
        "examples": ["x"],
        "keywords": {"en": en, "da": da},
    }


SCHEME = CodingScheme(
    id="test",
    title="Test",
    version="1",
    sources=["Ourselves (2025)."],
    codes=[
        code("management", ["top management", "management"], ["ledelse", "direktør"]),
        code("routine", ["routine", "waste of time"], ["rutine", "spild af tid"]),
        code("fear", ["afraid"], ["bange"]),
    ],
)


def suggest(text: str, language: str):
    """The transcript written as ``text``, parsed, and the suggestions for it."""
    parsed = parse_transcript(text.encode("utf-8"), "interview.txt")
    return parsed, suggest_passages(parsed.text, parsed.turns, SCHEME, language=language)


def keywords_found(parsed, found) -> list[tuple[str, str, str]]:
    """(code, keyword, the words in the text that matched it) of each suggestion."""
    return [(s.code_id, s.keyword, parsed.text[s.keyword_start : s.keyword_end]) for s in found]


def test_danish_keyword_matches_inflected_forms() -> None:
    parsed, found = suggest(
        "I: Hvad med ledelsen?\nR: Ledelsens opbakning er svag. Direktøren skriver aldrig. "
        "Det er spild af tiden, siger de, og rutinerne mangler.\n",
        "da",
    )
    assert keywords_found(parsed, found) == [
        ("management", "ledelse", "ledelsen"),
        ("management", "ledelse", "Ledelsens"),
        ("management", "direktør", "Direktøren"),
        ("routine", "spild af tid", "spild af tiden"),
    ]
    sentences = [s.sentence for s in found]
    assert sentences[-1] == "Det er spild af tiden, siger de, og rutinerne mangler."
    for suggestion in found:
        assert parsed.text[suggestion.start : suggestion.end] == suggestion.sentence


def test_english_multi_word_keywords_match_as_stemmed_sequences_only() -> None:
    text = (
        "R: Top managers never post. It is wasting time, a waste of times. Time is not the waste."
    )
    parsed, found = suggest(text, "en")
    assert keywords_found(parsed, found) == [
        ("management", "top management", "Top managers"),
        ("routine", "waste of time", "waste of times"),
    ]


def test_one_suggestion_per_code_and_sentence_in_text_then_scheme_order() -> None:
    text = "R: I was afraid that the management routine, the management, would fail."
    parsed, found = suggest(text, "en")
    assert [(s.code_id, s.keyword) for s in found] == [
        ("management", "management"),
        ("routine", "routine"),
        ("fear", "afraid"),
    ]
    assert len({(s.start, s.end) for s in found}) == 1
    assert found == suggest_passages(parsed.text, parsed.turns, SCHEME, language="en")


def test_offsets_are_code_points_after_emoji_and_danish_letters() -> None:
    text = "R: Øh 🙈🙈 æøå! Vi er bange. Ja 👍🏽, men ledelsen?"
    parsed, found = suggest(text, "da")
    assert [
        (parsed.text[s.start : s.end], parsed.text[s.keyword_start : s.keyword_end]) for s in found
    ] == [("Vi er bange.", "bange"), ("Ja 👍🏽, men ledelsen?", "ledelsen")]


def test_speaker_labels_abbreviations_and_turn_boundaries() -> None:
    text = (
        "Management: Do you use it, e.g. for routine updates?\n"
        "Management: Yes.\n"
        "R: We are afraid\n"
        "Management: of what?\n"
    )
    parsed, found = suggest(text, "en")
    # "e.g." does not end the sentence; the label "Management:" is never matched;
    # "We are afraid" ends with its turn, it does not run on into the next.
    assert [(s.code_id, s.sentence) for s in found] == [
        ("routine", "Do you use it, e.g. for routine updates?"),
        ("fear", "We are afraid"),
    ]
    without_interviewer = suggest_passages(
        parsed.text, parsed.turns, SCHEME, language="en", exclude_speakers={"Management"}
    )
    assert [s.code_id for s in without_interviewer] == ["fear"]


def test_text_without_turns_is_searched_whole() -> None:
    found = suggest_passages("Nobody is afraid. Really.", [], SCHEME, language="english")
    assert [(s.code_id, s.start, s.end) for s in found] == [("fear", 0, 17)]


def test_shipped_scheme_suggests_codes_for_a_danish_transcript() -> None:
    parsed = parse_transcript((DATA / "danish-cp1252.txt").read_bytes(), "danish-cp1252.txt")
    scheme = load_schemes()["ism-adoption-challenges"]
    found = suggest_passages(parsed.text, parsed.turns, scheme, language=parsed.detected_language)
    codes = {(s.code_id, parsed.text[s.keyword_start : s.keyword_end]) for s in found}
    assert ("management-words-not-action", "Ledelsen") in codes
    assert ("fear-of-judgement", "bange") in codes
    assert ("visibility-persistence", "alle kan se") in codes


def test_unsupported_language_is_refused() -> None:
    with pytest.raises(InvalidInput, match="English"):
        suggest_passages("text", [], SCHEME, language="sv")
