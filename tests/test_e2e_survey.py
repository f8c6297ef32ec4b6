"""An employee answers the survey on a phone through a personal link (headless Chromium)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from study.admin.organisations import add_organisation
from study.db.models import Answer, Response
from study.surveys import create_campaign, invitation_links

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


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


def question(page, text: str):
    return page.get_by_test_id("stRadio").filter(has_text=text)


def test_employee_answers_in_danish_resumes_after_reload_and_submits_once(
        database, personal_link, live_app, phone, tmp_path):
    url = f"{live_app}/survey{personal_link}&lang=da"
    phone.goto(url)
    phone.get_by_text("Det er frivilligt at deltage").wait_for()
    assert phone.get_by_role("button", name="Log ind").count() == 0
    assert phone.get_by_test_id("stSidebarNav").count() == 0  # no researcher navigation
    phone.screenshot(path=str(tmp_path / "1-consent.png"), full_page=True)
    phone.get_by_role("button", name="Jeg accepterer, start spørgeskemaet").click()

    # Page 1: the required question is enforced, then answered.
    phone.get_by_text("Side 1 af 8").wait_for()
    phone.get_by_role("button", name="Næste").click()
    phone.get_by_text("Dette spørgsmål skal besvares.").wait_for()
    question(phone, "Hvor ofte læser du indlæg").get_by_text("Ugentligt").click()
    phone.screenshot(path=str(tmp_path / "2-page1.png"), full_page=True)
    phone.get_by_role("button", name="Næste").click()

    # Page 2: answer one question, move on (saved), then reload the tab mid-way.
    phone.get_by_text("Side 2 af 8").wait_for()
    phone.get_by_role("button", name="Næste").click()
    phone.get_by_text("Side 3 af 8").wait_for()
    phone.reload()
    phone.get_by_text("Side 3 af 8").wait_for()  # continues where they were
    phone.get_by_role("button", name="Tilbage").click()
    phone.get_by_text("Side 2 af 8").wait_for()
    for expected in range(2, 9):
        phone.get_by_text(f"Side {expected} af 8").wait_for()
        if expected < 8:
            phone.get_by_role("button", name="Næste").click()

    # Last page: submit twice quickly.
    phone.screenshot(path=str(tmp_path / "3-last.png"), full_page=True)
    submit = phone.get_by_role("button", name="Indsend mine svar")
    submit.dblclick()
    phone.get_by_text("Tak fordi du deltog").wait_for()
    phone.screenshot(path=str(tmp_path / "4-thanks.png"), full_page=True)
    with database.transaction() as session:
        assert session.scalar(select(func.count(Response.id))) == 1
        response = session.scalar(select(Response))
        assert response.status == "complete" and response.language == "da"
        answers = dict(session.execute(select(Answer.item_id, Answer.value_number)).all())
        assert answers == {"uf1": 4.0}

    # The used personal link now shows a thank-you, not the survey.
    phone.goto(url)
    phone.get_by_text("Tak fordi du deltog").wait_for()
    assert phone.get_by_role("button", name="Jeg accepterer, start spørgeskemaet").count() == 0

    # A bogus token gets a polite message and no traceback.
    phone.goto(f"{live_app}/survey?t=this-is-not-a-real-token-at-all")
    phone.get_by_text("This survey link is not valid").wait_for()
    assert phone.get_by_text("Traceback").count() == 0
