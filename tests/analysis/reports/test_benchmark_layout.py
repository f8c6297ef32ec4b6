"""The benchmark workbook as LibreOffice prints it: row heights, hidden-cell markers with a
legend, charts that label every scale on a 1-5 axis and never straddle a page break."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from study.analysis.reports.benchmark import write_benchmark_workbook

from benchmark_study import needs_office, printed_pages, workbook_frames

SCALES = {f"s{i}": f"Scale number {i}: how people see posting on ISM" for i in range(10)}
ORGS = {"Alfa Bank": 12, "Beta Kommune": 9, "Gamma Retail": 10, "Delta Software": 8, "Tiny Co": 3}


def _frames() -> dict[str, pd.DataFrame]:
    scores, items = [], []
    rid = 0
    for o, (org, size) in enumerate(ORGS.items()):
        for r in range(size):
            rid += 1
            for i, scale in enumerate(SCALES):
                scores.append((rid, org, scale, 1 + ((o + i + r) % 5) * 0.9))
            for i in range(3):
                items.append((rid, org, f"i{i}", 1 + (r + i) % 5, 5))
    participation = [(org, size, 2 * size, 10 * size) for org, size in ORGS.items()]
    return workbook_frames(scores=scores, items=items, participation=participation)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("layout") / "benchmark.xlsx"
    return write_benchmark_workbook(
        path,
        **_frames(),
        instrument="ism-adoption-survey v1",
        scale_labels=SCALES,
        generated=dt.date(2026, 11, 1),
    )


def test_wrapped_rows_get_the_height_their_text_needs(workbook):
    wb = load_workbook(workbook)
    assert wb["Summary"].row_dimensions[1].height >= 30  # headers wrap onto 2+ lines
    about = wb["About"]
    for row in range(1, about.max_row + 1):
        text = str(about.cell(row, 2).value or "")
        if len(text) > 110:  # more than one line in a 100-wide column
            assert about.row_dimensions[row].height >= 30, (row, text)


def test_hidden_numbers_show_a_grey_italic_marker_explained_in_the_footer(workbook):
    summary = load_workbook(workbook)["Summary"]
    hidden = [
        c
        for row in summary.iter_rows(min_row=2)
        for c in row
        if c.value == "fewer than 5 responses"
    ]
    assert hidden and all(c.font.i and c.font.color.rgb.endswith("808080") for c in hidden)
    assert all(c.number_format.endswith(';"n<5"') for c in hidden)
    assert "n<5 = hidden: fewer than 5 responses" in summary.oddFooter.left.text


def test_charts_label_every_scale_on_the_scale_range_one_block_per_page(workbook):
    charts = load_workbook(workbook)["Charts"]
    assert charts._charts and len(charts._charts) == 4  # Tiny Co is hidden: no chart
    firsts = []
    for chart in charts._charts:
        assert (chart.y_axis.scaling.min, chart.y_axis.scaling.max) == (1, 5)
        assert chart.x_axis.tickLblSkip == 1
        height_cm = chart.anchor.ext.cy / 360_000
        assert height_cm >= 0.9 * len(SCALES) + 4  # ~0.9 cm per labelled scale
        firsts.append(chart.anchor._from.row + 1)
    # a page break before every block after the first; each block holds its chart's rows
    starts = [
        r
        for r in range(2, charts.max_row + 1)
        if charts.cell(r, 1).value and charts.cell(r, 1).value != charts.cell(r - 1, 1).value
    ]
    assert [b.id for b in charts.row_breaks.brk] == [s - 1 for s in starts[1:]]
    for first, following in zip(starts, starts[1:]):
        if first in firsts:
            assert (following - first) * 0.53 >= 0.9 * len(SCALES) + 4


@pytest.mark.peer
@needs_office
def test_libreoffice_prints_every_word_and_one_organisation_per_chart_page(workbook, tmp_path):
    pages = printed_pages(workbook, tmp_path)
    words = " ".join(" ".join(pages).split())
    # The About sheet's long explanations print whole (no row cuts them off): their last
    # words are printed, in order (the label beside them may share their printed lines).
    about = load_workbook(workbook)["About"]
    printed = iter(words.split())
    for row in range(1, about.max_row + 1):
        text = about.cell(row, 2).value
        if isinstance(text, str) and len(text) > 110:
            assert all(word in printed for word in text.split()[-4:]), text
    assert "n<5" in words and "n<5 = hidden: fewer than 5 responses" in words
    # Charts sheet: every printed page shows one organisation's block, whole.
    chart_pages = [p for p in pages if re.search(r"^Organisation +Scale +Organisation", p, re.M)]
    assert len(chart_pages) == len(ORGS)
    for page, organisation in zip(chart_pages, sorted(ORGS)):
        rows = [line for line in page.splitlines() if line.startswith(tuple(ORGS))]
        assert len(rows) == len(SCALES) and all(r.startswith(organisation) for r in rows)
