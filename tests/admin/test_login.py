"""The one login entry point (study.admin.login): every attempt counts, whatever the caller does.

Issue 20, findings 2, 3 and 11, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import select

import study
from study.admin.accounts import add_account
from study.admin.login import change_own_password, log_in
from study.admin.permissions import OPERATOR
from study.db.models import AccountRow
from study.errors import AuthenticationFailed

PASSWORD = "the right long password"


@pytest.fixture
def rita(database, monkeypatch):
    monkeypatch.setenv("STUDY_LOGIN_MAX_FAILURES", "5")
    with database.transaction() as session:
        return add_account(
            session, "rita@example.org", role="researcher", password=PASSWORD, actor=OPERATOR
        )


def _failures(database) -> tuple[int, object]:
    with database.transaction() as session:
        account = session.scalar(select(AccountRow).where(AccountRow.email == "rita@example.org"))
        return account.failed_logins, account.locked_until


def test_wrong_passwords_inside_a_callers_transaction_are_still_counted(database, rita):
    """Finding 2: a caller's transaction that rolls back on the error cannot forget an attempt."""
    for _ in range(12):
        with pytest.raises(AuthenticationFailed), database.transaction():
            log_in(database, "rita@example.org", "a wrong guess")
    failures, locked_until = _failures(database)
    assert failures >= 5 and locked_until is not None
    with pytest.raises(AuthenticationFailed):
        log_in(database, "rita@example.org", PASSWORD)  # locked: the right one is refused too


def test_there_is_one_password_login_in_the_public_api():
    """Finding 2: no session-bound login that a caller's rollback could undo."""
    assert "authenticate" not in study.__all__
    assert "log_in_with_password" not in study.__all__
    assert list(inspect.signature(study.log_in).parameters)[0] == "database"


def test_guessing_the_current_password_on_my_account_is_throttled_like_a_login(database, rita):
    """Finding 3: the current-password check counts and locks exactly like the login."""
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match="current password is wrong"):
            change_own_password(database, rita.id, "a wrong guess", "a new long password")
    failures, locked_until = _failures(database)
    assert failures == 5 and locked_until is not None
    with pytest.raises(AuthenticationFailed, match="current password is wrong") as locked:
        change_own_password(database, rita.id, PASSWORD, "a new long password")
    assert type(locked.value) is AuthenticationFailed
    with pytest.raises(AuthenticationFailed):
        log_in(database, "rita@example.org", PASSWORD)  # the same counter locks the login


def test_a_right_current_password_resets_the_count(database, rita):
    with pytest.raises(AuthenticationFailed):
        change_own_password(database, rita.id, "a wrong guess", "a new long password")
    assert change_own_password(database, rita.id, PASSWORD, "a new long password")
    assert _failures(database) == (0, None)
    assert log_in(database, "rita@example.org", "a new long password").id == rita.id


def test_a_locked_account_answers_with_the_same_class_and_sentence_as_a_wrong_password(
    database, rita
):
    """Finding 11: the library, not only the page, answers alike."""
    answers = []
    for password in ["guess"] * 5 + [PASSWORD]:
        with pytest.raises(AuthenticationFailed) as failed:
            log_in(database, "rita@example.org", password)
        answers.append((type(failed.value), str(failed.value)))
    assert set(answers) == {(AuthenticationFailed, "Wrong e-mail or password.")}
    assert not hasattr(study, "TooManyAttempts")
