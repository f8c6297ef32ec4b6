"""The benchmark workbook: anonymity, the focus version, safe text, formats, reload."""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from study.analysis.reports.benchmark import write_benchmark_workbook
from study.analysis.reports.benchmark_tables import COMPLEMENT, SHOWN, SMALL, suppress_partition
from study.errors import InvalidInput, NotFound
from study.stats.descriptives import wilson_interval

from benchmark_study import workbook_frames, workbook_numbers, workbook_rows

NORTHWIND, ZEPHYR, QUILL, TINY = (
    "Northwind Traders",
    "Zephyr Logistics",
    "Quillfeather Bank",
    "Tiny Co",
)
INJECTION = '=HYPERLINK("http://x","y")'
SHEETS = ["About", "Summary", "Items", "Participation", "Charts", "Demographics", "Method"]
# Scale A means are exactly 2, 3, 4, 5 for the four reportable organisations, so
# the benchmark has known textbook values; Tiny Co (3 people) has distinctive ones.
SCALE_A = {NORTHWIND: 2.0, ZEPHYR: 3.0, QUILL: 4.0, INJECTION: 5.0}
SCALE_B = {NORTHWIND: 3.1, ZEPHYR: 2.9, QUILL: 3.3, INJECTION: 2.7}
SIZES = {NORTHWIND: 20, ZEPHYR: 12, QUILL: 8, INJECTION: 8, TINY: 3}
TINY_A, TINY_B = [4.9, 4.8, 4.6], [1.1, 1.3, 1.2]
TINY_ITEMS = {"i1": [5, 5, 1], "i2": [5, 1, 1], "i3": [4, 4, 1]}
FAVOURABLE_SHARE = {NORTHWIND: 0.25, ZEPHYR: 0.5, QUILL: 0.75, INJECTION: 0.25}


def _frames() -> dict[str, pd.DataFrame]:
    scores, items, demographics = [], [], []
    rid = 0
    for org, size in SIZES.items():
        for r in range(size):
            rid += 1
            a = TINY_A[r] if org == TINY else SCALE_A[org]
            b = TINY_B[r] if org == TINY else SCALE_B[org]
            scores += [(rid, org, "A", a), (rid, org, "B", b)]
            for j, item in enumerate(["i1", "i2", "i3"]):
                if org == TINY:
                    value = TINY_ITEMS[item][r]
                else:  # the first share of respondents (rotated per item) favourable
                    favourable = (r + j * 3) % size < FAVOURABLE_SHARE[org] * size
                    value = 5 if favourable else 2
                items.append((rid, org, item, value, 5))
            if org == NORTHWIND:  # 12 A, 5 B, 3 C
                demographics.append((rid, org, "Team", "A" if r < 12 else "B" if r < 17 else "C"))
            elif org == QUILL and r < 5:  # 3 people did not answer
                demographics.append((rid, org, "Team", "A"))
            elif org == ZEPHYR:
                demographics.append((rid, org, "Team", "A"))
    participation = [
        (org, size, np.nan if org == ZEPHYR else 4 * size, 10 * size) for org, size in SIZES.items()
    ]
    return workbook_frames(
        scores=scores, items=items, participation=participation, demographics=demographics
    )


def _write(path: Path, **options) -> Path:
    options.setdefault("scale_labels", {"A": "Legitimacy of ISM", "B": "#N/A"})
    return write_benchmark_workbook(
        path, **_frames(), instrument="ism-core v1", generated=dt.date(2024, 5, 1), **options
    )


@pytest.fixture(scope="module")
def researchers(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("researchers") / "all.xlsx")


@pytest.fixture(scope="module")
def focus(tmp_path_factory) -> Path:
    return _write(tmp_path_factory.mktemp("focus") / "northwind.xlsx", focus_org=NORTHWIND)


def _tiny_statistics() -> list[float]:
    """Every statistic that could be computed from Tiny Co's 3 respondents."""
    stats = [float(np.mean(TINY_A)), float(np.mean(TINY_B))]
    for values in TINY_ITEMS.values():
        favourable = sum(v >= 4 for v in values)
        low, high = wilson_interval(favourable, 3)
        stats += [favourable / 3, float(low), float(high)]
    return [s for s in stats if 0 < s < 1 or s > 1]  # 0 and 1 are everywhere


def _row_of(path: Path, sheet: str, *first: str) -> tuple:
    matches = [row for row in workbook_rows(path, sheet) if row[: len(first)] == first]
    assert len(matches) == 1, (sheet, first, matches)
    return matches[0]


@pytest.mark.parametrize("version", ["researchers", "focus_on_tiny"])
def test_organisation_of_three_shows_no_statistic_anywhere(version, researchers, tmp_path):
    path = researchers if version == "researchers" else _write(tmp_path / "t.xlsx", focus_org=TINY)
    hidden = _tiny_statistics()
    for sheet, where, number in workbook_numbers(path):
        assert not any(math.isclose(number, h, rel_tol=1e-9) for h in hidden), (sheet, where)
    label = TINY if version == "researchers" else TINY
    row = _row_of(path, "Summary", label, "Legitimacy of ISM")
    assert row[2:4] == (None, "fewer than 5 responses")
    assert _row_of(path, "Participation", label)[1] == "fewer than 5 responses"
    # chart data: every cell a chart refers to holds no statistic of Tiny Co
    wb = load_workbook(path)
    with zipfile.ZipFile(path) as xlsx:
        charts = [xlsx.read(n).decode() for n in xlsx.namelist() if n.startswith("xl/charts/")]
    assert charts, "the workbook has native charts"
    for xml in charts:
        assert TINY not in xml  # a hidden organisation gets no chart
        for ref in re.findall(r"<c:f>([^<]+)</c:f>", xml):
            sheet, cells = ref.rsplit("!", 1)
            min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
            for row in wb[sheet.strip("'")].iter_rows(
                min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col
            ):
                for cell in row:
                    if isinstance(cell.value, float):
                        assert not any(math.isclose(cell.value, h) for h in hidden)


def test_researchers_benchmark_matches_r_quantile_and_leaves_out_small_organisations(researchers):
    # Organisation means 2, 3, 4, 5 (Tiny Co's 4.77 left out): mean 3.5; R
    # quantile(c(2, 3, 4, 5), c(.5, .75)) (type 7) gives 3.5 and 4.25;
    # scipy.stats.percentileofscore([2, 3, 4, 5], 4, kind="mean") gives 62.5.
    row = _row_of(researchers, "Summary", QUILL, "Legitimacy of ISM")
    n, mean, b_mean, b_median, b_p75, difference, rank, orgs = row[2:]
    assert (n, mean, orgs) == (8, 4.0, 4)
    assert (b_mean, b_median, b_p75) == pytest.approx((3.5, 3.5, 4.25))
    assert difference == pytest.approx(0.5)
    assert rank == pytest.approx(62.5)


def test_focus_benchmark_pools_the_others_and_ranks_the_focus_among_them(focus):
    # Others 3, 4, 5: R quantile(c(3, 4, 5), .75) = 4.5; Northwind (2) lowest of
    # four: percentileofscore([2, 3, 4, 5], 2, kind="mean") = 12.5.
    row = _row_of(focus, "Summary", NORTHWIND, "Legitimacy of ISM")
    assert row[3:] == pytest.approx((2.0, 4.0, 4.0, 4.5, -2.0, 12.5, 3))
    # item benchmark pools respondents of all others, Tiny Co's 3 included
    items = _row_of(focus, "Items", NORTHWIND, "i1")
    favourable = 0.5 * 12 + 0.75 * 8 + 0.25 * 8 + 2
    assert items[7] == 12 + 8 + 8 + 3
    assert items[8] == pytest.approx(favourable / 31)
    low, high = wilson_interval(favourable, 31)
    assert items[9:11] == pytest.approx((float(low), float(high)))
    pool = _row_of(focus, "Participation", "Benchmark")
    # response rate only over organisations with invitations (Zephyr has an open link)
    assert pool[1:4] == pytest.approx((31, 4 * 19, 19 / (4 * 19)))


def test_focus_version_never_names_another_organisation(focus):
    others = [ZEPHYR, QUILL, TINY, "HYPERLINK", "Zephyr", "Quillfeather"]
    wb = load_workbook(focus)
    assert wb.sheetnames == SHEETS
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert not any(name in str(value) for name in others), (ws.title, value)
    with zipfile.ZipFile(focus) as xlsx:
        for name in xlsx.namelist():
            text = xlsx.read(name).decode("utf-8", errors="replace")
            for other in others:
                assert other not in text, (name, other)
    assert NORTHWIND in str(workbook_rows(focus, "About"))


def test_formula_like_names_and_labels_are_stored_as_text(researchers):
    wb = load_workbook(researchers)
    cells = [
        c
        for ws in wb
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert {c.parent.title for c in cells} == {
        "Summary",
        "Items",
        "Participation",
        "Charts",
        "Demographics",
    }
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.value == INJECTION  # exact text in a string cell, never a formula
    labels = [c for row in wb["Summary"].iter_rows() for c in row if c.value == "#N/A"]
    assert labels and all(c.data_type == "s" for c in labels)
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type in "fe"]


def test_complementary_suppression_hides_second_smallest_category(focus, researchers):
    header = workbook_rows(focus, "Demographics")[0]
    assert header[:4] == ("Organisation", "Variable", "Category", "Responses (n)")
    a = _row_of(focus, "Demographics", NORTHWIND, "Team", "A")
    b = _row_of(focus, "Demographics", NORTHWIND, "Team", "B")
    c = _row_of(focus, "Demographics", NORTHWIND, "Team", "C")
    assert a[3:] == (12, 2.0, 3.1)
    assert set(b[3:]) == {"hidden to protect a smaller group"}
    assert set(c[3:]) == {"fewer than 5 responses"}
    # people without an answer form their own (small) group, which hides the rest
    quill = _row_of(researchers, "Demographics", QUILL, "Team", "(not answered)")
    assert quill[3] == "fewer than 5 responses"
    assert (
        _row_of(researchers, "Demographics", QUILL, "Team", "A")[3]
        == "hidden to protect a smaller group"
    )
    assert _row_of(researchers, "Demographics", ZEPHYR, "Team", "A")[3] == 12


@pytest.mark.parametrize(
    "counts, expected",
    [
        ([12, 5, 3], [SHOWN, COMPLEMENT, SMALL]),
        ([1, 2, 10, 10], [SMALL, SMALL, COMPLEMENT, SHOWN]),  # 1 + 2 < 5: one more
        ([3, 4, 10], [SMALL, SMALL, SHOWN]),  # 3 + 4 >= 5: enough cover
        ([0, 7, 9], [SMALL, SHOWN, SHOWN]),  # an empty group hides nobody
        ([6, 6, 6], [SHOWN, SHOWN, SHOWN]),
    ],
)
def test_partition_suppression_covers_small_groups(counts, expected):
    frame = pd.DataFrame({"org": "x", "category": list("abcd"[: len(counts)]), "n": counts})
    status = suppress_partition(frame, by=["org"], count="n", min_group=5, order="category")
    assert status.tolist() == expected


def test_numbers_are_numeric_with_number_formats(researchers):
    wb = load_workbook(researchers)
    summary = wb["Summary"]
    assert summary["D2"].data_type == "n" and summary["D2"].number_format == "0.00"
    assert summary["D2"].value == 5.0
    assert summary["C2"].number_format == "#,##0"
    assert summary["H2"].number_format.startswith("+0.00")
    items = wb["Items"]
    assert items["E2"].data_type == "n" and items["E2"].number_format == "0%"
    participation = wb["Participation"]
    zephyr = [r for r in participation.iter_rows(min_row=2) if r[0].value == ZEPHYR][0]
    assert zephyr[2].value == "open link" and zephyr[3].value is None
    assert participation["D2"].number_format == "0%"
    assert wb["About"]["A2"].value == "Generated"
    assert wb["About"]["B2"].number_format == "yyyy-mm-dd"


def test_workbook_reloads_with_layout_and_print_setup(researchers):
    wb = load_workbook(researchers)
    assert wb.sheetnames == SHEETS
    assert wb.properties.creator == "ISM Study"
    for title in ["Summary", "Items", "Participation", "Demographics"]:
        ws = wb[title]
        assert ws.freeze_panes is not None
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"
        assert ws.column_dimensions["A"].width == 28
    rules = wb["Summary"].conditional_formatting
    assert [str(r.sqref) for r in rules] == ["H2:H11"]
    assert len(wb["Charts"]._charts) == 4  # one per reportable organisation


def test_benchmark_needs_enough_organisations(tmp_path):
    path = _write(tmp_path / "few.xlsx", min_orgs=5)
    row = _row_of(path, "Summary", QUILL, "Legitimacy of ISM")
    assert row[3:] == (4.0, "fewer than 5 organisations", None, None, None, None, 4)


@pytest.mark.parametrize(
    "change, error",
    [
        (dict(focus_org="Nobody Ltd"), NotFound),
        (dict(focus_org="Benchmark"), InvalidInput),
        (dict(min_group=0), InvalidInput),
    ],
)
def test_bad_arguments_raise_one_clear_error(tmp_path, change, error):
    with pytest.raises(error):
        _write(tmp_path / "x.xlsx", **change)


def test_missing_column_is_named(tmp_path):
    frames = _frames()
    frames["scores"] = frames["scores"].drop(columns="score")
    with pytest.raises(InvalidInput, match="scores is missing the column"):
        write_benchmark_workbook(tmp_path / "x.xlsx", **frames, instrument="v1")


@pytest.mark.peer
@pytest.mark.skipif(
    shutil.which("libreoffice") is None and shutil.which("soffice") is None,
    reason="LibreOffice is not installed",
)
def test_libreoffice_opens_the_workbook(researchers, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(researchers)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert (tmp_path / "all.pdf").stat().st_size > 0


def test_method_sheet_says_how_missing_answers_are_handled(researchers):
    text = _row_of(researchers, "Method", "Missing answers")[1]
    assert "pairwise deletion" in text and "listwise deletion" in text
    assert "minimum share of its items" in text
