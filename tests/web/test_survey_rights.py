"""The respondent's own answers on the survey's plain pages (issue 26): the thank-you page's
code, "See my answers" (and its CSV), "Withdraw my answers", in English and Danish; hostile
and late requests store nothing and delete nothing."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from sqlalchemy import func, select

from study.db.models import AnswerRow, ResponseRow, StudyRow
from study.web.texts import text

from survey_forms import (
    NEXT,
    START,
    SUBMIT,
    SURVEY,
    Respondent,
    make_client,
    open_token,
    personal_tokens,
    planned_answer,
)

FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def client():
    return make_client()


def _answers(page) -> dict:
    answers = {item.id: planned_answer(item) for item in SURVEY.page_items(page)}
    for item in SURVEY.page_items(page):
        if item.type == "text":
            answers[item.id] = FORMULA
    return answers


def _complete(client, address: str, language: str) -> Respondent:
    tab = Respondent(client, address)
    tab.press(START[language])
    for index, page in enumerate(SURVEY.pages):
        last = index == len(SURVEY.pages) - 1
        tab.press(SUBMIT[language] if last else NEXT[language], _answers(page))
    return tab


def _link(tab: Respondent, label: str) -> str:
    match = re.search(rf'<a href="([^"]+)">{re.escape(label)}</a>', tab.html)
    assert match, f"no link {label!r}"
    return html.unescape(match.group(1))


def _stored(database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count(ResponseRow.id)))


@pytest.mark.parametrize("language", ["en", "da"])
def test_an_open_link_respondent_sees_downloads_and_withdraws_their_answers(
    client, database, language
):
    token = open_token(database)
    tab = _complete(client, f"/survey?t={token}&lang={language}", language)
    assert text(language, "thanks").split(".")[0] in tab.html
    assert text(language, "rights_intro").split(".")[0] in tab.html
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', tab.html).group(1)
    mine = Respondent(client, _link(tab, text(language, "see_answers")))
    assert mine.reply.status_code == 200
    likert = next(item for item in SURVEY.all_items() if item.type == "likert")
    assert html.escape(likert.text[language], quote=False) in mine.html
    assert FORMULA in html.unescape(mine.html) and FORMULA not in mine.html  # text, escaped
    download = client.get(_link(mine, text(language, "download")))
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == 'attachment; filename="my-answers.csv"'
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == [text(language, "question"), text(language, "answer")]
    assert ["'" + FORMULA] in [row[1:] for row in rows]  # never a live formula
    withdraw = Respondent(client, _link(mine, text(language, "withdraw_link")))
    assert code.replace("-", "") in withdraw.html.replace("-", "")  # the code is filled in
    assert _stored(database) == 1
    withdraw.press(text(language, "withdraw_button"))
    assert text(language, "withdrawn") in html.unescape(withdraw.html)
    assert _stored(database) == 0
    with database.transaction() as session:
        assert not session.scalar(select(func.count(AnswerRow.id)))
    again = Respondent(client, _link(tab, text(language, "see_answers")))
    assert "No answers are stored" in again.html or "Der er ikke gemt svar" in again.html


def test_a_personal_link_withdraws_in_progress_without_a_code_and_after_submission_with_one(
    client, database
):
    first, second = personal_tokens(database, 2)
    # the invitation e-mail's link, while the survey is in progress: no code needed
    started = Respondent(client, f"/survey?t={first}")
    started.press(START["en"])
    withdraw = Respondent(client, f"/survey?t={first}&withdraw=1")
    withdraw.press(text("en", "withdraw_button"))
    assert text("en", "withdrawn") in html.unescape(withdraw.html)
    assert _stored(database) == 0
    # submitted in an anonymous study: the link is separated from the answers...
    tab = _complete(client, f"/survey?t={second}", "en")
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', tab.html).group(1)
    late = Respondent(client, f"/survey?t={second}&withdraw=1")
    late.press(text("en", "withdraw_button"))
    assert late.reply.status_code == 422
    assert "no longer leads to your answers" in html.unescape(late.html)
    assert _stored(database) == 1
    # ...and the code from the thank-you page does it
    done = _code_typed(late, code)
    assert done.status_code == 303 and "done=1" in done.headers["location"]
    assert _stored(database) == 0


def _code_typed(respondent: Respondent, code: str):
    data = respondent.form.values()
    data["code"] = [code]
    data["action"] = ["withdraw"]
    return respondent.client.post(respondent.form.action.replace("&amp;", "&"), data=data)


@pytest.mark.parametrize("code", ["ABCDE-FGH23", "", "<script>", "x" * 300])
def test_a_wrong_code_deletes_nothing_and_says_one_sentence(client, database, code):
    token = open_token(database)
    _complete(client, f"/survey?t={token}", "en")
    page = Respondent(client, f"/survey?t={token}&withdraw=1")
    reply = _code_typed(page, code)
    assert reply.status_code == 422
    assert "No answers are stored under that code" in html.unescape(reply.text)
    assert "<script>" not in reply.text and "Traceback" not in reply.text
    assert _stored(database) == 1


def test_a_forged_or_cross_site_withdrawal_deletes_nothing(client, database):
    token = open_token(database)
    tab = _complete(client, f"/survey?t={token}", "en")
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', tab.html).group(1)
    forged = client.post(
        f"/survey?t={token}&withdraw=1",
        data={"form": "forged", "code": code, "action": "withdraw"},
    )
    assert forged.status_code == 200 and text("en", "withdraw_title") in forged.text
    page = Respondent(client, f"/survey?t={token}&withdraw=1")
    data = page.form.values() | {"code": [code]}
    elsewhere = client.post(
        page.form.action.replace("&amp;", "&"),
        data=data,
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert elsewhere.status_code == 403
    assert _stored(database) == 1


def test_after_the_freeze_date_the_page_says_so_and_keeps_the_answers(client, database):
    token = open_token(database)
    tab = _complete(client, f"/survey?t={token}&lang=da", "da")
    with database.transaction() as session:
        session.scalar(select(StudyRow)).freeze_on = dt.date.today() - dt.timedelta(days=1)
    page = Respondent(client, _link(tab, text("da", "withdraw_link")))
    assert (dt.date.today() - dt.timedelta(days=1)).isoformat() in page.html  # the deadline
    page.press(text("da", "withdraw_button"))
    assert page.reply.status_code == 422
    assert "Analysen er gået i gang" in html.unescape(page.html)
    assert _stored(database) == 1
