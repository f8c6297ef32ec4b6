"""Survey links follow the address the app is served on, and say when they would not open
(issue 27, item 1: `./run.sh --server.port 8600` used to build links to port 8501)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from study import config
from study.admin.password_links import link_url
from study.admin.permissions import OPERATOR
from study.surveys import link_check
from study.surveys.link_check import link_warnings
from study.surveys.tokens import survey_link

from conftest import open_app_page


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """No recorded server address and no remembered probe, before and after each test."""
    monkeypatch.setattr(config, "_SERVED", [])
    monkeypatch.setattr(link_check, "_PROBES", {})
    monkeypatch.delenv("STUDY_BASE_URL", raising=False)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def answering_base():
    """An address that serves a stylesheet at /survey/survey.css, as the app does."""

    class Stylesheet(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            found = self.path.startswith("/survey/survey.css")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/css" if found else "text/plain")
            self.end_headers()
            self.wfile.write(b"body{}" if found else b"no")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stylesheet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_without_a_base_url_links_follow_the_port_the_app_is_served_on():
    assert survey_link("tok").startswith("http://localhost:8501/survey?t=tok")  # no server
    config.serve_at("http://localhost:8600/")
    assert survey_link("tok", language="da") == "http://localhost:8600/survey?t=tok&lang=da"
    assert link_url("abc").startswith("http://localhost:8600/set-password?")
    assert link_warnings() == []


def test_a_set_base_url_wins_over_the_served_address(monkeypatch, answering_base):
    monkeypatch.setenv("STUDY_BASE_URL", f"{answering_base}/")
    assert link_warnings() == []  # it answers as the app does
    config.serve_at("http://localhost:8600")
    assert survey_link("tok") == f"{answering_base}/survey?t=tok"


def test_a_base_url_on_another_local_port_is_named(monkeypatch):
    config.serve_at("http://localhost:8600")
    monkeypatch.setenv("STUDY_BASE_URL", "http://localhost:8501")
    (sentence,) = link_warnings()
    assert "served on port 8600" in sentence and "http://localhost:8501" in sentence


def test_a_base_url_that_does_not_answer_is_named(monkeypatch):
    base = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("STUDY_BASE_URL", base)
    (sentence,) = link_warnings()
    assert sentence.startswith(f"Survey links point at {base}, but nothing answers there")


def test_a_base_url_that_answers_as_something_else_is_named(monkeypatch, answering_base):
    monkeypatch.setenv("STUDY_BASE_URL", f"{answering_base}/elsewhere")
    (sentence,) = link_warnings()
    assert "not as ISM Study (HTTP 404)" in sentence


def test_localhost_links_seen_from_another_computer_get_a_hint():
    config.serve_at("http://localhost:8600")
    (sentence,) = link_warnings(opened_at="http://10.0.0.7:8600/campaigns")
    assert "opens only on the computer the app runs on" in sentence
    assert "http://10.0.0.7:8600" in sentence
    assert link_warnings(opened_at="http://localhost:8600/campaigns") == []


def test_the_campaigns_page_warns_before_any_link_is_sent(database, monkeypatch):
    from study.admin.accounts import add_account

    base = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("STUDY_BASE_URL", base)
    with database.transaction() as session:
        researcher = add_account(
            session,
            "r@example.org",
            role="researcher",
            password="a long secret password",
            actor=OPERATOR,
        )
    at = open_app_page(researcher, "campaigns.py")
    assert not at.exception
    # shown as plain text (Markdown characters escaped)
    assert [w.value.replace("\\", "") for w in at.warning] == [
        f"Survey links point at {base}, but nothing answers there: respondents could not "
        "open them. Check STUDY_BASE_URL."
    ]
