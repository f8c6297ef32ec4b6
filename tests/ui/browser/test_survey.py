"""An employee answers the survey on a phone (headless Chromium, 390 x 844).

Every item type, Back and Next across every page, a reload on every page, a
language switch midway, and submission, in both languages: every answer is
stored exactly once. Also: nothing is fetched from outside 127.0.0.1, tap
targets are at least 44 px, every page starts at the top, and an unexpected
error shows one polite sentence and no traceback.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError, expect
from sqlalchemy import func, select, update

from study.admin.organisations import add_organisation
from study.db.models import Answer, Instrument, Response
from study.surveys import create_campaign, invitation_links
from study.surveys.instruments import load_instruments
from study.surveys.responding import stored_answers

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
SURVEY = load_instruments()["ism-adoption-survey"]
OTHER = {"en": "da", "da": "en"}
LANGUAGE_BUTTON = {"en": "English", "da": "Dansk"}
PAGE_OF = {"en": "Page {n} of {total}", "da": "Side {n} af {total}"}
NEXT = {"en": "Next", "da": "Næste"}
BACK = {"en": "Back", "da": "Tilbage"}
SUBMIT = {"en": "Submit my answers", "da": "Indsend mine svar"}
START = {"en": "I agree, start the survey", "da": "Jeg accepterer, start spørgeskemaet"}
THANKS = {"en": "Thank you for taking part", "da": "Tak fordi du deltog"}


@pytest.fixture
def personal_link(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank")
        info = create_campaign(session, organisation="Nordlys Bank",
                               instrument="ism-adoption-survey", invitations=1)
        link = invitation_links(session, info.id)["link"][0]
    return link.split("/survey")[1]  # "?t=..." on whatever port the test app runs


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def planned_answer(item):
    """What the respondent gives each item (also what must be stored)."""
    if item.type == "likert":
        return 4 if len(item.id) % 2 else 2
    if item.type == "single_choice":
        return item.options[-1].id
    if item.type == "multiple_choice":
        return [item.options[0].id, item.options[2].id]
    if item.type == "number":
        return 90
    return f"Mere tid til {item.id} – og færre møder"


def widget(phone, test_id: str, item, language: str):
    return phone.get_by_test_id(test_id).filter(has_text=item.text[language])


def answer(phone, item, language: str) -> None:
    value = planned_answer(item)
    if item.type == "likert":
        widget(phone, "stRadio", item, language).get_by_text(
            item.label(value, language), exact=True).click()
    elif item.type == "single_choice":
        widget(phone, "stRadio", item, language).get_by_text(
            item.option(value).label[language], exact=True).click()
    elif item.type == "multiple_choice":
        group = widget(phone, "stButtonGroup", item, language)
        for option_id in value:
            group.locator("button").filter(has_text=item.option(option_id).label[language]).click()
            time.sleep(0.3)
    elif item.type == "number":
        field = widget(phone, "stNumberInput", item, language).locator("input")
        field.fill(str(value))
        field.press("Enter")
    else:
        field = widget(phone, "stTextArea", item, language).locator("textarea")
        field.fill(value)
        field.press("Control+Enter")  # commits the text, as leaving the field does


def wait_until_stored(database, expected: dict, timeout: float = 30) -> dict:
    """Poll the database until ``expected`` answers are stored (saved as given, no Next)."""
    deadline = time.monotonic() + timeout
    while True:
        with database.transaction() as session:
            response_id = session.scalar(select(Response.id))
            found = stored_answers(session, response_id) if response_id else {}
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


SCROLL_JS = """() => Math.max(...[document.querySelector('[data-testid="stMain"]'),
    document.querySelector('[data-testid="stAppViewContainer"]'), document.scrollingElement]
    .filter(Boolean).map(el => el.scrollTop))"""


def scrolled(phone) -> float:
    """How far the page is scrolled once it has settled (up to a second after the rerun)."""
    try:
        phone.wait_for_function(f"() => ({SCROLL_JS})() < 5", timeout=1_500)
    except PlaywrightTimeoutError:
        pass
    return phone.evaluate(SCROLL_JS)


def on_page(phone, n: int, language: str) -> None:
    phone.get_by_text(PAGE_OF[language].format(n=n, total=len(SURVEY.pages)), exact=True).wait_for()
    phone.get_by_test_id("stStatusWidget").wait_for(state="hidden")  # the rerun is done


@pytest.mark.parametrize("start_language", ["en", "da"])
def test_phone_respondent_answers_everything_goes_back_reloads_switches_language_and_submits(
        database, personal_link, live_app, phone, start_language, tmp_path):
    phone.goto(f"{live_app}/survey{personal_link}&lang={start_language}")
    language = start_language
    phone.get_by_role("button", name=START[language]).click()
    expected: dict = {}
    total = len(SURVEY.pages)
    for index, page in enumerate(SURVEY.pages):
        n = index + 1
        on_page(phone, n, language)
        assert scrolled(phone) < 5, f"page {n} does not start at the top"
        if index == total // 2:  # switch language midway; nothing typed is lost
            phone.get_by_role("radio", name=LANGUAGE_BUTTON[OTHER[language]]).click()
            language = OTHER[language]
            on_page(phone, n, language)
        for item in SURVEY.page_items(page):
            answer(phone, item, language)
            expected[item.id] = planned_answer(item)
            if item.type in ("text", "number"):  # committed on blur/Enter: let it land first
                assert wait_until_stored(database, expected) == expected
            if item.type == "multiple_choice":  # tap targets of at least 44 px
                for box in widget(phone, "stButtonGroup", item, language).locator("button").all():
                    assert box.bounding_box()["height"] >= 44
        stored_now = wait_until_stored(database, expected)
        if stored_now != expected:
            phone.screenshot(path=str(tmp_path / f"unsaved-page-{n}.png"), full_page=True)
        assert stored_now == expected  # saved as given, without Next
        phone.reload()  # a reload on every page resumes here, with the answers
        on_page(phone, n, language)
        first = SURVEY.page_items(page)[0]
        if first.type == "likert":
            expect(widget(phone, "stRadio", first, language).locator("input:checked")) \
                .to_have_count(1)
        if index > 0:  # Back and Next across every page
            phone.get_by_role("button", name=BACK[language]).click()
            on_page(phone, n - 1, language)
            assert scrolled(phone) < 5
            phone.get_by_role("button", name=NEXT[language]).click()
            on_page(phone, n, language)
        if index < total - 1:
            phone.get_by_role("button", name=NEXT[language]).click()
    phone.get_by_role("button", name=SUBMIT[language]).dblclick()
    phone.get_by_text(THANKS[language]).wait_for()
    assert phone.get_by_text("Traceback").count() == 0
    with database.transaction() as session:
        assert session.scalar(select(func.count(Response.id))) == 1
        response = session.scalar(select(Response))
        assert response.status == "complete" and response.language == language
        assert session.scalar(select(func.count(Answer.id))) == len(SURVEY.all_items())
        assert stored_answers(session, response.id) == expected  # every answer, exactly once
    phone.goto(f"{live_app}/survey{personal_link}&lang={language}")  # a used link thanks
    phone.get_by_text(THANKS[language]).wait_for()
    assert phone.get_by_role("button", name=START[language]).count() == 0


def test_the_survey_renders_completely_with_only_127_0_0_1_reachable(personal_link, live_app,
                                                                      browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    outside: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()
    context.route("**/*", only_local)
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    phone.goto(f"{live_app}/survey{personal_link}")
    phone.get_by_text("Taking part is voluntary").wait_for()
    phone.get_by_role("button", name=START["en"]).wait_for()
    phone.get_by_test_id("stStatusWidget").wait_for(state="hidden")
    phone.wait_for_load_state("networkidle")
    for button in (phone.get_by_role("radio", name="Dansk"),
                   phone.get_by_role("button", name=START["en"])):
        assert button.bounding_box()["height"] >= 44
    phone.get_by_role("button", name=START["en"]).click()
    phone.get_by_text("Page 1 of 8").wait_for()
    phone.wait_for_load_state("networkidle")
    icon = phone.evaluate("() => document.querySelector('link[rel~=icon]')?.href || ''")
    context.close()
    assert outside == [], f"fetched from outside: {outside}"
    assert icon.startswith("http://127.0.0.1"), icon


def test_an_unexpected_error_shows_one_polite_sentence_and_no_traceback(database, personal_link,
                                                                          live_app, phone):
    # A damaged stored instrument makes the page fail in a way no code expects.
    with database.transaction() as session:
        session.execute(update(Instrument).values(definition={"kind": "survey"},
                                                  content_hash="damaged"))
    phone.goto(f"{live_app}/survey{personal_link}")
    notice = phone.get_by_text("Sorry, something went wrong on our side")
    notice.wait_for()
    body = phone.inner_text("body")
    assert "error id" in body
    for leak in ("Traceback", "ValidationError", "pydantic", ".py", "File \"", "Ask Google",
                 "/work", "site-packages"):
        assert leak not in body, leak
