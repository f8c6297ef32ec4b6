"""The Accounts page (admins), My account, the set-password page and the access message."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from study.admin.accounts import add_account, get_account
from study.admin.login import log_in
from study.admin.password_links import check_password_link, invite_account
from study.admin.permissions import OPERATOR
from study.db.models import EventRow, LoginSessionRow
from study.errors import AuthenticationFailed, InvalidToken

from conftest import ROOT, open_app_page

PASSWORD = "a long secret password"


@pytest.fixture
def people(database):
    with database.transaction() as session:
        return {
            role: add_account(
                session, f"{role}@example.org", role=role, password=PASSWORD, actor=OPERATOR
            )
            for role in ("admin", "researcher", "coder")
        }


def test_a_page_outside_the_role_says_so_at_its_address(people):
    # The browser opens it by address (tests/test_e2e_sessions.py); AppTest by script.
    at = open_app_page(people["coder"], "denied.py")
    assert not at.exception
    assert [e.value for e in at.error] == ["You do not have access to this page."]
    assert not at.title  # nothing of the page itself


def test_admin_invites_a_person_and_the_link_is_shown_once(people, database):
    at = open_app_page(people["admin"], "accounts.py")
    assert at.title[0].value == "Accounts"
    email_box = next(t for t in at.text_input if t.label == "E-mail")
    email_box.input("nina@example.org")
    next(s for s in at.selectbox if s.label == "Role").select("coder")
    next(b for b in at.button if b.label == "Invite").click().run()
    assert not at.exception and not at.error
    [code] = at.code
    token = code.value.split("k=", 1)[1]
    with database.transaction() as session:
        assert check_password_link(session, token).email == "nina@example.org"
        assert (
            session.scalar(
                select(EventRow.actor_id).where(EventRow.action == "account.invite_link")
            )
            == people["admin"].id
        )
    at.run()
    assert not at.code  # shown only once


def test_admin_changes_a_role_deactivates_and_resets(people, database):
    at = open_app_page(people["admin"], "accounts.py")
    next(s for s in at.selectbox if s.label == "Account").select("researcher@example.org").run()
    [_invite_role, change_role] = [s for s in at.selectbox if s.label == "Role"]
    assert change_role.value == "researcher"
    change_role.select("coder")
    next(b for b in at.button if b.label == "Save role and organisation").click().run()
    assert not at.error, [e.value for e in at.error]
    with database.transaction() as session:
        assert get_account(session, "researcher@example.org").role == "coder"
    next(b for b in at.button if b.label == "Deactivate").click().run()
    with pytest.raises(AuthenticationFailed):
        log_in(database, "researcher@example.org", PASSWORD)
    assert any(b.label == "Reactivate" for b in at.button)
    next(b for b in at.button if b.label == "Reset password").click().run()
    assert "set-password?k=" in at.code[0].value


def test_everyone_changes_their_own_name_and_password(people, database):
    at = open_app_page(people["coder"], "my_account.py")
    next(t for t in at.text_input if t.label.startswith("Display name")).input("Cora")
    next(b for b in at.button if b.label == "Save name").click().run()
    assert [s.value for s in at.success] == ["Saved."]
    boxes = {t.label.split(" (")[0]: t for t in at.text_input}
    boxes["Current password"].input("not my password")
    boxes["New password"].input("a new long password")
    boxes["New password again"].input("a new long password")
    next(b for b in at.button if b.label == "Change password").click().run()
    assert [e.value for e in at.error] == ["The current password is wrong."]
    boxes = {t.label.split(" (")[0]: t for t in at.text_input}
    boxes["Current password"].input(PASSWORD)
    boxes["New password"].input("a new long password")
    boxes["New password again"].input("a new long password")
    next(b for b in at.button if b.label == "Change password").click().run()
    assert not at.error
    assert log_in(database, "coder@example.org", "a new long password").display_name == "Cora"
    with database.transaction() as session:  # a new session waits for this browser
        assert session.scalar(select(LoginSessionRow.handoff_hash))


def test_set_password_page_takes_the_token_out_of_the_address(people, database):
    with database.transaction() as session:
        link = invite_account(session, "nina@example.org", role="coder", actor=OPERATOR)
    token = link.url.split("k=", 1)[1]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["k"] = token
    at.run()
    assert not at.exception
    assert at.title[0].value == "Set your password"
    assert "k" not in at.query_params
    boxes = [t for t in at.text_input]
    boxes[0].input("nina's long password")
    boxes[1].input("nina's long password")
    at.button[0].click().run()
    assert not at.error, [e.value for e in at.error]
    assert log_in(database, "nina@example.org", "nina's long password").role == "coder"
    with database.transaction() as session, pytest.raises(InvalidToken):
        check_password_link(session, token)


def test_a_bad_link_shows_one_sentence(database):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["k"] = "x" * 43
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This link is unknown, used or expired; ask an admin for a new one."
    ]
    assert not at.text_input
