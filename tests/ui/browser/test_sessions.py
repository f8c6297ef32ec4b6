"""End to end in headless Chromium: a login that lasts (cookie + database session row).

Login, reload, a second tab and a restart of the app process keep the researcher
logged in; logging out in one tab asks again in the other; idle timeout and
deactivation end the session; a stolen session id of a logged-out session is refused;
the survey page never reads the staff cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from study.admin.accounts import add_account, deactivate_account
from study.admin.permissions import OPERATOR
from study.db.models import LoginSessionRow

from conftest import _free_port, _serve

pytestmark = pytest.mark.browser
PASSWORD = "a long secret password"
EMAIL = "rita@example.org"
OVERVIEW = "Demo: internal social media in ten organisations"


@pytest.fixture
def researcher(demo_database):
    with demo_database.transaction() as session:
        add_account(session, EMAIL, role="researcher", password=PASSWORD, actor=OPERATOR)
    return EMAIL


def log_in(page, base: str) -> None:
    page.goto(base)
    page.get_by_role("textbox", name="E-mail").fill(EMAIL)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=OVERVIEW).wait_for()


def session_cookie(page) -> dict:
    [cookie] = [c for c in page.context.cookies() if c["name"] == "study_session"]
    return cookie


def asks_for_login(page) -> None:
    page.get_by_role("button", name="Log in").wait_for()
    assert page.get_by_role("heading", name=OVERVIEW).count() == 0


def age_sessions(database, *, minutes: int) -> None:
    with database.transaction() as session:
        for row in session.scalars(select(LoginSessionRow)):
            row.last_seen_at -= dt.timedelta(minutes=minutes)


def open_page_in_sidebar(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()


def test_login_lasts_across_reload_second_tab_and_restart(
    researcher, demo_database, page, tmp_path
):
    port = _free_port()
    server = _serve(demo_database.url, tmp_path, port=port)
    base = next(server)
    log_in(page, base)
    cookie = session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # served over http here; Secure over https
    assert page.evaluate("document.cookie").find("study_session") == -1  # invisible to JS
    with demo_database.transaction() as session:
        [row] = session.scalars(select(LoginSessionRow)).all()
        # Only the id's hash is stored, and the one-time hand-off code is spent.
        assert row.token_hash == hashlib.sha256(cookie["value"].encode()).hexdigest()
        assert row.handoff_hash is None and row.ended_at is None

    page.reload()
    page.get_by_role("heading", name=OVERVIEW).wait_for()
    second = page.context.new_page()
    second.goto(f"{base}/organisations")
    second.get_by_role("heading", name="Organisations").wait_for()
    assert second.get_by_role("button", name="Log in").count() == 0

    next(server, None)  # stop the app process ...
    with pytest.raises(OSError):  # ... really: nothing answers at its address ...
        urllib.request.urlopen(f"{base}/_stcore/health", timeout=5)
    server = _serve(demo_database.url, tmp_path, port=port)  # ... and start a new one
    next(server)
    page.goto(f"{base}/compare")
    page.get_by_role("heading", name="Compare organisations").wait_for()
    # Every page of the role is in the sidebar, none hidden behind "View N more".
    nav = page.get_by_test_id("stSidebarNav")
    for name in ("Compare organisations", "Joint display", "Benchmark report", "My account"):
        assert nav.get_by_role("link", name=name).is_visible()
    assert nav.get_by_text("View").filter(has_text="more").count() == 0
    # A page outside the role answers at its address with one line, no redirect.
    page.goto(f"{base}/accounts")
    page.get_by_text("You do not have access to this page.").wait_for()
    assert page.url.endswith("/accounts")
    next(server, None)


def test_logging_out_in_one_tab_asks_again_in_the_other(researcher, live_demo_app, page):
    log_in(page, live_demo_app)
    other = page.context.new_page()
    other.goto(f"{live_demo_app}/organisations")
    other.get_by_role("heading", name="Organisations").wait_for()

    page.get_by_role("button", name="Log out").click()
    asks_for_login(page)
    assert not [c for c in page.context.cookies() if c["name"] == "study_session"]
    open_page_in_sidebar(other, "Survey campaigns")  # the other tab's next interaction
    asks_for_login(other)


def test_idle_timeout_and_deactivation_end_the_session(
    researcher, live_demo_app, demo_database, page
):
    log_in(page, live_demo_app)
    age_sessions(demo_database, minutes=121)  # two idle hours pass, as time would
    open_page_in_sidebar(page, "Organisations")
    asks_for_login(page)
    page.get_by_text("Your session has ended; please log in again.").wait_for()
    page.reload()
    asks_for_login(page)

    log_in(page, live_demo_app)
    with demo_database.transaction() as session:
        deactivate_account(session, EMAIL, actor=OPERATOR)
    open_page_in_sidebar(page, "Organisations")
    asks_for_login(page)
    page.get_by_role("textbox", name="E-mail").fill(EMAIL)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Wrong e-mail or password.").wait_for()


def test_a_stolen_session_id_of_a_logged_out_session_is_refused(
    researcher, live_demo_app, browser, page, tmp_path
):
    log_in(page, live_demo_app)
    stolen = session_cookie(page)
    page.get_by_role("button", name="Log out").click()
    asks_for_login(page)

    thief = browser.new_context()
    try:
        thief.add_cookies([{k: stolen[k] for k in ("name", "value", "domain", "path")}])
        intruder = thief.new_page()
        intruder.goto(f"{live_demo_app}/organisations")
        asks_for_login(intruder)
        # Nor can the dead id buy a new one from the cookie route.
        reply = intruder.request.post(
            f"{live_demo_app}/_study/session", data={"handoff": stolen["value"]}
        )
        assert reply.status == 403
        # Hostile requests to the cookie routes: a cross-site form, another origin,
        # a huge or malformed body. None sets a cookie.
        route = f"{live_demo_app}/_study/session"
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        assert intruder.request.post(route, data="handoff=x", headers=form).status == 403
        assert (
            intruder.request.post(
                route, data={"handoff": "x"}, headers={"Origin": "https://evil.example"}
            ).status
            == 403
        )
        assert (
            intruder.request.post(
                route, data="x" * 5000, headers={"Content-Type": "application/json"}
            ).status
            == 413
        )
        assert (
            intruder.request.post(
                route, data="{not json", headers={"Content-Type": "application/json"}
            ).status
            == 400
        )
        assert not [
            c
            for c in thief.cookies()
            if c["name"] == "study_session" and c["value"] != stolen["value"]
        ]
    finally:
        thief.close()
    server_log = "".join(path.read_text() for path in tmp_path.glob("app-*.log"))
    assert stolen["value"] not in server_log and PASSWORD not in server_log


def test_the_survey_page_never_reads_the_staff_cookie(
    researcher, live_demo_app, demo_database, page
):
    from study.surveys.campaigns import list_campaigns

    log_in(page, live_demo_app)
    with demo_database.transaction() as session:
        link = next(c.link for c in list_campaigns(session, viewer=OPERATOR) if c.link)
    token = parse_qs(urlsplit(link).query)["t"][0]
    # Make the session idle-expired: a page that read the cookie would end it.
    age_sessions(demo_database, minutes=121)
    cookie = session_cookie(page)
    page.goto(f"{live_demo_app}/survey?t={token}")
    page.get_by_role("button", name="I agree, start the survey").wait_for()
    assert page.get_by_role("button", name="Log out").count() == 0
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert session_cookie(page) == cookie  # neither set nor changed
    with demo_database.transaction() as session:
        assert session.scalar(select(LoginSessionRow.ended_at)) is None
