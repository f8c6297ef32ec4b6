"""End to end in headless Chromium: a coder selects a phrase with the mouse, codes it, finds it.

The phrase comes after an emoji and Danish letters, so the code-point offsets
the span selector sends are proven against the stored coding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.studies import ensure_study
from study.interviews.coding import list_codings, load_scheme_into_db
from study.interviews.transcripts.store import import_transcript, transcript_json

pytestmark = pytest.mark.browser
PASSWORD = "a long secret password"
CODE = "Management support in words, not action"
PHRASE = "they never posted anything themselves"
TRANSCRIPT = (
    "Interviewer: Tak fordi du ville være med 🙂. How did the launch go?\n\n"
    "Coordinator: Ærligt talt 🙈 – ledelsen sagde, at platformen var vigtig, but "
    f"{PHRASE}. Management support in words, you could say.\n\n"
    "Interviewer: And your colleagues?\n\n"
    "Coordinator: Many of them think it is a waste of time, just chatting.\n")
SHOTS = Path("/tmp")

# A mouse drag over text inside the component's shadow root: the page coordinates
# of the first and last character of `phrase`, from a DOM Range.
PHRASE_BOX = """(phrase) => {
  for (const element of document.querySelectorAll('*')) {
    const host = element.shadowRoot && element.shadowRoot.querySelector('.ism-transcript');
    if (!host) continue;
    const walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const at = node.data.indexOf(phrase);
      if (at < 0) continue;
      node.parentElement.scrollIntoView({block: 'center'});
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + phrase.length);
      const rects = range.getClientRects();
      const first = rects[0], last = rects[rects.length - 1];
      return {x1: first.left + 1, y1: first.top + first.height / 2,
              x2: last.right - 1, y2: last.top + last.height / 2};
    }
  }
  return null;
}"""


@pytest.fixture
def coder(database):
    with database.transaction() as session:
        ensure_study(session)
        add_organisation(session, "Nordlys Bank")
        add_account(session, "cora@example.org", role="coder", password=PASSWORD,
                    display_name="Cora")
        load_scheme_into_db(session, ROOT / "coding_schemes" / "ism-adoption-challenges.yaml")
        info = import_transcript(session, TRANSCRIPT.encode("utf-8"), "coordinator-1.txt",
                                 organisation="Nordlys Bank", role="coordinator", language="en")
        text = transcript_json(session, info.id)["text"]
    return {"email": "cora@example.org", "transcript": info.id, "text": text}


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox or multiselect by typing it."""
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option).first.click()


def test_coder_selects_a_phrase_with_the_mouse_codes_it_and_finds_it_in_the_report(
        coder, database, live_app, page):
    page.goto(live_app)
    page.get_by_role("textbox", name="E-mail").fill(coder["email"])
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Coding workbench").click()
    page.locator(".ism-transcript .run").first.wait_for()

    box = page.evaluate(PHRASE_BOX, PHRASE)
    assert box is not None
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    # The page echoes the selection it received: exactly the phrase, as plain text.
    page.get_by_test_id("stText").filter(has_text=PHRASE).wait_for()
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-1-selected.png"))

    choose(page, "Codes", CODE)
    page.keyboard.press("Escape")
    page.get_by_text("Selected passage").click()  # let the multiselect close before Apply
    page.get_by_role("button", name="Apply").click()
    page.get_by_text(f"Coded with {CODE}.").wait_for()
    page.locator(".chip-name", has_text=CODE).wait_for()
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-2-coded.png"))
    assert page.get_by_test_id("stException").count() == 0

    with database.transaction() as session:
        codings = list_codings(session, transcript_id=coder["transcript"])
    [coding] = codings.to_dict("records")
    start = coder["text"].index(PHRASE)  # code points: after 🙂, 🙈, æ, Æ
    assert (coding["start"], coding["end"]) == (start, start + len(PHRASE))
    assert coding["text"] == PHRASE
    assert coding["code"] == "management-words-not-action"
    assert coding["coder"] == coder["email"]

    page.get_by_role("link", name="Coded segments").click()
    choose(page, "Code", CODE)
    page.get_by_role("heading", name=f"{CODE}: 1 passage").wait_for()
    passage = page.get_by_test_id("stText").filter(has_text=PHRASE).first
    passage.wait_for()
    assert passage.inner_text() == PHRASE
    page.get_by_text("Nordlys Bank · coordinator · coordinator-1").wait_for()
    page.screenshot(path=str(SHOTS / "ism-e2e-coding-3-segments.png"), full_page=True)
    assert page.get_by_test_id("stException").count() == 0
