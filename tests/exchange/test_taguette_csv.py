"""The Taguette codebook CSV: one-line descriptions, and one rule for dotted tag names.

Taguette's codebook import shows each description in a one-line ``<input>``, which
drops line breaks, so a description written with blank lines between its parts arrived
as "...a break.Use when: ...". The CSV now writes each description on one line with
its parts separated, and reads it back to the exact text. A dotted name (Taguette's
tag hierarchy) was a hierarchy when read from Taguette's CSV but flat from Taguette's
.qdc of the same tags: both are read the same way now.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from study.cli import app
from study.exchange.refiqda import QdaCode, format_code_description, read_codebook
from study.exchange.refiqda.codebook import write_codebook

from conftest import REFIQDA, taguette_tags
from icr_study import SCHEME, build_icr_study

runner = CliRunner()

LABELLED = format_code_description(
    "Posting on the platform feels like taking a break.",
    "Time on ISM is called a waste.\nAlso: 'not my job'.",
    "Complaints about e-mail.",
    "It felt like a break room.",
)


def _codes() -> list[QdaCode]:
    return [
        QdaCode(
            "6F0B3E0C-1D0A-4E38-9C07-3B3F7F1C9A01",
            "challenges",
            description="Madsen (2017):\n\nwhat coordinators see.",
            children=[
                QdaCode("6F0B3E0C-1D0A-4E38-9C07-3B3F7F1C9A02", "not work", description=LABELLED)
            ],
        ),
        QdaCode(
            "6F0B3E0C-1D0A-4E38-9C07-3B3F7F1C9A03",
            "=ambassadors",
            description="- line one\nline two\n \nthree",
        ),
    ]


def _tree(codes):
    return [(c.name, c.description, _tree(c.children)) for c in codes]


def test_csv_descriptions_are_one_line_with_their_parts_separated(tmp_path):
    write_codebook(_codes(), tmp_path / "book.csv", format="csv")
    frame = pd.read_csv(tmp_path / "book.csv", dtype=str, keep_default_na=False)
    assert list(frame["tag"]) == ["challenges", "challenges.not work", "'=ambassadors"]
    assert not frame["description"].str.contains("\n").any()
    assert frame["description"][1] == (
        "Definition: Posting on the platform feels like taking a break. — "
        "Use when: Time on ISM is called a waste. ¶ Also: 'not my job'. — "
        "Do not use when: Complaints about e-mail. — "
        "Example: It felt like a break room."
    )
    assert frame["description"][0] == "Madsen (2017): ¶¶ what coordinators see."


def test_our_csv_reads_back_exactly_as_the_qdc_does(tmp_path):
    write_codebook(_codes(), tmp_path / "book.csv", format="csv")
    write_codebook(_codes(), tmp_path / "book.qdc", format="qdc")
    from_csv = _tree(read_codebook(tmp_path / "book.csv"))
    assert from_csv == _tree(read_codebook(tmp_path / "book.qdc")) == _tree(_codes())


def test_cli_codebook_csv_is_one_line_and_reads_back_like_the_qdc(database, tmp_path):
    with database.transaction() as session:
        build_icr_study(session)
    env = {"STUDY_DATABASE_URL": database.url}
    for fmt in ("csv", "qdc"):
        result = runner.invoke(
            app,
            [
                "export",
                "codebook",
                "--scheme",
                SCHEME,
                "--format",
                fmt,
                "--out",
                f"{tmp_path}/b.{fmt}",
            ],
            env=env,
        )
        assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "b.csv", dtype=str, keep_default_na=False)
    labelled = frame[frame["description"].str.startswith("Definition:")]
    assert len(labelled) > 0
    assert not frame["description"].str.contains("\n").any()
    assert labelled["description"].str.contains(" — Use when: ").all()
    assert _tree(read_codebook(tmp_path / "b.csv")) == _tree(read_codebook(tmp_path / "b.qdc"))


def test_dotted_tag_names_are_one_hierarchy_from_taguettes_qdc_and_csv():
    def names(codes):
        return [(c.name, names(c.children)) for c in codes]

    expected = [
        ("challenges", [("not-work-related", []), ("self-censorship", [])]),
        ("ambassadors", []),
        ("ledelse på ISM", []),
    ]
    assert names(read_codebook(REFIQDA / "taguette-codebook.csv")) == expected
    assert names(read_codebook(REFIQDA / "taguette-codebook.qdc")) == expected


def test_dotted_name_without_an_earlier_parent_stays_flat_in_both(tmp_path):
    flat = (
        '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        '<Codes><Code guid="4D1455FC-D63E-564C-A425-1E0BB1364612" name="v1.2" isCodable="true"/>'
        '<Code guid="72D5B0E9-89B5-5C3E-AF62-DEEFE8D7CBC7" name="v1" isCodable="true"/>'
        "</Codes></CodeBook>"
    )
    (tmp_path / "flat.qdc").write_text(flat, encoding="utf-8")
    (tmp_path / "flat.csv").write_text("tag,description\nv1.2,\nv1,\n", encoding="utf-8")
    for name in ("flat.qdc", "flat.csv"):
        assert [(c.name, c.children) for c in read_codebook(tmp_path / name)] == [
            ("v1.2", []),
            ("v1", []),
        ]


def test_a_nested_qdc_keeps_dotted_names_as_they_are(tmp_path):
    codes = [
        QdaCode("6F0B3E0C-1D0A-4E38-9C07-3B3F7F1C9A11", "a", children=[]),
        QdaCode(
            "6F0B3E0C-1D0A-4E38-9C07-3B3F7F1C9A12",
            "a.b",
            children=[QdaCode("6F0B3E0C-1D0A-4E38-9C07-3B3F7F1C9A13", "c")],
        ),
    ]
    write_codebook(codes, tmp_path / "nested.qdc")
    assert [c.name for c in read_codebook(tmp_path / "nested.qdc")] == ["a", "a.b"]


@pytest.mark.peer
def test_taguettes_own_import_shows_the_parts_readable(tmp_path):
    write_codebook(_codes(), tmp_path / "book.csv", format="csv")
    tags = {t["path"]: t["description"] for t in taguette_tags(tmp_path / "book.csv")}
    shown = tags["challenges.not work"]
    # What Taguette's one-line <input> keeps of it: the same, since it holds no line break.
    assert "\n" not in shown and shown == shown.replace("\n", "")
    assert "a break. — Use when: Time on ISM" in shown
    assert "e-mail. — Example:" in shown


def test_exact_codebook_csv_keeps_formula_like_names(tmp_path):
    write_codebook(_codes(), tmp_path / "exact.csv", format="csv", exact=True)
    frame = pd.read_csv(tmp_path / "exact.csv", dtype=str, keep_default_na=False)
    assert frame["tag"][2] == "=ambassadors"
    assert frame["description"][2].startswith("- line one ¶ line two")
    assert Path(tmp_path / "exact.csv").read_bytes()[:3] != b"\xef\xbb\xbf"
