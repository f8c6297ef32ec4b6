"""The coding workbench on a laptop screen (1440x900) and a phone (390x844), in headless Chromium.

What a newcomer tripped on in the first hour: the side panel cut "Remove coding" to
"Re…", a focused coding's edge handle covered the next letter of the transcript, and
Ctrl+Z did nothing once the focus had left the transcript (the Undo button worked).
"""

from __future__ import annotations

import pytest

from study.admin.permissions import OPERATOR
from study.interviews import coding

import coding_study
from span_dom import PHRASE_BOX, drag_over, settled

pytestmark = pytest.mark.browser
PASSWORD, CODE = coding_study.WORKBENCH_PASSWORD, coding_study.WORKBENCH_CODE
LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

# Every visible button of the side panel (the column right of the transcript and
# its code tree): its label text and whether any box inside it clips that text.
PANEL_BUTTONS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const columns = [...main.querySelectorAll('[data-testid=stColumn]')]
    .filter((c) => c.querySelector('[role=tablist]'));
  const panel = columns[columns.length - 1];
  return [...panel.querySelectorAll('button')]
    .filter((b) => b.offsetParent !== null && !b.closest('[role=tablist]') && b.innerText.trim())
    .map((button) => {
      const clipped = [button, ...button.querySelectorAll('*')]
        .filter((e) => getComputedStyle(e).display !== 'inline' && e.clientWidth > 0)
        .filter((e) => e.scrollWidth > e.clientWidth + 0.5)
        .map((e) => `${e.tagName} ${e.scrollWidth}>${e.clientWidth}`);
      const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT, (node) =>
        node.parentElement.closest('[data-testid=stIconMaterial]')
          ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT);
      const range = document.createRange();
      let text = '';
      let right = -Infinity;
      let left = Infinity;
      while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.data.trim()) continue;
        text += node.data;
        range.selectNodeContents(node);
        const box = range.getBoundingClientRect();
        left = Math.min(left, box.left);
        right = Math.max(right, box.right);
      }
      const outer = button.getBoundingClientRect();
      return {text: text.trim(), clipped, inside: left >= outer.left && right <= outer.right};
    });
}"""

# The boxes of a focused coding's two handles and of the characters on either side
# of each (from a Range over one code unit of the neighbouring text node).
HANDLES = """() => {
  for (const element of document.querySelectorAll('*')) {
    const host = element.shadowRoot && element.shadowRoot.querySelector('.ism-transcript');
    if (!host) continue;
    const box = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
    const charBox = (node, last) => {
      const range = document.createRange();
      const at = last ? node.data.length - 1 : 0;
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      return {...box(range.getBoundingClientRect()), text: node.data[at]};
    };
    const textOf = (el, last) => {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let found = null;
      while (walker.nextNode()) {
        if (!walker.currentNode.data.length) continue;
        found = walker.currentNode;
        if (!last) break;
      }
      return found;
    };
    const out = {};
    for (const handle of host.querySelectorAll('.handle')) {
      const before = handle.previousElementSibling;
      const after = handle.nextElementSibling;
      out[handle.dataset.edge] = {
        handle: box(handle.getBoundingClientRect()),
        before: before && textOf(before, true) ? charBox(textOf(before, true), true) : null,
        after: after && textOf(after, false) ? charBox(textOf(after, false), false) : null,
      };
    }
    return out;
  }
  return null;
}"""

# Which element has the focus, looking into shadow roots.
ACTIVE = """() => {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  return active ? `${active.tagName} ${active.getAttribute('role') || ''}`.trim() : null;
}"""


@pytest.fixture
def coder(database):
    return coding_study.workbench_coder(database)


def code_directly(database, coder, phrase: str) -> None:
    """A coding of ``phrase`` by the coder, stored without the browser."""
    with database.transaction() as session:
        [code] = [
            c
            for c in coding.list_codes(session, "ism-adoption-challenges", viewer=OPERATOR)
            if c.name == CODE
        ]
        start = coder["text"].index(phrase)
        coding.add_coding(
            session,
            transcript_id=coder["transcript"],
            start=start,
            end=start + len(phrase),
            code_id=code.id,
            coder_id=coding.coder_id_for(session, coder["email"]),
            actor=OPERATOR,
        )


def new_page(browser, viewport):
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(20_000)
    return page


def log_in(page, base: str, email: str) -> None:
    page.goto(base)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def open_workbench(page, base: str) -> None:
    page.goto(f"{base}/workbench")
    page.locator(".ism-transcript .run").first.wait_for(state="attached")
    page.locator(".ism-tree .code-apply").first.wait_for(state="attached")
    settled(page)


def focus_coding(page, phrase: str) -> None:
    """Click the coding of ``phrase`` in the transcript (it gets its edge handles)."""
    box = page.evaluate(PHRASE_BOX, phrase)
    assert box is not None, phrase
    page.mouse.click(box["x1"] + 4, box["y1"])  # its first letter (a phone may wrap it)
    page.locator(".ism-transcript .handle-end").wait_for()


def count(database, transcript_id: int) -> int:
    with database.transaction() as session:
        return len(coding.list_codings(session, transcript_id=transcript_id, viewer=OPERATOR))


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_every_side_panel_button_label_is_whole(coder, database, live_app, browser, size):
    code_directly(database, coder, "waste of time")
    page = new_page(browser, LAPTOP if size == "laptop" else PHONE)
    log_in(page, live_app, coder["email"])
    open_workbench(page, live_app)
    focus_coding(page, "waste of time")  # opens the coding in the side panel
    page.get_by_role("button", name="Remove coding").wait_for()
    settled(page)
    buttons = page.evaluate(PANEL_BUTTONS)
    page.screenshot(path=f"/tmp/ism-workbench-panel-{size}.png")
    # the other two tabs, with suggestions switched on
    page.locator("label").filter(has_text="Suggestions").first.click()
    settled(page)
    page.get_by_role("tab", name="Suggestions").click()
    page.get_by_role("button", name="Accept").first.wait_for()
    buttons += page.evaluate(PANEL_BUTTONS)
    page.get_by_role("tab", name="Memos").click()
    page.get_by_role("button", name="Add memo").last.wait_for()
    buttons += page.evaluate(PANEL_BUTTONS)
    page.context.close()
    texts = {b["text"] for b in buttons}
    assert {"Recode", "Remove coding", "Add memo", "Accept", "Reject"} <= texts, buttons
    for button in buttons:
        assert button["clipped"] == [], button
        assert button["inside"], button


def test_a_focused_codings_edge_handles_cover_no_letter(coder, database, live_app, browser):
    code_directly(database, coder, "waste of time")
    page = new_page(browser, LAPTOP)
    log_in(page, live_app, coder["email"])
    open_workbench(page, live_app)
    focus_coding(page, "waste of time")
    found = page.evaluate(HANDLES)
    page.locator(".ism-transcript .turn").last.screenshot(path="/tmp/ism-workbench-handles.png")
    page.context.close()
    assert set(found) == {"start", "end"}
    # before the start handle: "a " (then the coding); after the end handle: ", just chatting."
    assert found["start"]["after"]["text"] == "w" and found["end"]["before"]["text"] == "e"
    assert found["end"]["after"]["text"] == ","
    for edge, boxes in found.items():
        handle = boxes["handle"]
        for side in ("before", "after"):
            letter = boxes[side]
            if letter is None:
                continue
            overlap = min(handle["right"], letter["right"]) - max(handle["left"], letter["left"])
            assert overlap <= 0.5, (edge, side, handle, letter)


def test_ctrl_z_undoes_wherever_the_focus_is_but_in_a_text_field(
    coder, database, live_app, browser
):
    page = new_page(browser, LAPTOP)
    log_in(page, live_app, coder["email"])
    open_workbench(page, live_app)
    for phrase in ("waste of time", "just chatting"):
        drag_over(page, phrase)
        page.locator(".ism-tree .code-apply").filter(has_text=CODE).first.click()
        settled(page)
    assert count(database, coder["transcript"]) == 2

    # In a text field Ctrl+Z is the field's own undo, not the workbench's.
    page.get_by_role("tab", name="Memos").click()
    memo = page.get_by_role("textbox", name="New memo on the transcript")
    memo.click()
    memo.type("a thought")
    page.keyboard.press("Control+z")
    page.wait_for_timeout(1500)
    settled(page)
    assert count(database, coder["transcript"]) == 2

    # Focus on a button of the side panel, outside the transcript.
    page.get_by_role("tab", name="Coding").click()
    settled(page)
    page.get_by_role("tab", name="Coding").focus()
    assert page.evaluate(ACTIVE) in ("DIV tab", "BUTTON tab")
    page.keyboard.press("Control+z")
    page.locator(".ism-transcript .run[data-m]").filter(has_text="just chatting").wait_for(
        state="detached"
    )
    settled(page)
    assert count(database, coder["transcript"]) == 1

    # Focus on nothing (the page body); Cmd+Z as on a Mac.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    assert page.evaluate(ACTIVE) == "BODY"
    page.keyboard.press("Meta+z")
    page.locator(".ism-transcript .run[data-m]").wait_for(state="detached")
    settled(page)
    assert count(database, coder["transcript"]) == 0
    assert page.get_by_test_id("stException").count() == 0
    page.context.close()
