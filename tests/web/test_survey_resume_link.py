"""Coming back to an open link without a cookie (issue 27, item 2).

Reopening the open link itself starts at the consent page, as it must (the link is shared
by everyone). So the consent page says how to come back, and every page of a started
survey shows the link back to the respondent's own answers (the link with the resume
code), with a ``mailto:`` that puts it in an e-mail to oneself: no script, no cookie.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from study.web.texts import text

from survey_forms import NEXT, START, SURVEY, Respondent, make_client, open_token, page_heading

BASE = "https://survey.example.org"


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("STUDY_BASE_URL", BASE)
    return make_client()


@pytest.mark.parametrize("language", ["en", "da"])
def test_the_consent_page_of_an_open_link_says_how_to_come_back(client, database, language):
    token = open_token(database)
    consent = Respondent(client, f"/survey?t={token}&lang={language}")
    assert html.escape(text(language, "come_back"), quote=False) in consent.html


@pytest.mark.parametrize("language", ["en", "da"])
def test_every_page_shows_the_link_back_and_an_email_to_oneself(client, database, language):
    token = open_token(database)
    tab = Respondent(client, f"/survey?t={token}&lang={language}")
    tab.press(START[language])
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', tab.html).group(1)
    link = f"{BASE}/survey?t={token}&lang={language}&r={code.replace('-', '')}"
    assert f'<a href="{html.escape(link)}">{html.escape(link)}</a>' in tab.html
    mail = html.unescape(re.search(r'<a class="mail-link" href="([^"]+)"', tab.html).group(1))
    assert mail.startswith("mailto:?")
    fields = {k: unquote(v) for k, v in (p.split("=", 1) for p in mail[8:].split("&"))}
    assert link in fields["body"] and code in fields["body"]
    assert SURVEY.title[language] in fields["subject"]
    assert text(language, "mail_link") in tab.html
    # answer page 1, go on, and come back later through the link: a new visit, no cookie
    tab.press(NEXT[language], {"uf1": 4})
    assert link in html.unescape(tab.html)  # shown on later pages too
    later = make_client()
    parts = urlsplit(link)
    back = Respondent(later, f"{parts.path}?{parts.query}")
    assert back.reply.status_code == 200
    assert page_heading(back.html) == SURVEY.pages[1].title[language]
    assert parse_qs(urlsplit(back.address).query)["r"] == [code.replace("-", "")]
    assert not back.reply.cookies and "set-cookie" not in back.reply.headers


@pytest.mark.server
def test_without_a_base_url_the_served_port_is_in_the_links(database, tmp_path):
    """`./run.sh --server.port 8600` (the README's example) builds links to its own port."""
    import httpx

    from conftest import _serve
    from survey_forms import fill, forms

    token = open_token(database)
    server = _serve(database.url, tmp_path, env={"STUDY_BASE_URL": ""})
    base = next(server)
    try:
        port = urlsplit(base).port
        with httpx.Client(base_url=base, follow_redirects=True) as browser:
            consent = forms(browser.get(f"/survey?t={token}").text)[0]
            data = fill(consent, {})
            data["action"] = ["start"]
            page = browser.post(consent.action.replace("&amp;", "&"), data=data).text
        link = html.unescape(
            re.search(r'class="resume-link">[^<]*<a href="([^"]+)"', page).group(1)
        )
        assert link.startswith(f"http://localhost:{port}/survey?t={token}&lang=en&r=")
    finally:
        next(server, None)
