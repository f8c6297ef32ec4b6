"""Local accounts: argon2id password hashes, roles, and throttled logins."""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.config import int_setting
from study.db.models import ROLES, Account, Organisation, utcnow
from study.errors import (AlreadyExists, AuthenticationFailed, InvalidInput, NotFound,
                          TooManyAttempts)

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    # Verifying against this when the e-mail is unknown keeps the answer time the same,
    # so timing does not reveal which e-mails have accounts.
    return _HASHER.hash("not a real password")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


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


def _info(session: Session, account: Account) -> AccountInfo:
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
    return _info(session, account)


def set_password(session: Session, email: str, password: str, *,
                 actor_id: int | None = None) -> None:
    """Replace an account's password and lift any throttling."""
    _check_password(password)
    account = _get(session, email)
    account.password_hash = _HASHER.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    record_event(session, "account.password", actor_id=actor_id, target=account)


def _get(session: Session, email: str) -> Account:
    account = session.scalar(select(Account).where(Account.email == _normalise_email(email)))
    if account is None:
        raise NotFound(f"There is no account for {email}.")
    return account


def authenticate(session: Session, email: str, password: str) -> AccountInfo:
    """Check an e-mail and password and return the account, or raise.

    After STUDY_LOGIN_MAX_FAILURES failures in a row the account is locked for
    STUDY_LOGIN_LOCK_SECONDS; the count lives in the database, so it holds across
    app replicas. The caller must commit the session even when this raises,
    so failures are counted.

    Raises
    ------
    AuthenticationFailed
        Wrong e-mail or password (one message for both).
    TooManyAttempts
        The account is locked after repeated failures.
    """
    wrong = AuthenticationFailed("Wrong e-mail or password.")
    try:
        email = _normalise_email(email)
    except InvalidInput:
        raise wrong from None
    account = session.scalar(select(Account).where(Account.email == email))
    now = utcnow()
    if account is None or account.password_hash is None:
        _safe_verify(_dummy_hash(), password)
        raise wrong
    if account.locked_until is not None and account.locked_until > now:
        minutes = max(1, round((account.locked_until - now).total_seconds() / 60))
        raise TooManyAttempts(f"Too many failed logins for this account; try again in "
                              f"{minutes} minute{'s' if minutes != 1 else ''}.")
    if not _safe_verify(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= int_setting("STUDY_LOGIN_MAX_FAILURES"):
            account.locked_until = now + dt.timedelta(
                seconds=int_setting("STUDY_LOGIN_LOCK_SECONDS"))
            account.failed_logins = 0
            record_event(session, "account.locked", target=account)
        raise wrong
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    record_event(session, "account.login", actor_id=account.id, target=account)
    return _info(session, account)


def _safe_verify(hash_: str, password: str) -> bool:
    try:
        return _HASHER.verify(hash_, password or "")
    except (VerificationError, InvalidHashError):
        return False


def list_accounts(session: Session) -> pd.DataFrame:
    """All accounts: email, role, organisation, whether they can log in."""
    rows = session.execute(
        select(Account.id, Account.email, Account.role, Organisation.name,
               Account.password_hash.is_not(None), Account.last_login_at)
        .outerjoin(Organisation, Organisation.id == Account.organisation_id)
        .order_by(Account.email)).all()
    return pd.DataFrame(rows, columns=["id", "email", "role", "organisation", "can_log_in",
                                       "last_login_at"])


def count_admins(session: Session) -> int:
    """Number of admin accounts that can log in."""
    return session.scalar(select(func.count(Account.id)).where(
        Account.role == "admin", Account.password_hash.is_not(None))) or 0


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
        _get(session, email).role = "admin"
    else:
        add_account(session, email, role="admin", password=password, display_name="Admin")
    return email, password


def log_in(database, email: str, password: str) -> AccountInfo:
    """Authenticate in its own transaction, keeping the failure count even when it fails.

    ``database`` is a :class:`study.db.Database`.
    """
    with database.transaction() as session:
        try:
            return authenticate(session, email, password)
        except AuthenticationFailed:
            session.commit()
            raise
