"""Accounts: argon2id hashes, roles, and throttled logins."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from study.admin.accounts import add_account, authenticate, ensure_admin, log_in, set_password
from study.admin.organisations import add_organisation
from study.db.models import Account, Event
from study.errors import AlreadyExists, AuthenticationFailed, InvalidInput, TooManyAttempts

PASSWORD = "correct horse battery"


def test_password_is_stored_only_as_an_argon2id_hash(session):
    add_account(session, "Rita@Example.org", role="researcher", password=PASSWORD)
    account = session.scalar(select(Account))
    assert account.email == "rita@example.org"
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash
    assert authenticate(session, "rita@example.org", PASSWORD).role == "researcher"


def test_wrong_password_and_unknown_email_get_the_same_message(session):
    add_account(session, "a@example.org", role="coder", password=PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        authenticate(session, "a@example.org", "not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        authenticate(session, "nobody@example.org", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == "Wrong e-mail or password."


def test_repeated_failures_lock_the_account_even_with_the_right_password(database, monkeypatch):
    monkeypatch.setenv("STUDY_LOGIN_MAX_FAILURES", "3")
    with database.transaction() as session:
        add_account(session, "a@example.org", role="researcher", password=PASSWORD)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            log_in(database, "a@example.org", "guess")
    with pytest.raises(TooManyAttempts, match="try again in 5 minutes"):
        log_in(database, "a@example.org", PASSWORD)
    with database.transaction() as session:
        assert session.scalar(select(Event.id).where(Event.action == "account.locked"))
        # The lock expires: move it into the past, as time would.
        account = session.scalar(select(Account))
        account.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    assert log_in(database, "a@example.org", PASSWORD).email == "a@example.org"


def test_setting_a_password_lifts_the_lock(database, monkeypatch):
    monkeypatch.setenv("STUDY_LOGIN_MAX_FAILURES", "1")
    with database.transaction() as session:
        add_account(session, "a@example.org", role="researcher", password=PASSWORD)
    with pytest.raises(AuthenticationFailed):
        log_in(database, "a@example.org", "guess")
    with database.transaction() as session:
        set_password(session, "a@example.org", "a brand new password")
    assert log_in(database, "a@example.org", "a brand new password").role == "researcher"


def test_accounts_without_password_cannot_log_in(session):
    add_account(session, "coder@example.org", role="coder", password=None)
    with pytest.raises(AuthenticationFailed):
        authenticate(session, "coder@example.org", "")


def test_practitioner_needs_an_organisation(session):
    with pytest.raises(InvalidInput, match="organisation"):
        add_account(session, "p@example.org", role="practitioner", password=PASSWORD)
    add_organisation(session, "Nordlys Bank")
    info = add_account(session, "p@example.org", role="practitioner", password=PASSWORD,
                       organisation="nordlys bank")
    assert info.organisation_name == "Nordlys Bank"


@pytest.mark.parametrize("email, role, password, message", [
    ("not-an-email", "coder", PASSWORD, "not an e-mail"),
    ("a@example.org", "boss", PASSWORD, "Unknown role"),
    ("a@example.org", "coder", "short", "at least 10"),
])
def test_bad_account_details_are_refused(session, email, role, password, message):
    with pytest.raises(InvalidInput, match=message):
        add_account(session, email, role=role, password=password)


def test_duplicate_email_is_refused(session):
    add_account(session, "a@example.org", role="coder", password=PASSWORD)
    with pytest.raises(AlreadyExists):
        add_account(session, "A@example.org", role="coder", password=PASSWORD)


def test_first_admin_is_created_once_with_a_shown_password(session):
    email, password = ensure_admin(session)
    assert authenticate(session, email, password).role == "admin"
    assert ensure_admin(session) is None
