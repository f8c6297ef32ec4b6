"""The survey over HTTP (Starlette's TestClient on the real routes, real databases, no script).

A respondent here is what a browser with JavaScript off is: GET a page, fill its form,
POST it with one of its buttons, follow the redirect. Every answer must end up stored
exactly once, whatever order the requests come in.
"""

from __future__ import annotations

import gzip
import logging
import re

import pytest
from sqlalchemy import func, select, update

from study.db.models import AnswerRow, CampaignRow, InstrumentRow, MailRecipientRow, ResponseRow
from study.surveys.answers import stored_answers

from survey_forms import (
    BACK,
    NEXT,
    SUBMIT,
    SURVEY,
    SURVEYS,
    THANKS,
    Respondent,
    forms,
    make_client,
    open_token,
    page_heading,
    parse,
    personal_tokens,
    planned_answer,
)

LEAKS = (
    "Traceback",
    "SELECT",
    "INSERT",
    "sqlite",
    "psycopg",
    "postgres",
    ".py",
    'File "',
    "site-packages",
    "/work",
    "/tmp",
)


@pytest.fixture
def client():
    return make_client()


def stored(database) -> dict:
    with database.transaction() as session:
        response_id = session.scalar(select(ResponseRow.id).order_by(ResponseRow.id.desc()))
        return stored_answers(session, response_id) if response_id else {}


def count(database, what) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count(what)))


def started(client, database, language: str = "en") -> Respondent:
    token = open_token(database)
    tab = Respondent(client, f"/survey?t={token}&lang={language}")
    tab.press(
        "I agree, start the survey" if language == "en" else "Jeg accepterer, start spørgeskemaet"
    )
    return tab


# -- the first screen ------------------------------------------------------------------------


def test_the_consent_page_is_small_compressed_cookieless_and_in_the_asked_language(
    client, database
):
    token = open_token(database)
    reply = client.get(f"/survey?t={token}&lang=da", headers={"Accept-Encoding": "gzip"})
    assert reply.status_code == 200
    assert reply.headers["content-encoding"] == "gzip"
    assert "set-cookie" not in reply.headers
    assert reply.headers["cache-control"] == "no-store"
    assert "script-src" not in reply.headers["content-security-policy"]  # default-src 'none'
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    assert '<html lang="da">' in reply.text
    assert SURVEY.consent["da"] in reply.text.replace("&#39;", "'")
    assert "<script" not in reply.text
    stylesheet = re.search(r'href="(/survey/survey\.css\?v=\w+)"', reply.text).group(1)
    css = client.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"]
    # Bytes on the wire for the whole first screen: the page and its one stylesheet.
    raw = client.get(f"/survey?t={token}&lang=da", headers={"Accept-Encoding": "gzip"})
    wire = len(gzip.compress(raw.content)) + len(gzip.compress(css.content))
    assert wire < 100_000 and wire < 10_000  # far below the 100 KB budget
    assert "Genoptagelseskode" in reply.text  # an open link can be resumed with a code


def test_a_survey_link_on_the_root_is_sent_to_the_survey(client, database):
    token = open_token(database)
    reply = client.get(f"/?t={token}&lang=da")
    assert reply.status_code == 303
    assert reply.headers["location"] == f"/survey?t={token}&lang=da"


def test_a_base_url_path_prefixes_every_address(database):
    client = make_client("/study")
    token = open_token(database)
    assert client.get(f"/study/?t={token}").headers["location"] == f"/study/survey?t={token}"
    tab = Respondent(client, f"/study/survey?t={token}")
    assert 'href="/study/survey/survey.css' in tab.html
    tab.press("I agree, start the survey")
    assert tab.address.startswith(f"/study/survey?t={token}&r=")
    assert tab.form.action.startswith("/study/survey?")


@pytest.mark.parametrize("language", ["en", "da"])
@pytest.mark.parametrize("instrument", SURVEYS, ids=lambda i: i.id)
def test_every_page_of_every_survey_renders_each_item_once(client, database, instrument, language):
    token = open_token(database, instrument=instrument.id)
    tab = Respondent(client, f"/survey?t={token}&lang={language}")
    tab.press(
        "I agree, start the survey" if language == "en" else "Jeg accepterer, start spørgeskemaet"
    )
    for index, page in enumerate(instrument.pages):
        assert page_heading(tab.html) == page.title[language].replace("'", "&#39;")
        names = set(tab.form.inputs)
        assert names == {f"a-{item.id}" for item in instrument.page_items(page)}
        assert f"Page {index + 1} of" in tab.html or f"Side {index + 1} af" in tab.html
        answers = {item.id: planned_answer(item) for item in instrument.page_items(page)}
        tab.press(
            SUBMIT[language] if index == len(instrument.pages) - 1 else NEXT[language], answers
        )
    assert THANKS[language] in tab.html


# -- the journey: nothing lost, nothing twice -------------------------------------------------


def test_the_whole_journey_with_back_reload_and_a_language_switch_keeps_every_answer(
    client, database
):
    tab = started(client, database)
    assert "Your resume code is" in tab.html  # prominent, on the first page
    language, expected = "en", {}
    for index, page in enumerate(SURVEY.pages):
        answers = {item.id: planned_answer(item) for item in SURVEY.page_items(page)}
        if index == 4:  # switch language midway: the page is saved, nothing is lost
            tab.press("Dansk", answers)
            language = "da"
            assert '<html lang="da">' in tab.html
            assert page_heading(tab.html) == page.title["da"]
            expected.update(answers)
            assert stored(database) == expected
            answers = {}  # the page shows them: pressing Next sends them again
            for item_id, value in expected.items():
                if item_id in {i.id for i in SURVEY.page_items(page)} and not isinstance(
                    value, list
                ):
                    assert tab.form.values()[f"a-{item_id}"] == [str(value)]
        tab.reload()  # a reload shows the same page
        assert page_heading(tab.html) == page.title[language]
        if index > 0:
            tab.press(BACK[language], answers)
            assert page_heading(tab.html) == SURVEY.pages[index - 1].title[language]
            tab.press(NEXT[language])
            assert page_heading(tab.html) == page.title[language]
            answers = {}
        last = index == len(SURVEY.pages) - 1
        tab.press(SUBMIT[language] if last else NEXT[language], answers)
        expected.update({item.id: planned_answer(item) for item in SURVEY.page_items(page)})
        assert stored(database) == expected, page.id
    assert THANKS["da"] in tab.html
    with database.transaction() as session:
        response = session.scalar(select(ResponseRow))
        assert (response.status, response.language) == ("complete", "da")
    assert count(database, AnswerRow.id) == len(SURVEY.all_items())


def test_a_required_answer_missing_shows_an_error_summary_linking_to_the_field(client, database):
    tab = started(client, database, "da")
    tab.press(NEXT["da"], {"uf2": 3, "minutes": "abc"})
    assert tab.reply.status_code == 422
    parsed = parse(tab.html)
    assert tab.html.count('class="error-summary"') == 1
    links = re.findall(r'<li><a href="#([\w-]+)">', tab.html)
    assert links == ["uf1-1", "minutes-input"]
    assert all(target in parsed.ids for target in links)
    assert "Dette spørgsmål skal besvares." in tab.html
    assert "<title>Fejl:" in tab.html
    assert stored(database) == {"uf2": 3}  # what was valid is kept
    form = tab.form
    assert form.values()["a-minutes"] == ["abc"]  # what was typed stays in the page
    tab.press(NEXT["da"], {"uf1": 4, "minutes": "45"})
    assert page_heading(tab.html) == SURVEY.pages[1].title["da"]
    assert stored(database) == {"uf1": 4, "uf2": 3, "minutes": 45}


def test_a_second_tab_and_browser_back_never_erase_answers_given_elsewhere(client, database):
    tab = started(client, database)
    other = Respondent(client, tab.address)  # the same page in a second tab
    tab.press(NEXT["en"], {"uf1": 5, "uses": ["news"]})
    # The second tab still shows the page empty; it changes one answer and goes on.
    other.press(NEXT["en"], {"uf2": 2})
    assert stored(database) == {"uf1": 5, "uf2": 2, "uses": ["news"]}
    # Browser Back to page 1 (a GET of its address) shows everything stored.
    page_one = Respondent(client, tab.address.replace("p=1", "p=0"))
    values = page_one.form.values()
    assert (values["a-uf1"], values["a-uf2"], values["a-uses"]) == (["5"], ["2"], ["news"])


def test_a_double_submit_stores_one_response_once(client, database):
    tab = started(client, database)
    for index, page in enumerate(SURVEY.pages):
        answers = {item.id: planned_answer(item) for item in SURVEY.page_items(page)}
        form = tab.form
        last = index == len(SURVEY.pages) - 1
        button = SUBMIT["en"] if last else NEXT["en"]
        first = Respondent.__new__(Respondent)
        first.client = client
        first.reply = tab.reply
        first.press(button, answers, form=form)  # the first click
        tab.press(button, answers, form=form)  # the second click of the same form
        assert page_heading(tab.html) == page_heading(first.html)
    assert THANKS["en"] in tab.html
    assert count(database, ResponseRow.id) == 1
    assert count(database, AnswerRow.id) == len(SURVEY.all_items())


def test_resume_by_code_by_the_address_and_by_the_form(client, database):
    tab = started(client, database)
    tab.press(NEXT["en"], {"uf1": 3})
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', tab.html).group(1)
    token = re.search(r"t=([\w-]+)", tab.address).group(1)
    by_address = Respondent(client, f"/survey?t={token}&r={code.replace('-', '').lower()}")
    assert page_heading(by_address.html) == SURVEY.pages[1].title["en"]
    fresh = Respondent(client, f"/survey?t={token}")  # another device: the consent page
    resume = forms(fresh.html)[1]
    fresh.press("Continue", form=resume)
    assert fresh.reply.status_code == 422  # no code typed: an error, linked to the field
    assert 'href="#code-input"' in fresh.html
    resume = forms(fresh.html)[1]
    resume.inputs["code"] = [("text", code, True)]
    fresh.press("Continue", form=resume)
    assert page_heading(fresh.html) == SURVEY.pages[1].title["en"]
    assert count(database, ResponseRow.id) == 1


def test_a_personal_link_resumes_and_once_used_only_thanks(client, database):
    (token,) = personal_tokens(database)
    tab = Respondent(client, f"/survey?t={token}")
    assert "resume code" not in tab.html.lower().replace("continue with a resume code", "")
    tab.press("I agree, start the survey")
    tab.press(NEXT["en"], {"uf1": 2})
    again = Respondent(client, f"/survey?t={token}")  # the e-mail's link, opened again
    assert page_heading(again.html) == SURVEY.pages[1].title["en"]
    assert "Your resume code" not in again.html  # the link itself resumes
    for index in range(1, len(SURVEY.pages)):
        again.press(SUBMIT["en"] if index == len(SURVEY.pages) - 1 else NEXT["en"])
    assert THANKS["en"] in again.html
    used = Respondent(client, f"/survey?t={token}&lang=da")
    assert THANKS["da"] in used.html and "start" not in used.html.lower()


@pytest.mark.parametrize("language", ["en", "da"])
def test_closed_not_yet_open_and_bogus_links_say_so_politely(client, database, language):
    import datetime as dt

    token = open_token(database, opens=dt.date.today() + dt.timedelta(days=3))
    reply = client.get(f"/survey?t={token}&lang={language}")
    assert ("has not opened yet" if language == "en" else "ikke åbnet endnu") in reply.text
    with database.transaction() as session:
        session.execute(
            update(CampaignRow).values(opens_at=None, closed_at=dt.datetime.now(dt.UTC))
        )
    reply = client.get(f"/survey?t={token}&lang={language}")
    assert ("This survey is closed" if language == "en" else "lukket") in reply.text
    reply = client.get(f"/survey?t={'x' * 32}&lang={language}")
    assert reply.status_code == 404
    assert ("not valid" if language == "en" else "ikke gyldigt") in reply.text
    reply = client.get("/survey")
    assert "link from your invitation" in reply.text
    assert not any(leak in reply.text for leak in LEAKS)


# -- forms from elsewhere, old forms ----------------------------------------------------------


def test_a_post_without_a_valid_form_field_or_from_another_site_stores_nothing(client, database):
    tab = started(client, database)
    action = tab.form.action.replace("&amp;", "&")
    answers = {"a-uf1": "5", "action": "next"}
    assert client.post(action, data=answers).status_code == 200  # the page again, nothing done
    forged = tab.form.hidden["form"].replace("|0|", "|1|", 1)
    client.post(action, data={**answers, "form": forged})
    good = {**answers, "form": tab.form.hidden["form"]}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        assert client.post(action, data=good, headers=headers).status_code == 403
    assert (
        client.post(action, content=b"{}", headers={"Content-Type": "application/json"}).status_code
        == 415
    )
    assert stored(database) == {}
    ok = client.post(
        action, data=good, headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    )
    assert ok.status_code == 303 and stored(database) == {"uf1": 5}


def test_an_expired_form_shows_the_page_again_with_what_was_typed(client, database, monkeypatch):
    from study.web import signing

    tab = started(client, database)
    form = tab.form
    lifetime = signing.FORM_SECONDS
    monkeypatch.setattr(signing, "FORM_SECONDS", -400)  # every form is now too old
    tab.press(NEXT["en"], {"uf1": 4, "minutes": 30}, form=form)
    assert "open for a long time" in tab.html
    assert tab.form.values()["a-minutes"] == ["30"]
    assert stored(database) == {}
    monkeypatch.setattr(signing, "FORM_SECONDS", lifetime)
    tab.press(NEXT["en"])  # pressing again with the fresh form stores it
    assert stored(database) == {"uf1": 4, "minutes": 30}


def test_opt_out_asks_first_then_stops_the_emails(client, database):
    (token,) = personal_tokens(database)
    with database.transaction() as session:
        from study.db.models import InvitationRow

        invitation = session.scalar(select(InvitationRow))
        session.add(
            MailRecipientRow(
                campaign_id=invitation.campaign_id,
                invitation_id=invitation.id,
                email="ane@example.org",
                language="da",
            )
        )
    tab = Respondent(client, f"/survey?t={token}&optout=1&lang=da")
    with database.transaction() as session:
        assert session.scalar(select(MailRecipientRow.opted_out)) is False  # a GET changes nothing
    tab.press("Stop e-mails")
    assert "Du får ikke flere e-mails" in tab.html
    with database.transaction() as session:
        assert session.scalar(select(MailRecipientRow.opted_out)) is True
        session.execute(update(MailRecipientRow).values(opted_out=False))
    one_click = client.post(
        f"/survey?t={token}&optout=1", data={"List-Unsubscribe": "One-Click"}
    )  # RFC 8058, from a mail app
    assert one_click.status_code == 303
    with database.transaction() as session:
        assert session.scalar(select(MailRecipientRow.opted_out)) is True


# -- never a traceback -----------------------------------------------------------------------


def test_an_unexpected_error_shows_an_error_id_and_logs_the_traceback(client, database, caplog):
    token = open_token(database)
    with database.transaction() as session:
        session.execute(
            update(InstrumentRow).values(definition={"kind": "survey"}, content_hash="damaged")
        )
    with caplog.at_level(logging.ERROR, logger="study.web"):
        reply = client.get(f"/survey?t={token}&lang=da")
    assert reply.status_code == 500
    error_id = re.search(r"fejl-id (\w+)", reply.text).group(1)
    assert not any(leak in reply.text for leak in LEAKS), reply.text
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None


@pytest.fixture
def sqlite_database(sqlite_template, tmp_path, monkeypatch):
    """A fresh SQLite database (a write lock held elsewhere is SQLite's busy case)."""
    import shutil

    from study.db import Database

    shutil.copy(sqlite_template, tmp_path / "locked.db")
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    monkeypatch.setenv("STUDY_DATABASE_URL", url)
    database = Database(url)
    yield database
    database.dispose()


def test_a_locked_database_keeps_the_typed_answers_in_the_page(
    client, sqlite_database, monkeypatch
):
    import sqlite3

    database = sqlite_database

    from study.web import replies

    monkeypatch.setenv("STUDY_SQLITE_BUSY_TIMEOUT_MS", "100")
    monkeypatch.setattr(replies, "RETRY_DELAYS", (0.05, 0.05))
    replies._database.cache_clear()
    tab = started(client, database)
    form = tab.form
    holder = sqlite3.connect(database.engine.url.database, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        tab.press(NEXT["en"], {"uf1": 5, "minutes": 45}, form=form)
    finally:
        holder.rollback()
        holder.close()
    assert tab.reply.status_code == 503
    assert "Your answers are still on this page" in tab.html
    assert not any(leak in tab.html for leak in LEAKS)
    values = tab.form.values()
    assert values["a-uf1"] == ["5"] and values["a-minutes"] == ["45"]
    tab.press(NEXT["en"])  # the database is back: the same button works
    assert page_heading(tab.html) == SURVEY.pages[1].title["en"]
    assert stored(database) == {"uf1": 5, "minutes": 45}
    replies._database.cache_clear()


def test_a_double_clicked_consent_starts_one_response(client, database):
    token = open_token(database)
    consent = Respondent(client, f"/survey?t={token}")
    form = consent.form
    first = client.post(form.action, data={**form.values(), "action": "start"})
    second = client.post(form.action, data={**form.values(), "action": "start"})
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]  # the same resume code
    assert count(database, ResponseRow.id) == 1
    again = Respondent(client, f"/survey?t={token}")  # a new visit is a new respondent
    again.press("I agree, start the survey")
    assert count(database, ResponseRow.id) == 2
