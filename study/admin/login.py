"""The one way to check a password: every attempt counted, in its own commit, before the check.

:func:`log_in` is the only password login of the library, the CLI and the pages;
:func:`change_own_password` checks the current password the same way, on the same
counter, so a stolen session cannot guess it without limit either. Each attempt is
first counted by one atomic ``UPDATE ... SET failed_logins = failed_logins + 1 ...
RETURNING`` that only succeeds while the account is not locked, in a transaction
committed *before* the password is verified: an error later, or a caller's rollback,
cannot forget it (issue 20). The attempt that reaches STUDY_LOGIN_MAX_FAILURES locks
the account for STUDY_LOGIN_LOCK_SECONDS, so parallel attempts (threads, replicas) get
at most that many password checks between two locks.

An unknown, locked, deactivated or password-less account answers exactly like a wrong
password: the same exception class (:class:`AuthenticationFailed`), the same sentence,
after the same argon2 work (one verification), so neither the message, the class nor
the timing tells an attacker which e-mails exist or which accounts are locked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from study.admin.accounts import _HASHER, _dummy_hash, _safe_verify, check_password, store_password
from study.admin.audit import record_event
from study.admin.identity import AccountInfo, account_info, normalise_email
from study.admin.sessions import start_session
from study.config import int_setting
from study.db.models import AccountRow, utcnow
from study.errors import AuthenticationFailed, InvalidInput

#: One answer for every failed login: wrong password, unknown e-mail, locked or deactivated.
WRONG_LOGIN = "Wrong e-mail or password."
#: One answer for every failed check of the current password on My account.
WRONG_CURRENT = "The current password is wrong."


@dataclass(frozen=True)
class _Attempt:
    account_id: int | None  # None: unknown e-mail, no password, or deactivated
    password_hash: str | None
    number: int | None  # None: not counted because the account is locked
    at: dt.datetime

    @property
    def counted(self) -> bool:
        return self.account_id is not None and self.number is not None


def _claim_attempt(session: Session, account_id: int, now: dt.datetime) -> int | None:
    """Count one attempt atomically; return its number, or None while the account is locked.

    One statement on both databases, so concurrent attempts never overwrite each
    other's count. An expired lock starts a new count at 1; the attempt whose number
    reaches the maximum sets the lock (a right password on it still succeeds and
    lifts the lock).
    """
    expired = AccountRow.locked_until.is_not(None)
    count = case((expired, 1), else_=AccountRow.failed_logins + 1)
    limit = int_setting("STUDY_LOGIN_MAX_FAILURES")
    until = now + dt.timedelta(seconds=int_setting("STUDY_LOGIN_LOCK_SECONDS"))
    statement = (
        update(AccountRow)
        .where(
            AccountRow.id == account_id,
            (AccountRow.locked_until.is_(None)) | (AccountRow.locked_until <= now),
        )
        .values(failed_logins=count, locked_until=case((count >= limit, until), else_=None))
        .returning(AccountRow.failed_logins)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).scalar_one_or_none()


def _count_attempt(database, condition) -> _Attempt:
    """Find the account and count the attempt in a transaction of its own (committed)."""
    now = utcnow()
    with database.transaction() as session:
        row = session.execute(
            select(AccountRow.id, AccountRow.password_hash).where(
                condition,
                AccountRow.password_hash.is_not(None),
                AccountRow.deactivated_at.is_(None),
            )
        ).first()
        if row is None:
            return _Attempt(None, None, None, now)
        return _Attempt(row.id, row.password_hash, _claim_attempt(session, row.id, now), now)


def _verify(attempt: _Attempt, password: str) -> bool:
    """The argon2 work: exactly one verification whatever the case, so timing tells nothing."""
    if not attempt.counted:
        _safe_verify(_dummy_hash(), password)
        return False
    return _safe_verify(attempt.password_hash, password)


def _record_failure(database, attempt: _Attempt) -> None:
    """Audit the attempt that locked the account (the count itself is already committed)."""
    if attempt.counted and attempt.number >= int_setting("STUDY_LOGIN_MAX_FAILURES"):
        with database.transaction() as session:
            record_event(
                session, "account.locked", target=session.get(AccountRow, attempt.account_id)
            )


def _succeeded(session: Session, attempt: _Attempt, password: str) -> AccountRow:
    account = session.get(AccountRow, attempt.account_id)
    session.refresh(account)
    account.failed_logins = 0
    account.locked_until = None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    return account


def log_in(database, email: str, password: str) -> AccountInfo:
    """Check an e-mail and password; return the account, or raise :class:`AuthenticationFailed`.

    ``database`` is a :class:`study.db.Database`: the attempt is counted in a
    transaction of its own, committed before the password is verified (outside any
    transaction: argon2 takes tens of milliseconds and no lock is held meanwhile), and
    the outcome is recorded in a third. A page then starts a browser session with
    :func:`study.admin.sessions.begin_session`.

    Raises
    ------
    AuthenticationFailed
        Wrong e-mail or password, or a locked, deactivated or password-less account:
        one class and one sentence for every case.
    """
    try:
        address = normalise_email(email)
    except InvalidInput:
        address = None
    attempt = _count_attempt(database, AccountRow.email == address)
    if not _verify(attempt, password):
        _record_failure(database, attempt)
        raise AuthenticationFailed(WRONG_LOGIN)
    with database.transaction() as session:
        account = _succeeded(session, attempt, password)
        account.last_login_at = attempt.at
        record_event(session, "account.login", actor_id=account.id, target=account)
        return account_info(session, account)


def change_own_password(database, account_id: int, current: str, new: str) -> str:
    """Change one's own password after checking the current one; every session ends.

    The current password is checked like a login (:func:`log_in`): the attempt is
    counted and committed first, on the same counter, and a locked account answers
    like a wrong password. Returns the hand-off code of a new session for the browser
    that made the change (see :mod:`study.admin.sessions`).
    """
    if new == current:
        raise InvalidInput("The new password must differ from the current one.")
    check_password(new)
    attempt = _count_attempt(database, AccountRow.id == int(account_id))
    if not _verify(attempt, current):
        _record_failure(database, attempt)
        raise AuthenticationFailed(WRONG_CURRENT)
    with database.transaction() as session:
        account = _succeeded(session, attempt, current)
        store_password(session, account.email, new, actor_id=account.id)
        return start_session(session, account.id)


def log_in_with_identity(
    database, email: str | None, *, email_verified: bool | None = None
) -> tuple[AccountInfo, str]:
    """Begin a session for a person the identity provider vouched for (single sign-on).

    The provider's e-mail address must belong to an existing, active account: signing
    in never creates one (an admin invites). An address the provider marks as not
    verified is refused. Returns the account and the browser's hand-off code.
    """
    try:
        address = normalise_email(email or "")
    except InvalidInput:
        raise AuthenticationFailed(
            "Your identity provider did not give an e-mail address; "
            "ask an admin to check the single sign-on set-up."
        ) from None
    if email_verified is False:
        raise AuthenticationFailed(f"Your identity provider has not verified {address}.")
    with database.transaction() as session:
        account = session.scalar(
            select(AccountRow).where(
                AccountRow.email == address, AccountRow.deactivated_at.is_(None)
            )
        )
        if account is None:
            raise AuthenticationFailed(
                f"There is no ISM Study account for {address}; ask an admin to invite you."
            )
        account.last_login_at = utcnow()
        record_event(
            session, "account.login", actor_id=account.id, target=account, details={"via": "sso"}
        )
        return account_info(session, account), start_session(session, account.id, method="sso")
