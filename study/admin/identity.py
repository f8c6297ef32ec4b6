"""Who someone is, as plain values: :class:`AccountInfo` and the e-mail rule.

A leaf of ``study.admin``: accounts, login sessions and the login itself all use it,
and it uses none of them (so none of them import each other in a circle).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from study.admin.permissions import Actor, require
from study.db.models import AccountRow, OrganisationRow
from study.errors import InvalidInput, PermissionDenied

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class AccountInfo:
    """What the app keeps about the logged-in person: ids and role, never ORM objects."""

    id: int
    email: str
    role: str
    display_name: str
    organisation_id: int | None
    organisation_name: str | None


def normalise_email(email: str) -> str:
    """The e-mail address as stored (trimmed, lower case), or :class:`InvalidInput`."""
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address.")
    return email


def account_info(session: Session, account: AccountRow) -> AccountInfo:
    """Plain values of an account row (what the app keeps about the logged-in person)."""
    org_name = None
    if account.organisation_id is not None:
        org_name = session.get(OrganisationRow, account.organisation_id).name
    return AccountInfo(
        account.id,
        account.email,
        account.role,
        account.display_name,
        account.organisation_id,
        org_name,
    )


def current_actor(session: Session, actor: Actor | int) -> Actor:
    """``actor`` as the database holds it now: a stale copy's role never widens its rights.

    ``actor`` is an account (:class:`AccountInfo`), an account id, or the command-line
    :data:`~study.admin.permissions.OPERATOR` (no account), which is returned as it is;
    an account that is gone or deactivated may do nothing.
    """
    if isinstance(actor, bool) or not isinstance(actor, int) and not hasattr(actor, "role"):
        raise TypeError("actor must be an account, an account id or OPERATOR")
    if not isinstance(actor, int) and actor.id is None:
        return actor
    row = session.get(AccountRow, int(actor if isinstance(actor, int) else actor.id))
    account = None if row is None or row.deactivated_at is not None else account_info(session, row)
    if account is None:
        raise PermissionDenied("This account is no longer active.")
    return account


def acting(session: Session, actor: Actor | int, permission: str) -> int | None:
    """Check that ``actor`` holds ``permission`` now; return its account id for the audit log.

    None is the command-line operator's id (no account).
    """
    current = current_actor(session, actor)
    require(current, permission)
    return current.id
