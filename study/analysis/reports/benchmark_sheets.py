"""Write the benchmark tables into formatted worksheets (openpyxl, streaming mode).

Sheets are written in write-only mode: rows stream to disk, so 1,000
organisations cost little memory, and column widths, freeze panes and print
set-up are fixed before the first row as that mode requires.

Safety rules kept here: numbers are written as numbers with a number format;
text that came from users or participants (organisation names, labels,
category names) goes through :func:`study.cells.escape_formula` and is stored
with the explicit string data type, so ``=HYPERLINK(...)`` or ``#N/A`` stays
text; NaN is never written (Excel rejects it), an empty cell or a words-only
status is written instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from study.cells import escape_formula

NUMBER_FORMATS = {
    "count": "#,##0",
    "mean": "0.00",
    "difference": "+0.00;-0.00;0.00",
    "percent": "0%",
    "percent_difference": "+0%;-0%;0%",
    "rank": "0",
    "date": "yyyy-mm-dd",
}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")
# blue (below) - white (equal) - orange (above) around a difference of zero. Not red/green:
# on the four challenge scales a higher score is worse, so colour shows direction only.
_DIFFERENCE_SCALE = dict(start_type="min", start_color="6FA8DC", mid_type="num",
                         mid_value=0, mid_color="FFFFFF", end_type="max",
                         end_color="F6B26B")


@dataclass(frozen=True)
class Column:
    """One table column: its header, width in characters and kind of value.

    ``kind`` is ``"user"`` for text from users or participants, ``"text"`` for
    the toolkit's own words, or a key of :data:`NUMBER_FORMATS`.
    """

    header: str
    width: float
    kind: str


def user_text(ws: WriteOnlyWorksheet, value: object) -> WriteOnlyCell:
    """A cell holding user text as inert text: formula-escaped, string-typed."""
    cell = WriteOnlyCell(ws, value=_inert(value))
    cell.data_type = "s"  # never a formula, error code or number
    return cell


@lru_cache(maxsize=65536)
def _inert_text(text: str) -> str:
    return escape_formula(ILLEGAL_CHARACTERS_RE.sub("", text))


def _inert(value: object) -> str:
    """User text made safe for a cell (organisation names repeat: cached)."""
    return _inert_text(str(value))


class CellFactory:
    """Build styled write-only cells quickly by copying one template per format."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self._templates: dict[str, WriteOnlyCell] = {}

    def number(self, value: float, kind: str) -> WriteOnlyCell:
        template = self._templates.get(kind)
        if template is None:
            template = WriteOnlyCell(self.ws)
            template.number_format = NUMBER_FORMATS[kind]
            self._templates[kind] = template
        # Sharing the template's style array skips openpyxl's per-cell format lookup,
        # which otherwise dominates the time for 100,000s of cells. Safe in write-only
        # mode: each cell is serialised when its row is appended and never changed.
        return Cell(self.ws, row=1, column=1, value=value, style_array=template._style)


def new_sheet(wb: Workbook, title: str, columns: Sequence[Column], *,
              freeze: str | None = "A2", print_title_rows: str | None = "1:1",
              ) -> WriteOnlyWorksheet:
    """Create a sheet with widths, frozen panes and landscape fit-to-width print set-up."""
    ws = wb.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    if freeze:
        ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if print_title_rows:
        ws.print_title_rows = print_title_rows
    return ws


def header_row(ws: WriteOnlyWorksheet, headers: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        cells.append(cell)
    return cells


def write_table(wb: Workbook, title: str, columns: Sequence[Column],
                values: Sequence[Sequence[object]], *, freeze: str,
                colour_scales: Sequence[str] = ()) -> WriteOnlyWorksheet:
    """Write one table sheet from column-wise values.

    Each entry of ``values`` is one column's cells: a number, ``None`` (empty),
    or a string (user text in ``"user"`` columns; otherwise the toolkit's own
    words, e.g. a suppression notice, which replace the number). Columns whose
    header is in ``colour_scales`` get a blue-white-orange colour scale.
    """
    ws = new_sheet(wb, title, columns, freeze=freeze)
    ws.append(header_row(ws, [c.header for c in columns]))
    factory = CellFactory(ws)
    cells = [_column_cells(ws, factory, column_values, column.kind)
             for column_values, column in zip(values, columns)]
    n_rows = len(values[0]) if values else 0
    for row in zip(*cells):
        ws.append(row)
    for index, column in enumerate(columns, start=1):
        if column.header in colour_scales and n_rows:
            letter = get_column_letter(index)
            ws.conditional_formatting.add(f"{letter}2:{letter}{n_rows + 1}",
                                          ColorScaleRule(**_DIFFERENCE_SCALE))
    return ws


def _column_cells(ws: WriteOnlyWorksheet, factory: CellFactory, values: Sequence[object],
                  kind: str) -> list[object]:
    """One column's cells, converted column by column (the fast path of write_table)."""
    if kind == "user":
        return [None if v is None else _user_value(ws, v) for v in values]
    if kind == "text":
        return [None if isinstance(v, float) and math.isnan(v) else v for v in values]
    return [v if v is None or isinstance(v, str) else
            None if isinstance(v, float) and math.isnan(v) else factory.number(v, kind)
            for v in values]


def _user_value(ws: WriteOnlyWorksheet, value: object) -> object:
    """User text for a row: escaped text, with an explicit string cell where needed.

    Once escaped, text cannot start with "=", so openpyxl stores it with the
    string type; the one other guess it makes, an error code such as "#N/A",
    gets an explicit string cell. Plain strings skip a cell object per value.
    """
    text = _inert(value)
    return user_text(ws, text) if text in ERROR_CODES else text


def _cell(ws: WriteOnlyWorksheet, factory: CellFactory, value: object, kind: str) -> object:
    if value is None:
        return None
    if kind == "user":
        return user_text(ws, value)
    if isinstance(value, str):
        return value  # the toolkit's own words
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind == "text":
        return value
    return factory.number(value, kind)


def write_text_sheet(wb: Workbook, title: str,
                     rows: Sequence[tuple[str, object, str | None]]) -> WriteOnlyWorksheet:
    """A two-column sheet of headings and explanations (About, Method).

    Each row is (label, value, kind): label in bold, value as text (wrapped)
    or, when ``kind`` names a number format, as a formatted number; kind
    ``"user"`` marks text from users.
    """
    columns = [Column("", 30, "text"), Column("", 100, "text")]
    ws = new_sheet(wb, title, columns, freeze=None, print_title_rows=None)
    factory = CellFactory(ws)
    for label, value, kind in rows:
        label_cell = WriteOnlyCell(ws, value=label)
        label_cell.font, label_cell.alignment = _HEADER_FONT, _WRAP
        if kind == "user":
            value_cell = user_text(ws, value)
        elif kind in NUMBER_FORMATS:
            value_cell = factory.number(value, kind)
        else:
            value_cell = WriteOnlyCell(ws, value=value)
        value_cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        ws.append([label_cell, value_cell])
    return ws


def write_chart_sheet(wb: Workbook, blocks: Sequence[tuple[str, Sequence[object],
                                                          Sequence[object],
                                                          Sequence[str], str]],
                      series_names: tuple[str, str], *, block_height: int,
                      ) -> WriteOnlyWorksheet:
    """Chart data (one block per organisation) with a native bar chart beside each.

    Each block is (organisation, organisation means, benchmark means, scale
    labels, draw). Means may be a suppression notice instead of a number.
    ``draw`` is ``"both"``, ``"benchmark"`` (the organisation is hidden: its
    bars are left out) or ``"none"`` (no chart). The series names are the
    headers of the two value columns.
    """
    columns = [Column("Organisation", 28, "user"), Column("Scale", 34, "user"),
               Column(series_names[0], 16, "mean"), Column(series_names[1], 16, "mean")]
    ws = new_sheet(wb, "Charts", columns, freeze="A2")
    ws.append(header_row(ws, [c.header for c in columns]))
    factory = CellFactory(ws)
    row = 2
    for organisation, own, bench, labels, draw in blocks:
        first = row
        for label, mine, theirs in zip(labels, own, bench):
            ws.append([user_text(ws, organisation), user_text(ws, label),
                       _cell(ws, factory, mine, "mean"), _cell(ws, factory, theirs, "mean")])
            row += 1
        last = row - 1
        if draw != "none" and labels:
            chart = BarChart()
            chart.type = "bar"
            chart.grouping = "clustered"
            shown = [(3, organisation), (4, series_names[1])]
            if draw == "benchmark":  # a hidden organisation: benchmark bars only
                shown = shown[1:]
            chart.title = "Scale means: " + " and ".join(str(name) for _, name in shown)
            # no axis titles: the chart title says what is plotted, and
            # each title is a rich-text tree that costs time per chart
            for col, name in shown:
                values = Reference(ws, min_col=col, max_col=col, min_row=first, max_row=last)
                chart.series.append(Series(values, title=str(name)))
            chart.set_categories(Reference(ws, min_col=2, max_col=2,
                                           min_row=first, max_row=last))
            chart.height = 0.53 * block_height
            chart.width = 16
            ws.add_chart(chart, f"F{first}")
        for _ in range(block_height - len(labels)):
            ws.append([])
            row += 1
    return ws
