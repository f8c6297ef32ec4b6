"""Undo a coder's last coding action, read back from the audit log.

Every coding change writes an audit event (``coding.add``, ``coding.remove``,
``coding.recode``, ``coding.span``) with what it changed; undoing reverses the
newest such event of one actor that is not undone yet and writes a
``coding.undo`` event naming it, so undo is audited too and can be repeated
step by step. Codings added together in one batch (``batch`` in the event,
e.g. "code all hits") are undone together. A removed coding comes back under
its old id; memos deleted with it do not come back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import acting
from study.admin.audit import record_event
from study.admin.permissions import Actor
from study.db.models import AccountRow, CodeRow, CodingRow, EventRow, MemoRow, TranscriptRow
from study.errors import InvalidInput, NotFound

__all__ = ["UNDOABLE", "UndoResult", "undo_last"]

UNDOABLE = ("coding.add", "coding.remove", "coding.recode", "coding.span")
#: How far back undo looks for an action not undone yet.
_HISTORY = 500


@dataclass(frozen=True)
class UndoResult:
    """What was undone: the original action, how many codings it touched, the codings' ids."""

    action: str
    codings: int
    coding_ids: tuple[int, ...]
    transcript_id: int | None

    @property
    def sentence(self) -> str:
        """One line for the page and the CLI."""
        what = {
            "coding.add": "Removed the coding just added",
            "coding.remove": "Restored the coding just removed",
            "coding.recode": "Gave the coding its previous code back",
            "coding.span": "Moved the coding back to its previous span",
        }[self.action]
        if self.codings > 1:
            what = {"coding.add": f"Removed the {self.codings} codings just added"}.get(
                self.action, what
            )
        return what + "."


def _pending(session: Session, actor_id: int) -> list[EventRow]:
    """The actor's undoable events not undone yet, newest first."""
    events = list(
        session.scalars(
            select(EventRow)
            .where(EventRow.actor_id == actor_id, EventRow.action.in_((*UNDOABLE, "coding.undo")))
            .order_by(EventRow.id.desc())
            .limit(_HISTORY)
        )
    )
    undone = {
        int(i) for e in events if e.action == "coding.undo" for i in e.details.get("event_ids", [])
    }
    return [e for e in events if e.action != "coding.undo" and e.id not in undone]


def _reverse(session: Session, event: EventRow) -> int | None:
    """Reverse one event; return the coding id it touched."""
    details = event.details or {}
    coding = session.get(CodingRow, event.target_id) if event.target_id is not None else None
    if event.action == "coding.remove":
        if coding is not None:
            raise InvalidInput("The removed coding is back already; nothing to undo.")
        transcript = session.get(TranscriptRow, details.get("transcript_id"))
        code = session.get(CodeRow, details.get("code_id"))
        if transcript is None or code is None:
            raise NotFound(
                "The transcript or code of the removed coding is gone; it cannot come back."
            )
        start, end = int(details["start"]), int(details["end"])
        session.add(
            CodingRow(
                id=event.target_id,
                transcript_id=transcript.id,
                code_id=code.id,
                coder_id=int(details["coder_id"]),
                start=start,
                end=end,
                snippet=transcript.text[start:end],
                origin=details.get("origin", "manual"),
            )
        )
        session.flush()
        authors = set(
            session.scalars(
                select(AccountRow.id).where(
                    AccountRow.id.in_(
                        [m["author_id"] for m in details.get("memos", []) if m.get("author_id")]
                    )
                )
            )
        )
        for memo in details.get("memos", []):  # the memos written on it come back too
            session.add(
                MemoRow(
                    id=int(memo["id"]),
                    coding_id=event.target_id,
                    text=memo["text"],
                    author_id=memo.get("author_id") if memo.get("author_id") in authors else None,
                    created_at=dt.datetime.fromisoformat(memo["created_at"]),
                    updated_at=dt.datetime.fromisoformat(memo["updated_at"]),
                )
            )
        session.flush()
        return event.target_id
    if coding is None:
        raise NotFound("The coding of the last action was removed meanwhile; nothing to undo.")
    if event.action == "coding.add":
        session.delete(coding)
    elif event.action == "coding.recode":
        if session.get(CodeRow, details.get("from_id")) is None:
            raise NotFound("The coding's previous code is gone; it cannot get it back.")
        coding.code_id = int(details["from_id"])
    elif event.action == "coding.span":
        transcript = session.get(TranscriptRow, coding.transcript_id)
        coding.start, coding.end = int(details["from_start"]), int(details["from_end"])
        coding.snippet = transcript.text[coding.start : coding.end]
    session.flush()
    return coding.id


def undo_last(session: Session, actor: Actor | int) -> UndoResult | None:
    """Undo ``actor``'s own newest coding action not undone yet; None when there is none.

    ``actor`` is an account (or its id): one undoes only what one did oneself.

    Raises
    ------
    NotFound, InvalidInput
        If what the action changed is gone (e.g. a researcher removed the
        coding meanwhile); the action stays in the history.
    """
    actor_id = acting(session, actor, "code")
    if actor_id is None:
        raise InvalidInput(
            "Undo works on an account's own actions: name the account "
            "(`study codings undo --as EMAIL`)."
        )
    pending = _pending(session, actor_id)
    if not pending:
        return None
    newest = pending[0]
    batch = (newest.details or {}).get("batch")
    events = (
        [
            e
            for e in pending
            if batch and (e.details or {}).get("batch") == batch and e.action == newest.action
        ]
        if batch
        else [newest]
    )
    touched = [_reverse(session, event) for event in events]
    transcript_id = (newest.details or {}).get("transcript_id")
    record_event(
        session,
        "coding.undo",
        actor_id=actor_id,
        details={
            "event_ids": [e.id for e in events],
            "action": newest.action,
            "coding_ids": [c for c in touched if c is not None],
        },
    )
    return UndoResult(
        newest.action,
        len(events),
        tuple(c for c in touched if c is not None),
        int(transcript_id) if transcript_id is not None else None,
    )
