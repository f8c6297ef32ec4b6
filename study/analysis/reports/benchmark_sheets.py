"""Write the benchmark tables into formatted worksheets (openpyxl, streaming mode).

Sheets are written in write-only mode: rows stream to disk, so 1,000
organisations cost little memory, and column widths, freeze panes and print
set-up are fixed before the first row as that mode requires.

Safety rules kept here: numbers are written as numbers with a number format;
text that came from users or participants (organisation names, labels,
category names) is stored exactly, with the explicit string data type (see
:mod:`study.cells`), so ``=HYPERLINK(...)`` or ``#N/A`` stays text and shows no
apostrophe; NaN is never written (Excel rejects it), an empty cell or a words-only
status is written instead.

Layout rules, so the workbook prints and reads the same in LibreOffice as in
Excel (LibreOffice does not grow rows for wrapped text by itself):

- wrapped header rows and the rows of the About and Method sheets get a
  height for the lines their text wraps into;
- a hidden (suppressed) number keeps its words as the cell's value, but shows
  a short grey-italic marker such as ``n<5`` (the text section of the cell's
  number format), explained in a legend printed at the foot of every page of
  the sheet (on screen the cell itself holds the words);
- words that stand for no number at all (an open link's invitations: "open
  link", :class:`Words`) are plain text, neither marker nor legend;
- each chart is tall enough to label every scale, its value axis runs over the
  scale (1 to 5, or 1 to 7), and each organisation's block starts on a new
  printed page, so no chart is cut by a page break.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.data_source import NumFmt
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.pagebreak import Break

from study.analysis.reports.text_width import column_width

NUMBER_FORMATS = {
    "count": "#,##0",
    "mean": "0.00",
    "difference": "+0.00;-0.00;0.00",
    "percent": "0%",
    "percent_difference": "+0%;-0%;0%",
    "rank": "0",
    "date": "yyyy-mm-dd",
}
#: The workbook's own font, named on every styled cell: a font without a name is drawn
#: in the reader's fallback font (LibreOffice: a much wider one), and widths are
#: measured in this one (:mod:`study.analysis.reports.text_width`).
WORKBOOK_FONT = {"name": "Calibri", "sz": 11}
_HEADER_FONT = Font(**WORKBOOK_FONT, bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_MARKER_FONT = Font(**WORKBOOK_FONT, italic=True, color="808080")
_LINE_POINTS = 15.0  # one line of 11 pt Calibri or Carlito
_CHARS_PER_WIDTH = 1.1  # characters of proportional text per unit of column width
_CM_PER_ROW = 0.53  # a default row of 15 points
_CHART_CM_PER_LABEL = 0.9
_CHART_FRAME_CM = 4.0  # title, legend and axis
#: The widest a text column grows to fit its longest value; longer texts wrap or are cut.
MAX_FITTED_WIDTH = 80.0
_MARKERS = (
    (re.compile(r"fewer than (\d+) responses"), "n<{0}"),
    (re.compile(r"fewer than (\d+) organisations"), "<{0} orgs"),
)
# blue (below) - white (equal) - orange (above) around a difference of zero. Not red/green:
# on the four challenge scales a higher score is worse, so colour shows direction only.
_DIFFERENCE_SCALE = dict(
    start_type="min",
    start_color="6FA8DC",
    mid_type="num",
    mid_value=0,
    mid_color="FFFFFF",
    end_type="max",
    end_color="F6B26B",
)


@dataclass(frozen=True)
class Column:
    """One table column: its header, width in characters and kind of value.

    ``kind`` is ``"user"`` for text from users or participants, ``"text"`` for
    the toolkit's own words, or a key of :data:`NUMBER_FORMATS`.
    """

    header: str
    width: float
    kind: str


class Words(str):
    """The toolkit's words in a number column where there is no number to hide.

    An open survey link has no invitations: its Invitations cell says "open link"
    as plain right-aligned text, not as the grey marker of a hidden (suppressed)
    number, and the sheet's legend of hidden numbers leaves it out.
    """

    __slots__ = ()


def user_text(ws: WriteOnlyWorksheet, value: object) -> WriteOnlyCell:
    """A cell holding user text as inert text: exact, string-typed (never a formula)."""
    cell = WriteOnlyCell(ws, value=_inert(value))
    cell.data_type = "s"  # never a formula, error code or number
    return cell


@lru_cache(maxsize=65536)
def _inert_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _inert(value: object) -> str:
    """User text made safe for a cell (organisation names repeat: cached)."""
    return _inert_text(str(value))


class CellFactory:
    """Build styled write-only cells quickly by copying one template per format."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self._templates: dict[str, WriteOnlyCell] = {}

    def hidden(self, words: str) -> WriteOnlyCell:
        """A hidden number: the words as value, shown as a short grey-italic marker."""
        short = marker(words)
        key = f"hidden:{words}"
        template = self._templates.get(key)
        if template is None:
            template = WriteOnlyCell(self.ws)
            template.font = _MARKER_FONT
            template.alignment = Alignment(horizontal="right")
            # The fourth section of a number format is the one for text.
            template.number_format = f'0;-0;0;"{short}"'
            self._templates[key] = template
        cell = Cell(self.ws, row=1, column=1, value=words, style_array=template._style)
        cell.data_type = "s"
        return cell

    def words(self, text: str) -> WriteOnlyCell:
        """Plain words in a number column (:class:`Words`), right-aligned like the numbers."""
        template = self._templates.get("words")
        if template is None:
            template = WriteOnlyCell(self.ws)
            template.font = Font(**WORKBOOK_FONT)
            template.alignment = Alignment(horizontal="right")
            self._templates["words"] = template
        cell = Cell(self.ws, row=1, column=1, value=str(text), style_array=template._style)
        cell.data_type = "s"
        return cell

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


def new_sheet(
    wb: Workbook,
    title: str,
    columns: Sequence[Column],
    *,
    freeze: str | None = "A2",
    print_title_rows: str | None = "1:1",
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


def fitted_columns(columns: Sequence[Column], values: Sequence[Sequence[object]]) -> list[Column]:
    """``columns`` with each text column widened to show its longest value whole.

    Widths are measured in :data:`WORKBOOK_FONT` (openpyxl's default style, and the font
    every styled cell here names) with
    :func:`study.analysis.reports.text_width.column_width`, up to
    :data:`MAX_FITTED_WIDTH`; every column has room for the longest word of its bold
    header, which wraps between words.
    """
    size = float(WORKBOOK_FONT["sz"])
    fitted = []
    for column, column_values in zip(columns, values):
        # a header wraps between words, never inside one: room for its longest word, bold
        words = column.header.split()
        width = max([column.width] + [column_width(w, bold=True, size=size) for w in words])
        if column.kind in ("user", "text"):
            texts = {_inert(v) for v in column_values if isinstance(v, str)}
            longest = max((column_width(t, size=size) for t in texts), default=0.0)
            width = max(width, min(MAX_FITTED_WIDTH, longest))
        fitted.append(replace(column, width=width))
    return fitted + list(columns[len(fitted) :])


def wrapped_lines(text: object, width: float) -> int:
    """How many lines ``text`` takes when wrapped in a column ``width`` characters wide."""
    per_line = max(1, int(width * _CHARS_PER_WIDTH))
    return sum(max(1, math.ceil(len(line) / per_line)) for line in str(text).split("\n"))


def marker(words: str) -> str:
    """The short marker a hidden number shows, e.g. ``n<5`` for "fewer than 5 responses".

    Examples
    --------
    >>> marker("fewer than 5 responses"), marker("hidden to protect a smaller group")
    ('n<5', 'hidden')
    """
    for pattern, short in _MARKERS:
        match = pattern.fullmatch(words)
        if match:
            return short.format(*match.groups())
    return "hidden"


def header_row(
    ws: WriteOnlyWorksheet, headers: Iterable[str], widths: Sequence[float] | None = None
) -> list[WriteOnlyCell]:
    """Bold wrapped header cells; with ``widths``, row 1 gets the height its text needs."""
    headers = list(headers)
    if widths is not None:
        lines = max((wrapped_lines(h, w) for h, w in zip(headers, widths)), default=1)
        ws.row_dimensions[1].height = lines * _LINE_POINTS
    cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        cells.append(cell)
    return cells


def write_table(
    wb: Workbook,
    title: str,
    columns: Sequence[Column],
    values: Sequence[Sequence[object]],
    *,
    freeze: str,
    colour_scales: Sequence[str] = (),
) -> WriteOnlyWorksheet:
    """Write one table sheet from column-wise values.

    Each entry of ``values`` is one column's cells: a number, ``None`` (empty),
    or a string (user text in ``"user"`` columns; otherwise the toolkit's own
    words, e.g. a suppression notice, which replace the number, or :class:`Words`
    where there is no number, shown as they are). Columns whose
    header is in ``colour_scales`` get a blue-white-orange colour scale.
    """
    legend = _legend(
        v
        for column_values, column in zip(values, columns)
        if column.kind not in ("user", "text")
        for v in column_values
        if isinstance(v, str) and not isinstance(v, Words)
    )
    columns = fitted_columns(columns, values)
    ws = new_sheet(wb, title, columns, freeze=freeze)
    _print_legend(ws, legend)
    ws.append(header_row(ws, [c.header for c in columns], [c.width for c in columns]))
    factory = CellFactory(ws)
    cells = [
        _column_cells(ws, factory, column_values, column.kind)
        for column_values, column in zip(values, columns)
    ]
    n_rows = len(values[0]) if values else 0
    for row in zip(*cells):
        ws.append(row)
    for index, column in enumerate(columns, start=1):
        if column.header in colour_scales and n_rows:
            letter = get_column_letter(index)
            ws.conditional_formatting.add(
                f"{letter}2:{letter}{n_rows + 1}", ColorScaleRule(**_DIFFERENCE_SCALE)
            )
    return ws


def _column_cells(
    ws: WriteOnlyWorksheet, factory: CellFactory, values: Sequence[object], kind: str
) -> list[object]:
    """One column's cells, converted column by column (the fast path of write_table)."""
    if kind == "user":
        return [None if v is None else _user_value(ws, v) for v in values]
    if kind == "text":
        return [None if isinstance(v, float) and math.isnan(v) else v for v in values]
    return [
        None
        if v is None
        else factory.words(v)
        if isinstance(v, Words)
        else factory.hidden(v)
        if isinstance(v, str)
        else None
        if isinstance(v, float) and math.isnan(v)
        else factory.number(v, kind)
        for v in values
    ]


def _legend(hidden: Iterable[str]) -> str | None:
    """What the markers of these hidden numbers mean, one line each (None: nothing hidden)."""
    meanings = {marker(words): words for words in hidden}
    if not meanings:
        return None
    return "\n".join(f"{short} = hidden: {words}" for short, words in sorted(meanings.items()))


def _print_legend(ws: WriteOnlyWorksheet, legend: str | None) -> None:
    """The legend in the page footer, so every printed page explains its markers."""
    if legend:
        ws.oddFooter.left.text = legend.replace("\n", "; ").replace("&", "&&")
        ws.oddFooter.left.size = 8


def _user_value(ws: WriteOnlyWorksheet, value: object) -> object:
    """User text for a row: the exact text, with an explicit string cell where needed.

    openpyxl stores a plain string with the string type unless it starts with
    "=" (a formula) or is an error code such as "#N/A": those two get an
    explicit string cell. Plain strings skip a cell object per value.
    """
    text = _inert(value)
    return user_text(ws, text) if text in ERROR_CODES or text.startswith("=") else text


def _cell(ws: WriteOnlyWorksheet, factory: CellFactory, value: object, kind: str) -> object:
    if value is None:
        return None
    if kind == "user":
        return user_text(ws, value)
    if isinstance(value, Words) and kind != "text":
        return factory.words(value)
    if isinstance(value, str):
        return value if kind == "text" else factory.hidden(value)  # a hidden number
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind == "text":
        return value
    return factory.number(value, kind)


def write_text_sheet(
    wb: Workbook, title: str, rows: Sequence[tuple[str, object, str | None]]
) -> WriteOnlyWorksheet:
    """A two-column sheet of headings and explanations (About, Method).

    Each row is (label, value, kind): label in bold, value as text (wrapped)
    or, when ``kind`` names a number format, as a formatted number; kind
    ``"user"`` marks text from users.
    """
    columns = [Column("", 30, "text"), Column("", 100, "text")]
    ws = new_sheet(wb, title, columns, freeze=None, print_title_rows=None)
    factory = CellFactory(ws)
    for number, (label, value, kind) in enumerate(rows, start=1):
        lines = max(
            wrapped_lines(label, columns[0].width),
            wrapped_lines(value, columns[1].width) if isinstance(value, str) else 1,
        )
        if lines > 1:  # LibreOffice does not grow a row for wrapped text by itself
            ws.row_dimensions[number].height = lines * _LINE_POINTS
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


def write_chart_sheet(
    wb: Workbook,
    blocks: Sequence[tuple[str, Sequence[object], Sequence[object], Sequence[str], str]],
    series_names: tuple[str, str],
    *,
    block_height: int,
) -> WriteOnlyWorksheet:
    """Chart data (one block per organisation) with a native bar chart beside each.

    Each block is (organisation, organisation means, benchmark means, scale
    labels, draw). Means may be a suppression notice instead of a number.
    ``draw`` is ``"both"``, ``"benchmark"`` (the organisation is hidden: its
    bars are left out) or ``"none"`` (no chart). The series names are the
    headers of the two value columns.
    """
    columns = [
        Column("Organisation", 28, "user"),
        Column("Scale", 34, "user"),
        Column(series_names[0], 16, "mean"),
        Column(series_names[1], 16, "mean"),
    ]
    legend = _legend(
        v for _, own, bench, _, _ in blocks for v in (*own, *bench) if isinstance(v, str)
    )
    ws = new_sheet(wb, "Charts", columns, freeze="A2")
    _print_legend(ws, legend)
    ws.append(header_row(ws, [c.header for c in columns], [c.width for c in columns]))
    factory = CellFactory(ws)
    row = 2
    scale_top = (
        7
        if any(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > 5
            for _, own, bench, _, _ in blocks
            for v in (*own, *bench)
        )
        else 5
    )
    for organisation, own, bench, labels, draw in blocks:
        first = row
        height_cm = _CHART_FRAME_CM + _CHART_CM_PER_LABEL * len(labels)
        rows = max(block_height, len(labels) + 1, math.ceil(height_cm / _CM_PER_ROW) + 1)
        if first > 2:  # each block on its own printed page: no chart cut by a break
            ws.row_breaks.append(Break(id=first - 1))
        for label, mine, theirs in zip(labels, own, bench):
            ws.append(
                [
                    user_text(ws, organisation),
                    user_text(ws, label),
                    _cell(ws, factory, mine, "mean"),
                    _cell(ws, factory, theirs, "mean"),
                ]
            )
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
            chart.set_categories(Reference(ws, min_col=2, max_col=2, min_row=first, max_row=last))
            # the value axis spans the scale; every scale label has room (none skipped)
            chart.y_axis.scaling.min, chart.y_axis.scaling.max = 1, scale_top
            chart.y_axis.majorUnit = 1
            chart.y_axis.numFmt = NumFmt(formatCode="0", sourceLinked=False)
            chart.x_axis.tickLblSkip = 1
            chart.x_axis.delete = chart.y_axis.delete = False
            chart.height = height_cm
            chart.width = 16
            ws.add_chart(chart, f"F{first}")
        for _ in range(rows - len(labels)):
            ws.append([])
            row += 1
    return ws
