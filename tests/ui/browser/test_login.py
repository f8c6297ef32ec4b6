"""End to end in headless Chromium: the real app, a real database, a person logging in."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
PASSWORD = "a long secret password"


def log_in(page, email: str, password: str) -> None:
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_wrong_password_is_refused_then_the_right_one_shows_the_overview(
    demo_researcher, live_demo_app, page, tmp_path
):
    page.goto(live_demo_app)
    page.get_by_role("button", name="Log in").wait_for()
    log_in(page, demo_researcher, "not my password")
    page.get_by_text("Wrong e-mail or password.").wait_for()
    assert page.get_by_text("Traceback").count() == 0

    log_in(page, demo_researcher, PASSWORD)
    page.get_by_role("heading", name="Demo: internal social media in ten organisations").wait_for()
    organisations = page.get_by_test_id("stMetric").filter(has_text="Organisations")
    assert organisations.get_by_test_id("stMetricValue").inner_text() == "10"
    assert page.get_by_role("button", name="Log out").is_visible()
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)


def test_a_bookmarked_page_shows_the_login_then_that_page(demo_researcher, live_demo_app, page):
    page.goto(f"{live_demo_app}/organisations")
    page.get_by_role("button", name="Log in").wait_for()
    assert page.get_by_text("Page not found").count() == 0
    log_in(page, demo_researcher, PASSWORD)
    page.get_by_role("heading", name="Organisations").wait_for()
    assert page.url.endswith("/organisations")
