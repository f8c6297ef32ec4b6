"""Local accounts: argon2id password hashes, roles, account changes.

Logging in (throttled) is :mod:`study.admin.login`. Every change to an account (role, organisation, password, deactivation) is in the
audit log, and a change that alters who may do what ends the account's login
sessions (:mod:`study.admin.sessions`).
"""

from __future__ import annotations

import functools
import secrets

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.identity import AccountInfo, account_info, acting, current_actor, normalise_email
from study.admin.permissions import Actor, require
from study.admin.sessions import end_account_sessions
from study.db.models import ROLES, AccountRow, OrganisationRow, PasswordLinkRow, utcnow
from study.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    # Verifying against this when the e-mail is unknown keeps the answer time the same,
    # so timing does not reveal which e-mails have accounts.
    return _HASHER.hash("not a real password")


MIN_PASSWORD_LENGTH = 10
__all__ = [
    "MIN_PASSWORD_LENGTH",
    "AccountInfo",
    "account_info",
    "active_account",
    "add_account",
    "acting",
    "check_password",
    "count_admins",
    "create_account",
    "current_actor",
    "deactivate_account",
    "ensure_admin",
    "generate_password",
    "get_account",
    "list_accounts",
    "reactivate_account",
    "set_display_name",
    "set_organisation",
    "set_password",
    "set_role",
    "set_role_and_organisation",
    "store_password",
]


def generate_password() -> str:
    """A random password that is easy to type (about 96 bits)."""
    return secrets.token_urlsafe(12)


def check_password(password: str) -> None:
    """Refuse a password shorter than :data:`MIN_PASSWORD_LENGTH` (:class:`InvalidInput`)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def add_account(
    session: Session,
    email: str,
    *,
    role: str,
    password: str | None,
    display_name: str = "",
    organisation: str | None = None,
    actor: Actor | int,
) -> AccountInfo:
    """Create an account. ``password=None`` creates one that cannot log in (e.g. an imported coder).

    A practitioner must name their ``organisation``: they only ever see its reports.
    ``actor`` must hold ``manage_accounts`` (admins).
    """
    return create_account(
        session,
        email,
        role=role,
        password=password,
        display_name=display_name,
        organisation=organisation,
        actor_id=acting(session, actor, "manage_accounts"),
    )


def create_account(
    session: Session,
    email: str,
    *,
    role: str,
    password: str | None,
    display_name: str = "",
    organisation: str | None = None,
    actor_id: int | None,
) -> AccountInfo:
    """:func:`add_account` for the library's own accounts, its caller having checked who acts.

    The demo's coders, a .qdpx's imported coders, a consensus account, an invitation.
    """
    email = normalise_email(email)
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if password is not None:
        check_password(password)
    if session.scalar(select(AccountRow.id).where(AccountRow.email == email)) is not None:
        raise AlreadyExists(f"An account for {email} already exists.")
    org_id = None
    if organisation is not None:
        from study.admin.organisations import organisation_row

        org_id = organisation_row(session, organisation).id
    elif role == "practitioner":
        raise InvalidInput("A practitioner account needs an organisation (--org NAME).")
    account = AccountRow(
        email=email,
        role=role,
        display_name=display_name or email.split("@")[0],
        password_hash=_HASHER.hash(password) if password is not None else None,
        organisation_id=org_id,
    )
    session.add(account)
    record_event(
        session,
        "account.add",
        actor_id=actor_id,
        target=account,
        details={"email": email, "role": role},
    )
    return account_info(session, account)


def set_password(session: Session, email: str, password: str, *, actor: Actor | int) -> None:
    """Replace an account's password (an admin's act), lift any throttling and end its sessions."""
    store_password(session, email, password, actor_id=acting(session, actor, "manage_accounts"))


def store_password(session: Session, email: str, password: str, *, actor_id: int | None) -> None:
    """:func:`set_password` once the caller checked who acts (a set-password link, oneself)."""
    check_password(password)
    account = _get(session, email)
    account.password_hash = _HASHER.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    record_event(session, "account.password", actor_id=actor_id, target=account)
    end_account_sessions(session, account.id)


def _get(session: Session, email: str) -> AccountRow:
    account = session.scalar(select(AccountRow).where(AccountRow.email == normalise_email(email)))
    if account is None:
        raise NotFound(f"There is no account for {email}.")
    return account


def _safe_verify(hash_: str, password: str) -> bool:
    try:
        return _HASHER.verify(hash_, password or "")
    except (VerificationError, InvalidHashError):
        return False


def list_accounts(session: Session, *, viewer: Actor) -> pd.DataFrame:
    """All accounts: e-mail, name, role, organisation, status, last login and lock."""
    require(current_actor(session, viewer), "manage_accounts")
    now = utcnow()
    rows = session.execute(
        select(
            AccountRow.id,
            AccountRow.email,
            AccountRow.display_name,
            AccountRow.role,
            OrganisationRow.name,
            AccountRow.password_hash.is_not(None),
            AccountRow.deactivated_at,
            AccountRow.last_login_at,
            AccountRow.locked_until,
            AccountRow.failed_logins,
        )
        .outerjoin(OrganisationRow, OrganisationRow.id == AccountRow.organisation_id)
        .order_by(AccountRow.email)
    ).all()
    records = [
        {
            "id": r[0],
            "email": r[1],
            "display_name": r[2],
            "role": r[3],
            "organisation": r[4],
            "can_log_in": bool(r[5]) and r[6] is None,
            "active": r[6] is None,
            "last_login_at": r[7],
            "locked": r[8] is not None and r[8] > now,
            "locked_until": r[8] if r[8] is not None and r[8] > now else None,
            "failed_logins": r[9],
        }
        for r in rows
    ]
    return pd.DataFrame(
        records,
        columns=[
            "id",
            "email",
            "display_name",
            "role",
            "organisation",
            "can_log_in",
            "active",
            "last_login_at",
            "locked",
            "locked_until",
            "failed_logins",
        ],
    )


def active_account(session: Session, account_id: int) -> AccountInfo | None:
    """The account with this id as it is now, or None when it is gone or deactivated."""
    account = session.get(AccountRow, account_id)
    if account is None or account.deactivated_at is not None:
        return None
    return account_info(session, account)


def get_account(session: Session, email: str) -> AccountInfo:
    """The account with this e-mail address."""
    return account_info(session, _get(session, email))


def set_role(session: Session, email: str, role: str, *, actor: Actor | int) -> AccountInfo:
    """Change an account's role; its open sessions end (it logs in again with the new role)."""
    actor_id = acting(session, actor, "manage_accounts")
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    account = _get(session, email)
    if account.role == role:
        return account_info(session, account)
    if role == "practitioner" and account.organisation_id is None:
        raise InvalidInput("A practitioner account needs an organisation; set it first.")
    _keep_an_admin(session, account, leaving=account.role == "admin")
    old = account.role
    account.role = role
    record_event(
        session,
        "account.role",
        actor_id=actor_id,
        target=account,
        details={"email": account.email, "from": old, "to": role},
    )
    end_account_sessions(session, account.id)
    return account_info(session, account)


def set_organisation(
    session: Session, email: str, organisation: str | None, *, actor: Actor | int
) -> AccountInfo:
    """Change (or, with None, remove) an account's organisation; its open sessions end."""
    actor_id = acting(session, actor, "manage_accounts")
    account = _get(session, email)
    org_id = None
    if organisation:
        from study.admin.organisations import organisation_row

        org_id = organisation_row(session, organisation).id
    elif account.role == "practitioner":
        raise InvalidInput("A practitioner account needs an organisation.")
    if account.organisation_id == org_id:
        return account_info(session, account)
    account.organisation_id = org_id
    record_event(
        session,
        "account.organisation",
        actor_id=actor_id,
        target=account,
        details={"email": account.email, "organisation": organisation},
    )
    end_account_sessions(session, account.id)
    return account_info(session, account)


def set_role_and_organisation(
    session: Session, email: str, role: str, organisation: str | None, *, actor: Actor | int
) -> AccountInfo:
    """Both changes of the Accounts page's form, in the order a practitioner needs."""
    if role == "practitioner":
        set_organisation(session, email, organisation, actor=actor)
        return set_role(session, email, role, actor=actor)
    set_role(session, email, role, actor=actor)
    return set_organisation(session, email, organisation, actor=actor)


def deactivate_account(session: Session, email: str, *, actor: Actor | int) -> AccountInfo:
    """Stop an account from logging in and end its sessions; its work stays in the study."""
    actor_id = acting(session, actor, "manage_accounts")
    account = _get(session, email)
    if account.id == actor_id:
        raise PermissionDenied("You cannot deactivate your own account.")
    if account.deactivated_at is None:
        _keep_an_admin(session, account, leaving=account.role == "admin")
        account.deactivated_at = utcnow()
        record_event(
            session,
            "account.deactivate",
            actor_id=actor_id,
            target=account,
            details={"email": account.email},
        )
    end_account_sessions(session, account.id)
    _end_password_links(session, account.id)
    return account_info(session, account)


def reactivate_account(session: Session, email: str, *, actor: Actor | int) -> AccountInfo:
    """Let a deactivated account log in again (with its old password, if it has one).

    Set-password links from before never come back: a new one is needed.
    """
    actor_id = acting(session, actor, "manage_accounts")
    account = _get(session, email)
    if account.deactivated_at is not None:
        _end_password_links(session, account.id)  # also those a deactivation left open
        account.deactivated_at = None
        account.failed_logins = 0
        account.locked_until = None
        record_event(
            session,
            "account.reactivate",
            actor_id=actor_id,
            target=account,
            details={"email": account.email},
        )
    return account_info(session, account)


def _end_password_links(session: Session, account_id: int) -> None:
    """Mark the account's unused set-password links used (issue 20: none outlives a deactivation)."""
    session.execute(
        update(PasswordLinkRow)
        .where(PasswordLinkRow.account_id == account_id, PasswordLinkRow.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def set_display_name(session: Session, account_id: int, name: str) -> AccountInfo:
    """Change one's own display name (shown to other coders)."""
    name = (name or "").strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise InvalidInput("A display name needs 1 to 200 characters on one line.")
    account = session.get(AccountRow, account_id)
    if account is None:
        raise NotFound("That account no longer exists.")
    if account.display_name != name:
        account.display_name = name
        record_event(
            session,
            "account.display_name",
            actor_id=account_id,
            target=account,
            details={"display_name": name},
        )
    return account_info(session, account)


def _keep_an_admin(session: Session, account: AccountRow, *, leaving: bool) -> None:
    if (
        leaving
        and session.scalar(
            select(func.count(AccountRow.id)).where(
                AccountRow.role == "admin",
                AccountRow.deactivated_at.is_(None),
                AccountRow.id != account.id,
            )
        )
        == 0
    ):
        raise PermissionDenied("This is the last active admin; make another admin first.")


def count_admins(session: Session) -> int:
    """Number of admin accounts that can log in."""
    return (
        session.scalar(
            select(func.count(AccountRow.id)).where(
                AccountRow.role == "admin",
                AccountRow.password_hash.is_not(None),
                AccountRow.deactivated_at.is_(None),
            )
        )
        or 0
    )


DEFAULT_ADMIN_EMAIL = "admin@study.local"


def ensure_admin(session: Session, *, email: str = DEFAULT_ADMIN_EMAIL) -> tuple[str, str] | None:
    """Create an admin with a generated password when no admin can log in.

    Returns ``(email, password)`` for the new account so it can be shown once,
    or None when an admin already exists. Only the argon2 hash is stored.
    """
    if count_admins(session):
        return None
    password = generate_password()
    if session.scalar(select(AccountRow.id).where(AccountRow.email == email)) is not None:
        store_password(session, email, password, actor_id=None)
        account = _get(session, email)
        account.role = "admin"
        account.deactivated_at = None
    else:
        create_account(
            session, email, role="admin", password=password, display_name="Admin", actor_id=None
        )
    return email, password
