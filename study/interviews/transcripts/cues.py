"""Read subtitle transcripts (WebVTT from Teams and Zoom, SubRip .srt) into lines.

Teams marks speakers with voice tags (``<v Anna Jensen>words</v>``), Zoom and
most .srt files with a ``Name: words`` prefix at the start of a cue; both are
taken as certain speakers. Further ``Name:`` prefixes inside a cue follow the
rules of :mod:`study.interviews.transcripts.speakers`. Every line
carries its cue's start and end time in seconds, so turns built from them keep
the first cue's start and the last cue's end.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from study.errors import InvalidFile
from study.interviews.transcripts.speakers import SourceLine, parse_clock, split_speaker_prefix

__all__ = ["read_subrip", "read_webvtt"]

_CLOCK = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*(?P<start>{_CLOCK})\s*-->\s*(?P<end>{_CLOCK})(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}")


def _blocks(text: str) -> list[list[str]]:
    """Split text into blocks of non-blank lines separated by blank lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _clean(fragment: str) -> str:
    """Drop markup tags (styling, karaoke timestamps) and decode HTML entities."""
    return html.unescape(_TAG.sub("", fragment)).replace("\u00a0", " ")


def _cue_lines(payload: list[str], start: float, end: float) -> list[SourceLine]:
    """Return the lines of one cue, with speakers from voice tags or from prefixes."""
    text = "\n".join(payload)
    pieces: list[tuple[str | None, str]] = []
    position = 0
    speaker: str | None = None
    for match in _VOICE.finditer(text):
        pieces.append((speaker, text[position : match.start()]))
        speaker = " ".join(_clean(match["name"] or "").split()) or None
        position = match.end()
    pieces.append((speaker, text[position:]))
    lines: list[SourceLine] = []
    for voice, fragment in pieces:
        for line in _clean(fragment).split("\n"):
            line = line.strip()
            if not line:
                continue
            if voice:
                lines.append(
                    SourceLine(
                        text=line,
                        label=voice,
                        rest=line,
                        explicit=True,
                        started_at=start,
                        ended_at=end,
                    )
                )
                continue
            source = split_speaker_prefix(line, started_at=start, ended_at=end)
            if source.label and not lines:
                # "Name: words" opening a cue is how Zoom and most .srt files name speakers.
                source = replace(source, explicit=True)
            lines.append(source)
    return lines


def _timed_blocks(text: str) -> list[tuple[float, float, list[str]]]:
    """Return (start, end, payload) for every block that has a timing line."""
    cues = []
    for block in _blocks(text):
        for index, line in enumerate(block[:2]):
            timing = _TIMING.match(line)
            if timing:
                cues.append(
                    (parse_clock(timing["start"]), parse_clock(timing["end"]), block[index + 1 :])
                )
                break
    return cues


def read_webvtt(text: str, *, path: str) -> list[SourceLine]:
    """Return the lines of a WebVTT transcript.

    Raises
    ------
    InvalidFile
        If the text does not start with ``WEBVTT`` or has no cues.
    """
    first = text.lstrip("\n").split("\n", 1)[0]
    if not re.match(r"WEBVTT(?:[ \t].*)?$", first):
        raise InvalidFile("a WebVTT file must start with the line WEBVTT", path=path, line=1)
    cues = _timed_blocks(text)
    if not cues:
        raise InvalidFile(
            "the WebVTT file has no cues (no lines like '00:00:01.000 --> 00:00:04.000')", path=path
        )
    return [line for start, end, payload in cues for line in _cue_lines(payload, start, end)]


def read_subrip(text: str, *, path: str) -> list[SourceLine]:
    """Return the lines of a SubRip (.srt) transcript.

    Raises
    ------
    InvalidFile
        If the text has no subtitles with timings.
    """
    cues = _timed_blocks(text)
    if not cues:
        raise InvalidFile(
            "the SubRip file has no subtitles (no lines like '00:00:01,000 --> 00:00:04,000')",
            path=path,
        )
    return [line for start, end, payload in cues for line in _cue_lines(payload, start, end)]
