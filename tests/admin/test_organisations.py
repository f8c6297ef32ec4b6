"""Organisations, and names people type: one line, no control characters (issue 20, 7).

A CR/LF in an organisation name was accepted, then crashed `study campaign send` with a
traceback when the name reached an e-mail subject. Names are refused where they enter,
and before any flush for every name column, on both backends.
"""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import CodeRow, OrganisationRow
from study.errors import InvalidInput
from study.interviews.coding import load_scheme_into_db
from study.surveys import create_campaign

from conftest import DATA, add_user

HOSTILE = [
    "Nordlys\r\nBcc: everyone@example.org",
    "Nordlys\nBank",
    "Nordlys\rBank",
    "Nordlys\tBank",
    "Nordlys\x1bBank",
    "Nordlys\x85Bank",
    "Nordlys\u2028Bank",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_an_organisation_name_with_a_control_character_is_refused(session, name):
    with pytest.raises(InvalidInput, match="^The organisation name must be one line") as caught:
        add_organisation(session, name, actor=OPERATOR)
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)
    assert session.scalar(select(OrganisationRow.id)) is None


def test_the_cli_refuses_it_in_one_sentence(database):
    result = CliRunner().invoke(app, ["org", "add", "Nordlys\r\nBcc: x@example.org"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: The organisation name must be one line")
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


@contextlib.contextmanager
def refused_name(session, what: str):
    """What runs inside, or the flush after it, refuses the ``what`` name; then roll back."""
    with pytest.raises(InvalidInput, match=f"^The {what} name must be one line"):
        yield
        session.flush()
    session.rollback()


def test_every_name_column_refuses_control_characters_before_any_flush(session):
    """The storage net: any path (an import, a rename, a script) meets the same rule."""
    add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    session.flush()
    org = session.scalar(select(OrganisationRow))
    with refused_name(session, "organisation"):
        org.name = "Nordlys\nBank"


def test_display_campaign_and_code_names_are_one_line(session):
    with refused_name(session, "account display"):
        add_user(session, "nina@example.org", "coder", password=None, display_name="Nina\r\nX")
    add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    with refused_name(session, "campaign"):
        create_campaign(
            session,
            organisation="Nordlys Bank",
            instrument="ism-adoption-survey",
            name="Spring\r\nBcc: x@example.org",
            actor=OPERATOR,
        )
    load_scheme_into_db(session, DATA / "coding" / "tiny-1.0.yaml", actor=OPERATOR)
    session.flush()
    code = session.scalar(select(CodeRow))
    with refused_name(session, "code"):
        code.name = "Barriers\nsecond line"


def test_a_name_stored_before_the_check_makes_a_one_line_subject_not_a_traceback():
    """Old databases may hold such a name: the mail header is still one line."""
    from study.surveys.mailing import Outgoing, SmtpServer, _message

    server = SmtpServer.from_url("smtp://127.0.0.1:25?from=survey@uni.example")
    message = _message(
        server,
        Outgoing(
            1,
            "ane@example.org",
            "Nordlys\r\nBcc: x@example.org: a short survey",
            "Hello",
            "https://survey.example.org/o",
        ),
    )
    assert message["Subject"] == "Nordlys Bcc: x@example.org: a short survey"
    assert message["Bcc"] is None


def test_a_sender_with_a_line_break_is_a_config_error():
    from study.errors import ConfigError
    from study.surveys.mailing import SmtpServer

    with pytest.raises(ConfigError, match="sender"):
        SmtpServer.from_url("smtp://127.0.0.1:25?from=survey@uni.example%0d%0aBcc:x@y.org")
