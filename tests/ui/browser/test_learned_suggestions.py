"""End to end in headless Chromium: a coder walks learned suggestions with the keyboard.

Tab focuses the next suggestion (outlined, dotted, in its code's colour), Enter accepts it
(a coding of the coder's own, origin "suggested"), Ctrl+Z undoes that, Backspace rejects
the next one (stored, never offered again).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from suggestion_study import CODER_EMAILS, SCHEME_KEY

from study.admin.accounts import set_password
from study.admin.permissions import OPERATOR
from study.db.models import SuggestionRejectionRow
from study.interviews.coding import list_codings
from study.reliability.suggestions import evaluate_suggestions

from coding_study import WORKBENCH_PASSWORD
from span_dom import settled

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp")


def test_tab_enter_and_backspace_answer_learned_suggestions(coded, live_coded_app, page):
    database, _ = coded
    live_app = live_coded_app
    email = CODER_EMAILS[0]
    with database.transaction() as session:
        set_password(session, email, WORKBENCH_PASSWORD, actor=OPERATOR)
        evaluate_suggestions(session, SCHEME_KEY, viewer=OPERATOR, folds=3)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(live_app)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(WORKBENCH_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Coding workbench").click()
    page.locator(".ism-transcript .run").first.wait_for()
    page.get_by_text("Learned", exact=True).click()
    page.get_by_role("tab", name="Suggestions").click()
    # the first code's suggestions may be off by their measured agreement: switch them on
    page.screenshot(path=str(SHOTS / "ism-e2e-learned-0-panel.png"), full_page=True)
    switch = page.get_by_role("switch", name="Show this code's suggestions")
    switch.wait_for()
    if not switch.is_checked():
        page.get_by_text("Show this code's suggestions").click()
    page.locator(".chip-suggestion").first.wait_for()
    settled(page)
    before = list_codings_of(database, email)

    page.locator(".ism-transcript").click(position={"x": 5, "y": 5})
    page.keyboard.press("Tab")
    focused = page.locator(".ism-transcript .run.focus").first
    focused.wait_for()
    assert "dotted" in focused.evaluate("run => getComputedStyle(run).outlineStyle")
    page.screenshot(path=str(SHOTS / "ism-e2e-learned-1-focused.png"))
    page.keyboard.press("Enter")
    wait_until(lambda: len(list_codings_of(database, email)) == len(before) + 1)
    after = list_codings_of(database, email)
    assert list(after["origin"]).count("suggested") == 1
    # Ctrl+Z undoes the acceptance like any coding action; Enter accepts it again
    settled(page)
    page.keyboard.press("Control+z")
    wait_until(lambda: len(list_codings_of(database, email)) == len(before))
    focus_next_suggestion(page)
    page.keyboard.press("Enter")
    wait_until(lambda: len(list_codings_of(database, email)) == len(before) + 1)
    after = list_codings_of(database, email)
    focus_next_suggestion(page)
    page.keyboard.press("Backspace")
    wait_until(lambda: rejections(database) == 1)
    assert len(list_codings_of(database, email)) == len(after)  # rejecting codes nothing
    page.screenshot(path=str(SHOTS / "ism-e2e-learned-2-answered.png"))
    assert page.get_by_test_id("stException").count() == 0


def focus_next_suggestion(page) -> None:
    """Once the suggestions are drawn, click into the transcript and Tab to the next one."""
    page.locator(".chip-suggestion").first.wait_for()
    settled(page)
    page.locator(".ism-transcript").click(position={"x": 5, "y": 5})
    page.keyboard.press("Tab")
    page.locator(".ism-transcript .run.focus").first.wait_for()


def list_codings_of(database, email: str):
    with database.transaction() as session:
        codings = list_codings(session, viewer=OPERATOR)
    return codings[codings["coder"] == email]


def rejections(database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(SuggestionRejectionRow))


def wait_until(condition, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
