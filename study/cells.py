"""Make participant and user text safe to put in a spreadsheet cell or CSV field.

A free-text answer such as ``=HYPERLINK("http://x", "click")`` must arrive in
Excel or LibreOffice as text, never as a live formula (CSV/formula injection,
OWASP). Every export goes through this module, and keeps text exact where the
format allows it:

- **xlsx**: :func:`set_text_cell` writes text as a string cell (``data_type``
  ``"s"``, an inline string), which a spreadsheet never evaluates, so the text
  stays exactly as typed, with no apostrophe.
- **csv** has no types, so text starting with ``= + - @``, a tab, CR or LF gets
  a leading apostrophe (:func:`escape_formula`; :func:`csv_bytes` for a whole
  DataFrame). :func:`unescape_formula` removes it again when such a file is
  imported, so an export -> import round trip gives back the exact text. Text
  that itself starts with an apostrophe followed by one of those characters
  (or by another apostrophe) gets one too, so that the round trip is exact for
  every text.
- **exact csv** (``exact=True`` on the CSV writers, ``--exact`` in the CLI): for
  R, pandas, SPSS or Stata, which read the apostrophe as part of the answer
  ("'- no time"). Every field is written as it is (:func:`csv_field`); such a
  file must not be opened in a spreadsheet program (:data:`EXACT_CSV_RISK`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_QUOTED = tuple("'" + t for t in (*FORMULA_TRIGGERS, "'"))
# Control characters the xlsx format cannot hold at all (openpyxl refuses them).
_ILLEGAL_XLSX = re.compile(r"[\000-\010\013\014\016-\037]")


EXACT_CSV_RISK = (
    "cells starting with = + - @ are written as they are: do not open this file in a "
    "spreadsheet program"
)
"""The risk of an exact CSV, as ``--help`` names it."""


def is_live_formula(value: Any) -> bool:
    """True if a spreadsheet would run ``value`` typed into a cell or read from CSV."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def escape_formula(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if it is text a spreadsheet would run.

    Numbers and other non-text values are returned unchanged. For CSV; in xlsx
    use :func:`set_text_cell`, which needs no apostrophe.

    Examples
    --------
    >>> escape_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("fine")
    'fine'
    >>> escape_formula(3)
    3
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS + _QUOTED):
        return "'" + value
    return value


def csv_field(value: Any, *, exact: bool = False) -> Any:
    """A CSV field: escaped by :func:`escape_formula`, or ``value`` unchanged when ``exact``.

    Examples
    --------
    >>> csv_field("- no time")
    "'- no time"
    >>> csv_field("- no time", exact=True)
    '- no time'
    """
    return value if exact else escape_formula(value)


def unescape_formula(value: Any) -> Any:
    """Undo :func:`escape_formula`: the exact text an exported CSV field stood for.

    Examples
    --------
    >>> unescape_formula("'=1+1")
    '=1+1'
    >>> unescape_formula("'tis")
    "'tis"
    >>> unescape_formula(escape_formula("'=1"))
    "'=1"
    """
    if isinstance(value, str) and value.startswith(_QUOTED):
        return value[1:]
    return value


def csv_bytes(frame: Any, *, index: bool = False, bom: bool = True, exact: bool = False) -> bytes:
    """A DataFrame as UTF-8 CSV (with a BOM for Excel, unless ``bom=False``), text escaped.

    Column names and, with ``index=True``, the index (e.g. code names of a
    co-occurrence matrix) are escaped too. With ``exact=True`` nothing is
    escaped: for analysis tools, never for a spreadsheet (:data:`EXACT_CSV_RISK`).
    """
    safe = frame.copy() if exact else frame.map(escape_formula)
    if not exact:
        safe.columns = [escape_formula(c) for c in safe.columns]
    if index and not exact:
        safe.index = [escape_formula(i) for i in safe.index]
        safe.index.name = escape_formula(frame.index.name)
    # CRLF rows (RFC 4180): pandas quotes a field holding CR only when CR ends its rows;
    # an unquoted CR starts a new row in a spreadsheet, whose first field could be a formula.
    return safe.to_csv(index=index, lineterminator="\r\n").encode("utf-8-sig" if bom else "utf-8")


def write_csv(
    columns: Iterable[Any], rows: Iterable[Iterable[Any]], stream: Any, cell: Callable[[Any], Any]
) -> None:
    """Write a header and rows as UTF-8 CSV with a byte-order mark (so Excel shows æ, ø and å).

    Each value goes through ``cell`` (escaping, joining lists); a ``None`` it returns is an
    empty field.
    """
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow(["" if (v := cell(value)) is None else v for value in row])
    stream.write(text.getvalue().encode("utf-8-sig"))


def set_text_cell(cell: Any, value: Any) -> Any:
    """Put ``value`` into an openpyxl cell; text becomes a string cell, never a formula.

    Characters xlsx cannot hold (control characters other than tab, LF, CR)
    are dropped. Returns the cell.
    """
    if isinstance(value, str):
        cell.value = _ILLEGAL_XLSX.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell
