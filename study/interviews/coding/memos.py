"""Memos: a researcher's note on exactly one transcript, code or coding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.accounts import acting
from study.admin.audit import record_event
from study.admin.permissions import Actor, can
from study.admin.records import PlainRecord
from study.db.models import AccountRow, CodingRow, MemoRow, TranscriptRow
from study.db.rows import row_by_id
from study.errors import InvalidInput, PermissionDenied
from study.interviews.coding.blind import visible_condition
from study.interviews.coding.schemes_store import CodeRef, resolve_code

__all__ = ["MemoInfo", "add_memo", "get_memo", "list_memos", "remove_memo", "update_memo"]


@dataclass(frozen=True)
class MemoInfo(PlainRecord):
    """A memo; ``target`` is "transcript", "code" or "coding" and says which id is set.

    ``author`` is the author's display name (else e-mail), the one name pages show.
    """

    id: int
    text: str
    author_id: int | None
    author: str | None
    target: str
    transcript_id: int | None
    code_id: int | None
    coding_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


def _info(session: Session, memo: MemoRow) -> MemoInfo:
    author = session.get(AccountRow, memo.author_id) if memo.author_id is not None else None
    target = (
        "transcript"
        if memo.transcript_id is not None
        else "code"
        if memo.code_id is not None
        else "coding"
    )
    name = (author.display_name or author.email) if author else None
    return MemoInfo(
        memo.id,
        memo.text,
        memo.author_id,
        name,
        target,
        memo.transcript_id,
        memo.code_id,
        memo.coding_id,
        memo.created_at,
        memo.updated_at,
    )


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("A memo needs some text.")
    return text


def _check_author(session: Session, memo: MemoRow, actor_id: int | None) -> None:
    # A coder's memos are part of their blind coding: other coders may not edit them.
    if actor_id is None or actor_id == memo.author_id:
        return
    actor = session.get(AccountRow, actor_id)
    if actor is not None and not can(actor, "change_others_codings"):
        raise PermissionDenied("A coder can only change their own memos.")


def add_memo(
    session: Session,
    *,
    text: str,
    actor: Actor | int,
    transcript_id: int | None = None,
    code_id: CodeRef | None = None,
    coding_id: int | None = None,
) -> MemoInfo:
    """Write a memo on exactly one transcript, code (id or (scheme key, code key)) or coding.

    ``actor`` (required, ``code`` permission) is the memo's author; the command-line
    operator writes a memo without an author.
    """
    return write_memo(
        session,
        text=text,
        author_id=acting(session, actor, "code"),
        transcript_id=transcript_id,
        code_id=code_id,
        coding_id=coding_id,
    )


def write_memo(
    session: Session,
    *,
    text: str,
    author_id: int | None,
    transcript_id: int | None = None,
    code_id: CodeRef | None = None,
    coding_id: int | None = None,
) -> MemoInfo:
    """:func:`add_memo` for a memo whose author is known otherwise (an imported project's)."""
    if sum(x is not None for x in (transcript_id, code_id, coding_id)) != 1:
        raise InvalidInput("A memo belongs to exactly one transcript, code or coding.")
    if transcript_id is not None:
        row_by_id(session, TranscriptRow, transcript_id, "transcript")
    if coding_id is not None:
        row_by_id(session, CodingRow, coding_id, "coding")
    code_row_id = resolve_code(session, code_id).id if code_id is not None else None
    if author_id is not None:
        row_by_id(session, AccountRow, author_id, "account")
    memo = MemoRow(
        text=_clean_text(text),
        author_id=author_id,
        transcript_id=transcript_id,
        code_id=code_row_id,
        coding_id=coding_id,
    )
    session.add(memo)
    session.flush()
    info = _info(session, memo)
    record_event(
        session,
        "memo.add",
        actor_id=author_id,
        target=memo,
        details={"on": info.target, "id": transcript_id or code_row_id or coding_id},
    )
    return info


def get_memo(session: Session, memo_id: int) -> MemoInfo:
    """The memo with id ``memo_id``."""
    return _info(session, row_by_id(session, MemoRow, memo_id, "memo"))


def list_memos(
    session: Session,
    *,
    transcript_id: int | None = None,
    code_id: CodeRef | None = None,
    coding_id: int | None = None,
    author_ids: Collection[int] | None = None,
    include_codings: bool = False,
    viewer: Actor,
) -> list[MemoInfo]:
    """Memos, oldest first, filtered by target and author (blind coding: a coder's own).

    With ``include_codings`` a ``transcript_id`` or ``code_id`` filter also
    returns the memos on that transcript's or code's codings. ``viewer``
    (required) is who looks: a coder does not see other authors' memos on codes or
    codings of a scheme in blind mode.
    """
    query = select(MemoRow).order_by(MemoRow.created_at, MemoRow.id)
    code_of_memo = func.coalesce(
        MemoRow.code_id,
        select(CodingRow.code_id).where(CodingRow.id == MemoRow.coding_id).scalar_subquery(),
    )
    query = query.where(visible_condition(session, viewer, MemoRow.author_id, code_of_memo))
    if transcript_id is not None:
        condition = MemoRow.transcript_id == transcript_id
        if include_codings:
            condition = condition | MemoRow.coding_id.in_(
                select(CodingRow.id).where(CodingRow.transcript_id == transcript_id)
            )
        query = query.where(condition)
    if code_id is not None:
        code = resolve_code(session, code_id).id
        condition = MemoRow.code_id == code
        if include_codings:
            condition = condition | MemoRow.coding_id.in_(
                select(CodingRow.id).where(CodingRow.code_id == code)
            )
        query = query.where(condition)
    if coding_id is not None:
        query = query.where(MemoRow.coding_id == coding_id)
    if author_ids is not None:
        query = query.where(MemoRow.author_id.in_([int(a) for a in author_ids]))
    return [_info(session, memo) for memo in session.scalars(query)]


def update_memo(
    session: Session, memo_id: int, text: str, *, actor_id: int | None = None
) -> MemoInfo:
    """Replace a memo's text."""
    memo = row_by_id(session, MemoRow, memo_id, "memo")
    _check_author(session, memo, actor_id)
    new = _clean_text(text)
    if new != memo.text:
        record_event(
            session,
            "memo.update",
            actor_id=actor_id,
            target=memo,
            details={"before": memo.text, "after": new},
        )
        memo.text = new
        session.flush()
    return _info(session, memo)


def remove_memo(session: Session, memo_id: int, *, actor_id: int | None = None) -> None:
    """Delete a memo."""
    memo = row_by_id(session, MemoRow, memo_id, "memo")
    _check_author(session, memo, actor_id)
    record_event(
        session, "memo.remove", actor_id=actor_id, target=memo, details={"text": memo.text}
    )
    session.delete(memo)
    session.flush()
