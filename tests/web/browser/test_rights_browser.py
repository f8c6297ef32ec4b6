"""A respondent sees, downloads and withdraws their answers from a phone, in headless Chromium
on the real app (issue 26): the thank-you page's code and links, the answers page, the CSV,
the withdrawal with its one confirming button, and nothing left in the database after."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from study.db.models import AnswerRow, ResponseRow
from study.surveys.responding import start_response, submit_response
from study.web.texts import text

from survey_forms import SURVEY, personal_tokens, planned_answer

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.mark.parametrize("language", ["en", "da"])
def test_a_respondent_sees_downloads_and_withdraws_their_answers_on_a_phone(
    database, live_app, phone, language
):
    (token,) = personal_tokens(database)
    with database.transaction() as session:
        response_id, _ = start_response(session, token, language=language)
        answers = {item.id: planned_answer(item) for item in SURVEY.all_items()}
        code = submit_response(session, response_id, answers).code
    page = phone
    # where the last Submit lands (the address carries the code the page shows)
    page.goto(f"{live_app}/survey?t={token}&lang={language}&done=1&w={code}")
    shown = page.locator("strong.code").inner_text()
    assert shown.replace("-", "") == code
    page.get_by_role("link", name=text(language, "see_answers")).click()
    page.get_by_role("heading", name=text(language, "mine_title")).wait_for()
    likert = next(item for item in SURVEY.all_items() if item.type == "likert")
    assert page.get_by_text(likert.text[language], exact=True).count() == 1
    with page.expect_download() as download:
        page.get_by_role("link", name=text(language, "download")).click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert len(rows) == 1 + len(SURVEY.all_items())
    page.get_by_role("link", name=text(language, "withdraw_link")).click()
    button = page.get_by_role("button", name=text(language, "withdraw_button"))
    assert button.bounding_box()["height"] >= 44  # a thumb's target
    button.click()
    page.get_by_text(text(language, "withdrawn")).wait_for()
    with database.transaction() as session:
        assert session.get(ResponseRow, response_id) is None
        assert session.scalar(select(func.count(AnswerRow.id))) == 0
    page.go_back()  # Back and a second press delete nothing else and say why
    page.get_by_role("button", name=text(language, "withdraw_button")).click()
    assert page.locator(".error-summary").count() == 1
    assert page.context.cookies() == []
