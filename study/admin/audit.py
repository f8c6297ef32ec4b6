"""The audit log: every change a user makes also writes an Event row."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.permissions import Actor, require
from study.db.models import Account, Event


def record_event(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    target: Any = None,
    details: dict[str, Any] | None = None,
) -> Event:
    """Add an audit event for ``action`` (e.g. ``"organisation.add"``) on ``target`` (an ORM row)."""
    if target is not None:
        session.flush()
    event = Event(
        action=action,
        actor_id=actor_id,
        target_type=type(target).__name__.lower() if target is not None else None,
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
        row = session.get(Account, int(viewer.id))
        viewer = row if row is not None and row.deactivated_at is None else None
    require(viewer, "manage_accounts")
    query = (
        select(
            Event.at, Account.email, Event.action, Event.target_type, Event.target_id, Event.details
        )
        .outerjoin(Account, Account.id == Event.actor_id)
        .order_by(Event.id.desc())
        .limit(limit)
    )
    if action_prefix:
        query = query.where(Event.action.startswith(action_prefix))
    rows = session.execute(query).all()
    return pd.DataFrame(
        rows, columns=["at", "actor", "action", "target_type", "target_id", "details"]
    )
