"""What a model learns from: units of interviewees' speech and, per coder, the codes applied to them.

A **unit** is a sentence (NLTK's Punkt, untrained, never crossing a speaker turn) or a whole
turn of an interviewee; interviewers' turns and withdrawn turns are never units.

A coding **covers** a unit when they overlap by at least half of the shorter of the two: a
coding of a whole turn covers each of its sentences, a coding of a phrase covers the sentence
holding it, and a coding that only touches a sentence's edge does not.

A **training row** is a unit as one coder saw it. A coder saw a transcript when they coded
it with the scheme at all; their rows there say 1 for each code covering the unit and 0 for
the others. A suggestion the coder rejected adds a 0 for that code, in any transcript. A unit
of a transcript the coder never coded says nothing about them, so it is no row of theirs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from study.interviews.suggestions import sentences_in
from study.interviews.transcripts.speakers import is_interviewer_label

__all__ = [
    "UNIT_KINDS",
    "Coded",
    "Rejected",
    "Source",
    "TrainingSet",
    "Unit",
    "covers",
    "learning_digest",
    "training_set",
    "transcript_units",
]

UNIT_KINDS = ("sentence", "turn")


@dataclass(frozen=True, slots=True)
class Unit:
    """A stretch of an interviewee's speech: ``text[start:end]`` of transcript ``transcript_id``."""

    transcript_id: int
    start: int
    end: int
    language: str
    text: str


@dataclass(frozen=True)
class Source:
    """A transcript as the model reads it: text, language and turns (start, end, speaker, withdrawn)."""

    transcript_id: int
    text: str
    language: str
    turns: tuple[tuple[int, int, str, bool], ...]


@dataclass(frozen=True, slots=True)
class Coded:
    """A coding: who applied which code to which span."""

    transcript_id: int
    code: str
    coder: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """A suggestion a coder turned down: a negative example of ``code`` for that coder."""

    transcript_id: int
    code: str
    coder: int
    start: int
    end: int


def transcript_units(source: Source, unit: str = "sentence") -> list[Unit]:
    """The units of one transcript, in text order."""
    spans = [
        (start, end)
        for start, end, speaker, withdrawn in source.turns
        if not withdrawn and end > start and not is_interviewer_label(speaker or "")
    ]
    if not source.turns:
        spans = [(0, len(source.text))]
    if unit == "sentence":
        spans = sentences_in(source.text, spans)
    units = []
    for start, end in spans:
        text = source.text[start:end]
        if text.strip():
            units.append(Unit(source.transcript_id, start, end, source.language, text))
    return units


def covers(start: int, end: int, unit: Unit) -> bool:
    """Whether a span covers a unit: overlap of at least half the shorter of the two."""
    overlap = min(end, unit.end) - max(start, unit.start)
    return overlap > 0 and 2 * overlap >= min(end - start, unit.end - unit.start)


@dataclass(frozen=True)
class TrainingSet:
    """Training rows: the unit, whose view it is, and per code key 1, 0 or -1 (not a row for it)."""

    units: list[Unit]
    coders: np.ndarray
    #: True where the row's coder coded the transcript (not only rejected a suggestion there).
    saw: np.ndarray
    labels: dict[str, np.ndarray]
    digest: str
    codings: int
    rejections: int
    transcripts: int = field(default=0)

    @property
    def groups(self) -> np.ndarray:
        """Each row's transcript, for splitting by transcript."""
        return np.array([u.transcript_id for u in self.units], dtype=np.int64)


def _unit_hits(units: Sequence[Unit], spans: Iterable[tuple[int, int]]) -> set[int]:
    """Positions of the units (sorted, one transcript) each span covers."""
    starts = np.array([u.start for u in units])
    hit: set[int] = set()
    for start, end in spans:
        first = max(int(np.searchsorted(starts, start, side="right")) - 1, 0)
        for position in range(first, len(units)):
            if units[position].start >= end:
                break
            if covers(start, end, units[position]):
                hit.add(position)
    return hit


def learning_digest(
    codes: Sequence[str], codings: Sequence[Coded], rejections: Sequence[Rejected], unit: str
) -> str:
    """What a model learns from, in one hash: changes when a coding or rejection does."""
    digest = hashlib.sha256()
    for item in sorted((c.transcript_id, c.code, c.coder, c.start, c.end) for c in codings):
        digest.update(repr(item).encode())
    digest.update(b"|rejected|")
    for item in sorted((r.transcript_id, r.code, r.coder, r.start, r.end) for r in rejections):
        digest.update(repr(item).encode())
    digest.update(f"|{unit}|{','.join(codes)}".encode())
    return digest.hexdigest()


def training_set(
    sources: Sequence[Source],
    codes: Sequence[str],
    codings: Sequence[Coded],
    rejections: Sequence[Rejected] = (),
    *,
    unit: str = "sentence",
) -> TrainingSet:
    """Build the training rows of a scheme's ``codes`` from codings and rejected suggestions."""
    by_transcript = {s.transcript_id: transcript_units(s, unit) for s in sources}
    seen: dict[tuple[int, int], dict[str, list[tuple[int, int]]]] = {}
    for c in codings:
        if c.code in codes and c.transcript_id in by_transcript:
            seen.setdefault((c.transcript_id, c.coder), {}).setdefault(c.code, []).append(
                (c.start, c.end)
            )
    refused: dict[tuple[int, int], dict[str, list[tuple[int, int]]]] = {}
    for r in rejections:
        if r.code in codes and r.transcript_id in by_transcript:
            refused.setdefault((r.transcript_id, r.coder), {}).setdefault(r.code, []).append(
                (r.start, r.end)
            )
    rows: list[Unit] = []
    coders: list[int] = []
    saw_rows: list[bool] = []
    columns: dict[str, list[int]] = {code: [] for code in codes}
    for transcript_id, coder in sorted(set(seen) | set(refused)):
        units = by_transcript[transcript_id]
        coded = {
            code: _unit_hits(units, spans)
            for code, spans in seen.get((transcript_id, coder), {}).items()
        }
        rejected = {
            code: _unit_hits(units, spans)
            for code, spans in refused.get((transcript_id, coder), {}).items()
        }
        saw = (transcript_id, coder) in seen
        for position, u in enumerate(units):
            values = {}
            for code in codes:
                if position in coded.get(code, ()):
                    values[code] = 1
                elif saw or position in rejected.get(code, ()):
                    values[code] = 0
                else:
                    values[code] = -1
            if all(v == -1 for v in values.values()):
                continue
            rows.append(u)
            coders.append(coder)
            saw_rows.append(saw)
            for code in codes:
                columns[code].append(values[code])
    return TrainingSet(
        rows,
        np.array(coders, dtype=np.int64),
        np.array(saw_rows, dtype=bool),
        {code: np.array(values, dtype=np.int8) for code, values in columns.items()},
        learning_digest(codes, codings, rejections, unit),
        len(codings),
        len(rejections),
        len({t for t, _ in seen}),
    )
