"""The audit log: every change a user makes also writes an Event row."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.permissions import Actor, require
from study.db.models import AccountRow, EventRow


def record_event(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> EventRow:
    """Add an audit event for ``action`` (e.g. ``"organisation.add"``) on ``target`` (an ORM row)."""
    if target is not None:
        session.flush()
    event = EventRow(
        action=action,
        actor_id=actor_id,
        target_type=type(target).__name__.removesuffix("Row").lower()
        if target is not None
        else None,
        target_id=getattr(target, "id", None),
        details=details or {},
    )
    session.add(event)
    return event


def list_events(
    session: Session, *, limit: int = 200, action_prefix: str | None = None, viewer: Actor
) -> pd.DataFrame:
    """The newest audit events first: at, actor (e-mail), action, target and details."""
    if viewer.id is not None:  # the role as stored now (accounts imports this module)
        row = session.get(AccountRow, int(viewer.id))
        viewer = row if row is not None and row.deactivated_at is None else None
    require(viewer, "manage_accounts")
    query = (
        select(
            EventRow.at,
            AccountRow.email,
            EventRow.action,
            EventRow.target_type,
            EventRow.target_id,
            EventRow.details,
        )
        .outerjoin(AccountRow, AccountRow.id == EventRow.actor_id)
        .order_by(EventRow.id.desc())
        .limit(limit)
    )
    if action_prefix:
        query = query.where(EventRow.action.startswith(action_prefix))
    rows = session.execute(query).all()
    return pd.DataFrame(
        rows, columns=["at", "actor", "action", "target_type", "target_id", "details"]
    )
