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
        response_id, code = start_response(session, token, language=language)
    for index, page in enumerate(instrument.pages):
        with database.transaction() as session:
            session.get(Response, response_id).current_page = index
        at = survey_app(token, language)
        at.query_params["r"] = code  # a reload of an open link resumes from the address
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
    assert any("resume code" in box.value for box in at.info)  # prominent, not a grey caption
    with database.transaction() as session:
        response = session.scalar(select(Response))
        assert response.consent_version.startswith("ism-adoption-survey/v2/en/")
    assert at.query_params["r"] == response.resume_code  # so a reload resumes


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


# -- the respondent's page: nothing lost, nothing stuck, nothing raw -------------------------

FORBIDDEN = ("Traceback", "SELECT", "INSERT", "UPDATE", "sqlite", "psycopg", "127.0.0.1",
             "postgres", "database is locked", "/tmp", ".py", "[parameters")


def open_survey(database) -> tuple[AppTest, str, int]:
    """An open-link survey past its consent page: (app, token, response id)."""
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank")
        token = create_campaign(session, organisation="Nordlys Bank",
                                instrument="ism-adoption-survey").link.split("t=")[1]
    at = survey_app(token).run()
    at.button[0].click().run()  # I agree
    with database.transaction() as session:
        response_id = session.scalar(select(Response.id))
    return at, token, response_id


def stored(database, response_id: int) -> dict:
    from study.surveys.responding import stored_answers
    with database.transaction() as session:
        return stored_answers(session, response_id)


def shown_text(at: AppTest) -> str:
    parts = [e.value for kind in ("error", "warning", "info", "success", "markdown", "caption",
                                  "subheader", "header", "title") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts) + "\n".join(str(e.value) for e in at.exception)


def test_a_number_answer_survives_back_next_and_reload(database):
    at, token, rid = open_survey(database)
    at.radio(key=f"answer:{rid}:uf1").set_value(4).run()
    at.number_input(key=f"answer:{rid}:minutes").set_value(90).run()
    at.button(key="next-0").click().run()
    assert at.subheader[0].value.startswith("Is it work")
    at.button(key="back-1").click().run()
    assert not at.exception, at.exception
    assert at.number_input(key=f"answer:{rid}:minutes").value == 90
    assert at.button(key="next-0")  # the buttons are there: never stuck
    reloaded = survey_app(token)
    reloaded.query_params["r"] = at.query_params["r"]
    reloaded.run()
    assert not reloaded.exception, reloaded.exception
    assert reloaded.number_input(key=f"answer:{rid}:minutes").value == 90
    assert stored(database, rid) == {"uf1": 4, "minutes": 90}


def test_answers_are_saved_as_they_are_given_and_a_reload_resumes(database):
    at, token, rid = open_survey(database)
    at.radio(key=f"answer:{rid}:uf2").set_value(2).run()  # no Next
    at.pills(key=f"answer:{rid}:uses").set_value(["news", "projects"]).run()
    assert stored(database, rid) == {"uf2": 2, "uses": ["news", "projects"]}
    reloaded = survey_app(token)
    reloaded.query_params["r"] = at.query_params["r"]
    reloaded.run()
    assert reloaded.radio(key=f"answer:{rid}:uf2").value == 2
    assert not [b for b in reloaded.button if b.label.startswith("I agree")]  # not the consent


def test_progress_starts_above_zero_and_ends_at_full(database):
    at, _, rid = open_survey(database)
    progress = at.get("progress")[0].proto
    assert progress.value > 0 and progress.text == "Page 1 of 8"
    with database.transaction() as session:
        session.get(Response, rid).current_page = 7
    reloaded = survey_app(at.query_params["t"])
    reloaded.query_params["r"] = at.query_params["r"]
    reloaded.run()
    assert reloaded.get("progress")[0].proto.value == 100


def test_switching_language_keeps_the_answers_and_a_second_tap_keeps_it(database):
    at, _, rid = open_survey(database)
    at.radio(key=f"answer:{rid}:uf1").set_value(3).run()
    chooser = at.get("button_group")[0]
    chooser.set_value("da").run()
    assert at.subheader[0].value == "Sådan bruger du platformen"
    assert at.radio(key=f"answer:{rid}:uf1").value == 3
    at.get("button_group")[0].set_value(None).run()  # tapping Dansk again
    assert at.subheader[0].value == "Sådan bruger du platformen"
    assert at.get("button_group")[0].value == "da"


def test_instrument_texts_are_shown_as_text_not_markdown(database):
    from study.surveys.responding import open_link
    at, token, rid = open_survey(database)
    with database.transaction() as session:
        instrument = open_link(session, token).instrument
    label = at.radio(key=f"answer:{rid}:uf1").label
    assert label.startswith(r"How often do you read posts on the platform?")
    from study.ui.plain_text import markdown_literal
    # An image in an instrument text must not make the browser fetch an outside address.
    assert markdown_literal("![x](https://evil.example/p.png) *a*") == \
        r"\!\[x\]\(https\://evil\.example/p\.png\) \*a\*"
    assert instrument.title["en"] in shown_text(at)


def _locked(backend: str, database):
    """Hold the database from another connection: a write lock (SQLite) or refuse
    connections (PostgreSQL, as when it is down). Returns a function that releases it."""
    if backend == "sqlite":
        import sqlite3
        holder = sqlite3.connect(database.engine.url.database, timeout=0)
        holder.execute("BEGIN EXCLUSIVE")
        return lambda: (holder.rollback(), holder.close())
    from conftest import _admin_connection
    name = database.engine.url.database
    with _admin_connection() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))

    def release():
        with _admin_connection() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    return release


def test_a_locked_or_down_database_keeps_the_answers_and_says_one_polite_sentence(
        database, backend, monkeypatch):
    monkeypatch.setenv("STUDY_SQLITE_BUSY_TIMEOUT_MS", "200")
    at, token, rid = open_survey(database)
    at.radio(key=f"answer:{rid}:uf1").set_value(5).run()
    release = _locked(backend, database)
    try:
        at.number_input(key=f"answer:{rid}:minutes").set_value(45).run()  # autosave fails
        at.button(key="next-0").click().run()  # so does the page step, after retries
        assert not at.exception, at.exception
        (notice,) = at.warning
        assert notice.value.startswith("Sorry, we could not save just now. Your answers are "
                                       "still on this page")
        text = shown_text(at)
        assert not any(word in text for word in FORBIDDEN), text
        assert at.subheader[0].value == "How you use the platform"  # still on the page
        assert at.number_input(key=f"answer:{rid}:minutes").value == 45  # answers kept
        if backend == "postgresql":  # a reload while it is down: polite too
            reloaded = survey_app(token)
            reloaded.query_params["r"] = at.query_params["r"]
            reloaded.run()
            assert not reloaded.exception
            assert "Sorry, something went wrong on our side" in reloaded.warning[0].value
            assert not any(word in shown_text(reloaded) for word in FORBIDDEN)
    finally:
        release()
    at.button(key="next-0").click().run()  # the database is back: the same tap works
    assert at.subheader[0].value.startswith("Is it work")
    assert not at.warning
    assert stored(database, rid) == {"uf1": 5, "minutes": 45}
