"""Lasting staff logins: a session row in the database, a random id in an HttpOnly cookie.

How a login becomes a cookie (the page cannot set one; see ``study/ui/server.py``):

1. a login (password, single sign-on, set-password link) calls :func:`start_session`,
   which stores a session row with the SHA-256 hash of a one-time *hand-off code*
   (valid for ``HANDOFF_SECONDS``) and returns the code to the page;
2. the page hands the code to the browser, which posts it to the server's
   ``/_study/session`` route; :func:`redeem_handoff` swaps it, once, for a new random
   session id, stores only the id's hash, and the route sets the cookie;
3. every page run resolves the cookie with :func:`resolve_session`: the row must not
   be ended, idle for longer than STUDY_SESSION_IDLE_MINUTES or older than
   STUDY_SESSION_MAX_HOURS, and the account must still be active.

The database never holds a session id or a hand-off code, only their hashes, so a
copy of the database (or of its logs) cannot be used to log in. Logging out, changing
a password or role, and deactivating an account end sessions server-side
(:func:`end_session`, :func:`end_account_sessions`), so the cookie of an ended session
is refused on every replica.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.identity import AccountInfo, account_info
from study.config import int_setting
from study.db.models import AccountRow, LoginSessionRow, utcnow

#: How long a hand-off code may wait for the browser to fetch its cookie.
HANDOFF_SECONDS = 120
#: How often, at most, a session's last activity is written (saves a write per rerun);
#: never more than a tenth of the idle limit, so a short limit cannot end an active login.
TOUCH_SECONDS = 60
SESSION_METHODS = ("password", "sso", "link")


def secret_hash(secret: str) -> str:
    """SHA-256 of a session id, hand-off code or link token: all that is ever stored.

    The secrets are 256-bit random values, so a plain hash suffices (no salt or
    slow hash: nothing to brute-force).
    """
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(session: Session, account_id: int, *, method: str = "password") -> str:
    """Begin a login session for an account; return the one-time hand-off code."""
    if method not in SESSION_METHODS:
        raise ValueError(f"unknown login method {method!r}")
    now = utcnow()
    handoff = secrets.token_urlsafe(32)
    row = LoginSessionRow(
        account_id=account_id,
        handoff_hash=secret_hash(handoff),
        handoff_expires_at=now + dt.timedelta(seconds=HANDOFF_SECONDS),
        method=method,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=int_setting("STUDY_SESSION_MAX_HOURS")),
    )
    session.add(row)
    return handoff


def redeem_handoff(session: Session, handoff: str, *, previous: str | None = None) -> str | None:
    """Swap a hand-off code, once, for a new session id; None when it is unknown or used.

    ``previous`` is the session id the browser already held, if any: it is ended, so
    every login rotates the session id.
    """
    if not handoff or len(handoff) > 200:
        return None
    now = utcnow()
    token = secrets.token_urlsafe(32)
    # One conditional UPDATE: two requests with the same code cannot both win.
    redeemed = session.execute(
        update(LoginSessionRow)
        .where(
            LoginSessionRow.handoff_hash == secret_hash(handoff),
            LoginSessionRow.token_hash.is_(None),
            LoginSessionRow.ended_at.is_(None),
            LoginSessionRow.handoff_expires_at > now,
        )
        .values(
            token_hash=secret_hash(token),
            handoff_hash=None,
            handoff_expires_at=None,
            last_seen_at=now,
        )
        .returning(LoginSessionRow.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if redeemed is None:
        return None
    if previous:
        end_session(session, previous, reason="rotated")
    return token


def _active_row(session: Session, token: str):
    if not token or len(token) > 200:
        return None
    return session.execute(
        select(LoginSessionRow, AccountRow)
        .join(AccountRow, AccountRow.id == LoginSessionRow.account_id)
        .where(LoginSessionRow.token_hash == secret_hash(token), LoginSessionRow.ended_at.is_(None))
    ).first()


def resolve_session(session: Session, token: str) -> AccountInfo | None:
    """The account a session id belongs to, or None when it is unknown, ended or expired.

    Records activity (at most every ``TOUCH_SECONDS``, and at most every tenth of the
    idle limit) and ends a session found idle, past its lifetime, or belonging to a
    deactivated account.
    """
    found = _active_row(session, token)
    if found is None:
        return None
    row, account = found
    now = utcnow()
    idle = dt.timedelta(minutes=int_setting("STUDY_SESSION_IDLE_MINUTES"))
    if row.expires_at <= now or row.last_seen_at + idle <= now or account.deactivated_at:
        row.ended_at = now
        record_event(session, "session.expired", actor_id=account.id, target=account)
        return None
    # With a 1-minute limit a 60 s write interval ended logins active every 40 s (issue
    # 20): the activity written may lag the real one by at most a tenth of the limit.
    if now - row.last_seen_at >= min(dt.timedelta(seconds=TOUCH_SECONDS), idle / 10):
        row.last_seen_at = now
    return account_info(session, account)


def end_session(session: Session, token: str, *, reason: str = "logout") -> bool:
    """End the session a session id belongs to (log out); False when there was none."""
    found = _active_row(session, token)
    if found is None:
        return False
    row, account = found
    row.ended_at = utcnow()
    record_event(session, f"session.{reason}", actor_id=account.id, target=account)
    return True


def end_account_sessions(session: Session, account_id: int) -> int:
    """End every open session of an account (password, role or status changed)."""
    result = session.execute(
        update(LoginSessionRow)
        .where(LoginSessionRow.account_id == account_id, LoginSessionRow.ended_at.is_(None))
        .values(ended_at=utcnow(), handoff_hash=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def log_out_everywhere(session: Session, account_id: int, *, actor_id: int | None = None) -> int:
    """End every open session of an account, with an audit event; returns how many ended."""
    ended = end_account_sessions(session, account_id)
    record_event(
        session,
        "session.logout_all",
        actor_id=actor_id,
        target=session.get(AccountRow, account_id),
        details={"sessions": ended},
    )
    return ended


def begin_session(database, account_id: int, *, method: str = "password") -> str:
    """:func:`start_session` in its own transaction: the hand-off code for a browser.

    A page calls it after :func:`study.admin.login.log_in` accepted the password.
    """
    with database.transaction() as session:
        return start_session(session, account_id, method=method)


def browser_session_account(database, token: str) -> AccountInfo | None:
    """:func:`resolve_session` in its own transaction (what every page run calls)."""
    with database.transaction() as session:
        return resolve_session(session, token)


def log_out(database, token: str) -> bool:
    """:func:`end_session` in its own transaction."""
    with database.transaction() as session:
        return end_session(session, token)
