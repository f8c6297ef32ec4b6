"""Coding schemes load from YAML into validated code trees; mistakes name file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from study.errors import InvalidFile, NotFound
from study.interviews.schemes import (
    DEFAULT_SCHEMES_DIRECTORY,
    CodingScheme,
    load_scheme,
    load_schemes,
)

VALID = """\
id: demo
title: Demo scheme
version: 1.0
sources:
  - "Author (2020). A source."
codes:
  - id: parent-code
    name: Parent
    colour: "#1f77b4"
    definition: A parent.
    inclusion: When the parent applies.
    exclusion: When a child applies.
    examples: ["An example we wrote."]
    keywords: {en: [parent], da: [forælder]}
  - id: child-code
    name: Child
    parent: parent-code
    colour: "#FF7F0E"
    definition: A child.
    inclusion: When the child applies.
    exclusion: Otherwise.
    examples: ["Another example."]
  - id: grandchild
    name: Grandchild
    parent: child-code
    colour: "#2CA02C"
    definition: A grandchild.
    inclusion: Rarely.
    exclusion: Often.
    examples: ["A third example."]
"""


def write(tmp_path: Path, text: str, name: str = "scheme.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_schemes_have_the_agreed_code_ids() -> None:
    schemes = load_schemes()
    assert list(schemes) == ["imc-integration", "ism-adoption-challenges", "ism-scepticism"]

    challenges = schemes["ism-adoption-challenges"]
    assert [c.id for c in challenges.roots()] == [
        "not-work-related",
        "informal-self-censorship",
        "not-daily-routine",
        "management-words-not-action",
        "coordinator-role",
    ]
    assert [c.id for c in challenges.children("informal-self-censorship")] == [
        "informal-misunderstood",
        "fear-of-judgement",
        "visibility-persistence",
    ]
    assert [c.id for c in challenges.children("coordinator-role")] == ["facilitator", "sense-giver"]
    names = {c.id: c.name for c in challenges.codes}
    assert names["not-work-related"] == "Not work-related"
    assert names["informal-self-censorship"] == "Informal nature misunderstood; self-censorship"
    assert names["not-daily-routine"] == "Not part of daily routines"
    assert names["management-words-not-action"] == "Management support in words, not action"
    assert names["coordinator-role"] == "Coordinator's role"
    assert names["facilitator"] == "Community facilitator"
    assert names["sense-giver"] == "Sense-giver"

    imc = schemes["imc-integration"]
    assert [c.id for c in imc.roots()] == [
        "reporting-line",
        "same-level-management",
        "consistent-messaging",
        "cross-functional-collaboration",
        "persisting-silos",
        "brand-ambassadors",
        "training-policy",
        "leadership-support",
        "culture-identification",
        "self-censorship",
        "adoption-barriers",
    ]
    assert [c.id for c in imc.children("adoption-barriers")] == [
        "barrier-industry",
        "barrier-funding",
        "barrier-leadership",
    ]

    scepticism = schemes["ism-scepticism"]
    assert {c.id for c in scepticism.codes} >= {
        "alternatives",
        "no-incentive",
        "lost-content",
        "hard-to-find",
        "broadcast-channel",
    }


@pytest.mark.parametrize(
    "path", sorted(DEFAULT_SCHEMES_DIRECTORY.glob("*.yaml")), ids=lambda p: p.name
)
def test_every_shipped_code_is_a_complete_codebook_entry(path: Path) -> None:
    scheme = load_scheme(path)
    assert scheme.sources and scheme.version
    colours = [code.colour for code in scheme.codes]
    assert len(set(colours)) == len(colours), "colours must tell codes apart"
    for code in scheme.codes:
        assert code.definition and code.inclusion and code.exclusion
        assert 1 <= len(code.examples) <= 2
        assert code.keywords.get("en") and code.keywords.get("da"), code.id
        assert all(k == k.strip() and k for ks in code.keywords.values() for k in ks)


def test_tree_helpers_walk_the_hierarchy(tmp_path: Path) -> None:
    scheme = load_scheme(write(tmp_path, VALID))
    assert scheme.version == "1.0"
    assert scheme.code("child-code").colour == "#FF7F0E"
    assert scheme.code("parent-code").colour == "#1F77B4"  # stored in upper case
    assert [c.id for c in scheme.children(None)] == ["parent-code"]
    assert [c.id for c in scheme.descendants("parent-code")] == ["child-code", "grandchild"]
    assert [c.id for c in scheme.ancestors("grandchild")] == ["child-code", "parent-code"]
    assert [(depth, c.id) for depth, c in scheme.walk()] == [
        (0, "parent-code"),
        (1, "child-code"),
        (2, "grandchild"),
    ]
    assert scheme.keywords("da") == {"parent-code": ["forælder"]}
    with pytest.raises(NotFound, match="no code 'missing'"):
        scheme.children("missing")


@pytest.mark.parametrize(
    ("change", "line", "field", "phrase"),
    [
        (("- id: child-code", "- id: parent-code"), 15, "codes.1.id", "used twice"),
        (
            ("parent: parent-code", "parent: nobody"),
            17,
            "codes.1.parent",
            "not a code of this scheme",
        ),
        (('colour: "#FF7F0E"', 'colour: "orange"'), 18, "codes.1.colour", "#RRGGBB"),
        (('colour: "#FF7F0E"', 'colour: "#FF7F0"'), 18, "codes.1.colour", "#RRGGBB"),
        (('examples: ["Another example."]', "examples: []"), 22, "codes.1.examples", "at least 1"),
        # A misspelt field is reported as the missing one, at the line where the code starts.
        (
            ("inclusion: When the child applies.", "inclusions: When the child applies."),
            15,
            "codes.1.inclusion",
            "Field required",
        ),
        (
            ("    exclusion: Otherwise.\n", "    exclusion: Otherwise.\n    colur: red\n"),
            22,
            "codes.1.colur",
            "Extra inputs",
        ),
        (
            ("keywords: {en: [parent], da: [forælder]}", "keywords: {english: [parent]}"),
            14,
            "codes.0.keywords",
            "two-letter code",
        ),
    ],
)
def test_mistakes_name_the_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, field: str, phrase: str
) -> None:
    old, new = change
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(InvalidFile) as caught:
        load_scheme(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), line, field)
    assert phrase in error.message


def test_a_cycle_of_parents_is_refused(tmp_path: Path) -> None:
    text = VALID.replace(
        '    examples: ["An example we wrote."]',
        '    parent: grandchild\n    examples: ["An example we wrote."]',
    )
    with pytest.raises(InvalidFile) as caught:
        load_scheme(write(tmp_path, text))
    assert "own ancestor" in caught.value.message
    assert re.search(
        r"parent-code -> grandchild -> child-code -> parent-code", caught.value.message
    )
    assert caught.value.field == "codes.0.parent"


def test_a_model_built_in_code_is_validated_the_same_way() -> None:
    from pydantic import ValidationError

    code = {
        "id": "a",
        "name": "A",
        "colour": "#000000",
        "definition": "d",
        "inclusion": "i",
        "exclusion": "e",
        "examples": ["x"],
    }
    with pytest.raises(ValidationError, match="used twice"):
        CodingScheme(id="s", title="S", version="1", sources=["src"], codes=[code, code])


def test_load_schemes_refuses_two_files_with_one_scheme_id(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.yaml")
    write(tmp_path, VALID, "b.yml")
    with pytest.raises(InvalidFile, match="already used by a.yaml"):
        load_schemes(tmp_path)


def test_load_schemes_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="not found"):
        load_schemes(tmp_path / "nowhere")
