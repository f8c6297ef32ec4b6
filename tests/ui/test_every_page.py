"""Every page launched with Streamlit's AppTest, logged out and logged in as each role."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from streamlit.testing.v1 import AppTest

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.ui.navigation import PAGES

from conftest import ROOT

PASSWORD = "a long secret password"


@pytest.fixture
def demo_accounts(demo_database):
    with demo_database.transaction() as session:
        accounts = {
            role: add_account(
                session,
                f"{role}@example.org",
                role=role,
                password=PASSWORD,
                organisation="Nordlys Bank" if role == "practitioner" else None,
                actor=OPERATOR,
            )
            for role in ("admin", "researcher", "coder", "practitioner")
        }
    return accounts


def app_test() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("title", "markdown", "caption", "info", "error", "success")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_logged_out_visitor_sees_only_the_login(database):
    at = app_test().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["E-mail", "Password"]
    assert "Log out" not in [b.label for b in at.button]


def test_wrong_password_shows_a_message_not_a_traceback(demo_accounts):
    at = app_test().run()
    at.text_input[0].input("researcher@example.org")
    at.text_input[1].input("wrong password!")
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Wrong e-mail or password."]


def test_right_password_hands_the_browser_a_login_and_the_router_shows_the_overview(
    demo_accounts, demo_database
):
    at = app_test().run()
    at.text_input[0].input("researcher@example.org")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert not at.error
    # The browser now exchanges a one-time code for its cookie (tests/test_e2e_login.py);
    # here: the session waits for it, and a logged-in run shows the overview.
    from sqlalchemy import select

    from study.db.models import LoginSessionRow

    with demo_database.transaction() as session:
        row = session.scalar(select(LoginSessionRow))
        assert row.handoff_hash and row.token_hash is None
    at = app_test()
    at.session_state["account"] = asdict(demo_accounts["researcher"])
    at.run()
    assert at.title[0].value.startswith("Demo: internal social media")
    assert [m.label for m in at.metric][:1] == ["Organisations"]
    assert at.metric[0].value == "10"
    assert len(at.dataframe[0].value) == 10


@pytest.mark.parametrize("role", ["admin", "researcher", "coder", "practitioner"])
def test_every_page_of_every_role_runs(demo_accounts, role):
    account = demo_accounts[role]
    allowed = [spec for spec in PAGES if role in spec.roles]
    assert allowed
    for spec in allowed:
        at = app_test()
        at.session_state["account"] = asdict(account)
        at.run()
        at.switch_page(f"study/ui/pages/{spec.script}").run()
        assert not at.exception, (role, spec.title, at.exception)
        assert at.title, (role, spec.title)
    hidden = {spec.title for spec in PAGES} - {spec.title for spec in allowed}
    if role == "practitioner":
        assert "Organisations" in hidden


def test_practitioner_overview_shows_only_their_organisation(demo_accounts):
    at = app_test()
    at.session_state["account"] = asdict(demo_accounts["practitioner"])
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value["organisation"]) == ["Nordlys Bank"]


def test_survey_link_shows_no_navigation_and_no_login(database):
    at = app_test()
    at.query_params["t"] = "sometoken"
    at.run()
    assert not at.exception
    # The survey is plain HTML at /survey (study/web); the app only links there.
    assert "(./survey?t=sometoken)" in at.markdown[0].value
    assert not at.text_input  # no login form
    assert not at.sidebar.button  # no researcher navigation or logout


def test_bad_database_url_is_one_clear_error_on_the_page(monkeypatch, caplog):
    monkeypatch.setenv("STUDY_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    at = app_test().run()
    assert not at.exception
    assert len(at.error) == 1
    shown = at.error[0].value
    assert shown.startswith("The database cannot be used right now (error id ")
    assert "127.0.0.1" not in shown and "nobody" not in shown  # no host or user on the page
    error_id = shown.split("error id ")[1].split(")")[0]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "postgresql://nobody@127.0.0.1:1/none" in str(logged[0].exc_info[1])


def test_researcher_adds_an_organisation_on_the_page(demo_accounts, demo_database):
    at = app_test()
    at.session_state["account"] = asdict(demo_accounts["researcher"])
    at.run()
    at.switch_page("study/ui/pages/organisations.py").run()
    assert at.title[0].value == "Organisations"
    at.text_input[0].input("Vestkyst Forsyning")
    at.button[0].click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Added Vestkyst Forsyning."]
    from study.admin.organisations import list_organisations

    with demo_database.transaction() as session:
        assert "Vestkyst Forsyning" in {
            o.name for o in list_organisations(session, viewer=OPERATOR)
        }


def test_an_unexpected_error_on_a_staff_page_is_one_polite_sentence_with_an_id(
    demo_accounts, demo_database, monkeypatch, caplog
):
    import study.admin.overview

    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/secret/path.py: SELECT * FROM account")

    monkeypatch.setattr(study.admin.overview, "study_overview", broken)
    at = app_test()
    at.session_state["account"] = asdict(demo_accounts["researcher"])
    at.run()
    assert not at.exception  # nothing reaches the browser as an exception
    (error,) = at.error
    assert error.value.startswith("Sorry, something went wrong on our side.")
    error_id = error.value.split("error id ")[1].rstrip(").")
    assert "/srv" not in error.value and "SELECT" not in error.value
    logged = [r for r in caplog.records if r.name == "study.ui"]
    assert error_id in logged[0].getMessage() and logged[0].exc_info  # the details: server-side
