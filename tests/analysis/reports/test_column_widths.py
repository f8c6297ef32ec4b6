"""Text columns of the benchmark workbook are as wide as their longest label (issue 27, 5).

The Summary sheet used to cut a scale name ("Challenge: management support in wo"):
widths were fixed guesses. Now each text column is measured in the font the workbook
names (11 pt Calibri; Carlito has the same metrics), and LibreOffice prints the names whole.
"""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from study.analysis.reports.benchmark import write_benchmark_workbook
from study.analysis.reports.text_width import column_width, text_pixels

from benchmark_study import needs_office, printed_pages

LONG = {
    "support": "Challenge: management support in words, not action",
    "time": "Udfordring: ingen tid til at dele viden på platformen (ældre medarbejdere)",
}
ORGANISATIONS = ["Aalborg Kommune – Teknik og Miljø", "Beta", "Gamma", "Delta", "Epsilon"]


def _workbook(path):
    rows = [
        (f"{org}-{person}", org, scale, 1 + (person + len(org)) % 5)
        for org in ORGANISATIONS
        for person in range(6)
        for scale in LONG
    ]
    scores = pd.DataFrame(rows, columns=["respondent_id", "organisation", "scale", "score"])
    items = scores.rename(columns={"scale": "item", "score": "value"}).assign(points=5)
    participation = pd.DataFrame(
        {"organisation": ORGANISATIONS, "responses": 6, "invitations": 10, "headcount": 40}
    )
    return write_benchmark_workbook(
        path,
        scores=scores,
        items=items,
        participation=participation,
        instrument="ism-adoption-survey v1",
        scale_labels=LONG,
    )


def test_the_widest_glyphs_are_wider_than_the_narrowest():
    assert text_pixels("WWWW") > 2 * text_pixels("iiii")
    assert text_pixels("Mean", bold=True) > text_pixels("Mean")
    assert text_pixels("ab\nabcdef") == text_pixels("abcdef")


def test_summary_columns_fit_the_longest_scale_and_organisation_name(tmp_path):
    sheet = load_workbook(_workbook(tmp_path / "benchmark.xlsx"))["Summary"]
    headers = [cell.value for cell in sheet[1]]
    for header, texts in (("Scale", LONG.values()), ("Organisation", ORGANISATIONS)):
        letter = get_column_letter(headers.index(header) + 1)
        width = sheet.column_dimensions[letter].width
        assert width >= max(column_width(t) for t in texts), (header, width)
    for letter, header in zip("CDEFGHIJ", headers[2:]):
        widest_word = max(column_width(w, bold=True) for w in header.split())
        assert sheet.column_dimensions[letter].width >= widest_word, header
    # the workbook really names the font the widths were measured in
    assert sheet.parent._fonts[0].name == "Calibri" and sheet.parent._fonts[0].sz == 11


@pytest.mark.peer
@needs_office
def test_libreoffice_prints_every_scale_name_whole_on_the_summary_sheet(tmp_path):
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
    assert "Carlito" in fonts, "fonts-crosextra-carlito (Calibri's metrics) must be installed"
    workbook = _workbook(tmp_path / "benchmark.xlsx")
    printed = "\f".join(printed_pages(workbook, tmp_path))
    summary = next(
        page
        for page in printed.split("\f")
        if re.search(r"^Organisation +Scale +Responses", page, re.M)
    )
    lines = [" ".join(line.split()) for line in summary.splitlines()]
    for name in LONG.values():
        assert any(name in line for line in lines), name
    # headers wrap between words, never inside one ("Benchmar" / "k mean")
    words = set(" ".join(lines).split())
    assert {"Benchmark", "Responses", "Percentile", "Organisations"} <= words
