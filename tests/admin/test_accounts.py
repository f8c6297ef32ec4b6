"""Accounts: argon2id hashes, roles, and throttled logins."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from study.admin.accounts import add_account, deactivate_account, ensure_admin, set_password
from study.admin.login import log_in
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import AccountRow, EventRow
from study.errors import AlreadyExists, AuthenticationFailed, InvalidInput

PASSWORD = "correct horse battery"


def test_password_is_stored_only_as_an_argon2id_hash(database):
    with database.transaction() as session:
        add_account(
            session, "Rita@Example.org", role="researcher", password=PASSWORD, actor=OPERATOR
        )
        account = session.scalar(select(AccountRow))
        assert account.email == "rita@example.org"
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash
    assert log_in(database, "rita@example.org", PASSWORD).role == "researcher"


def test_wrong_password_and_unknown_email_get_the_same_message(database):
    with database.transaction() as session:
        add_account(session, "a@example.org", role="coder", password=PASSWORD, actor=OPERATOR)
    with pytest.raises(AuthenticationFailed) as wrong:
        log_in(database, "a@example.org", "not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        log_in(database, "nobody@example.org", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == "Wrong e-mail or password."


def test_repeated_failures_lock_the_account_even_with_the_right_password(database, monkeypatch):
    monkeypatch.setenv("STUDY_LOGIN_MAX_FAILURES", "3")
    with database.transaction() as session:
        add_account(session, "a@example.org", role="researcher", password=PASSWORD, actor=OPERATOR)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            log_in(database, "a@example.org", "guess")
    with pytest.raises(AuthenticationFailed, match="^Wrong e-mail or password.$") as locked:
        log_in(database, "a@example.org", PASSWORD)
    assert type(locked.value) is AuthenticationFailed  # issue 20.11: the same class as a wrong one
    with database.transaction() as session:
        assert session.scalar(select(EventRow.id).where(EventRow.action == "account.locked"))
        # The lock expires: move it into the past, as time would.
        account = session.scalar(select(AccountRow))
        account.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert log_in(database, "a@example.org", PASSWORD).email == "a@example.org"


def test_setting_a_password_lifts_the_lock(database, monkeypatch):
    monkeypatch.setenv("STUDY_LOGIN_MAX_FAILURES", "1")
    with database.transaction() as session:
        add_account(session, "a@example.org", role="researcher", password=PASSWORD, actor=OPERATOR)
    with pytest.raises(AuthenticationFailed):
        log_in(database, "a@example.org", "guess")
    with database.transaction() as session:
        set_password(session, "a@example.org", "a brand new password", actor=OPERATOR)
    assert log_in(database, "a@example.org", "a brand new password").role == "researcher"


def test_accounts_without_password_cannot_log_in(database):
    with database.transaction() as session:
        add_account(session, "coder@example.org", role="coder", password=None, actor=OPERATOR)
    with pytest.raises(AuthenticationFailed):
        log_in(database, "coder@example.org", "")


def test_practitioner_needs_an_organisation(session):
    practitioner = {"role": "practitioner", "password": PASSWORD, "actor": OPERATOR}
    with pytest.raises(InvalidInput, match="organisation"):
        add_account(session, "p@example.org", **practitioner)
    add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    info = add_account(session, "p@example.org", **practitioner, organisation="nordlys bank")
    assert info.organisation_name == "Nordlys Bank"


@pytest.mark.parametrize(
    "email, role, password, message",
    [
        ("not-an-email", "coder", PASSWORD, "not an e-mail"),
        ("a@example.org", "boss", PASSWORD, "Unknown role"),
        ("a@example.org", "coder", "short", "at least 10"),
    ],
)
def test_bad_account_details_are_refused(session, email, role, password, message):
    with pytest.raises(InvalidInput, match=message):
        add_account(session, email, role=role, password=password, actor=OPERATOR)


def test_duplicate_email_is_refused(session):
    add_account(session, "a@example.org", role="coder", password=PASSWORD, actor=OPERATOR)
    with pytest.raises(AlreadyExists):
        add_account(session, "A@example.org", role="coder", password=PASSWORD, actor=OPERATOR)


def test_first_admin_is_created_once_with_a_shown_password(database):
    with database.transaction() as session:
        email, password = ensure_admin(session)
    assert log_in(database, email, password).role == "admin"
    with database.transaction() as session:
        assert ensure_admin(session) is None


class CountingHasher(PasswordHasher):
    """The real argon2id hasher, counting verifications per stored hash (no fake)."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []
        self._lock = threading.Lock()

    def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
        with self._lock:
            self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


@pytest.fixture
def counting_hasher(monkeypatch):
    import study.admin.accounts as accounts

    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_HASHER", hasher)
    accounts._dummy_hash.cache_clear()
    yield hasher
    accounts._dummy_hash.cache_clear()


def _researcher_with_password(database) -> str:
    """The account a@example.org with PASSWORD; return its password hash."""
    with database.transaction() as session:
        add_account(session, "a@example.org", role="researcher", password=PASSWORD, actor=OPERATOR)
        return session.scalar(select(AccountRow.password_hash))


def _log_in_at_once(database, passwords: list[str]) -> list[str]:
    """Log in as a@example.org with each password in its own thread, all released together.

    Returns what each attempt got: "logged in" or the error message.
    """
    start = threading.Barrier(len(passwords))

    def attempt(password):
        start.wait()
        try:
            log_in(database, "a@example.org", password)
        except AuthenticationFailed as exc:
            return str(exc)
        return "logged in"

    with concurrent.futures.ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def test_parallel_wrong_passwords_get_at_most_the_allowed_checks_and_lock(
    database, counting_hasher
):
    # Issue 13.1: 12 parallel sessions got 60 password checks instead of 5.
    real_hash = _researcher_with_password(database)
    answers = _log_in_at_once(database, ["a wrong guess"] * 12)
    assert set(answers) == {"Wrong e-mail or password."}
    assert counting_hasher.verified.count(real_hash) == 5
    with database.transaction() as session:
        account = session.scalar(select(AccountRow))
        assert account.locked_until > dt.datetime.now(dt.UTC)
        assert session.scalar(select(EventRow.id).where(EventRow.action == "account.locked"))
    with pytest.raises(AuthenticationFailed):
        log_in(database, "a@example.org", PASSWORD)  # locked: even the right password
    assert counting_hasher.verified.count(real_hash) == 5  # ... and its hash is not checked


def test_parallel_attempts_with_the_right_password_among_them_still_bound_the_checks(
    database, counting_hasher, monkeypatch
):
    monkeypatch.setenv("STUDY_LOGIN_MAX_FAILURES", "3")
    real_hash = _researcher_with_password(database)
    _log_in_at_once(database, ["wrong"] * 5 + [PASSWORD])
    assert counting_hasher.verified.count(real_hash) <= 3


def test_locked_unknown_deactivated_and_wrong_answer_alike_after_the_same_argon2_work(
    database, counting_hasher, monkeypatch
):
    # Issue 13.1: a locked account answered differently and ~700x faster than an
    # unknown e-mail. Compare the code path: the message, and one argon2id
    # verification with the same parameters in every case.
    monkeypatch.setenv("STUDY_LOGIN_MAX_FAILURES", "1")
    with database.transaction() as session:
        add_account(session, "locked@example.org", role="coder", password=PASSWORD, actor=OPERATOR)
        add_account(session, "wrong@example.org", role="coder", password=PASSWORD, actor=OPERATOR)
        add_account(session, "gone@example.org", role="coder", password=PASSWORD, actor=OPERATOR)
        add_account(session, "admin@example.org", role="admin", password=PASSWORD, actor=OPERATOR)
        deactivate_account(session, "gone@example.org", actor=OPERATOR)
    with pytest.raises(AuthenticationFailed):
        log_in(database, "locked@example.org", "guess")  # locks it
    answers = {}
    for case, email, password in [
        ("locked", "locked@example.org", PASSWORD),
        ("unknown", "nobody@example.org", PASSWORD),
        ("deactivated", "gone@example.org", PASSWORD),
        ("malformed", "not an address", PASSWORD),
        ("wrong", "wrong@example.org", "guess"),
    ]:
        counting_hasher.verified.clear()
        with pytest.raises(AuthenticationFailed) as info:
            log_in(database, email, password)
        answers[case] = str(info.value)
        assert len(counting_hasher.verified) == 1, case
        parameters = counting_hasher.verified[0].rsplit("$", 2)[0]
        assert parameters == counting_hasher.hash("x").rsplit("$", 2)[0], case
    assert set(answers.values()) == {"Wrong e-mail or password."}, answers
