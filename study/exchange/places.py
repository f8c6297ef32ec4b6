"""A memo's place in its transcript, said in its text.

A memo has no place of its own, so an annotation (a peer's note on a passage) is kept
as a transcript memo whose text ends with the passage ("(On “…”, characters 120–135.)"),
and goes back out as an annotation on that passage.
"""

from __future__ import annotations

import re

__all__ = ["split_place", "with_place"]

_PLACE_QUOTE_CHARS = 60
_PLACE = re.compile(r"\n\n\(On “(?P<quote>.*)”, characters (?P<start>\d+)–(?P<end>\d+)\.\)\Z", re.S)


def with_place(text: str, transcript_text: str, start: int, end: int) -> str:
    """A memo's text with the passage it is about (an annotation's place) said at its end.

    Examples
    --------
    >>> with_place("Check this.", "Only when the boss is away.", 5, 9)
    'Check this.\\n\\n(On “when”, characters 5–9.)'
    >>> split_place("Check this.\\n\\n(On “when”, characters 5–9.)", "Only when the boss is away.")
    ('Check this.', 5, 9)
    """
    quote = " ".join(transcript_text[start:end].split())
    if len(quote) > _PLACE_QUOTE_CHARS:
        quote = quote[: _PLACE_QUOTE_CHARS - 1] + "…"
    return f"{text.strip()}\n\n(On “{quote}”, characters {start}–{end}.)"


def split_place(text: str, transcript_text: str) -> tuple[str, int | None, int | None]:
    """Undo :func:`with_place`: the memo's own text and its place (None when it has none)."""
    match = _PLACE.search(text)
    if match is None:
        return text, None, None
    start, end = int(match.group("start")), int(match.group("end"))
    rest = text[: match.start()]
    if (
        not 0 <= start <= end <= len(transcript_text)
        or with_place(rest, transcript_text, start, end) != text.strip()
    ):
        return text, None, None
    return rest, start, end
