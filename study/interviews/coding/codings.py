"""Codings: a code applied by a coder to a span of a transcript, stored with its snippet.

Spans are ``[start, end)`` in Unicode code points of the transcript's stored
text, which is what Python string indexing counts, so the snippet is simply
``text[start:end]``. A coding is unique per (transcript, code, coder, span).
Every change writes an audit event. Blind coding: list functions filter by
coder, and an account with the role "coder" may only change its own codings.
Accepting a keyword suggestion is :func:`add_coding` with ``origin="suggestion"``.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.audit import record_event
from study.admin.permissions import Actor, require_coding_change
from study.admin.records import PlainRecord
from study.db.models import (
    AccountRow,
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    MemoRow,
    OrganisationRow,
    TranscriptRow,
    TurnRow,
)
from study.db.rows import row_by_id
from study.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from study.interviews.coding.blind import visible_condition
from study.interviews.coding.schemes_store import (
    CodeRef,
    SchemeRef,
    resolve_code,
    scheme_version_ids,
)

__all__ = [
    "CODING_COLUMNS",
    "ORIGINS",
    "CodingInfo",
    "add_coding",
    "change_coding_span",
    "code_passages",
    "code_turn",
    "coder_id_for",
    "get_coding",
    "list_codings",
    "recode",
    "remove_coding",
]

ORIGINS = ("manual", "suggestion", "suggested", "import", "consensus", "demo")
#: Columns of :func:`list_codings`; includes those :func:`study.reliability.units.agreement_table` needs.
CODING_COLUMNS = (
    "id",
    "transcript_id",
    "transcript",
    "organisation",
    "role",
    "scheme",
    "version",
    "code_id",
    "code",
    "code_name",
    "coder_id",
    "coder",
    "start",
    "end",
    "text",
    "origin",
    "created_at",
    "coder_name",
)


@dataclass(frozen=True)
class CodingInfo(PlainRecord):
    """One coding; ``scheme`` and ``code`` are keys, ``coder`` the coder's e-mail."""

    id: int
    transcript_id: int
    code_id: int
    scheme: str
    code: str
    code_name: str
    coder_id: int
    coder: str
    start: int
    end: int
    text: str
    origin: str


def _info(session: Session, coding: CodingRow) -> CodingInfo:
    code = session.get(CodeRow, coding.code_id)
    coder = session.get(AccountRow, coding.coder_id)
    return CodingInfo(
        coding.id,
        coding.transcript_id,
        coding.code_id,
        code.scheme.key,
        code.key,
        code.name,
        coding.coder_id,
        coder.email,
        coding.start,
        coding.end,
        coding.snippet,
        coding.origin,
    )


def _audit_details(coding: CodingRow, code: CodeRow) -> dict[str, Any]:
    """What the audit event of adding or removing ``coding`` keeps of it (undo reads it back)."""
    return {
        "transcript_id": coding.transcript_id,
        "code": code.key,
        "code_id": code.id,
        "coder_id": coding.coder_id,
        "start": coding.start,
        "end": coding.end,
        "origin": coding.origin,
    }


def _offset(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"The {name} offset must be a whole number, not {value!r}.")
    try:
        return operator.index(value)
    except TypeError:
        raise InvalidInput(f"The {name} offset must be a whole number, not {value!r}.") from None


def _usable_code(session: Session, code: CodeRef) -> CodeRow:
    row = resolve_code(session, code)
    if row.merged_into_id is not None:
        target = session.get(CodeRow, row.merged_into_id)
        raise InvalidInput(f"The code {row.key!r} was merged into {target.key!r}; code with that.")
    return row


def _coder(session: Session, coder_id: int) -> AccountRow:
    coder = session.get(AccountRow, coder_id)
    if coder is None:
        raise NotFound(f"There is no account with id {coder_id} to code as.")
    return coder


def _check_actor(session: Session, actor: Actor | int, coder_id: int) -> int | None:
    """Who acts, checked: a coder adds and changes only their own codings; returns their id.

    The rule is :func:`study.admin.permissions.require_coding_change`, on the actor's role
    as the database holds it now.
    """
    acting = current_actor(session, actor)
    try:
        require_coding_change(acting, coder_id)
    except PermissionDenied:
        raise PermissionDenied("A coder can only add or change their own codings.") from None
    return acting.id


def _refuse_duplicate(
    session: Session,
    transcript_id: int,
    code_id: int,
    coder_id: int,
    start: int,
    end: int,
    *,
    ignore: int | None = None,
) -> None:
    query = select(CodingRow.id).where(
        CodingRow.transcript_id == transcript_id,
        CodingRow.code_id == code_id,
        CodingRow.coder_id == coder_id,
        CodingRow.start == start,
        CodingRow.end == end,
    )
    if ignore is not None:
        query = query.where(CodingRow.id != ignore)
    if session.scalar(query) is not None:
        raise AlreadyExists("This coder has already applied this code to exactly this passage.")


def add_coding(
    session: Session,
    *,
    transcript_id: int,
    start: int,
    end: int,
    code_id: CodeRef,
    coder_id: int,
    origin: str = "manual",
    actor: Actor | int,
    batch: str | None = None,
) -> CodingInfo:
    """Apply a code to ``text[start:end]`` of a transcript (code points) for a coder.

    Parameters
    ----------
    code_id : int or (scheme_key, code_key)
        The code; a pair means the code of that key in the scheme's active version.
    origin : str
        How the coding came about: one of :data:`ORIGINS` ("suggestion" marks
        an accepted keyword suggestion, "suggested" an accepted learned one).
    actor : AccountInfo, account id or OPERATOR
        Who codes (required; the audit event's actor): a coder may add and change
        only their own codings.
    batch : str, optional
        Names a group of codings made in one action (e.g. "code all hits"),
        so :func:`study.interviews.coding.undo_last` undoes them together.

    Raises
    ------
    InvalidInput
        If the span is empty or outside the text, the origin unknown, or the
        code merged into another.
    AlreadyExists
        If the coder already applied this code to exactly this span.
    """
    if origin not in ORIGINS:
        raise InvalidInput(f"Unknown coding origin {origin!r}; choose one of {', '.join(ORIGINS)}.")
    start, end = _offset(start, "start"), _offset(end, "end")
    transcript = row_by_id(session, TranscriptRow, transcript_id, "transcript")
    if not 0 <= start < end <= len(transcript.text):
        raise InvalidInput(
            f"A coding must cover at least one character inside the transcript "
            f"(0 to {len(transcript.text)}), not {start} to {end}."
        )
    code = _usable_code(session, code_id)
    _coder(session, coder_id)
    actor_id = _check_actor(session, actor, coder_id)
    _refuse_duplicate(session, transcript.id, code.id, coder_id, start, end)
    coding = CodingRow(
        transcript_id=transcript.id,
        code_id=code.id,
        coder_id=coder_id,
        start=start,
        end=end,
        snippet=transcript.text[start:end],
        origin=origin,
    )
    session.add(coding)
    details = _audit_details(coding, code)
    if batch:
        details["batch"] = str(batch)
    record_event(session, "coding.add", actor_id=actor_id, target=coding, details=details)
    return _info(session, coding)


def get_coding(session: Session, coding_id: int) -> CodingInfo:
    """The coding with id ``coding_id``."""
    return _info(session, row_by_id(session, CodingRow, coding_id, "coding"))


def remove_coding(session: Session, coding_id: int, *, actor: Actor | int) -> None:
    """Delete a coding (and the memos written on it; an undo brings both back)."""
    coding = row_by_id(session, CodingRow, coding_id, "coding")
    actor_id = _check_actor(session, actor, coding.coder_id)
    written = list(
        session.scalars(select(MemoRow).where(MemoRow.coding_id == coding.id).order_by(MemoRow.id))
    )
    memos = [
        {
            "id": m.id,
            "author_id": m.author_id,
            "text": m.text,
            "created_at": m.created_at.isoformat(),
            "updated_at": m.updated_at.isoformat(),
        }
        for m in written
    ]
    record_event(
        session,
        "coding.remove",
        actor_id=actor_id,
        target=coding,
        details={**_audit_details(coding, session.get(CodeRow, coding.code_id)), "memos": memos},
    )
    for memo in written:
        session.delete(memo)
    session.flush()  # the memos first: the database would cascade them behind the ORM's back
    session.delete(coding)
    session.flush()


def recode(
    session: Session, coding_id: int, new_code_id: CodeRef, *, actor: Actor | int
) -> CodingInfo:
    """Give a coding another code, keeping its span, coder and memos."""
    coding = row_by_id(session, CodingRow, coding_id, "coding")
    actor_id = _check_actor(session, actor, coding.coder_id)
    code = _usable_code(session, new_code_id)
    if code.id == coding.code_id:
        return _info(session, coding)
    _refuse_duplicate(
        session,
        coding.transcript_id,
        code.id,
        coding.coder_id,
        coding.start,
        coding.end,
        ignore=coding.id,
    )
    old = session.get(CodeRow, coding.code_id)
    coding.code_id = code.id
    record_event(
        session,
        "coding.recode",
        actor_id=actor_id,
        target=coding,
        details={"from": old.key, "from_id": old.id, "to": code.key, "to_id": code.id},
    )
    return _info(session, coding)


def code_passages(
    session: Session,
    passages: Collection[tuple[int, int, int]],
    *,
    code_id: CodeRef,
    coder_id: int,
    actor: Actor | int,
    origin: str = "manual",
) -> tuple[list[CodingInfo], int]:
    """Code many ``(transcript_id, start, end)`` passages at once (e.g. search hits).

    Passages the coder already coded exactly so are skipped. The codings
    form one batch, so :func:`study.interviews.coding.undo_last` undoes them
    together. Returns the new codings and how many were skipped. ``origin`` is
    "suggested" when they are accepted learned suggestions.
    """
    batch = f"batch-{uuid.uuid4().hex[:12]}"
    added, skipped = [], 0
    for transcript_id, start, end in passages:
        try:
            with session.begin_nested():
                added.append(
                    add_coding(
                        session,
                        transcript_id=int(transcript_id),
                        start=start,
                        end=end,
                        code_id=code_id,
                        coder_id=coder_id,
                        origin=origin,
                        actor=actor,
                        batch=batch,
                    )
                )
        except AlreadyExists:
            skipped += 1
    return added, skipped


def change_coding_span(
    session: Session, coding_id: int, start: int, end: int, *, actor: Actor | int
) -> CodingInfo:
    """Move a coding's edges to ``[start, end)`` (code points), keeping its code, coder and memos.

    The snippet follows the new span; the audit event keeps the old one, so
    the change can be undone.
    """
    coding = row_by_id(session, CodingRow, coding_id, "coding")
    actor_id = _check_actor(session, actor, coding.coder_id)
    start, end = _offset(start, "start"), _offset(end, "end")
    transcript = row_by_id(session, TranscriptRow, coding.transcript_id, "transcript")
    if not 0 <= start < end <= len(transcript.text):
        raise InvalidInput(
            f"A coding must cover at least one character inside the transcript "
            f"(0 to {len(transcript.text)}), not {start} to {end}."
        )
    if (start, end) == (coding.start, coding.end):
        return _info(session, coding)
    _refuse_duplicate(
        session, coding.transcript_id, coding.code_id, coding.coder_id, start, end, ignore=coding.id
    )
    record_event(
        session,
        "coding.span",
        actor_id=actor_id,
        target=coding,
        details={
            "transcript_id": coding.transcript_id,
            "coder_id": coding.coder_id,
            "from_start": coding.start,
            "from_end": coding.end,
            "start": start,
            "end": end,
        },
    )
    coding.start, coding.end = start, end
    coding.snippet = transcript.text[start:end]
    session.flush()
    return _info(session, coding)


def code_turn(
    session: Session,
    *,
    transcript_id: int,
    code_id: CodeRef,
    coder_id: int,
    turn_id: int | None = None,
    position: int | None = None,
    origin: str = "manual",
    actor: Actor | int,
) -> CodingInfo:
    """Code a whole speaker turn (the utterance, without the speaker label) in one call.

    Name the turn by ``turn_id`` or by its ``position`` in the transcript (0 first).
    """
    if (turn_id is None) == (position is None):
        raise InvalidInput("Name the turn by its id or by its position, not both or neither.")
    query = select(TurnRow).where(TurnRow.transcript_id == transcript_id)
    query = (
        query.where(TurnRow.id == turn_id)
        if turn_id is not None
        else query.where(TurnRow.position == position)
    )
    turn = session.scalar(query)
    if turn is None:
        row_by_id(session, TranscriptRow, transcript_id, "transcript")
        which = f"id {turn_id}" if turn_id is not None else f"position {position}"
        raise NotFound(f"Transcript {transcript_id} has no turn with {which}.")
    return add_coding(
        session,
        transcript_id=transcript_id,
        start=turn.start,
        end=turn.end,
        code_id=code_id,
        coder_id=coder_id,
        origin=origin,
        actor=actor,
    )


def coder_id_for(session: Session, email: str) -> int:
    """The account id of the coder with this e-mail (case-insensitive)."""
    wanted = (email or "").strip().lower()
    account_id = session.scalar(select(AccountRow.id).where(AccountRow.email == wanted))
    if account_id is None:
        raise NotFound(f"There is no account {email!r}; `study user list` shows the accounts.")
    return account_id


def select_codings(*columns: Any) -> Select:
    """``select(*columns)`` over codings joined with their transcript, organisation and code.

    And the code's scheme version and the coder: every coding has one of each, so the
    joins keep every coding.
    """
    return (
        select(*columns)
        .join(TranscriptRow, TranscriptRow.id == CodingRow.transcript_id)
        .join(OrganisationRow, OrganisationRow.id == TranscriptRow.organisation_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CodingSchemeRow, CodingSchemeRow.id == CodeRow.scheme_id)
        .join(AccountRow, AccountRow.id == CodingRow.coder_id)
    )


def list_codings(
    session: Session,
    *,
    transcript_id: int | None = None,
    coder_ids: Collection[int] | None = None,
    scheme: SchemeRef | None = None,
    code_id: CodeRef | None = None,
    viewer: Actor,
) -> pd.DataFrame:
    """Codings as a DataFrame with :data:`CODING_COLUMNS`, by transcript, start, code and coder.

    Parameters
    ----------
    transcript_id : int, optional
        Only this transcript's codings.
    coder_ids : collection of int, optional
        Only these coders' codings (blind coding shows a coder their own).
    scheme : int or str, optional
        Only codings with codes of this scheme: an id is one version, a key
        every version of that scheme.
    code_id : int or (scheme_key, code_key), optional
        Only codings of this one code (no subcodes; see
        :func:`study.interviews.coding.retrieval.coded_segments` for those).
    viewer : AccountInfo or OPERATOR
        Who is looking (required): a coder sees other coders' codings of a scheme
        in blind mode only when it is lifted (:mod:`study.interviews.coding.blind`).

    Notes
    -----
    ``coder_name`` is the coder's display name (what pages show).
    ``code`` is the code key and ``coder`` the coder's e-mail, so the frame
    can go straight to :func:`study.reliability.units.agreement_table`.
    """
    query = select_codings(
        CodingRow.id,
        CodingRow.transcript_id,
        TranscriptRow.name,
        OrganisationRow.name,
        TranscriptRow.interviewee_role,
        CodingSchemeRow.key,
        CodingSchemeRow.version,
        CodingRow.code_id,
        CodeRow.key,
        CodeRow.name,
        CodingRow.coder_id,
        AccountRow.email,
        CodingRow.start,
        CodingRow.end,
        CodingRow.snippet,
        CodingRow.origin,
        CodingRow.created_at,
        AccountRow.display_name,
    ).order_by(
        CodingRow.transcript_id, CodingRow.start, CodeRow.key, AccountRow.email, CodingRow.id
    )
    if transcript_id is not None:
        query = query.where(CodingRow.transcript_id == transcript_id)
    if coder_ids is not None:
        query = query.where(CodingRow.coder_id.in_([int(c) for c in coder_ids]))
    if scheme is not None:
        query = query.where(CodeRow.scheme_id.in_(scheme_version_ids(session, scheme)))
    if code_id is not None:
        query = query.where(CodingRow.code_id == resolve_code(session, code_id).id)
    query = query.where(visible_condition(session, viewer))
    rows = [tuple(row) for row in session.execute(query)]
    frame = pd.DataFrame(rows, columns=list(CODING_COLUMNS))
    # One name per account everywhere: the display name, else the e-mail.
    frame["coder_name"] = [
        name or email for name, email in zip(frame["coder_name"], frame["coder"])
    ]
    for column in ("id", "transcript_id", "code_id", "coder_id", "start", "end"):
        frame[column] = frame[column].astype("int64")
    return frame
