"""`study retention set|show|run`, run in-process as a scheduled script would call them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import EventRow, MailRecipientRow, StudyRow, TurnRow
from study.surveys import close_campaign, create_campaign, import_recipients

from conftest import DATA

runner = CliRunner()


@pytest.fixture
def env(database, database_url):
    """A closed campaign with two e-mail recipients and a transcript whose speakers are names."""
    environment = {"STUDY_DATABASE_URL": database_url}
    assert runner.invoke(app, ["org", "add", "Nordlys Bank"], env=environment).exit_code == 0
    done = runner.invoke(
        app,
        [
            "import",
            "transcripts",
            str(DATA / "transcripts" / "teams.vtt"),
            "--org",
            "Nordlys Bank",
            "--role",
            "coordinator",
        ],
        env=environment,
    )
    assert done.exit_code == 0, done.output
    with database.transaction() as session:
        campaign = create_campaign(
            session,
            organisation="Nordlys Bank",
            instrument="ism-adoption-survey",
            invitations=2,
            actor=OPERATOR,
        )
        import_recipients(
            session, campaign.id, b"email\nane@example.org\nbo@example.org\n", actor=OPERATOR
        )
        close_campaign(session, campaign.id, actor=OPERATOR)
    return environment


def invoke(env, *args: str) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def addresses(database) -> list[str]:
    with database.transaction() as session:
        return sorted(session.scalars(select(MailRecipientRow.email)))


def test_set_stores_the_dates_and_categories_and_says_them(env, database):
    output = invoke(
        env,
        "retention",
        "set",
        "--study-date",
        "2027-01-31",
        "--delete",
        "invitation_emails",
        "--delete",
        "speaker_names",
        "--freeze-date",
        "2026-12-31",
    )
    assert output.splitlines() == [
        "Retention date: 2027-01-31.",
        "Analysis freeze date: 2026-12-31.",
        "Deleted on the retention date: invitation e-mail addresses, transcripts' speaker names.",
    ]
    with database.transaction() as session:
        study = session.scalar(select(StudyRow))
        assert (study.retention_on, study.freeze_on) == (
            dt.date(2027, 1, 31),
            dt.date(2026, 12, 31),
        )
        assert study.retention_delete == ["invitation_emails", "speaker_names"]
    # Without --delete the categories stay; "all" sets every one again.
    invoke(env, "retention", "set", "--study-date", "2027-02-28")
    output = invoke(env, "retention", "set", "--study-date", "2027-02-28", "--delete", "all")
    assert "mail log" in output and "resume codes" in output


def test_set_refuses_an_unknown_category_and_a_bad_date(env):
    result = runner.invoke(
        app, ["retention", "set", "--study-date", "2027-01-31", "--delete", "names"], env=env
    )
    assert result.exit_code == 2 and "names" in result.output
    result = runner.invoke(app, ["retention", "set", "--study-date", "31.01.2027"], env=env)
    assert result.exit_code == 2
    result = runner.invoke(
        app,
        ["retention", "set", "--study-date", "2026-01-31", "--freeze-date", "2026-12-31"],
        env=env,
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: The retention date 2026-01-31 comes before")


def test_dry_run_then_run_then_run_again(env, database):
    invoke(env, "retention", "set", "--study-date", "2027-01-31")
    before = invoke(env, "retention", "run", "--today", "2027-01-30")
    assert before.startswith("Nothing was deleted: the retention date is 2027-01-31. Then: ")
    assert addresses(database) == ["ane@example.org", "bo@example.org"]
    dry = json.loads(
        invoke(env, "retention", "run", "--dry-run", "--format", "json", "--today", "2027-01-31")
    )
    assert dry["due"] and dry["dry_run"] and not dry["done"]
    assert dry["counts"]["invitation_emails"] == 2 and dry["counts"]["speaker_names"] > 0
    assert addresses(database) == ["ane@example.org", "bo@example.org"]
    output = invoke(env, "retention", "run", "--today", "2027-01-31")
    assert output.startswith("Deleted (retention date 2027-01-31): invitation e-mail addresses 2;")
    assert all(a.endswith("@retention.invalid") for a in addresses(database))
    with database.transaction() as session:
        assert set(session.scalars(select(TurnRow.speaker))) == {"Speaker 1", "Speaker 2"}
        assert (
            session.scalar(
                select(func.count(EventRow.id)).where(EventRow.action == "retention.run")
            )
            == 1
        )
    again = invoke(env, "retention", "run", "--today", "2027-02-01")
    assert again.splitlines()[0] == "Nothing was left to delete (retention date 2027-01-31)."


def test_a_scheduled_run_uses_today(env, database):
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    invoke(env, "retention", "set", "--study-date", yesterday, "--delete", "invitation_emails")
    shown = json.loads(invoke(env, "retention", "show", "--format", "json"))
    assert shown["due"] and shown["counts"] == {"invitation_emails": 2} and shown["total"] == 2
    table = invoke(env, "retention", "show")
    assert "invitation_emails" in table and "Invitation e-mail addresses" in table
    assert invoke(env, "retention", "run").startswith(
        f"Deleted (retention date {yesterday}): invitation e-mail addresses 2."
    )


def test_without_a_date_nothing_is_deleted(env, database):
    output = invoke(env, "retention", "run")
    assert output.startswith("No retention date is set; nothing was deleted.")
    assert addresses(database) == ["ane@example.org", "bo@example.org"]
