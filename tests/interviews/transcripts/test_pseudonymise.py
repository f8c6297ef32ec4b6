"""Pseudonymisation replaces speakers and names with role labels and keeps turn offsets exact."""

from __future__ import annotations

import pytest

from study.errors import InvalidInput
from study.interviews.transcripts.parsing import ParsedTranscript, parse_transcript
from study.interviews.transcripts.pseudonymise import pseudonym_map, pseudonymise

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "transcripts"


def utterances(parsed: ParsedTranscript) -> list[tuple[str | None, str]]:
    for turn in parsed.turns:
        if turn.speaker is not None:
            label = f"{turn.speaker}: "
            assert parsed.text[turn.start - len(label) : turn.start] == label
    return [(t.speaker, parsed.text[t.start : t.end]) for t in parsed.turns]


def test_interviewer_roles_and_interviewee_role_labels_replace_speakers() -> None:
    parsed = parse_transcript((DATA / "interview-ir.txt").read_bytes(), "interview-ir.txt")
    result = pseudonymise(parsed, role="Coordinator")
    assert utterances(result) == [
        ("Interviewer", "How often do you open the network? 🤔"),
        ("Coordinator", "Honestly, I forget it most days.\nIt is not part of my routine."),
        ("Interviewer", "And your manager?"),
        ("Coordinator", "She says it matters, but she never answers questions there."),
        ("Interviewer", "Thanks."),
    ]
    assert result.text.startswith("Interviewer: How often")


def test_named_speakers_are_replaced_in_labels_and_in_the_talk() -> None:
    parsed = parse_transcript((DATA / "teams.vtt").read_bytes(), "teams.vtt")
    result = pseudonymise(parsed, role="Coordinator", interviewers=["Sofie Lund"])
    assert utterances(result) == [
        (
            "Interviewer",
            "Thanks for taking the time today 🙂 shall we start? "
            "How did the network start in your company?",
        ),
        (
            "Coordinator",
            "It started in IT & HR. Our CEO said it was important 👍🏽 "
            "but he never posts. People think it is a waste of time.",
        ),
        ("Interviewer", "Why is that, Coordinator?"),
    ]
    assert "Jonas" not in result.text and "Sofie" not in result.text
    assert [(t.started_at, t.ended_at) for t in result.turns] == [
        (t.started_at, t.ended_at) for t in parsed.turns
    ]


def test_without_known_interviewers_other_speakers_are_numbered_in_order() -> None:
    parsed = parse_transcript((DATA / "zoom.vtt").read_bytes(), "zoom.vtt")
    assert pseudonym_map(parsed, role="Coordinator") == {
        "Mette Holm": "Coordinator",
        "Peter Dahl": "Coordinator 2",
    }


@pytest.mark.parametrize(
    "text, role, names, expected",
    [
        pytest.param(
            "I: Hvad sagde Søren Ærbø om netværket?\n"
            "R: SØREN ÆRBØ sagde intet. Sørens chef, Åse, mente at Søreno var et godt navn. "
            "Åses team og åse bruger det.\n",
            "Koordinator",
            ["Søren Ærbø", "Åse"],
            "Hvad sagde Person 1 om netværket?\n"
            "Person 1 sagde intet. Person 1's chef, Person 2, mente at Søreno "
            "var et godt navn. Person 2's team og Person 2 bruger det.",
            id="whole-words-case-insensitively-with-danish-letters",
        ),
        pytest.param(
            "I: Anna, how long have you been coordinator?\n"
            "R: Two years. Before me Bo Vestergaard ran it; Bo still helps, "
            "and people bo in the same town as Vestergaard.\n",
            "Coordinator",
            {"Anna Berg": "Coordinator", "Bo Vestergaard": "Former coordinator"},
            "Coordinator, how long have you been coordinator?\n"
            "Two years. Before me Former coordinator ran it; Former coordinator still "
            "helps, and people bo in the same town as Former coordinator.",
            id="own-label-and-capitalised-name-words",
        ),
    ],
)
def test_given_names_are_replaced_in_every_turn(text, role, names, expected) -> None:
    """``expected``: the question, a line break, the answer (the speakers are checked apart)."""
    result = pseudonymise(
        parse_transcript(text.encode("utf-8"), "names.txt"), role=role, names=names
    )
    question, answer = expected.split("\n")
    assert utterances(result) == [("Interviewer", question), (role, answer)]


def test_offsets_stay_exact_when_replacements_change_lengths_in_every_turn() -> None:
    parsed = parse_transcript((DATA / "danish-cp1252.txt").read_bytes(), "danish-cp1252.txt")
    result = pseudonymise(parsed, role="Koordinator", names=["Søren"])
    before = utterances(parsed)
    after = utterances(result)
    assert [speaker for speaker, _ in after] == [
        None,
        "Interviewer",
        "Koordinator",
        "Interviewer",
        "Koordinator",
    ]
    # Nothing but the labels changed in this file, so every utterance survives unchanged.
    assert [u for _, u in after] == [u for _, u in before]
    assert result.text.count("Koordinator: ") == 2


def test_empty_role_label_is_refused() -> None:
    parsed = parse_transcript(b"I: Hi.\nR: Hello.\n", "x.txt")
    with pytest.raises(InvalidInput):
        pseudonymise(parsed, role="  ")
