"""How wide a column must be to show a text whole, in the font the workbook names.

Excel measures a column in widths of the digit "0" of the workbook's default font
(11 pt Calibri: 7 pixels) plus 5 pixels of cell padding. A label's width follows
from the advance width of each of its glyphs: ``calibri_widths.json`` holds them for
Carlito, the open font metric-compatible with Calibri (so LibreOffice lays the sheet
out as Excel does), regular and bold, for Latin-1, Latin Extended-A (Danish and the
other Nordic letters) and common punctuation. A character outside the table counts
as an average lower-case letter.

Examples
--------
>>> column_width("Mean") < column_width("Challenge: management support in words, not action")
True
>>> column_width("") == column_width("", bold=True)
True
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

_DIGIT_PIXELS = 7  # the "0" of 11 pt Calibri at 96 dpi, Excel's unit of column width
_PADDING_PIXELS = 5
_MARGIN = 0.6  # a little air, and room for a renderer that rounds glyphs up


@lru_cache(maxsize=1)
def _metrics() -> dict:
    data = json.loads((Path(__file__).parent / "calibri_widths.json").read_text("utf-8"))
    return {
        style: (dict(zip(data[style]["chars"], data[style]["widths"])), data[style]["average"])
        for style in ("regular", "bold")
    } | {"units_per_em": data["units_per_em"]}


def text_pixels(text: str, *, bold: bool = False, size: float = 11.0) -> float:
    """The width in pixels (96 dpi) of the widest line of ``text`` in Calibri at ``size`` pt."""
    metrics = _metrics()
    widths, average = metrics["bold" if bold else "regular"]
    scale = size * 96 / 72 / metrics["units_per_em"]
    return max(
        (sum(widths.get(ch, average) for ch in line) * scale for line in text.split("\n")),
        default=0.0,
    )


def column_width(text: str, *, bold: bool = False, size: float = 11.0) -> float:
    """The column width (Excel's unit) that shows ``text`` on one line, whole."""
    pixels = text_pixels(text, bold=bold, size=size)
    return round((pixels + _PADDING_PIXELS) / _DIGIT_PIXELS + _MARGIN, 1)
