"""An employee answers the survey in headless Chromium, on a phone (390 x 844) and a desktop.

The real app (`study serve`) serves the survey as plain HTML. Every item type, Back
and Next across every page, a reload on every page, a language switch midway and a
double-clicked submit, in both languages: every answer is stored exactly once. Also:
two tabs, browser Back, resume by code with JavaScript off on another device, a
keyboard-only respondent, nothing fetched from outside 127.0.0.1, no cookie, 44 px
targets, and an unexpected error shows an error id and no traceback.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update

from study.db.models import AnswerRow, InstrumentRow, ResponseRow
from study.surveys.answers import stored_answers

from survey_forms import (
    BACK,
    NEXT,
    START,
    SUBMIT,
    SURVEY,
    THANKS,
    open_token,
    personal_tokens,
    planned_answer,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
OTHER = {"en": "da", "da": "en"}
LANGUAGE_BUTTON = {"en": "English", "da": "Dansk"}
PAGE_OF = {"en": "Page {n} of {total}", "da": "Side {n} af {total}"}


@pytest.fixture(params=["phone", "desktop"])
def screen(request, browser):
    """A fresh browser context and page: a phone (touch, 390 x 844) or a desktop."""
    if request.param == "phone":
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.kind = request.param
    yield page
    context.close()


def answer(page, item, language: str) -> None:
    value = planned_answer(item)
    if item.type in ("likert", "single_choice"):
        label = page.locator(f'label[for="{item.id}-{_position(item, value)}"]')
        label.click()  # the label is the tap target (phone: visible; desktop: the table cell)
    elif item.type == "multiple_choice":
        for option_id in value:
            page.get_by_label(item.option(option_id).label[language], exact=True).check()
    else:
        page.locator(f"#{item.id}-input").fill(str(value))


def _position(item, value) -> int:
    if item.type == "likert":
        return value
    return [o.id for o in item.options].index(value) + 1


def shown_answer(page, item):
    """What the page shows for ``item`` (None when nothing is chosen or typed)."""
    if item.type in ("likert", "single_choice", "multiple_choice"):
        checked = page.locator(f'input[name="a-{item.id}"]:checked')
        values = [checked.nth(i).get_attribute("value") for i in range(checked.count())]
        if item.type == "multiple_choice":
            return values
        if not values:
            return None
        return int(values[0]) if item.type == "likert" else values[0]
    text = page.locator(f"#{item.id}-input").input_value()
    return int(text) if item.type == "number" and text else text or None


def on_page(page, n: int, language: str) -> None:
    page.get_by_text(PAGE_OF[language].format(n=n, total=len(SURVEY.pages)), exact=True).wait_for()
    assert page.evaluate("document.documentElement.lang") == language


def stored(database) -> dict:
    with database.transaction() as session:
        response_id = session.scalar(select(ResponseRow.id))
        return stored_answers(session, response_id) if response_id else {}


@pytest.mark.parametrize("start_language", ["en", "da"])
def test_the_whole_journey_with_back_reload_language_switch_and_double_submit(
    database, live_app, screen, start_language
):
    page = screen
    (token,) = personal_tokens(database)
    page.goto(f"{live_app}/survey?t={token}&lang={start_language}")
    language = start_language
    page.get_by_role("button", name=START[language]).click()
    expected: dict = {}
    total = len(SURVEY.pages)
    for index, survey_page in enumerate(SURVEY.pages):
        n = index + 1
        on_page(page, n, language)
        assert page.evaluate("window.scrollY") == 0  # a new page starts at the top
        items = SURVEY.page_items(survey_page)
        for item in items:
            answer(page, item, language)
            expected[item.id] = planned_answer(item)
        if index == total // 2:  # switch language midway: the page is saved first
            page.get_by_role("button", name=LANGUAGE_BUTTON[OTHER[language]]).click()
            language = OTHER[language]
            on_page(page, n, language)
            assert {item.id: shown_answer(page, item) for item in items} == {
                item.id: expected[item.id] for item in items
            }  # every answer kept in the page
            assert stored(database) == expected  # and in the database
        if index > 0:  # Back saves and goes back; the earlier page shows its answers
            page.get_by_role("button", name=BACK[language], exact=True).click()
            on_page(page, n - 1, language)
            earlier = SURVEY.page_items(SURVEY.pages[index - 1])
            assert {i.id: shown_answer(page, i) for i in earlier} == {
                i.id: expected[i.id] for i in earlier
            }
            assert stored(database) == expected
            page.reload()  # a reload shows the same page and answers
            on_page(page, n - 1, language)
            page.get_by_role("button", name=NEXT[language], exact=True).click()
            on_page(page, n, language)
            assert {i.id: shown_answer(page, i) for i in items} == {
                i.id: expected[i.id] for i in items
            }
        if index < total - 1:
            page.get_by_role("button", name=NEXT[language], exact=True).click()
            if page.kind == "phone":  # tap targets of at least 44 px
                on_page(page, n + 1, language)
                for box in page.locator("label, button.button").all():
                    if box.is_visible():
                        assert box.bounding_box()["height"] >= 44, box.inner_text()
    page.get_by_role("button", name=SUBMIT[language]).dblclick()
    page.get_by_text(THANKS[language]).wait_for()
    assert page.get_by_text("Traceback").count() == 0
    with database.transaction() as session:
        assert session.scalar(select(func.count(ResponseRow.id))) == 1
        response = session.scalar(select(ResponseRow))
        assert response.status == "complete" and response.language == language
        assert session.scalar(select(func.count(AnswerRow.id))) == len(SURVEY.all_items())
        assert stored_answers(session, response.id) == expected  # every answer, exactly once
    page.goto(f"{live_app}/survey?t={token}&lang={language}")  # a used link thanks
    page.get_by_text(THANKS[language]).wait_for()
    assert page.get_by_role("button", name=START[language]).count() == 0
    assert page.context.cookies() == []  # no cookie at any step


def test_two_tabs_and_browser_back_keep_every_answer(database, live_app, browser):
    (token,) = personal_tokens(database)
    context = browser.new_context(viewport=DESKTOP)
    first = context.new_page()
    first.goto(f"{live_app}/survey?t={token}")
    first.get_by_role("button", name=START["en"]).click()
    on_page(first, 1, "en")
    second = context.new_page()
    second.goto(first.url)  # the same page in a second tab
    on_page(second, 1, "en")
    first.locator('label[for="uf1-5"]').click()
    first.get_by_role("button", name=NEXT["en"], exact=True).click()
    on_page(first, 2, "en")
    second.locator('label[for="uf2-2"]').click()  # the stale tab changes another answer
    second.get_by_role("button", name=NEXT["en"], exact=True).click()
    on_page(second, 2, "en")
    assert stored(database) == {"uf1": 5, "uf2": 2}  # neither tab erased the other's answer
    first.go_back()  # browser Back: the page as stored now
    on_page(first, 1, "en")
    first.reload()
    expect(first.locator('input[name="a-uf1"][value="5"]')).to_be_checked()
    expect(first.locator('input[name="a-uf2"][value="2"]')).to_be_checked()
    context.close()


def test_with_javascript_off_a_respondent_resumes_by_code_on_another_device(
    database, live_app, browser
):
    token = open_token(database)
    phone = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = phone.new_page()
    page.goto(f"{live_app}/survey?t={token}&lang=da")
    page.get_by_role("button", name=START["da"]).click()
    on_page(page, 1, "da")
    code = page.locator(".code-box .code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    page.locator('label[for="uf1-3"]').click()
    page.locator("#minutes-input").fill("20")
    page.get_by_role("button", name=NEXT["da"], exact=True).click()
    on_page(page, 2, "da")
    phone.close()
    laptop = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = laptop.new_page()
    page.goto(f"{live_app}/survey?t={token}&lang=da")
    page.get_by_label("Genoptagelseskode").fill(code.lower())
    page.get_by_role("button", name="Fortsæt").click()
    on_page(page, 2, "da")
    for index in range(1, len(SURVEY.pages)):
        for item in SURVEY.page_items(SURVEY.pages[index]):
            answer(page, item, "da")
        last = index == len(SURVEY.pages) - 1
        page.get_by_role("button", name=SUBMIT["da"] if last else NEXT["da"], exact=True).click()
    page.get_by_text(THANKS["da"]).wait_for()
    laptop.close()
    with database.transaction() as session:
        response = session.scalar(select(ResponseRow))
        assert response.status == "complete"
        answers = stored_answers(session, response.id)
    assert answers["uf1"] == 3 and answers["minutes"] == 20
    assert len(answers) == len(SURVEY.all_items()) - 2  # uf2 and uses were left out


def test_a_keyboard_only_respondent_completes_the_survey(database, live_app, page):
    (token,) = personal_tokens(database)
    page.goto(f"{live_app}/survey?t={token}")
    visited: set[str] = set()
    for _ in range(800):
        if page.get_by_text(THANKS["en"]).count():
            break
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement || document.body;
            const style = getComputedStyle(e);
            return {tag: e.tagName, type: e.type || '', name: e.name || '', value: e.value || '',
                    id: e.id, text: e.innerText || '', outline: style.outlineStyle,
                    shadow: style.boxShadow}; }""")
        if focused["tag"] in ("INPUT", "TEXTAREA", "BUTTON"):  # focus is visible
            assert focused["outline"] != "none" or focused["shadow"] != "none", focused
        key = focused["name"] or focused["id"]
        if focused["type"] in ("radio", "checkbox") and key not in visited:
            page.keyboard.press("Space")
            visited.add(key)
        elif focused["tag"] == "INPUT" and focused["type"] == "text" and key not in visited:
            page.keyboard.type("12")
            visited.add(key)
        elif focused["tag"] == "TEXTAREA" and key not in visited:
            page.keyboard.type("Med tastaturet")
            visited.add(key)
        elif focused["tag"] == "BUTTON" and focused["value"] in ("start", "next"):
            with page.expect_navigation():
                page.keyboard.press("Enter")
    page.get_by_text(THANKS["en"]).wait_for()
    with database.transaction() as session:
        response = session.scalar(select(ResponseRow))
        assert response.status == "complete"
        answers = stored_answers(session, response.id)
    assert answers["uf1"] == 1 and answers["minutes"] == 12  # the first point, typed number
    assert answers["open_barriers"] == "Med tastaturet"


def test_the_survey_fetches_nothing_from_outside_and_sets_no_cookie(database, live_app, browser):
    (token,) = personal_tokens(database)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    requests: list[str] = []
    outside: list[str] = []

    def only_local(route):
        requests.append(route.request.url)
        if urlsplit(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(f"{live_app}/survey?t={token}")
    page.get_by_text("Taking part is voluntary").wait_for()
    page.wait_for_load_state("networkidle")
    assert len(requests) <= 2  # the page and its stylesheet
    for target in (
        page.get_by_role("link", name="Dansk"),
        page.get_by_role("button", name=START["en"]),
    ):
        assert target.bounding_box()["height"] >= 44
    page.get_by_role("button", name=START["en"]).click()
    on_page(page, 1, "en")
    page.wait_for_load_state("networkidle")
    assert outside == [], f"fetched from outside: {outside}"
    assert context.cookies() == []
    context.close()


def test_an_unexpected_error_shows_an_error_id_and_no_traceback(database, live_app, screen):
    (token,) = personal_tokens(database)
    with database.transaction() as session:
        session.execute(
            update(InstrumentRow).values(definition={"kind": "survey"}, content_hash="damaged")
        )
    screen.goto(f"{live_app}/survey?t={token}")
    screen.get_by_text("Sorry, something went wrong on our side").wait_for()
    body = screen.inner_text("body")
    assert "error id" in body
    for leak in (
        "Traceback",
        "ValidationError",
        "pydantic",
        ".py",
        'File "',
        "/work",
        "site-packages",
        "SELECT",
    ):
        assert leak not in body, leak
