"""Lasting login sessions, set-password links, account changes and single-sign-on mapping.

Real databases on both backends; the browser side is in tests/test_e2e_sessions.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from study.admin.accounts import (
    add_account,
    deactivate_account,
    reactivate_account,
    set_display_name,
    set_organisation,
    set_password,
    set_role,
)
from study.admin.login import change_own_password, log_in, log_in_with_identity
from study.admin.organisations import add_organisation
from study.admin.password_links import (
    check_password_link,
    invite_account,
    reset_password,
    use_password_link,
)
from study.admin.permissions import OPERATOR
from study.admin.sessions import (
    HANDOFF_SECONDS,
    begin_session,
    browser_session_account,
    end_session,
    redeem_handoff,
    resolve_session,
)
from study.cli import app
from study.db.models import AccountRow, EventRow, LoginSessionRow, PasswordLinkRow
from study.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    InvalidToken,
    PermissionDenied,
)

PASSWORD = "correct horse battery"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def rita(database):
    with database.transaction() as session:
        add_account(session, "admin@example.org", role="admin", password=PASSWORD, actor=OPERATOR)
        return add_account(
            session, "rita@example.org", role="researcher", password=PASSWORD, actor=OPERATOR
        )


def browser_login(database, email="rita@example.org", password=PASSWORD, previous=None) -> str:
    """What a login plus the cookie route do: a password check, a hand-off, a session id."""
    handoff = begin_session(database, log_in(database, email, password).id)
    with database.transaction() as session:
        return redeem_handoff(session, handoff, previous=previous)


def move_back(database, minutes: float, column: str) -> None:
    with database.transaction() as session:
        for row in session.scalars(select(LoginSessionRow)):
            setattr(row, column, getattr(row, column) - dt.timedelta(minutes=minutes))


def test_a_session_id_is_stored_only_as_its_hash_and_the_hand_off_works_once(database, rita):
    handoff = begin_session(database, log_in(database, "rita@example.org", PASSWORD).id)
    with database.transaction() as session:
        token = redeem_handoff(session, handoff)
        assert redeem_handoff(session, handoff) is None  # once only
        row = session.scalar(select(LoginSessionRow))
        assert row.token_hash == sha256(token) and row.handoff_hash is None
        stored = " ".join(
            str(v) for v in session.execute(select(LoginSessionRow)).one()[0].__dict__.values()
        )
        assert token not in stored and handoff not in stored
    assert browser_session_account(database, token).email == "rita@example.org"
    assert browser_session_account(database, "made-up") is None
    assert browser_session_account(database, handoff) is None


def test_a_hand_off_code_expires(database, rita):
    handoff = begin_session(database, log_in(database, "rita@example.org", PASSWORD).id)
    with database.transaction() as session:
        row = session.scalar(select(LoginSessionRow))
        row.handoff_expires_at -= dt.timedelta(seconds=HANDOFF_SECONDS + 1)
    with database.transaction() as session:
        assert redeem_handoff(session, handoff) is None


def test_idle_timeout_and_absolute_lifetime_end_a_session(database, rita, monkeypatch):
    monkeypatch.setenv("STUDY_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("STUDY_SESSION_MAX_HOURS", "8")
    token = browser_login(database)
    move_back(database, 29, "last_seen_at")
    assert browser_session_account(database, token) is not None  # active: touched now
    move_back(database, 31, "last_seen_at")
    assert browser_session_account(database, token) is None
    assert browser_session_account(database, token) is None  # and it stays ended
    with database.transaction() as session:
        assert session.scalar(select(LoginSessionRow.ended_at)) is not None

    token = browser_login(database)
    with database.transaction() as session:  # active all day, but 8 hours are up
        row = session.scalar(select(LoginSessionRow).where(LoginSessionRow.ended_at.is_(None)))
        row.created_at -= dt.timedelta(hours=8)
        row.expires_at -= dt.timedelta(hours=8)
    assert browser_session_account(database, token) is None


def test_an_active_user_stays_logged_in_under_a_one_minute_idle_limit(database, rita, monkeypatch):
    """Issue 20, 8: activity was written at most every 60 s, so a 1-minute limit logged out
    a user who clicked every 40 s."""
    monkeypatch.setenv("STUDY_SESSION_IDLE_MINUTES", "1")
    token = browser_login(database)
    for _ in range(4):  # a click every 40 s for 160 s
        move_back(database, 40 / 60, "last_seen_at")
        assert browser_session_account(database, token) is not None
    move_back(database, 61 / 60, "last_seen_at")  # then a minute without activity
    assert browser_session_account(database, token) is None


def test_logging_in_again_rotates_the_session_id(database, rita):
    first = browser_login(database)
    second = browser_login(database, previous=first)
    assert second != first
    assert browser_session_account(database, first) is None
    assert browser_session_account(database, second).email == "rita@example.org"


def test_logging_out_ends_the_session_on_the_server(database, rita):
    token = browser_login(database)
    with database.transaction() as session:
        assert end_session(session, token)
    assert browser_session_account(database, token) is None
    with database.transaction() as session:
        assert session.scalar(select(EventRow.id).where(EventRow.action == "session.logout"))


@pytest.mark.parametrize(
    "change", ["password", "role", "organisation", "deactivate", "reset", "own password"]
)
def test_changing_who_may_do_what_ends_the_accounts_sessions(database, rita, change):
    tokens = [browser_login(database), browser_login(database)]  # two browsers
    admin_token = browser_login(database, "admin@example.org")
    with database.transaction() as session:
        if change == "password":
            set_password(session, "rita@example.org", "another long password", actor=OPERATOR)
        elif change == "role":
            set_role(session, "rita@example.org", "coder", actor=OPERATOR)
        elif change == "organisation":
            add_organisation(session, "Nordlys Bank", actor=OPERATOR)
            set_organisation(session, "rita@example.org", "Nordlys Bank", actor=OPERATOR)
        elif change == "deactivate":
            deactivate_account(session, "rita@example.org", actor=OPERATOR)
        elif change == "reset":
            reset_password(session, "rita@example.org", actor=OPERATOR)
    if change == "own password":
        handoff = change_own_password(database, rita.id, PASSWORD, "another long password")
    for token in tokens:
        assert browser_session_account(database, token) is None, change
    assert browser_session_account(database, admin_token) is not None  # others unaffected
    if change == "own password":  # the browser that changed it gets a new session
        with database.transaction() as session:
            assert resolve_session(session, redeem_handoff(session, handoff)).id == rita.id


def test_an_invitation_link_sets_the_password_once_and_logs_in(database, rita, monkeypatch):
    monkeypatch.setenv("STUDY_BASE_URL", "https://study.example.org")
    with database.transaction() as session:
        link = invite_account(
            session, "new@example.org", role="coder", display_name="Nina", actor=OPERATOR
        )
    assert link.url.startswith("https://study.example.org/set-password?k=")
    token = link.url.split("k=", 1)[1]
    with database.transaction() as session:
        assert session.scalar(select(PasswordLinkRow.token_hash)) == sha256(token)
        assert check_password_link(session, token).email == "new@example.org"
    with pytest.raises(AuthenticationFailed):  # no password until the link is used
        log_in(database, "new@example.org", "")
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="at least 10"):
            use_password_link(session, token, "short")
    with database.transaction() as session:
        info, handoff = use_password_link(session, token, "nina's own long password")
        assert info.display_name == "Nina" and handoff
    with database.transaction() as session, pytest.raises(InvalidToken, match="used or expired"):
        use_password_link(session, token, "a second long password")
    assert log_in(database, "new@example.org", "nina's own long password").role == "coder"


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 43, "../../etc/passwd" + "a" * 30, "a" * 10_000, "é" * 43]
)
def test_unknown_or_malformed_link_tokens_are_refused_with_one_sentence(session, token):
    with pytest.raises(InvalidToken, match="^This link is unknown, used or expired"):
        check_password_link(session, token)


def test_an_expired_link_is_refused(database, rita):
    with database.transaction() as session:
        link = reset_password(session, "rita@example.org", actor=OPERATOR)
        session.scalar(select(PasswordLinkRow)).expires_at = dt.datetime.now(dt.UTC)
    with database.transaction() as session, pytest.raises(InvalidToken):
        use_password_link(session, link.url.split("k=", 1)[1], "a brand new password")


def test_a_new_link_replaces_the_older_one(database, rita):
    with database.transaction() as session:
        first = reset_password(session, "rita@example.org", actor=OPERATOR)
        second = reset_password(session, "rita@example.org", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(InvalidToken):
        check_password_link(session, first.url.split("k=", 1)[1])
    with database.transaction() as session:
        assert (
            check_password_link(session, second.url.split("k=", 1)[1]).email == "rita@example.org"
        )


def test_account_changes_are_in_the_audit_log(database, rita):
    with database.transaction() as session:
        admin = session.scalar(select(AccountRow.id).where(AccountRow.email == "admin@example.org"))
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        invite_account(
            session, "p@example.org", role="practitioner", organisation="Nordlys Bank", actor=admin
        )
        set_role(session, "rita@example.org", "coder", actor=admin)
        set_organisation(session, "rita@example.org", "Nordlys Bank", actor=admin)
        deactivate_account(session, "rita@example.org", actor=admin)
        reactivate_account(session, "rita@example.org", actor=admin)
        reset_password(session, "rita@example.org", actor=admin)
        set_display_name(session, rita.id, "Rita H.")
        actions = session.scalars(select(EventRow.action).order_by(EventRow.id)).all()
    for action in (
        "account.add",
        "account.invite_link",
        "account.role",
        "account.organisation",
        "account.deactivate",
        "account.reactivate",
        "account.reset_link",
        "account.display_name",
    ):
        assert action in actions


def test_the_last_admin_cannot_be_demoted_or_deactivated_and_nobody_deactivates_themself(
    database, rita
):
    with database.transaction() as session:
        admin = session.scalar(select(AccountRow).where(AccountRow.email == "admin@example.org"))
        with pytest.raises(PermissionDenied, match="last active admin"):
            set_role(session, "admin@example.org", "researcher", actor=OPERATOR)
        with pytest.raises(PermissionDenied, match="your own account"):
            deactivate_account(session, "admin@example.org", actor=admin.id)
        with pytest.raises(InvalidInput, match="needs an organisation"):
            set_role(session, "rita@example.org", "practitioner", actor=OPERATOR)


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "two\nlines"])
def test_bad_display_names_are_refused(session, name):
    info = add_account(session, "a@example.org", role="coder", password=None, actor=OPERATOR)
    with pytest.raises(InvalidInput, match="display name"):
        set_display_name(session, info.id, name)


def test_single_sign_on_maps_to_an_existing_account_and_never_creates_one(database, rita):
    info, handoff = log_in_with_identity(database, "Rita@Example.org", email_verified=True)
    assert info.email == "rita@example.org" and handoff
    with database.transaction() as session:
        assert session.scalar(select(LoginSessionRow.method)) == "sso"
        before = session.scalar(select(func.count(AccountRow.id)))
    with pytest.raises(AuthenticationFailed, match="no ISM Study account for stranger@"):
        log_in_with_identity(database, "stranger@example.org", email_verified=True)
    with pytest.raises(AuthenticationFailed, match="not verified"):
        log_in_with_identity(database, "rita@example.org", email_verified=False)
    with pytest.raises(AuthenticationFailed, match="did not give an e-mail"):
        log_in_with_identity(database, None)
    with database.transaction() as session:
        assert session.scalar(select(func.count(AccountRow.id))) == before
        deactivate_account(session, "rita@example.org", actor=OPERATOR)
    with pytest.raises(AuthenticationFailed):
        log_in_with_identity(database, "rita@example.org", email_verified=True)


def test_a_deactivated_account_cannot_use_its_link_and_a_reactivated_one_needs_a_new_one(
    database, rita
):
    with database.transaction() as session:
        link = reset_password(session, "rita@example.org", actor=OPERATOR)
        deactivate_account(session, "rita@example.org", actor=OPERATOR)
    token = link.url.split("k=", 1)[1]
    with database.transaction() as session, pytest.raises(InvalidToken):
        use_password_link(session, token, "a brand new password")
    with database.transaction() as session:
        reactivate_account(session, "rita@example.org", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(InvalidToken):  # issue 20, 6
        use_password_link(session, token, "a brand new password")
    with database.transaction() as session:
        token = reset_password(session, "rita@example.org", actor=OPERATOR).url.split("k=", 1)[1]
        use_password_link(session, token, "a brand new password")
    assert log_in(database, "rita@example.org", "a brand new password")


def test_the_cli_manages_accounts(database, rita, monkeypatch):
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(app, ["user", *args])
        return result.exit_code, result.output

    code, out = invoke("invite", "nina@example.org", "--role", "coder", "--name", "Nina")
    assert code == 0 and "set-password?k=" in out
    token = out.strip().rsplit("k=", 1)[1]
    with database.transaction() as session:
        use_password_link(session, token, "nina's own long password")
    assert invoke("role", "nina@example.org", "researcher") == (
        0,
        "nina@example.org is now researcher.\n",
    )
    code, out = invoke("org", "nina@example.org", "Nowhere Ltd")
    assert code == 1 and out.startswith("Error: ") and "Traceback" not in out
    assert invoke("name", "nina@example.org", "Nina K.")[0] == 0
    browser_login(database, "nina@example.org", "nina's own long password")
    assert invoke("logout", "nina@example.org") == (0, "Ended 1 session of nina@example.org.\n")
    assert invoke("deactivate", "nina@example.org")[0] == 0
    code, out = invoke("list", "--format", "json")
    assert '"active": false' in out and '"display_name": "Nina K."' in out
    assert invoke("reactivate", "nina@example.org")[0] == 0
    code, out = invoke("reset", "nina@example.org")
    assert code == 0 and "set-password?k=" in out
    with pytest.raises(AuthenticationFailed):
        log_in(database, "nina@example.org", "nina's own long password")
    assert invoke("invite", "nina@example.org", "--role", "coder")[1].startswith(
        "Error: An account"
    )
    assert AlreadyExists  # the error class behind that sentence
