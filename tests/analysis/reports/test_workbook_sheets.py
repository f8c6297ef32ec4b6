"""The benchmark workbook as LibreOffice shows it: open links, the About sheet, whole headers.

Issue 25, item 9: an open link's invitation count showed "hidden", like a suppressed
number, on the Participation sheet (an open link has no invitations: it is not
hidden); the About sheet's list of sheets left out Activity; and headers of the
Demographics and Activity sheets were clipped when printed.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pandas as pd
import pytest
from openpyxl import load_workbook

from study.analysis.reports.benchmark import write_benchmark_workbook
from study.platforms.measures import MEASURE_COLUMNS, MEASURES

from benchmark_study import needs_office, printed_pages

SCALES = {
    "support": "Challenge: management support in words, not action",
    "time": "Udfordring: ingen tid til at dele viden på platformen",
}
QUESTION = "How long have you worked in this organisation?"
CATEGORIES = ["Less than 2 years", "2 to 10 years"]
ORGANISATIONS = ["Alfa Bank", "Beta Kommune", "Gamma", "Delta Energi", "Epsilon Software"]
OPEN = {"Beta Kommune", "Delta Energi"}  # open survey links: no invitation count


def _workbook(path, *, activity: bool = True):
    people = [(org, person) for org in ORGANISATIONS for person in range(10)]
    scores = pd.DataFrame(
        [
            (f"{org}-{p}", org, scale, 1 + (p + len(org)) % 5)
            for org, p in people
            for scale in SCALES
        ],
        columns=["respondent_id", "organisation", "scale", "score"],
    )
    items = scores.rename(columns={"scale": "item", "score": "value"}).assign(points=5)
    participation = pd.DataFrame(
        {
            "organisation": ORGANISATIONS,
            "responses": 10,
            "invitations": [None if org in OPEN else 20 for org in ORGANISATIONS],
            "headcount": 40,
        }
    )
    demographics = pd.DataFrame(
        [(f"{org}-{p}", org, QUESTION, CATEGORIES[p % 2]) for org, p in people],
        columns=["respondent_id", "organisation", "variable", "category"],
    )
    base = {c: 0.5 for c in MEASURE_COLUMNS}
    measures = pd.DataFrame(
        [
            {**base, "organisation": org, "department": None, "members": 40, "leaders": 6}
            for org in ORGANISATIONS
        ]
    )
    return write_benchmark_workbook(
        path,
        scores=scores,
        items=items,
        participation=participation,
        demographics=demographics,
        instrument="ism-adoption-survey v1",
        scale_labels=SCALES,
        activity=measures if activity else None,
    )


def _participation(path) -> dict[str, object]:
    sheet = load_workbook(path)["Participation"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("Invitations")
    return {row[0].value: row[column] for row in sheet.iter_rows(min_row=2)}


def test_an_open_links_invitations_are_not_shown_as_hidden(tmp_path):
    cells = _participation(_workbook(tmp_path / "benchmark.xlsx"))
    for org in OPEN:
        cell = cells[org]
        assert cell.value in (None, "open link"), cell.value
        # not the grey-italic marker format of a suppressed number ('0;-0;0;"hidden"')
        assert "hidden" not in cell.number_format and not cell.font.italic
    assert cells["Alfa Bank"].value == 20
    sheet = load_workbook(tmp_path / "benchmark.xlsx")["Participation"]
    assert "hidden" not in (sheet.oddFooter.left.text or "")


def test_the_about_sheet_says_what_open_link_means_and_lists_every_sheet(tmp_path):
    book = load_workbook(_workbook(tmp_path / "benchmark.xlsx"))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    listed = about["Sheets"]
    for title in book.sheetnames:
        if title != "About":
            assert title in listed, (title, listed)
    words = " ".join(str(v) for v in about.values())
    assert "open link" in words
    without = load_workbook(_workbook(tmp_path / "plain.xlsx", activity=False))
    assert "Activity" not in without.sheetnames
    plain = {row[0]: row[1] for row in without["About"].iter_rows(values_only=True) if row[0]}
    assert "Activity" not in plain["Sheets"]


def _printed(workbook, tmp_path) -> list[str]:
    return printed_pages(workbook, tmp_path)


def _header_words(page: str) -> Counter:
    """The words printed above the first row of data (the wrapped header row)."""
    lines = page.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(tuple(ORGANISATIONS)))
    return Counter(" ".join(lines[:first]).split())


def _missing(printed: Counter, headers: list[str]) -> Counter:
    """Words of ``headers`` the printed header row lacks (a clipped last line)."""
    return Counter(" ".join(headers).split()) - printed


@pytest.mark.peer
@needs_office
def test_libreoffice_prints_open_links_and_the_demographics_and_activity_headers(tmp_path):
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
    assert "Carlito" in fonts, "fonts-crosextra-carlito (Calibri's metrics) must be installed"
    pages = _printed(_workbook(tmp_path / "benchmark.xlsx"), tmp_path)
    demographics = [p for p in pages if re.search(r"Organisation +Variable +Category", p)]
    activity = [p for p in pages if "Organisation" in p and "Members" in p]
    assert demographics and activity
    headers = ["Organisation", "Variable", "Category", "Responses (n)"]
    headers += [f"Mean: {label}" for label in SCALES.values()]
    assert not _missing(_header_words(demographics[0]), headers)
    # the variable column holds the question whole, apart from the category
    assert re.search(re.escape(QUESTION) + r" {2,}(Less than|2 to)", demographics[0])
    shown = [c.value for c in load_workbook(tmp_path / "benchmark.xlsx")["Activity"][1]]
    assert shown[0] == "Organisation" and set(shown[1:]) <= {m.label for m in MEASURES}
    assert not _missing(_header_words(activity[0]), shown)
    participation = next(p for p in pages if re.search(r"Organisation +Responses +Invitations", p))
    for line in participation.splitlines():
        if line.startswith(tuple(OPEN)):
            assert "open link" in line and "hidden" not in line, line
    assert "hidden" not in participation
