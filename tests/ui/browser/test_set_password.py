"""End to end in headless Chromium: a set-password link opens its form at once (issue 20, 10).

The link opened under a "Page not found" modal that had to be closed before the form
could be used.
"""

from __future__ import annotations

import pytest

from study.admin.accounts import add_account
from study.admin.password_links import invite_account
from study.admin.permissions import OPERATOR

pytestmark = pytest.mark.browser
PASSWORD = "a long secret password"


@pytest.fixture
def invitation(database, live_app, monkeypatch):
    monkeypatch.setenv("STUDY_BASE_URL", live_app)
    with database.transaction() as session:
        add_account(session, "admin@example.org", role="admin", password=PASSWORD, actor=OPERATOR)
        link = invite_account(
            session, "nina@example.org", role="coder", display_name="Nina", actor=OPERATOR
        )
    return link.url


def test_a_set_password_link_opens_its_form_with_no_page_not_found(invitation, page, tmp_path):
    page.goto(invitation)
    page.get_by_role("heading", name="Set your password").wait_for()
    page.get_by_text("For nina@example.org").wait_for()
    page.wait_for_timeout(1500)  # the modal came a moment after the page
    page.screenshot(path=str(tmp_path / "set-password.png"), full_page=True)
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("dialog").count() == 0
    assert "k=" not in page.url  # the token left the address bar
    # Usable at once: no modal to close first.
    page.get_by_role("textbox", name="New password", exact=True).fill(PASSWORD, timeout=5000)
    page.get_by_role("textbox", name="New password again").fill(PASSWORD, timeout=5000)
    page.get_by_role("button", name="Set password and log in").click(timeout=5000)
    page.get_by_role("button", name="Log out").wait_for()
    assert page.get_by_text("Page not found").count() == 0
