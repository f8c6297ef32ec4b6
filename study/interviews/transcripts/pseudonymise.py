"""Replace people's names in a parsed transcript with role labels, keeping offsets exact.

Interview participants are promised that quotes cannot be traced back to them,
so before a transcript is stored or shared its speakers become "Interviewer"
and the interviewee's role ("Coordinator", "Coordinator 2", ...), and names
mentioned in the talk are replaced too. Turn offsets are recomputed so that
``text[turn.start:turn.end]`` is still exactly the (pseudonymised) utterance.

Rules
-----
* Speakers whose label says interviewer (I, Q, Interviewer, Moderator, ...),
  or who are listed in ``interviewers``, become "Interviewer" ("Interviewer 2",
  ... if several); every other speaker becomes ``role``, ``role 2``, ... in
  order of first appearance.
* A speaker's full name is replaced anywhere in the text; so is every name in
  ``names`` (whole words, case-insensitive). A name that matches a speaker,
  or one word of a speaker's name, gets that speaker's label; other names
  become "Person 1", "Person 2", ... in the order given, unless ``names`` is a
  mapping that gives the label.
* The single words of a multi-word name ("Anna" of "Anna Jensen") are also
  replaced, but only where written with a capital letter, since short first
  names are often ordinary words in lower case (Danish "bo", "per").
* A Danish genitive ("Annas") is replaced as "Coordinator's".
* ``ParsedTranscript.name`` (the file name) is left as it is.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from study.errors import InvalidInput
from study.interviews.transcripts.speakers import is_interviewer_label, is_role_label, speaker_key
from study.interviews.transcripts.transcript import SPEAKER_SEPARATOR, ParsedTranscript, Turn

__all__ = ["pseudonym_map", "pseudonymise"]

INTERVIEWER_LABEL = "Interviewer"
PERSON_LABEL = "Person"


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    replacement: str


def _numbered(label: str, index: int) -> str:
    return label if index == 1 else f"{label} {index}"


def pseudonym_map(
    parsed: ParsedTranscript, *, role: str, interviewers: Sequence[str] = ()
) -> dict[str, str]:
    """Return ``{speaker: label}`` for every speaker of ``parsed`` (see the module rules)."""
    role = _check_label(role)
    named_interviewers = {speaker_key(name) for name in interviewers}
    mapping: dict[str, str] = {}
    counts = {INTERVIEWER_LABEL: 0, role: 0}
    for speaker in parsed.speakers:
        interviewer = is_interviewer_label(speaker) or speaker_key(speaker) in named_interviewers
        base = INTERVIEWER_LABEL if interviewer else role
        counts[base] += 1
        mapping[speaker] = _numbered(base, counts[base])
    return mapping


def _check_label(role: str) -> str:
    if not isinstance(role, str) or not role.strip():
        raise InvalidInput("A pseudonym label must be non-empty text, such as 'Coordinator'.")
    return " ".join(unicodedata.normalize("NFC", role).split())


def _name_patterns(
    mapping: dict[str, str], names: Sequence[str] | Mapping[str, str]
) -> list[tuple[re.Pattern[str], str]]:
    """Return (pattern, label) pairs: whole names case-insensitively, name words capitalised."""
    whole: dict[str, tuple[str, str]] = {}  # key -> (name as written, label)
    for speaker, label in mapping.items():
        if not is_role_label(speaker):
            whole.setdefault(speaker_key(speaker), (speaker, label))
    persons = 0
    given = names.items() if isinstance(names, Mapping) else ((name, None) for name in names)
    for name, chosen in given:
        name = " ".join(unicodedata.normalize("NFC", str(name)).split())
        if not name:
            continue
        key = speaker_key(name)
        label = (
            _check_label(chosen)
            if chosen is not None
            else next(
                (
                    lab
                    for spk, lab in mapping.items()
                    if not is_role_label(spk)
                    and (key == speaker_key(spk) or key in speaker_key(spk).split())
                ),
                None,
            )
        )
        if label is None:
            persons += 1
            label = f"{PERSON_LABEL} {persons}"
        whole.setdefault(key, (name, label))
    words: dict[str, str] = {}
    for written, label in whole.values():
        parts = written.split()
        if len(parts) < 2:
            continue
        for part in parts:
            # Lower-case particles ("de", "van") and initials are not names on their own.
            if len(part) >= 2 and part[0].isupper() and not is_role_label(part):
                words.setdefault(part, label)
    patterns: list[tuple[re.Pattern[str], str]] = []
    for key, (_, label) in sorted(whole.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        body = r"[ \t]+".join(re.escape(part) for part in key.split())
        patterns.append((re.compile(rf"(?<!\w){body}(?P<genitive>s)?(?!\w)", re.IGNORECASE), label))
    for word, label in sorted(words.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        if speaker_key(word) not in whole:
            patterns.append((re.compile(rf"(?<!\w){re.escape(word)}(?P<genitive>s)?(?!\w)"), label))
    return patterns


def pseudonymise(
    parsed: ParsedTranscript,
    *,
    role: str,
    names: Sequence[str] | Mapping[str, str] = (),
    interviewers: Sequence[str] = (),
) -> ParsedTranscript:
    """Return a copy of ``parsed`` with speakers and names replaced by role labels.

    Parameters
    ----------
    parsed : ParsedTranscript
        A transcript as returned by ``parse_transcript``.
    role : str
        Label for the interviewee(s), e.g. "Coordinator".
    names : sequence of str, or mapping of str to str
        Further names to replace wherever they occur (colleagues, the
        interviewer's name, the interviewee's name when speakers are I/R). A
        mapping chooses the label of each name, e.g. ``{"Anna Berg":
        "Coordinator"}`` when Anna is the speaker "R".
    interviewers : sequence of str
        Speaker names that belong to interviewers, for files whose speakers are
        real names (Teams, Zoom).

    Returns
    -------
    ParsedTranscript
        New text and turns; every turn's offsets cover its new utterance.
    """
    mapping = pseudonym_map(parsed, role=role, interviewers=interviewers)
    text = parsed.text
    edits: list[_Edit] = []
    for turn in parsed.turns:
        if turn.speaker is None:
            continue
        label_start = turn.start - len(SPEAKER_SEPARATOR) - len(turn.speaker)
        if label_start >= 0 and text[label_start : turn.start] == turn.speaker + SPEAKER_SEPARATOR:
            edits.append(
                _Edit(label_start, turn.start - len(SPEAKER_SEPARATOR), mapping[turn.speaker])
            )
    boundaries = {offset for turn in parsed.turns for offset in (turn.start, turn.end)}
    candidates: list[_Edit] = []
    for pattern, label in _name_patterns(mapping, names):
        for match in pattern.finditer(text):
            if any(b in boundaries for b in range(match.start() + 1, match.end())):
                continue
            suffix = "'s" if match["genitive"] else ""
            candidates.append(_Edit(match.start(), match.end(), label + suffix))
    edits = _non_overlapping(edits, candidates)
    new_text = _apply(text, edits)
    shift = _shifter(edits)
    turns = [
        Turn(
            mapping.get(t.speaker, t.speaker) if t.speaker else None,
            shift(t.start),
            shift(t.end),
            t.started_at,
            t.ended_at,
        )
        for t in parsed.turns
    ]
    return ParsedTranscript(
        name=parsed.name, text=new_text, turns=turns, detected_language=parsed.detected_language
    )


def _non_overlapping(fixed: list[_Edit], candidates: list[_Edit]) -> list[_Edit]:
    """Keep all ``fixed`` edits, then candidates that overlap nothing kept (earliest, longest first)."""
    fixed = sorted(fixed, key=lambda e: e.start)
    fixed_starts = [edit.start for edit in fixed]
    kept: list[_Edit] = []
    last_end = -1
    for edit in sorted(candidates, key=lambda e: (e.start, -(e.end - e.start))):
        index = bisect_right(fixed_starts, edit.start)
        if (
            edit.start < last_end
            or (index and fixed[index - 1].end > edit.start)
            or (index < len(fixed) and fixed[index].start < edit.end)
        ):
            continue
        kept.append(edit)
        last_end = edit.end
    return sorted(fixed + kept, key=lambda e: e.start)


def _apply(text: str, edits: list[_Edit]) -> str:
    parts: list[str] = []
    position = 0
    for edit in edits:
        parts.append(text[position : edit.start])
        parts.append(edit.replacement)
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


def _shifter(edits: list[_Edit]) -> Callable[[int], int]:
    """Return a function mapping offsets in the old text to the new one.

    An offset moves by the length change of every edit that ends at or before
    it; edits never straddle a turn offset, so this is exact for turns.
    """
    ends = [edit.end for edit in edits]
    shifts = list(accumulate(len(e.replacement) - (e.end - e.start) for e in edits))

    def shift(offset: int) -> int:
        count = bisect_right(ends, offset)
        return offset + (shifts[count - 1] if count else 0)

    return shift
