"""Find speaker labels at the start of transcript lines and group lines into turns.

Transcripts mark speakers in many ways: ``Anna Jensen: ...``, ``INTERVIEWER:``,
``I:``/``R:``, ``[Anna]``, ``Anna (coordinator): ...``, ``[00:01:02] Anna: ...``,
or a header line ``Anna Jensen   0:03`` (Teams and Otter exports) followed by
the words. A capitalised word before a colon is not always a speaker ("Note:
..."), so a label only counts when it is a known role label (I, R,
Interviewer, Respondent, ...), carries a role in parentheses, is a name of two
or more capitalised words ("Anna Jensen"), comes from a voice tag or the start
of a subtitle cue, or occurs at least twice in the file. A file whose candidate
labels fail all of these keeps them all (a two-line exchange "Anna: ..." /
"Bo: ...").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from study.interviews.transcripts.transcript import TurnDraft

__all__ = [
    "SourceLine",
    "build_turns",
    "is_interviewer_label",
    "is_role_label",
    "parse_clock",
    "speaker_key",
    "split_speaker_prefix",
]

_WORD = r"[^\W\d_][\w'’.\-]*"
_LABEL = rf"{_WORD}(?:[ \t]+{_WORD}){{0,3}}(?:[ \t]+\d{{1,2}})?"
_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_MAX_LABEL_CHARS = 40

_TIMESTAMP_PREFIX = re.compile(
    rf"^[\[(]?(?P<clock>{_CLOCK})[\])]?[ \t]+(?:[-–][ \t]+)?(?P<rest>.*)$"
)
_BRACKETED = re.compile(rf"^\[(?P<label>{_LABEL})\][ \t]*:?(?:[ \t]+(?P<rest>.*))?$")
_COLON = re.compile(
    rf"^(?P<label>{_LABEL})[ \t]*(?:\((?P<role>[^()\n]{{1,40}})\))?[ \t]*:(?:[ \t]+(?P<rest>.*))?$"
)
_HEADER = re.compile(rf"^(?P<label>{_LABEL})[ \t]+[\[(]?(?P<clock>{_CLOCK})[\])]?$")

# Role labels (casefolded, trailing number removed) that are speakers wherever they occur.
_ROLE_LABELS = frozenset(
    {
        "i",
        "r",
        "q",
        "a",
        "int",
        "iv",
        "interviewer",
        "interviewers",
        "interviewee",
        "respondent",
        "informant",
        "moderator",
        "facilitator",
        "researcher",
        "speaker",
        "participant",
        "coordinator",
        "intervieweren",
        "interviewperson",
        "informanten",
        "respondenten",
        "deltager",
        "forsker",
        "spørger",
        "svar",
        "koordinator",
        "ukendt",
        "unknown",
    }
)
_INTERVIEWER_LABELS = frozenset(
    {
        "i",
        "q",
        "int",
        "iv",
        "interviewer",
        "interviewers",
        "intervieweren",
        "moderator",
        "researcher",
        "forsker",
        "spørger",
    }
)


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One line of a transcript file, with a candidate speaker label if it has one.

    ``text`` is the whole line; ``rest`` what follows the label. ``explicit``
    marks labels that are certainly speakers (subtitle voice tags, table
    columns). A blank line has ``text == ""``.
    """

    text: str
    label: str | None = None
    rest: str = ""
    explicit: bool = False
    started_at: float | None = None
    ended_at: float | None = None


def parse_clock(clock: str) -> float:
    """Return seconds for ``h:mm:ss.fff``, ``mm:ss.fff`` or ``mm:ss`` (comma allowed)."""
    seconds = 0.0
    for part in clock.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def speaker_key(label: str) -> str:
    """Return the form of a label used to decide whether two labels name one speaker."""
    return " ".join(label.split()).casefold()


def _role_key(label: str) -> str:
    return re.sub(r"[ \t]*\d+$", "", speaker_key(label))


def is_role_label(label: str) -> bool:
    """Return whether ``label`` is a role (I, R, Interviewer 2, Deltager, ...) rather than a name."""
    return _role_key(label) in _ROLE_LABELS


def is_interviewer_label(label: str) -> bool:
    """Return whether ``label`` names an interviewer (I, Q, Interviewer 2, Moderator, ...)."""
    return _role_key(label) in _INTERVIEWER_LABELS


def _is_full_name(label: str) -> bool:
    """Return whether ``label`` looks like a full name: two or more capitalised words."""
    words = label.split()
    return len(words) >= 2 and all(word[0].isupper() for word in words)


def _is_label(label: str) -> bool:
    return len(label) <= _MAX_LABEL_CHARS and label[0].isupper()


def split_speaker_prefix(
    line: str, *, started_at: float | None = None, ended_at: float | None = None
) -> SourceLine:
    """Split a candidate speaker label (and a leading clock time) off one line of text."""
    text = line.strip()
    body = text
    timestamp = _TIMESTAMP_PREFIX.match(body)
    if timestamp:
        body = timestamp["rest"]
    for pattern in (_BRACKETED, _COLON, _HEADER):
        match = pattern.match(body)
        if match and _is_label(match["label"].strip()):
            label = " ".join(match["label"].split())
            clock = timestamp["clock"] if timestamp else match.groupdict().get("clock")
            return SourceLine(
                text=text,
                label=label,
                rest=(match.groupdict().get("rest") or "").strip(),
                explicit=bool(match.groupdict().get("role")),
                started_at=parse_clock(clock) if clock else started_at,
                ended_at=ended_at,
            )
    return SourceLine(text=text, started_at=started_at, ended_at=ended_at)


def _accepted_keys(lines: list[SourceLine]) -> set[str]:
    """Decide which candidate labels are speakers (see the module docstring)."""
    counts = Counter(speaker_key(line.label) for line in lines if line.label)
    accepted = {speaker_key(line.label) for line in lines if line.label and line.explicit}
    accepted |= {key for key, count in counts.items() if count >= 2 or is_role_label(key)}
    accepted |= {
        speaker_key(line.label) for line in lines if line.label and _is_full_name(line.label)
    }
    if not accepted:
        accepted = set(counts)
    return accepted


def build_turns(lines: Iterable[SourceLine]) -> list[TurnDraft]:
    """Group lines into turns: a new turn at each change of speaker.

    Consecutive lines of one speaker form one turn; lines without an accepted
    label continue the current turn. Before the first speaker, blank lines
    separate unlabelled paragraphs into turns of their own.
    """
    lines = list(lines)
    accepted = _accepted_keys(lines)
    display: dict[str, str] = {}
    drafts: list[TurnDraft] = []
    current: TurnDraft | None = None
    after_blank = False
    for line in lines:
        if not line.text:
            after_blank = True
            continue
        key = speaker_key(line.label) if line.label else None
        if key is not None and key in accepted:
            speaker = display.setdefault(key, line.label)
            words = [line.rest] if line.rest else []
            if current is None or current.speaker != speaker:
                current = TurnDraft(speaker)
                drafts.append(current)
        else:
            words = [line.text]
            if current is None or (current.speaker is None and after_blank):
                current = TurnDraft(None)
                drafts.append(current)
        current.lines.extend(words)
        if current.started_at is None:
            current.started_at = line.started_at
        if line.ended_at is not None:
            current.ended_at = line.ended_at
        after_blank = False
    return drafts
