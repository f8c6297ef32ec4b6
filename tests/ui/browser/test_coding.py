"""End to end in headless Chromium: a coder selects a phrase with the mouse, codes it, finds it.

The phrase comes after an emoji and Danish letters, so the code-point offsets
the span selector sends are proven against the stored coding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from study.admin.accounts import add_account
from study.admin.audit import list_events
from study.admin.permissions import OPERATOR
from study.interviews.coding import (
    add_coding,
    coder_id_for,
    list_codes,
    list_codings,
)

from coding_study import (
    WORKBENCH_CODE,
    WORKBENCH_PASSWORD,
    WORKBENCH_PHRASE,
    WORKBENCH_TRANSCRIPT,
    workbench_coder,
)
from span_dom import PHRASE_BOX, drag_over, settled

pytestmark = pytest.mark.browser
PASSWORD, CODE, TRANSCRIPT = WORKBENCH_PASSWORD, WORKBENCH_CODE, WORKBENCH_TRANSCRIPT
PHRASE = WORKBENCH_PHRASE
SHOTS = Path("/tmp")


@pytest.fixture
def coder(database):
    return workbench_coder(database)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox or multiselect by typing it."""
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.click()


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_workbench(page) -> None:
    page.get_by_role("link", name="Coding workbench").click()
    page.locator(".ism-transcript .run").first.wait_for()
    page.locator(".ism-tree .code-apply").first.wait_for()
    settled(page)


def tree_code(page, name: str):
    return page.locator(".ism-tree .code-apply").filter(has_text=name).first


def stored(database, transcript_id: int):
    with database.transaction() as session:
        return list_codings(session, transcript_id=transcript_id, viewer=OPERATOR)


def test_one_drag_and_one_click_in_the_tree_codes_a_phrase(coder, database, live_app, page):
    log_in(page, live_app, coder["email"])
    open_workbench(page)
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-0-tree.png"))
    drag_over(page, PHRASE)
    tree_code(page, CODE).click()  # the only click
    # drawn at once, in the browser, before the page reruns
    page.locator(".ism-transcript .run[data-m]").filter(has_text=PHRASE).first.wait_for()
    settled(page)
    page.locator(".chip-name", has_text=CODE).wait_for()
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-2-coded.png"))
    assert page.get_by_test_id("stException").count() == 0
    [coding] = stored(database, coder["transcript"]).to_dict("records")
    start = coder["text"].index(PHRASE)  # code points: after 🙂, 🙈, æ, Æ
    assert (coding["start"], coding["end"]) == (start, start + len(PHRASE))
    assert coding["text"] == PHRASE
    assert coding["code"] == "management-words-not-action"
    assert coding["coder"] == coder["email"]
    # the tree counts it
    assert tree_code(page, CODE).locator(".count").inner_text() == "1"

    page.get_by_role("link", name="Coded segments").click()
    choose(page, "Code", CODE)
    page.get_by_role("heading", name=f"{CODE}: 1 passage").wait_for()
    passage = page.get_by_test_id("stText").filter(has_text=PHRASE).first
    passage.wait_for()
    assert passage.inner_text() == PHRASE
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-3-segments.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0


def test_number_keys_code_the_selection_and_delete_then_undo(coder, database, live_app, page):
    log_in(page, live_app, coder["email"])
    open_workbench(page)
    first_code = page.locator(".ism-tree .code-apply").first
    name = first_code.locator(".code-name").inner_text()
    assert first_code.locator(".key").inner_text() == "1"
    drag_over(page, "waste of time")
    page.keyboard.press("1")
    page.locator(".ism-transcript .run[data-m]").filter(has_text="waste of time").first.wait_for()
    settled(page)
    [coding] = stored(database, coder["transcript"]).to_dict("records")
    assert coding["text"] == "waste of time" and coding["code_name"] == name

    # click the coding to focus it; Delete removes it; Ctrl+Z brings it back
    page.locator(".ism-transcript .run[data-m]").filter(has_text="waste of time").first.click()
    page.keyboard.press("Delete")
    page.locator(".ism-transcript .run[data-m]").wait_for(state="detached")
    settled(page)
    assert stored(database, coder["transcript"]).empty
    page.keyboard.press("Control+z")
    page.locator(".ism-transcript .run[data-m]").filter(has_text="waste of time").first.wait_for()
    settled(page)
    [back] = stored(database, coder["transcript"]).to_dict("records")
    assert back["id"] == coding["id"] and back["text"] == "waste of time"
    # undo again: the coding itself goes
    page.keyboard.press("Control+z")
    page.locator(".ism-transcript .run[data-m]").wait_for(state="detached")
    settled(page)
    assert stored(database, coder["transcript"]).empty
    assert page.get_by_test_id("stException").count() == 0


def test_in_vivo_makes_a_code_from_the_selected_words(coder, database, live_app, page):
    log_in(page, live_app, coder["email"])
    open_workbench(page)
    drag_over(page, "just chatting")
    page.locator(".ism-tree .in-vivo").click()
    tree_code(page, "just chatting").wait_for()
    settled(page)
    [coding] = stored(database, coder["transcript"]).to_dict("records")
    assert coding["code_name"] == "just chatting" and coding["text"] == "just chatting"
    assert coding["code"].startswith("in-vivo-just-chatting")
    with database.transaction() as session:
        keys = [c.key for c in list_codes(session, "ism-adoption-challenges", viewer=OPERATOR)]
    assert "in-vivo-just-chatting" in keys
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-4-in-vivo.png"))


def test_dragging_a_codings_edge_moves_its_span(coder, database, live_app, page):
    log_in(page, live_app, coder["email"])
    open_workbench(page)
    drag_over(page, "waste of time")
    tree_code(page, CODE).click()
    settled(page)
    page.locator(".ism-transcript .run[data-m]").filter(has_text="waste of time").first.click()
    handle = page.locator(".ism-transcript .handle-end")
    handle.wait_for()
    # drag the end handle to the end of "just chatting"
    target = page.evaluate(PHRASE_BOX, "just chatting")
    grip = handle.bounding_box()
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x2"], target["y2"], steps=10)
    page.mouse.up()
    page.locator(".ism-transcript .run[data-m]").filter(has_text="just chatting").first.wait_for()
    settled(page)
    [coding] = stored(database, coder["transcript"]).to_dict("records")
    assert coding["text"] == "waste of time, just chatting"
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-5-dragged.png"))
    with database.transaction() as session:
        assert (
            list_events(session, action_prefix="coding.span", viewer=OPERATOR).iloc[0]["actor"]
            == coder["email"]
        )


def test_blind_mode_hides_other_coders_codings_from_a_coder(
    coder, database, live_app, page, browser
):
    with database.transaction() as session:
        add_account(
            session,
            "bo@example.org",
            role="coder",
            password=PASSWORD,
            display_name="Bo",
            actor=OPERATOR,
        )
        add_account(
            session,
            "rita@example.org",
            role="researcher",
            password=PASSWORD,
            display_name="Rita",
            actor=OPERATOR,
        )
        [code] = [
            c
            for c in list_codes(session, "ism-adoption-challenges", viewer=OPERATOR)
            if c.name == CODE
        ]
        start = coder["text"].index("waste of time")
        add_coding(
            session,
            transcript_id=coder["transcript"],
            start=start,
            end=start + 13,
            code_id=code.id,
            coder_id=coder_id_for(session, "bo@example.org"),
            actor=OPERATOR,
        )
    # the researcher starts blind coding on the Codebook page
    researcher = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(researcher, live_app, "rita@example.org")
    researcher.get_by_role("link", name="Codebook").click()
    researcher.get_by_role("button", name="Start blind coding").click()
    researcher.get_by_text("Blind coding since").wait_for()

    log_in(page, live_app, coder["email"])
    open_workbench(page)
    toggle = page.get_by_role("switch", name="All coders")
    assert toggle.is_disabled()
    page.get_by_text("Blind coding: you see only your own codings").wait_for()
    assert page.locator(".ism-transcript .run[data-m]").count() == 0  # Bo's coding is hidden
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-6-blind.png"))

    researcher.get_by_role("button", name="Lift blind mode").click()
    researcher.get_by_role("button", name="Start blind coding").wait_for()
    researcher.context.close()
    page.reload()
    open_workbench(page)
    page.locator("label").filter(has_text="All coders").first.click()
    page.locator(".chip-name", has_text="· Bo").wait_for()
    assert page.locator(".ism-transcript .run[data-m]").filter(has_text="waste of time").count()
