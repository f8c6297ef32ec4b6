"""Transcripts as the coding pages need them: a list to choose from, and one text with its turns.

Reads through :mod:`study.interviews.transcripts.store`. A stored transcript's text never
changes, so the loaded text is cached per transcript (and its length and name,
in case a database reuses the id of a deleted one).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import Actor, require
from study.interviews.transcripts.store import TranscriptInfo, list_transcripts, transcript_json

__all__ = ["TranscriptText", "TurnSpan", "load_transcript", "transcript_choices"]


@dataclass(frozen=True, slots=True)
class TurnSpan:
    """One speaker turn: who, where (code points), and its position for ``code_turn``."""

    speaker: str | None
    start: int
    end: int
    position: int


@dataclass(frozen=True, eq=False)
class TranscriptText:
    """A transcript's text and turns; compared by identity, hashed by nothing big."""

    id: int
    name: str
    organisation: str
    role: str
    language: str
    sha256: str
    text: str
    turns: tuple[TurnSpan, ...]

    @property
    def positions(self) -> tuple[int, ...]:
        """The stored position of each turn, by index in ``turns``."""
        return tuple(turn.position for turn in self.turns)


def transcript_choices(session: Session, viewer: Actor) -> list[TranscriptInfo]:
    """Every transcript ``viewer`` may read, by organisation and name."""
    return list_transcripts(session, viewer=viewer)


@st.cache_resource(max_entries=8, show_spinner=False)
def _cached(
    transcript_id: int, characters: int, name: str, _session: Session, _viewer: Actor
) -> TranscriptText:
    data = transcript_json(_session, transcript_id, viewer=_viewer)
    turns = tuple(
        TurnSpan(t["speaker"], t["start"], t["end"], position)
        for position, t in enumerate(data["turns"])
    )
    return TranscriptText(
        data["id"],
        data["name"],
        data["organisation"],
        data["role"],
        data["language"],
        data["text_sha256"],
        data["text"],
        turns,
    )


def load_transcript(session: Session, info: TranscriptInfo, viewer: Actor) -> TranscriptText:
    """The transcript's text and turns (loaded once per process, then from memory).

    The viewer's right to read transcripts is checked on every call, cached or not.
    """
    require(current_actor(session, viewer), "read_transcripts")
    return _cached(info.id, info.characters, info.name, session, viewer)
