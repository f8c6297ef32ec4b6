"""The parsed form of an interview transcript: normalised text plus speaker turns.

Layout of :attr:`ParsedTranscript.text` (the text coders code and offsets point
into):

* Unicode NFC, ``\\n`` line endings only;
* one block per turn, blocks separated by one blank line (``"\\n\\n"``);
* a block is ``"Speaker: utterance"``, or just ``"utterance"`` when no speaker
  is known; inside an utterance lines are separated by a single ``"\\n"``, so
  ``"\\n\\n"`` never occurs inside a turn.

A turn's ``start``/``end`` are code-point offsets (Python ``str`` indices) of
the utterance only, without the ``"Speaker: "`` label, so
``text[turn.start:turn.end]`` is exactly what that speaker said. Keeping the
label in the text lets a coder see who speaks; leaving it out of the span keeps
codings on spoken words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["ParsedTranscript", "Turn", "TurnDraft", "compose_transcript"]

TURN_SEPARATOR = "\n\n"
SPEAKER_SEPARATOR = ": "


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker turn: who spoke, where in the text, and when (seconds) if known."""

    speaker: str | None
    start: int
    end: int
    started_at: float | None = None
    ended_at: float | None = None


@dataclass(frozen=True)
class ParsedTranscript:
    """A transcript file turned into normalised text and speaker turns.

    ``name`` is the file name without extension; ``detected_language`` is a
    two-letter code ("en", "da") or ``None`` when the text gives no clear sign.
    """

    name: str
    text: str
    turns: list[Turn] = field(default_factory=list)
    detected_language: str | None = None

    def utterance(self, turn: Turn) -> str:
        """Return what was said in ``turn`` (``text[turn.start:turn.end]``)."""
        return self.text[turn.start : turn.end]

    @property
    def speakers(self) -> list[str]:
        """Return the distinct speakers, in order of first appearance."""
        return list(dict.fromkeys(t.speaker for t in self.turns if t.speaker is not None))


@dataclass(slots=True)
class TurnDraft:
    """A turn being assembled: speaker, its lines, and the times of its first/last cue."""

    speaker: str | None
    lines: list[str] = field(default_factory=list)
    started_at: float | None = None
    ended_at: float | None = None


def compose_transcript(
    name: str,
    drafts: Iterable[TurnDraft],
    *,
    joiner: str = "\n",
    detected_language: str | None = None,
) -> ParsedTranscript:
    """Lay out turn drafts as text (see the module docstring) with exact turn offsets.

    Lines of a draft are joined with ``joiner`` ("\\n" for paragraphs, " " for
    subtitle cues, which are fragments of one stream of speech). Drafts whose
    lines are all blank are dropped.
    """
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for draft in drafts:
        # Lines may hold line breaks of their own (a table cell, a docx paragraph);
        # blank ones are dropped so that "\n\n" only ever separates turns.
        pieces = [sub.strip() for line in draft.lines for sub in line.split("\n")]
        utterance = joiner.join(piece for piece in pieces if piece)
        utterance = unicodedata.normalize("NFC", utterance)
        if not utterance:
            continue
        if parts:
            parts.append(TURN_SEPARATOR)
            offset += len(TURN_SEPARATOR)
        label = f"{draft.speaker}{SPEAKER_SEPARATOR}" if draft.speaker else ""
        parts.append(label + utterance)
        start = offset + len(label)
        turns.append(
            Turn(
                draft.speaker or None,
                start,
                start + len(utterance),
                draft.started_at,
                draft.ended_at,
            )
        )
        offset = start + len(utterance)
    return ParsedTranscript(
        name=name, text="".join(parts), turns=turns, detected_language=detected_language
    )
