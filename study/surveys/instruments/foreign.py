"""What the importers of other survey tools' files share: limits, plain text, the import report.

Qualtrics (.qsf) and LimeSurvey (.lss) files become an :class:`~study.surveys.instruments.Instrument`
and a report of everything that could not be carried over as it was, so nothing is dropped
silently. Question texts in those tools are HTML; here they are plain text, always: tags are
removed and entities decoded on import, and texts are never rendered as HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from study.errors import FileTooLarge, InvalidFile
from study.surveys.instruments.survey import Instrument

__all__ = [
    "MAX_INSTRUMENT_FILE_BYTES",
    "ImportedInstrument",
    "check_size",
    "plain_text",
    "slug",
]

#: A survey definition is kilobytes (a few megabytes with embedded images); a larger file is
#: refused before anything is parsed.
MAX_INSTRUMENT_FILE_BYTES = 20 * 1024 * 1024

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6])\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ImportedInstrument:
    """An instrument read from another tool's file, with what the import could not keep as it was.

    ``notes`` are sentences naming the question and what happened to it (a display logic
    that has no ``show_if`` form, a question type with no counterpart, a language without
    a text).
    """

    instrument: Instrument
    notes: list[str] = field(default_factory=list)
    source: str = ""


def check_size(data: bytes, filename: str) -> None:
    """Refuse a file over :data:`MAX_INSTRUMENT_FILE_BYTES` with one sentence."""
    if len(data) > MAX_INSTRUMENT_FILE_BYTES:
        raise FileTooLarge(
            f"{filename} is {len(data) / 1024 / 1024:.0f} MB; a survey file may be at most "
            f"{MAX_INSTRUMENT_FILE_BYTES // 1024 // 1024} MB.",
            path=filename,
        )
    if not data.strip():
        raise InvalidFile(f"{filename} is empty.", path=filename)


def plain_text(value: object) -> str:
    """HTML from a survey tool as plain text: line breaks kept, tags dropped, entities decoded.

    Examples
    --------
    >>> plain_text("<p>How <b>often</b> do you post?</p><p>&nbsp;Be honest &amp; quick.</p>")
    'How often do you post?\\nBe honest & quick.'
    >>> plain_text('<script>alert("x")</script>Hi')
    'alert("x")Hi'
    """
    text = "" if value is None else str(value)
    text = _BREAK.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()


def slug(value: str, fallback: str = "imported") -> str:
    """An instrument or item id made from a name: lower case, digits and dashes.

    Examples
    --------
    >>> slug("Employee Survey 2024 (DK)")
    'employee-survey-2024-dk'
    >>> slug("???")
    'imported'
    """
    made = _NOT_SLUG.sub("-", value.casefold()).strip("-")
    return made[:60].strip("-") or fallback
