"""E-mail invitations and reminders, delivered to a real SMTP server (aiosmtpd) started here."""

from __future__ import annotations

import email
import socket
import time
from email import policy

import aiosmtpd.controller as aiosmtpd  # noqa: E402 - a test extra; missing, the tests fail
import pytest
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import MailRecipientRow, MailSentRow
from study.errors import ConfigError, InvalidFile, InvalidInput
from study.surveys import (
    create_campaign,
    import_recipients,
    open_link,
    opt_out,
    send_campaign_mail,
    start_response,
    submit_response,
)

from survey_forms import personal_campaign

RECIPIENTS = (
    "email,language\n"
    "ane@example.org,da\n"
    "bo@example.org,en\n"
    "cai@example.org,\n"
    "ANE@example.org,da\n"
)  # the same address again: one recipient


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1; STUDY_SMTP_URL points at it."""
    inbox = Inbox()
    port = _free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("STUDY_SMTP_URL", f"smtp://127.0.0.1:{port}?from=survey@uni.example")
    monkeypatch.setenv("STUDY_MAIL_PER_MINUTE", "60000")
    monkeypatch.setenv("STUDY_BASE_URL", "https://survey.example.org")
    yield inbox
    controller.stop()


@pytest.fixture
def campaign(database):
    with database.transaction() as session:
        info = personal_campaign(session)
        added = import_recipients(session, info.id, RECIPIENTS.encode(), actor=OPERATOR)
    assert (added.added, added.already) == (3, 0)
    return info.id


def token_in(message) -> str:
    body = message.get_content()
    return body.split("/survey?t=")[1][:32]


def test_invitations_reach_each_recipient_in_their_language_once(database, smtp, campaign):
    report = send_campaign_mail(database, campaign, actor=OPERATOR)
    assert report.sent == 3 and not report.failed
    assert sorted(m["To"] for m in smtp.messages) == [
        "ane@example.org",
        "bo@example.org",
        "cai@example.org",
    ]
    danish, english, both = (
        smtp.to(a)[0] for a in ("ane@example.org", "bo@example.org", "cai@example.org")
    )
    assert danish["Subject"] == "Nordlys Bank: et kort spørgeskema om interne sociale medier"
    assert "Dit personlige link" in danish.get_content() and "&lang=da" in danish.get_content()
    assert "Your personal link" in english.get_content()
    assert "Dit personlige link" not in english.get_content()
    assert (
        "Your personal link" in both.get_content() and "Dit personlige link" in both.get_content()
    )
    assert danish["From"] == "survey@uni.example"
    tokens = {token_in(m) for m in smtp.messages}
    assert len(tokens) == 3  # a personal link each
    for message in smtp.messages:
        token = token_in(message)
        assert f"https://survey.example.org/survey?t={token}&optout=1" in message.get_content()
        assert (
            message["List-Unsubscribe"] == f"<https://survey.example.org/survey?t={token}&optout=1>"
        )
        with database.transaction() as session:
            assert open_link(session, token).mode == "personal"  # the link works
    # A second send has nobody left to invite.
    assert send_campaign_mail(database, campaign, actor=OPERATOR).sent == 0
    assert len(smtp.messages) == 3
    with database.transaction() as session:
        assert session.scalar(select(func.count(MailSentRow.id))) == 3


def test_reminders_skip_completed_and_opted_out_recipients(database, smtp, campaign):
    send_campaign_mail(database, campaign, actor=OPERATOR)
    ane, bo = token_in(smtp.to("ane@example.org")[0]), token_in(smtp.to("bo@example.org")[0])
    with database.transaction() as session:
        response_id, _ = start_response(session, ane, language="da")
        assert submit_response(session, response_id, {"uf1": 3}, page=None).ok
        opt_out(session, bo)
    smtp.messages.clear()
    report = send_campaign_mail(database, campaign, reminder=True, actor=OPERATOR)
    assert [m["To"] for m in smtp.messages] == ["cai@example.org"]
    assert report.sent == 1
    assert smtp.messages[0]["Subject"].startswith("Reminder: Internal social media at work")
    # Opting out also stops invitations to an address imported again.
    with database.transaction() as session:
        assert (
            import_recipients(session, campaign, b"email\nbo@example.org\n", actor=OPERATOR).already
            == 1
        )


def test_the_mail_record_is_never_linked_to_a_response(database, smtp, campaign):
    columns = {
        table: {c["name"] for c in inspect(database.engine).get_columns(table)}
        for table in ("mail_recipient", "mail_sent")
    }
    assert not any("response" in name for names in columns.values() for name in names)
    assert columns["mail_sent"] == {"id", "recipient_id", "kind", "sent_on"}  # a day, no time


def test_dry_run_sends_and_records_nothing(database, smtp, campaign):
    report = send_campaign_mail(database, campaign, dry_run=True, actor=OPERATOR)
    assert len(report.messages) == 3 and report.sent == 0
    assert "would send 3 invitation" in report.summary()
    assert smtp.messages == []
    with database.transaction() as session:
        assert session.scalar(select(func.count(MailSentRow.id))) == 0


def test_sending_is_rate_limited(database, smtp, campaign):
    start = time.monotonic()
    send_campaign_mail(database, campaign, per_minute=120, actor=OPERATOR)  # one message per 0.5 s
    assert time.monotonic() - start >= 1.0  # three messages: two waits
    assert len(smtp.messages) == 3


def test_bad_recipient_files_are_refused_whole(database, campaign):
    hostile = b"email\nok@example.org\nevil@example.org\\nBcc: all@example.org\n"
    with database.transaction() as session:
        with pytest.raises(InvalidFile, match="line 3"):
            import_recipients(session, campaign, hostile, actor=OPERATOR)
        with pytest.raises(InvalidFile, match="'email' column"):
            import_recipients(session, campaign, b"name\nAne\n", actor=OPERATOR)
        with pytest.raises(InvalidFile, match="not one of the survey's languages"):
            import_recipients(
                session, campaign, b"email,language\nx@example.org,fr\n", actor=OPERATOR
            )
        assert session.scalar(select(func.count(MailRecipientRow.id))) == 3


def test_open_link_campaigns_and_missing_smtp_are_refused_in_one_sentence(
    database, campaign, monkeypatch
):
    with database.transaction() as session:
        open_campaign = create_campaign(
            session, organisation="Nordlys Bank", instrument="ism-adoption-survey", actor=OPERATOR
        ).id
        with pytest.raises(InvalidInput, match="personal invitations"):
            import_recipients(session, open_campaign, RECIPIENTS.encode(), actor=OPERATOR)
    monkeypatch.setenv("STUDY_SMTP_URL", "")
    with pytest.raises(ConfigError, match="STUDY_SMTP_URL is not set"):
        send_campaign_mail(database, campaign, actor=OPERATOR)
    monkeypatch.setenv("STUDY_SMTP_URL", f"smtp://secretuser:hunter2@127.0.0.1:{_free_port()}")
    with pytest.raises(ConfigError, match="Cannot send e-mail through 127.0.0.1") as caught:
        send_campaign_mail(database, campaign, actor=OPERATOR)
    assert "hunter2" not in str(caught.value)
    with database.transaction() as session:
        assert session.scalar(select(func.count(MailSentRow.id))) == 0


def test_cli_imports_recipients_and_sends(database, smtp, tmp_path):
    runner = CliRunner()
    env = {"STUDY_DATABASE_URL": database.url}
    with database.transaction() as session:
        campaign = personal_campaign(session, invitations=2).id
    path = tmp_path / "people.csv"
    path.write_text(RECIPIENTS, encoding="utf-8")
    result = runner.invoke(app, ["campaign", "recipients", str(campaign), str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "Added 3 recipients" in result.output
    result = runner.invoke(app, ["campaign", "send", str(campaign), "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "To: ane@example.org | Subject: Nordlys Bank: et kort" in result.output
    assert smtp.messages == []
    result = runner.invoke(app, ["campaign", "send", str(campaign)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("Sent 3 invitation e-mails.")
    assert len(smtp.messages) == 3
    result = runner.invoke(app, ["campaign", "send", str(campaign), "--reminder"], env=env)
    assert result.output.strip().endswith("Sent 3 reminder e-mails.")
    result = runner.invoke(app, ["campaign", "send", "999"], env=env)
    assert result.exit_code == 1 and result.output.startswith("Error: There is no campaign 999")


def test_researcher_sends_invitations_from_the_campaigns_page(database, smtp, campaign):
    from conftest import add_user, open_app_page

    with database.transaction() as session:
        account = add_user(session, "r@example.org", "researcher")
    at = open_app_page(account, "campaigns.py")
    assert any("3 recipients (0 opted out)" in c.value for c in at.caption)
    at.button(key=f"send-False-{campaign}").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Sent 3 invitation e-mails."]
    assert len(smtp.messages) == 3
