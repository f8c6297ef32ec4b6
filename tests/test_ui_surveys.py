"""Survey pages in AppTest: every page of every shipped survey renders; the campaigns page works."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from conftest import ROOT
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.db.models import Response
from study.surveys import create_campaign, list_campaigns, start_response
from study.surveys.instruments import load_instruments

SURVEYS = [i for i in load_instruments().values() if i.kind == "survey"]



def survey_app(token: str, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params["t"] = token
    if lang:
        at.query_params["lang"] = lang
    return at


@pytest.mark.parametrize("instrument", SURVEYS, ids=lambda i: i.id)
@pytest.mark.parametrize("language", ["en", "da"])
def test_every_page_of_every_survey_renders(database, instrument, language):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank")
        info = create_campaign(session, organisation="Nordlys Bank", instrument=instrument.id)
        token = info.link.split("t=")[1]
        response_id, _ = start_response(session, token, language=language)
    for index, page in enumerate(instrument.pages):
        with database.transaction() as session:
            session.get(Response, response_id).current_page = index
        at = survey_app(token, language)
        at.session_state[f"survey_response:{token}"] = {"response_id": response_id, "code": None}
        at.run()
        assert not at.exception, (page.id, at.exception)
        widgets = (len(at.radio) + len(at.text_area) + len(at.number_input)
                   + len(at.get("button_group")) - (len(instrument.languages) > 1))  # language chooser
        assert widgets == len(instrument.page_items(page)), page.id
        assert at.subheader[0].value == page.title[language]


def test_consent_page_starts_a_response_and_shows_a_resume_code(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank")
        token = create_campaign(session, organisation="Nordlys Bank",
                                instrument="ism-adoption-survey").link.split("t=")[1]
    at = survey_app(token).run()
    assert not at.exception
    at.button[0].click().run()
    assert not at.exception
    assert any("resume code" in c.value for c in at.caption)
    with database.transaction() as session:
        response = session.scalar(select(Response))
        assert response.consent_version.startswith("ism-adoption-survey/v1/en/")


def test_bogus_token_gets_a_polite_message(database):
    at = survey_app("x" * 32).run()
    assert not at.exception
    assert at.warning[0].value.startswith("This survey link is not valid")


def test_researcher_opens_a_campaign_on_the_page(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank")
        account = add_account(session, "r@example.org", role="researcher",
                              password="a long secret password")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["account"] = asdict(account)
    at.run()
    at.switch_page("study/ui/pages/campaigns.py").run()
    assert not at.exception
    at.radio[0].set_value("Personal single-use invitations")
    at.number_input[0].set_value(12)
    at.button(key="FormSubmitter:create-campaign-Open campaign").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Opened campaign")
    with database.transaction() as session:
        (campaign,) = list_campaigns(session)
        assert (campaign.mode, campaign.invitations) == ("personal", 12)
