"""Local accounts: argon2id password hashes, roles, throttled logins, account changes.

Every change to an account (role, organisation, password, deactivation) is in the
audit log, and a change that alters who may do what ends the account's login
sessions (:mod:`study.admin.sessions`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.sessions import end_account_sessions, start_session
from study.config import int_setting
from study.db.models import ROLES, Account, Organisation, utcnow
from study.errors import (AlreadyExists, AuthenticationFailed, InvalidInput, NotFound,
                          PermissionDenied, TooManyAttempts)

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    # Verifying against this when the e-mail is unknown keeps the answer time the same,
    # so timing does not reveal which e-mails have accounts.
    return _HASHER.hash("not a real password")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
#: One answer for every failed login: wrong password, unknown e-mail, locked or deactivated.
WRONG_LOGIN = "Wrong e-mail or password."


@dataclass(frozen=True)
class AccountInfo:
    """What the app keeps about the logged-in person: ids and role, never ORM objects."""

    id: int
    email: str
    role: str
    display_name: str
    organisation_id: int | None
    organisation_name: str | None


def generate_password() -> str:
    """A random password that is easy to type (about 96 bits)."""
    return secrets.token_urlsafe(12)


def _normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address.")
    return email


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def account_info(session: Session, account: Account) -> AccountInfo:
    """Plain values of an account row (what the app keeps about the logged-in person)."""
    org_name = None
    if account.organisation_id is not None:
        org_name = session.get(Organisation, account.organisation_id).name
    return AccountInfo(account.id, account.email, account.role, account.display_name,
                       account.organisation_id, org_name)


def add_account(session: Session, email: str, *, role: str, password: str | None,
                display_name: str = "", organisation: str | None = None,
                actor_id: int | None = None) -> AccountInfo:
    """Create an account. ``password=None`` creates one that cannot log in (e.g. an imported coder).

    A practitioner must name their ``organisation``: they only ever see its reports.
    """
    email = _normalise_email(email)
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if password is not None:
        _check_password(password)
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise AlreadyExists(f"An account for {email} already exists.")
    org_id = None
    if organisation is not None:
        from study.admin.organisations import get_organisation
        org_id = get_organisation(session, organisation).id
    elif role == "practitioner":
        raise InvalidInput("A practitioner account needs an organisation (--org NAME).")
    account = Account(email=email, role=role, display_name=display_name or email.split("@")[0],
                      password_hash=_HASHER.hash(password) if password is not None else None,
                      organisation_id=org_id)
    session.add(account)
    record_event(session, "account.add", actor_id=actor_id, target=account,
                 details={"email": email, "role": role})
    return account_info(session, account)


def set_password(session: Session, email: str, password: str, *,
                 actor_id: int | None = None) -> None:
    """Replace an account's password, lift any throttling and end its sessions."""
    _check_password(password)
    account = _get(session, email)
    account.password_hash = _HASHER.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    record_event(session, "account.password", actor_id=actor_id, target=account)
    end_account_sessions(session, account.id)


def _get(session: Session, email: str) -> Account:
    account = session.scalar(select(Account).where(Account.email == _normalise_email(email)))
    if account is None:
        raise NotFound(f"There is no account for {email}.")
    return account


def authenticate(session: Session, email: str, password: str) -> AccountInfo:
    """Check an e-mail and password and return the account, or raise.

    Every attempt on an account is counted *before* its password is checked, in one
    atomic ``UPDATE ... SET failed_logins = failed_logins + 1 ... RETURNING`` that only
    succeeds while the account is not locked; the attempt that reaches
    STUDY_LOGIN_MAX_FAILURES locks it for STUDY_LOGIN_LOCK_SECONDS. So parallel attempts
    (threads, replicas) get at most that many password checks between two locks. The
    count lives in the database; a successful login resets it. The caller must commit
    even when this raises, so attempts are counted (:func:`log_in` does).

    A locked, deactivated or password-less account answers exactly like an unknown
    e-mail: the same sentence after the same argon2 work (one verification).

    Raises
    ------
    AuthenticationFailed
        Wrong e-mail or password (one message for every case).
    TooManyAttempts
        The account is locked; its message is the same as a wrong password's.
    """
    attempt = _begin_attempt(session, email)
    return _finish_attempt(session, attempt, _check_attempt(attempt, password), password)


@dataclass(frozen=True)
class _Attempt:
    account_id: int | None  # None: unknown e-mail, no password, or deactivated
    password_hash: str | None
    number: int | None  # None: not counted because the account is locked
    at: dt.datetime


def _begin_attempt(session: Session, email: str) -> _Attempt:
    now = utcnow()
    try:
        email = _normalise_email(email)
    except InvalidInput:
        return _Attempt(None, None, None, now)
    row = session.execute(select(Account.id, Account.password_hash).where(
        Account.email == email, Account.password_hash.is_not(None),
        Account.deactivated_at.is_(None))).first()
    if row is None:
        return _Attempt(None, None, None, now)
    return _Attempt(row.id, row.password_hash, _claim_attempt(session, row.id, now), now)


def _check_attempt(attempt: _Attempt, password: str) -> bool:
    """The argon2 work: exactly one verification whatever the case, so timing tells nothing."""
    if attempt.account_id is None or attempt.number is None:
        _safe_verify(_dummy_hash(), password)
        return False
    return _safe_verify(attempt.password_hash, password)


def _finish_attempt(session: Session, attempt: _Attempt, ok: bool, password: str
                    ) -> AccountInfo:
    if attempt.account_id is None:
        raise AuthenticationFailed(WRONG_LOGIN)
    if attempt.number is None:
        raise TooManyAttempts(WRONG_LOGIN)
    if not ok:
        if attempt.number >= int_setting("STUDY_LOGIN_MAX_FAILURES"):
            record_event(session, "account.locked", target=session.get(Account, attempt.account_id))
        raise AuthenticationFailed(WRONG_LOGIN)
    account = session.get(Account, attempt.account_id)
    session.refresh(account)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = attempt.at
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    record_event(session, "account.login", actor_id=account.id, target=account)
    return account_info(session, account)


def _claim_attempt(session: Session, account_id: int, now: dt.datetime) -> int | None:
    """Count one login attempt atomically; return its number, or None while locked.

    One statement on both databases, so concurrent attempts never overwrite each
    other's count. An expired lock starts a new count at 1; the attempt whose number
    reaches the maximum sets the lock (a right password on it still logs in and
    lifts the lock).
    """
    expired = Account.locked_until.is_not(None)
    count = case((expired, 1), else_=Account.failed_logins + 1)
    limit = int_setting("STUDY_LOGIN_MAX_FAILURES")
    until = now + dt.timedelta(seconds=int_setting("STUDY_LOGIN_LOCK_SECONDS"))
    statement = (update(Account)
                 .where(Account.id == account_id,
                        (Account.locked_until.is_(None)) | (Account.locked_until <= now))
                 .values(failed_logins=count,
                         locked_until=case((count >= limit, until), else_=None))
                 .returning(Account.failed_logins)
                 .execution_options(synchronize_session=False))
    return session.execute(statement).scalar_one_or_none()


def _safe_verify(hash_: str, password: str) -> bool:
    try:
        return _HASHER.verify(hash_, password or "")
    except (VerificationError, InvalidHashError):
        return False


def list_accounts(session: Session) -> pd.DataFrame:
    """All accounts: e-mail, name, role, organisation, status, last login and lock."""
    now = utcnow()
    rows = session.execute(
        select(Account.id, Account.email, Account.display_name, Account.role,
               Organisation.name, Account.password_hash.is_not(None),
               Account.deactivated_at, Account.last_login_at, Account.locked_until,
               Account.failed_logins)
        .outerjoin(Organisation, Organisation.id == Account.organisation_id)
        .order_by(Account.email)).all()
    records = [{"id": r[0], "email": r[1], "display_name": r[2], "role": r[3],
                "organisation": r[4], "can_log_in": bool(r[5]) and r[6] is None,
                "active": r[6] is None, "last_login_at": r[7],
                "locked": r[8] is not None and r[8] > now,
                "locked_until": r[8] if r[8] is not None and r[8] > now else None,
                "failed_logins": r[9]} for r in rows]
    return pd.DataFrame(records, columns=["id", "email", "display_name", "role", "organisation",
                                          "can_log_in", "active", "last_login_at", "locked",
                                          "locked_until", "failed_logins"])


def active_account(session: Session, account_id: int) -> AccountInfo | None:
    """The account with this id as it is now, or None when it is gone or deactivated."""
    account = session.get(Account, account_id)
    if account is None or account.deactivated_at is not None:
        return None
    return account_info(session, account)


def get_account(session: Session, email: str) -> AccountInfo:
    """The account with this e-mail address."""
    return account_info(session, _get(session, email))


def set_role(session: Session, email: str, role: str, *, actor_id: int | None = None
             ) -> AccountInfo:
    """Change an account's role; its open sessions end (it logs in again with the new role)."""
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
    record_event(session, "account.role", actor_id=actor_id, target=account,
                 details={"email": account.email, "from": old, "to": role})
    end_account_sessions(session, account.id)
    return account_info(session, account)


def set_organisation(session: Session, email: str, organisation: str | None, *,
                     actor_id: int | None = None) -> AccountInfo:
    """Change (or, with None, remove) an account's organisation; its open sessions end."""
    account = _get(session, email)
    org_id = None
    if organisation:
        from study.admin.organisations import get_organisation
        org_id = get_organisation(session, organisation).id
    elif account.role == "practitioner":
        raise InvalidInput("A practitioner account needs an organisation.")
    if account.organisation_id == org_id:
        return account_info(session, account)
    account.organisation_id = org_id
    record_event(session, "account.organisation", actor_id=actor_id, target=account,
                 details={"email": account.email, "organisation": organisation})
    end_account_sessions(session, account.id)
    return account_info(session, account)


def set_role_and_organisation(session: Session, email: str, role: str,
                              organisation: str | None, *, actor_id: int | None = None
                              ) -> AccountInfo:
    """Both changes of the Accounts page's form, in the order a practitioner needs."""
    if role == "practitioner":
        set_organisation(session, email, organisation, actor_id=actor_id)
        return set_role(session, email, role, actor_id=actor_id)
    set_role(session, email, role, actor_id=actor_id)
    return set_organisation(session, email, organisation, actor_id=actor_id)


def deactivate_account(session: Session, email: str, *, actor_id: int | None = None
                       ) -> AccountInfo:
    """Stop an account from logging in and end its sessions; its work stays in the study."""
    account = _get(session, email)
    if account.id == actor_id:
        raise PermissionDenied("You cannot deactivate your own account.")
    if account.deactivated_at is None:
        _keep_an_admin(session, account, leaving=account.role == "admin")
        account.deactivated_at = utcnow()
        record_event(session, "account.deactivate", actor_id=actor_id, target=account,
                     details={"email": account.email})
    end_account_sessions(session, account.id)
    return account_info(session, account)


def reactivate_account(session: Session, email: str, *, actor_id: int | None = None
                       ) -> AccountInfo:
    """Let a deactivated account log in again (with its old password, if it has one)."""
    account = _get(session, email)
    if account.deactivated_at is not None:
        account.deactivated_at = None
        account.failed_logins = 0
        account.locked_until = None
        record_event(session, "account.reactivate", actor_id=actor_id, target=account,
                     details={"email": account.email})
    return account_info(session, account)


def set_display_name(session: Session, account_id: int, name: str) -> AccountInfo:
    """Change one's own display name (shown to other coders)."""
    name = (name or "").strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise InvalidInput("A display name needs 1 to 200 characters on one line.")
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account no longer exists.")
    if account.display_name != name:
        account.display_name = name
        record_event(session, "account.display_name", actor_id=account_id, target=account,
                     details={"display_name": name})
    return account_info(session, account)


def change_own_password(session: Session, account_id: int, current: str, new: str) -> str:
    """Change one's own password after checking the current one; all sessions end.

    Returns the hand-off code of a new session for the browser that made the change
    (see :mod:`study.admin.sessions`).
    """
    account = session.get(Account, account_id)
    if account is None or account.password_hash is None:
        raise AuthenticationFailed("This account has no password to change.")
    if not _safe_verify(account.password_hash, current):
        raise AuthenticationFailed("The current password is wrong.")
    if new == current:
        raise InvalidInput("The new password must differ from the current one.")
    set_password(session, account.email, new, actor_id=account_id)
    return start_session(session, account.id)


def _keep_an_admin(session: Session, account: Account, *, leaving: bool) -> None:
    if leaving and session.scalar(select(func.count(Account.id)).where(
            Account.role == "admin", Account.deactivated_at.is_(None),
            Account.id != account.id)) == 0:
        raise PermissionDenied("This is the last active admin; make another admin first.")


def count_admins(session: Session) -> int:
    """Number of admin accounts that can log in."""
    return session.scalar(select(func.count(Account.id)).where(
        Account.role == "admin", Account.password_hash.is_not(None),
        Account.deactivated_at.is_(None))) or 0


DEFAULT_ADMIN_EMAIL = "admin@study.local"


def ensure_admin(session: Session, *, email: str = DEFAULT_ADMIN_EMAIL
                 ) -> tuple[str, str] | None:
    """Create an admin with a generated password when no admin can log in.

    Returns ``(email, password)`` for the new account so it can be shown once,
    or None when an admin already exists. Only the argon2 hash is stored.
    """
    if count_admins(session):
        return None
    password = generate_password()
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        set_password(session, email, password)
        account = _get(session, email)
        account.role = "admin"
        account.deactivated_at = None
    else:
        add_account(session, email, role="admin", password=password, display_name="Admin")
    return email, password


def log_in(database, email: str, password: str) -> AccountInfo:
    """Authenticate with the attempt counted and committed before the password is checked.

    ``database`` is a :class:`study.db.Database`. Three steps: count the attempt (one
    short transaction), verify the password outside any transaction (argon2 takes tens
    of milliseconds; no lock is held meanwhile), then record the outcome. Raises like
    :func:`authenticate`.
    """
    with database.transaction() as session:
        attempt = _begin_attempt(session, email)
    ok = _check_attempt(attempt, password)
    with database.transaction() as session:
        try:
            return _finish_attempt(session, attempt, ok, password)
        except AuthenticationFailed:
            session.commit()
            raise
