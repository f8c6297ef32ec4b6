"""Settings: declared once, and never showing the passwords inside them (issue 20, 4)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from study.cli import app
from study.config import mask_url
from study.db import Database
from study.db.engine import unavailable
from study.errors import ConfigError, DatabaseUnavailable

runner = CliRunner()
SECRET = "hunter2"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://study:hunter2@db.example.org:5432/study",
            "postgresql://study:***@db.example.org:5432/study",
        ),
        (
            "postgresql+psycopg://study:hunter2@db.example.org/study?sslmode=require",
            "postgresql+psycopg://study:***@db.example.org/study?sslmode=require",
        ),
        (
            "smtp://mailer:hunter2@mail.example.org:587?starttls=1&from=study@example.org",
            "smtp://mailer:***@mail.example.org:587?starttls=1&from=study@example.org",
        ),
        ("smtps://mailer:hun%40ter2@mail.example.org", "smtps://mailer:***@mail.example.org"),
        # Not encoded as it should be: still nothing of the password shows.
        (
            "postgresql://study:hun@ter/2@db.example.org/study",
            "postgresql://study:***@db.example.org/study",
        ),
        ("postgresql://:hunter2@db.example.org/study", "postgresql://:***@db.example.org/study"),
        # Malformed ones, as an error message would show them.
        (
            "postgresql//study:hunter2@db.example.org/study",
            "postgresql//study:***@db.example.org/study",
        ),
        ("study:hunter2@db.example.org/study", "study:***@db.example.org/study"),
    ],
)
def test_mask_url_hides_the_password_and_keeps_the_rest(url, shown):
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///data/study.db",
        "sqlite:///data/a@b:c.db",
        "postgresql://study@db.example.org/study",
        "smtp://mail.example.org:25?from=study@example.org",
        "http://localhost:8501",
        "",
        "5",
    ],
)
def test_mask_url_leaves_urls_without_a_password_alone(url):
    assert mask_url(url) == url


def test_the_smtp_server_never_shows_its_password():
    from study.surveys.mailing import SmtpServer

    server = SmtpServer.from_url(f"smtp://mailer:{SECRET}@mail.example.org:587?starttls=1")
    assert server.password == SECRET and SECRET not in repr(server)


def test_settings_command_masks_database_and_smtp_passwords():
    result = runner.invoke(
        app,
        ["settings"],
        env={
            "STUDY_DATABASE_URL": f"postgresql://study:{SECRET}@db.example.org/study",
            "STUDY_SMTP_URL": f"smtp://mailer:{SECRET}x@mail.example.org:587?starttls=1",
        },
    )
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "STUDY_DATABASE_URL=postgresql://study:***@db.example.org/study" in result.output
    assert "STUDY_SMTP_URL=smtp://mailer:***@mail.example.org:587?starttls=1" in result.output


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql//study:{SECRET}@db.example.org/study",
        f"mysql://root:{SECRET}@localhost/x",
        f"postgresql://study:{SECRET}@db.example.org:54x/study",
    ],
)
def test_a_bad_database_url_is_refused_without_its_password(url):
    with pytest.raises(ConfigError, match="STUDY_DATABASE_URL") as caught:
        Database(url)
    assert SECRET not in str(caught.value)


def test_an_unreachable_database_is_named_without_its_password():
    url = f"postgresql://study:{SECRET}@127.0.0.1:1/study"
    message = str(unavailable(url, OSError("connection refused")))
    assert SECRET not in message and "study:***@127.0.0.1:1/study" in message
    result = runner.invoke(app, ["org", "list"], env={"STUDY_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and SECRET not in result.output
    assert isinstance(unavailable(url, OSError()), DatabaseUnavailable)
