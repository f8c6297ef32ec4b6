"""Checks that the demo interview transcripts and their two-coder demo codings are well formed.

The demo data live in study/data/demo/ (interviews.yaml, interviews/*.txt, codings.yaml).
The planted pattern of adoption challenges (Madsen, 2017) is shared with the demo survey
responses, so the tests also check that transcripts, profiles and codings agree with it.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict

import pytest
import yaml

from study.interviews.schemes import load_schemes

from conftest import ROOT

DEMO = ROOT / "study" / "data" / "demo"

ORGANISATIONS = [
    "Nordlys Bank",
    "Havnegade Kommune",
    "Fjordvind Energi",
    "Kobberstien Design",
    "Solbakken Hospital",
    "Prairie Mutual Insurance",
    "Riverbend Logistics",
    "Peachtree Health System",
    "Lakeshore Manufacturing",
    "Blue Ridge Software",
]
EXECUTIVE_ORGANISATIONS = {
    "Prairie Mutual Insurance",
    "Riverbend Logistics",
    "Peachtree Health System",
    "Blue Ridge Software",
}
DANISH_ORGANISATIONS = {"Nordlys Bank", "Havnegade Kommune"}
MIN_WORDS = {"coordinator": 1600, "executive": 1200}
INTERVIEWEE_LABEL = {"coordinator": "Coordinator", "executive": "Executive"}
CODERS = ("ana", "ben")

#: Code ids of each shipped scheme (tests/interviews/test_schemes.py checks them one by one).
SCHEMES = {key: {code.id for code in scheme.codes} for key, scheme in load_schemes().items()}

# The pattern planted in the demo survey responses (same organisations, same degrees).
PLANTED = {
    "not-work-related": {
        "high": {"Riverbend Logistics", "Lakeshore Manufacturing"},
        "low": {"Blue Ridge Software", "Kobberstien Design"},
    },
    "self-censorship": {
        "high": {"Nordlys Bank", "Peachtree Health System", "Solbakken Hospital"},
        "low": {"Kobberstien Design", "Blue Ridge Software"},
    },
    "not-daily-routine": {
        "high": {"Havnegade Kommune", "Lakeshore Manufacturing", "Solbakken Hospital"},
        "low": {"Blue Ridge Software", "Fjordvind Energi"},
    },
    "management-words-not-action": {
        "high": {"Prairie Mutual Insurance", "Peachtree Health System", "Havnegade Kommune"},
        "low": {"Fjordvind Energi", "Kobberstien Design"},
    },
}
# Codes that count as evidence of each planted challenge in a coordinator transcript.
CHALLENGE_CODES = {
    "not-work-related": {"not-work-related"},
    "self-censorship": {
        "informal-self-censorship",
        "informal-misunderstood",
        "fear-of-judgement",
        "visibility-persistence",
    },
    "not-daily-routine": {"not-daily-routine"},
    "management-words-not-action": {"management-words-not-action"},
}

TURN_PATTERN = re.compile(r"^(Interviewer|Coordinator|Executive): \S")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load_index() -> list[dict]:
    return yaml.safe_load((DEMO / "interviews.yaml").read_text(encoding="utf-8"))


def load_codings() -> list[dict]:
    return yaml.safe_load((DEMO / "codings.yaml").read_text(encoding="utf-8"))


def read_transcript(file: str) -> str:
    return (DEMO / "interviews" / file).read_bytes().decode("utf-8")


def turns(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, label) of each paragraph; paragraphs are separated by one blank line."""
    spans = []
    start = 0
    for paragraph in text.rstrip("\n").split("\n\n"):
        label = paragraph.split(":", 1)[0]
        spans.append((start, start + len(paragraph), label))
        start += len(paragraph) + 2
    return spans


INDEX = load_index()
CODINGS = load_codings()
BY_FILE = {entry["file"]: entry for entry in INDEX}


def test_index_lists_one_coordinator_per_organisation_and_four_us_executives():
    coordinators = sorted(e["organisation"] for e in INDEX if e["role"] == "coordinator")
    executives = {e["organisation"] for e in INDEX if e["role"] == "executive"}
    assert coordinators == sorted(ORGANISATIONS)
    assert executives == EXECUTIVE_ORGANISATIONS
    assert len(INDEX) == 14


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_index_entry_names_file_after_role_and_organisation(entry):
    assert entry["organisation"] in ORGANISATIONS
    assert entry["role"] in MIN_WORDS
    assert entry["file"] == f"{entry['role']}-{slug(entry['organisation'])}.txt"
    expected_language = (
        "da"
        if entry["organisation"] in DANISH_ORGANISATIONS and entry["role"] == "coordinator"
        else "en"
    )
    assert entry["language"] == expected_language
    assert isinstance(entry["date"], datetime.date)
    assert datetime.date(2026, 3, 1) <= entry["date"] <= datetime.date(2026, 6, 20)
    assert len(entry["profile"]) > 80


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_transcript_is_utf8_and_long_enough(entry):
    path = DEMO / "interviews" / entry["file"]
    assert path.is_file()
    text = read_transcript(entry["file"])  # raises UnicodeDecodeError if not UTF-8
    words = len(text.split())  # same count as `wc -w`
    assert words >= MIN_WORDS[entry["role"]], f"{entry['file']} has {words} words"


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_language_matches_text(entry):
    text = read_transcript(entry["file"])
    danish_letters = sum(text.count(ch) for ch in "æøåÆØÅ")
    if entry["language"] == "da":
        assert all(ch in text for ch in "æøå")
        assert danish_letters > 100
    else:
        assert danish_letters == 0


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_every_turn_is_one_labelled_paragraph(entry):
    text = read_transcript(entry["file"])
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\n\n\n" not in text
    interviewee = INTERVIEWEE_LABEL[entry["role"]]
    labels = []
    for start, end, label in turns(text):
        paragraph = text[start:end]
        assert TURN_PATTERN.match(paragraph), paragraph[:60]
        assert "\n" not in paragraph
        assert label in ("Interviewer", interviewee), paragraph[:60]
        labels.append(label)
    assert labels[0] == "Interviewer"
    # A semi-structured interview alternates speakers.
    assert all(a != b for a, b in zip(labels, labels[1:]))
    lengths = [end - start for start, end, label in turns(text) if label == interviewee]
    assert min(lengths) < 150 and max(lengths) > 500, "expect some short and some long answers"


@pytest.mark.parametrize("entry", INDEX, ids=lambda e: e["file"])
def test_planted_challenge_degrees_are_documented_in_profile(entry):
    if entry["role"] != "coordinator":
        return
    profile = " ".join(entry["profile"].lower().split())
    for challenge, degrees in PLANTED.items():
        if entry["organisation"] in degrees["high"]:
            assert f"strong {challenge}" in profile
            assert f"weak {challenge}" not in profile
        if entry["organisation"] in degrees["low"]:
            assert f"weak {challenge}" in profile
            assert f"strong {challenge}" not in profile


@pytest.mark.parametrize(
    "coding", CODINGS, ids=lambda c: f"{c['file']}:{c['code']}:{c['quote'][:20]}"
)
def test_coding_quotes_occur_once_inside_one_interviewee_turn(coding):
    assert coding["file"] in BY_FILE
    text = read_transcript(coding["file"])
    interviewee = INTERVIEWEE_LABEL[BY_FILE[coding["file"]]["role"]]
    quotes = [coding["quote"]] + ([coding["quote_ben"]] if "quote_ben" in coding else [])
    for quote in quotes:
        assert 20 <= len(quote) <= 400
        assert text.count(quote) == 1, quote
        start = text.find(quote)
        end = start + len(quote)
        containing = [t for t in turns(text) if t[0] <= start and end <= t[1]]
        assert len(containing) == 1, quote
        turn_start, _, label = containing[0]
        assert label == interviewee
        assert start >= turn_start + len(label) + 2, "quote must not include the speaker label"
    if "quote_ben" in coding:
        assert coding["coders"] == ["ana", "ben"]
        assert coding["quote_ben"] != coding["quote"]
        # ben's span is a boundary variant of the same passage: one contains the other.
        assert coding["quote"] in coding["quote_ben"] or coding["quote_ben"] in coding["quote"]


@pytest.mark.parametrize(
    "coding", CODINGS, ids=lambda c: f"{c['file']}:{c['code']}:{c['quote'][:20]}"
)
def test_coding_code_belongs_to_named_scheme(coding):
    assert coding["scheme"] in SCHEMES
    assert coding["code"] in SCHEMES[coding["scheme"]]
    assert coding["coders"] in (["ana"], ["ben"], ["ana", "ben"])
    assert set(coding) <= {"file", "scheme", "code", "quote", "coders", "quote_ben"}


def test_both_coders_code_every_transcript_in_realistic_amounts():
    counts = defaultdict(lambda: defaultdict(int))
    for coding in CODINGS:
        for coder in coding["coders"]:
            counts[coding["file"]][coder] += 1
    for entry in INDEX:
        for coder in CODERS:
            n = counts[entry["file"]][coder]
            assert 12 <= n <= 25, f"{coder} coded {entry['file']} {n} times"


def test_executive_interviews_are_coded_mainly_with_imc_scheme():
    for entry in INDEX:
        schemes = [c["scheme"] for c in CODINGS if c["file"] == entry["file"]]
        if entry["role"] == "executive":
            assert schemes.count("imc-integration") > len(schemes) / 2
            assert "ism-scepticism" in schemes
        else:
            assert "imc-integration" not in schemes
            assert schemes.count("ism-adoption-challenges") > len(schemes) / 2


def passage_agreement(codings: list[dict]) -> float:
    """Share of coded passages (file, quote) to which ana and ben gave the same set of codes."""
    passages = defaultdict(lambda: {"ana": set(), "ben": set()})
    for coding in codings:
        for coder in coding["coders"]:
            passages[(coding["file"], coding["quote"])][coder].add(coding["code"])
    agreed = sum(1 for p in passages.values() if p["ana"] and p["ana"] == p["ben"])
    return agreed / len(passages)


def test_passage_agreement_helper_counts_disagreements():
    codings = [
        {"file": "f", "quote": "q1", "code": "a", "coders": ["ana", "ben"]},
        {"file": "f", "quote": "q2", "code": "a", "coders": ["ana"]},
        {"file": "f", "quote": "q3", "code": "a", "coders": ["ana"]},
        {"file": "f", "quote": "q3", "code": "b", "coders": ["ben"]},
        {"file": "f", "quote": "q4", "code": "b", "coders": ["ben", "ana"]},
    ]
    assert passage_agreement(codings) == pytest.approx(2 / 4)


def test_coders_agree_partially_overall_and_in_every_transcript():
    overall = passage_agreement(CODINGS)
    assert 0.6 <= overall <= 0.9, overall
    for entry in INDEX:
        per_file = passage_agreement([c for c in CODINGS if c["file"] == entry["file"]])
        assert 0.5 <= per_file < 1.0, (entry["file"], per_file)
    # Some disagreements are a different code for the same passage, not only omissions.
    by_passage = defaultdict(dict)
    for coding in CODINGS:
        for coder in coding["coders"]:
            by_passage[(coding["file"], coding["quote"])][coder] = coding["code"]
    different = [p for p in by_passage.values() if len(p) == 2 and p["ana"] != p["ben"]]
    assert len(different) >= 10


def test_high_challenges_are_coded_by_both_coders_in_coordinator_interviews():
    for challenge, degrees in PLANTED.items():
        for organisation in degrees["high"]:
            file = f"coordinator-{slug(organisation)}.txt"
            agreed = [
                c
                for c in CODINGS
                if c["file"] == file
                and c["code"] in CHALLENGE_CODES[challenge]
                and c["coders"] == ["ana", "ben"]
            ]
            assert len(agreed) >= 2, (organisation, challenge)
