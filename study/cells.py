"""Make participant and user text safe to put in a spreadsheet cell or CSV field.

A free-text answer such as ``=HYPERLINK("http://x", "click")`` must arrive in
Excel or LibreOffice as text, never as a live formula (CSV/formula injection,
OWASP). Text starting with ``= + - @``, a tab, CR or LF gets a leading
apostrophe, which spreadsheet programs treat as "this is text".
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def escape_formula(value: Any) -> Any:
    """Return ``value`` with a leading apostrophe if it is text a spreadsheet would run.

    Numbers and other non-text values are returned unchanged.

    Examples
    --------
    >>> escape_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("fine")
    'fine'
    >>> escape_formula(3)
    3
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
