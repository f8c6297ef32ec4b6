"""One-time set-password links: inviting a person to an account, and password resets.

An admin invites an e-mail address with a role (and organisation); the account
exists at once but cannot log in until its owner opens the link and chooses a
password. A reset works the same way for an existing account and ends its sessions
and its old password. A link is valid for STUDY_INVITE_HOURS and works once; only
the SHA-256 hash of its token is stored, so neither the database nor the audit log
holds a usable link.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from study.admin.accounts import (
    _HASHER,
    AccountInfo,
    _get,
    account_info,
    acting,
    check_password,
    create_account,
)
from study.admin.audit import record_event
from study.admin.permissions import Actor
from study.admin.sessions import end_account_sessions, secret_hash, start_session
from study.config import base_url, int_setting
from study.db.models import AccountRow, PasswordLinkRow, utcnow
from study.errors import InvalidToken

#: The query parameter of a set-password link: /set-password?k=TOKEN
LINK_PARAMETER = "k"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,60}$")
EXPIRED = "This link is unknown, used or expired; ask an admin for a new one."


@dataclass(frozen=True)
class PasswordLinkInfo:
    """A freshly made link: shown once to the admin, never stored in the clear."""

    account: AccountInfo
    url: str
    expires_at: dt.datetime


def link_url(token: str) -> str:
    """The set-password address for a token, under :func:`study.config.base_url`."""
    return f"{base_url()}/set-password?{LINK_PARAMETER}={quote(token)}"


def _issue(
    session: Session, account: AccountRow, purpose: str, actor_id: int | None
) -> PasswordLinkInfo:
    now = utcnow()
    # A new link replaces the account's earlier unused ones.
    session.execute(
        update(PasswordLinkRow)
        .where(PasswordLinkRow.account_id == account.id, PasswordLinkRow.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=int_setting("STUDY_INVITE_HOURS"))
    session.add(
        PasswordLinkRow(
            account_id=account.id,
            token_hash=secret_hash(token),
            purpose=purpose,
            created_by_id=actor_id,
            created_at=now,
            expires_at=expires,
        )
    )
    record_event(
        session,
        f"account.{purpose}_link",
        actor_id=actor_id,
        target=account,
        details={"email": account.email, "expires_at": expires.isoformat()},
    )
    return PasswordLinkInfo(account_info(session, account), link_url(token), expires)


def invite_account(
    session: Session,
    email: str,
    *,
    role: str,
    organisation: str | None = None,
    display_name: str = "",
    actor: Actor | int,
) -> PasswordLinkInfo:
    """Create an account without a password and return its one-time set-password link."""
    actor_id = acting(session, actor, "manage_accounts")
    info = create_account(
        session,
        email,
        role=role,
        password=None,
        display_name=display_name,
        organisation=organisation,
        actor_id=actor_id,
    )
    return _issue(session, _get(session, info.email), "invite", actor_id)


def reset_password(session: Session, email: str, *, actor: Actor | int) -> PasswordLinkInfo:
    """Clear an account's password, end its sessions and return a set-password link."""
    actor_id = acting(session, actor, "manage_accounts")
    account = _get(session, email)
    account.password_hash = None
    account.failed_logins = 0
    account.locked_until = None
    end_account_sessions(session, account.id)
    return _issue(session, account, "reset", actor_id)


def _valid_link(session: Session, token: str) -> PasswordLinkRow:
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise InvalidToken(EXPIRED)
    link = session.scalar(
        select(PasswordLinkRow).where(
            PasswordLinkRow.token_hash == secret_hash(token),
            PasswordLinkRow.used_at.is_(None),
            PasswordLinkRow.expires_at > utcnow(),
        )
    )
    if link is None:
        raise InvalidToken(EXPIRED)
    return link


def check_password_link(session: Session, token: str) -> AccountInfo:
    """The account a set-password link is for, or InvalidToken."""
    link = _valid_link(session, token)
    return account_info(session, session.get(AccountRow, link.account_id))


def use_password_link(session: Session, token: str, password: str) -> tuple[AccountInfo, str]:
    """Set the password a link was made for and log in: ``(account, hand-off code)``.

    The link works once (a conditional UPDATE marks it used, so two tabs cannot both
    use it). A deactivated account cannot use a link.
    """
    check_password(password)
    link = _valid_link(session, token)
    account = session.get(AccountRow, link.account_id)
    if account.deactivated_at is not None:
        raise InvalidToken(EXPIRED)
    used = session.execute(
        update(PasswordLinkRow)
        .where(PasswordLinkRow.id == link.id, PasswordLinkRow.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise InvalidToken(EXPIRED)
    account.password_hash = _HASHER.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = utcnow()
    end_account_sessions(session, account.id)
    record_event(
        session,
        "account.password",
        actor_id=account.id,
        target=account,
        details={"via": link.purpose},
    )
    return account_info(session, account), start_session(session, account.id, method="link")
