"""Normalise a source's text and move selection positions with it.

QDA programs disagree on what a position counts: Windows tools keep CRLF
line breaks (two characters), .NET and Java tools count UTF-16 code units
(an emoji is two), and accents may be decomposed. ISM Study stores text with
"\\n" line breaks in NFC and counts code points, so every imported position
is mapped through that normalisation and, where the selection's ``name``
holds its text, checked against it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Hangul vowels and trailing consonants compose with the preceding syllable
# although their combining class is 0, so they never start a segment.
_HANGUL_NON_STARTERS = ((0x1161, 0x1175), (0x11A8, 0x11C2))
_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)\s*$")
_MIN_SEARCH_CHARS = 3


@dataclass(frozen=True)
class ResolvedSpan:
    """Where a selection lies in the normalised text, and how that was decided.

    ``how`` is one of "as given" (code points of the file's text), "utf16"
    (the tool counted UTF-16 units), "lf" (the tool counted a CRLF as one
    character), "nearby" (moved to where the name's text occurs) or
    "unverified" (the name differs from the text; position kept as given).
    """

    start: int
    end: int
    how: str


def _is_segment_start(char: str) -> bool:
    if unicodedata.combining(char) != 0:
        return False
    code = ord(char)
    return not any(low <= code <= high for low, high in _HANGUL_NON_STARTERS)


def _unify_line_breaks(text: str) -> tuple[str, list[int] | None]:
    """Turn CRLF and lone CR into LF; return the text and a boundary map (None: identity)."""
    if "\r" not in text:
        return text, None
    out: list[str] = []
    mapping = [0] * (len(text) + 1)
    index = 0
    while index < len(text):
        mapping[index] = len(out)
        char = text[index]
        if char == "\r":
            out.append("\n")
            if index + 1 < len(text) and text[index + 1] == "\n":
                # Between CR and LF the break is already taken.
                mapping[index + 1] = len(out)
                index += 1
        else:
            out.append(char)
        index += 1
    mapping[len(text)] = len(out)
    return "".join(out), mapping


def _compose_nfc(text: str) -> tuple[str, list[int] | None] | None:
    """NFC-normalise segment by segment so positions can follow; None if that is not exact."""
    if unicodedata.is_normalized("NFC", text):
        return text, None
    starts = [i for i, char in enumerate(text) if i == 0 or _is_segment_start(char)]
    starts.append(len(text))
    out: list[str] = []
    mapping = [0] * (len(text) + 1)
    length = 0
    for begin, stop in zip(starts, starts[1:]):
        segment = text[begin:stop]
        composed = unicodedata.normalize("NFC", segment)
        for offset in range(stop - begin):
            # Inside a segment that changed, every position goes to its start.
            mapping[begin + offset] = length + (offset if composed == segment else 0)
        out.append(composed)
        length += len(composed)
    mapping[len(text)] = length
    result = "".join(out)
    if result != unicodedata.normalize("NFC", text):
        return None
    return result, mapping


def _utf16_to_code_points(text: str) -> list[int]:
    """Map each UTF-16 unit boundary to a code-point boundary (-1 inside a surrogate pair)."""
    mapping: list[int] = []
    for index, char in enumerate(text):
        mapping.append(index)
        if ord(char) > 0xFFFF:
            mapping.append(-1)
    mapping.append(len(text))
    return mapping


def squash(text: str) -> str:
    """Return text in NFC with every run of whitespace as one space, for comparisons."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def name_matches(selected: str, name: str) -> bool:
    """Say whether a selection's ``name`` is its text, or a truncation of it."""
    truncated = _ELLIPSIS.search(name) is not None
    wanted = squash(_ELLIPSIS.sub("", name))
    actual = squash(selected)
    if not wanted:
        return False
    return actual == wanted or (actual.startswith(wanted) and (truncated or len(wanted) >= 10))


class SourceText:
    """A source's text as read from the file and as ISM Study stores it.

    Parameters
    ----------
    original : str
        The decoded text of the source file (a BOM already removed).
    """

    def __init__(self, original: str) -> None:
        self.original = original
        unified, line_map = _unify_line_breaks(original)
        composed = _compose_nfc(unified)
        self.nfc_applied = composed is not None
        text, nfc_map = composed if composed is not None else (unified, None)
        self.text = text
        self._line_map = line_map
        self._nfc_map = nfc_map
        self._utf16 = (
            _utf16_to_code_points(original)
            if any(ord(char) > 0xFFFF for char in original)
            else None
        )
        self._window = 250 + abs(len(original) - len(text)) + original.count("\n")

    def map_position(self, position: int) -> int:
        """Map a code-point position in the original text to the normalised text."""
        if self._line_map is not None:
            position = self._line_map[position]
        if self._nfc_map is not None:
            position = self._nfc_map[position]
        return position

    def _candidates(self, start: int, end: int) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        if 0 <= start <= end <= len(self.original):
            found.append((self.map_position(start), self.map_position(end), "as given"))
        if self._utf16 is not None and 0 <= start <= end < len(self._utf16):
            begin, stop = self._utf16[start], self._utf16[end]
            if begin >= 0 and stop >= 0:
                found.append((self.map_position(begin), self.map_position(stop), "utf16"))
        if self.text != self.original and 0 <= start <= end <= len(self.text):
            found.append((start, end, "lf"))
        unique: list[tuple[int, int, str]] = []
        for candidate in found:
            if all(candidate[:2] != kept[:2] for kept in unique):
                unique.append(candidate)
        return unique

    def _search_nearby(self, name: str, start: int, end: int) -> tuple[int, int] | None:
        truncated = _ELLIPSIS.search(name) is not None
        words = unicodedata.normalize("NFC", _ELLIPSIS.sub("", name)).split()
        if len("".join(words)) < _MIN_SEARCH_CHARS:
            return None
        pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
        low = max(0, start - self._window)
        high = min(len(self.text), end + self._window)
        best: tuple[int, int] | None = None
        for match in pattern.finditer(self.text, low, high):
            if best is None or abs(match.start() - start) < abs(best[0] - start):
                stop = match.start() + (end - start) if truncated else match.end()
                best = (match.start(), min(stop, len(self.text)))
        return best

    def resolve(self, start: int, end: int, name: str | None) -> ResolvedSpan | None:
        """Place a selection given in the file's positions; None if it lies outside the text."""
        candidates = self._candidates(start, end)
        if not candidates:
            return None
        first_start, first_end, first_how = candidates[0]
        if not name or not squash(name):
            return ResolvedSpan(first_start, first_end, first_how)
        for begin, stop, how in candidates:
            if name_matches(self.text[begin:stop], name):
                return ResolvedSpan(begin, stop, how)
        nearby = self._search_nearby(name, first_start, first_end)
        if nearby is not None:
            return ResolvedSpan(nearby[0], nearby[1], "nearby")
        return ResolvedSpan(first_start, first_end, "unverified")
