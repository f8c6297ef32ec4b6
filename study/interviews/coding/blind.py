"""Blind coding: while a scheme is in blind mode, a coder sees only their own codings of it.

A researcher switches a scheme (every stored version of its key) into blind
mode and back; the switch is audited and its start kept on the scheme rows
(``blind_since``). The rule (:func:`study.admin.permissions.sees_others_codings`) is enforced
wherever codings and memos are read: every reading function
(:func:`study.interviews.coding.list_codings`, ``list_memos``, ``coded_segments``,
``code_frequency_matrix``, ``cooccurrence_matrix`` and the exports) requires the
viewer, so no page, download or command can forget it. The reliability report
says whether the codings it compares were made blind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.audit import record_event
from study.admin.permissions import Actor, can, require, sees_others_codings
from study.db.models import CodeRow, CodingRow, CodingSchemeRow, EventRow, utcnow
from study.errors import PermissionDenied
from study.interviews.coding.schemes_store import SchemeRef, scheme_row, scheme_rows

__all__ = [
    "BlindShare",
    "BlindState",
    "blind_periods",
    "blind_share",
    "blind_state",
    "hides_others",
    "set_blind",
    "visible_condition",
]


@dataclass(frozen=True)
class BlindState:
    """Whether a scheme (all versions of ``key``) is in blind mode, and since when."""

    key: str
    blind: bool
    since: dt.datetime | None


def blind_state(session: Session, scheme: SchemeRef, *, viewer: Actor) -> BlindState:
    """The blind mode of a scheme (an id or a key)."""
    require(current_actor(session, viewer), "code")
    return _state(session, scheme)


def _state(session: Session, scheme: SchemeRef) -> BlindState:
    row = scheme_row(session, scheme)
    return BlindState(row.key, row.blind_since is not None, row.blind_since)


def set_blind(session: Session, scheme: SchemeRef, blind: bool, *, actor: Actor) -> BlindState:
    """Put a scheme in blind mode (``blind=True``) or lift it; only a researcher or admin may.

    Every stored version of the scheme's key changes together. Switching to
    the mode a scheme is already in changes nothing and writes no event.
    """
    if not can(current_actor(session, actor), "edit_codebook"):
        raise PermissionDenied("Only a researcher can switch blind coding on or off.")
    actor_id = actor.id
    key = scheme_row(session, scheme).key
    rows = scheme_rows(session, key)
    if all((row.blind_since is not None) == bool(blind) for row in rows):
        return _state(session, key)
    now = utcnow() if blind else None
    for row in rows:
        row.blind_since = now
    record_event(
        session,
        "scheme.blind" if blind else "scheme.unblind",
        actor_id=actor_id,
        target=rows[-1],
        details={"scheme": key},
    )
    session.flush()
    return _state(session, key)


def hides_others(session: Session, viewer: Actor) -> bool:
    """True when blind mode applies to this viewer at all (a coder; see the permissions)."""
    return not sees_others_codings(current_actor(session, viewer))


def visible_condition(
    session: Session, viewer: Actor, coder_column=CodingRow.coder_id, code_column=CodingRow.code_id
) -> ColumnElement[bool]:
    """A SQL condition keeping what ``viewer`` may see: own rows, or rows of schemes not blind.

    ``coder_column`` is whose row it is (a coding's coder, a memo's author)
    and ``code_column`` the code it belongs to (NULL: no scheme, visible).
    """
    if not hides_others(session, viewer):
        return true()
    blind_codes = (
        select(CodeRow.id)
        .join(CodingSchemeRow, CodingSchemeRow.id == CodeRow.scheme_id)
        .where(CodingSchemeRow.blind_since.is_not(None))
    )
    return or_(
        coder_column == int(viewer.id), code_column.is_(None), code_column.not_in(blind_codes)
    )


@dataclass(frozen=True)
class BlindShare:
    """How many of some codings were made while their scheme was in blind mode."""

    blind: int
    total: int
    now_blind: bool

    @property
    def sentence(self) -> str:
        """One line for the reliability page and report."""
        if self.total == 0:
            return "Blind coding: no codings to judge."
        if self.blind == self.total:
            return (
                f"Blind coding: yes, all {self.total} codings were made while the scheme "
                "was in blind mode (coders could not see each other's codings)."
            )
        if self.blind == 0:
            return (
                "Blind coding: no; the scheme was not in blind mode while these codings "
                "were made, so coders could have seen each other's codings."
            )
        return (
            f"Blind coding: partly; {self.blind} of {self.total} codings were made while "
            "the scheme was in blind mode."
        )


def blind_periods(
    session: Session, scheme: SchemeRef
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """When the scheme was in blind mode, from the audit log: (from, until or None = still)."""
    key = scheme_row(session, scheme).key
    rows = session.execute(
        select(EventRow.action, EventRow.at, EventRow.details)
        .where(EventRow.action.in_(("scheme.blind", "scheme.unblind")))
        .order_by(EventRow.id)
    ).all()
    periods: list[tuple[dt.datetime, dt.datetime | None]] = []
    start: dt.datetime | None = None
    for action, at, details in rows:
        if (details or {}).get("scheme") != key:
            continue
        if action == "scheme.blind" and start is None:
            start = at
        elif action == "scheme.unblind" and start is not None:
            periods.append((start, at))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


def blind_share(session: Session, scheme: SchemeRef, created: Iterable[dt.datetime]) -> BlindShare:
    """How many codings (by their creation times) were made while ``scheme`` was blind."""
    periods = blind_periods(session, scheme)
    times = list(created)
    blind = sum(
        1
        for at in times
        if any(start <= at and (end is None or at < end) for start, end in periods)
    )
    return BlindShare(blind, len(times), _state(session, scheme).blind)
