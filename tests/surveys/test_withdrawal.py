"""A respondent's answers shown and withdrawn by their code (issue 26): the library, the CLI,
the invitation e-mail, and the benchmark editions that held the answers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select, text
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_editions import (
    edition_frames,
    list_benchmark_editions,
    publish_benchmark,
)
from study.cli import app
from study.db.models import AnswerRow, Base, EventRow, ResponseRow, StudyRow
from study.errors import InvalidInput, NotFound
from study.surveys import close_campaign, create_campaign, invitation_links
from study.surveys.mailing import import_recipients, plan_mail
from study.surveys.responding import start_response, submit_response
from study.surveys.response_store import export_responses
from study.surveys.withdrawal import NO_ANSWERS, UNLINKED, own_answers, withdraw_response

from survey_forms import SURVEY, open_token, personal_campaign, planned_answer

#: A free-text answer no other row of any table holds.
SECRET = "Mein Chef liest alles mit – deshalb schreibe ich dort nie"


def _answers(said: str = SECRET) -> dict:
    answers = {item.id: planned_answer(item) for item in SURVEY.all_items()}
    text_item = next(item for item in SURVEY.all_items() if item.type == "text")
    answers[text_item.id] = said
    return answers


def _submitted(session, token: str, said: str = SECRET) -> tuple[int, str]:
    response_id, code = start_response(session, token, language="en")
    result = submit_response(session, response_id, _answers(said))
    assert result.ok, result.problems
    return response_id, result.code or code


def _every_text(session) -> str:
    """Every text and JSON value of every table, as one string."""
    parts = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(table.select()):
            parts += [json.dumps(v, default=str, ensure_ascii=False) for v in row]
    return "\n".join(parts)


def test_an_open_links_resume_code_shows_and_then_withdraws_the_answers(database):
    token = open_token(database)
    with database.transaction() as session:
        response_id, code = _submitted(session, token)
        other_id, _ = _submitted(session, token)
    with database.transaction() as session:
        mine = own_answers(session, code, token=token)
        assert mine.status == "complete" and mine.survey == SURVEY.title["en"]
        shown = dict(mine.answers)
        likert = next(item for item in SURVEY.all_items() if item.type == "likert")
        value = planned_answer(likert)
        assert shown[likert.text["en"]] == f"{value} ({likert.label(value, 'en')})"
        assert SECRET in shown.values()
        assert len(mine.answers) == session.scalar(
            select(func.count(AnswerRow.id)).where(AnswerRow.response_id == response_id)
        )
    with database.transaction() as session:
        done = withdraw_response(session, code, token=token)
        assert done.status == "complete" and done.answers == len(mine.answers)
    with database.transaction() as session:
        assert session.get(ResponseRow, response_id) is None
        assert not session.scalar(
            select(func.count(AnswerRow.id)).where(AnswerRow.response_id == response_id)
        )
        assert session.get(ResponseRow, other_id) is not None  # only theirs
        assert SECRET in json.dumps(  # the other response's answer is still there...
            [a.value_text for a in session.scalars(select(AnswerRow))], ensure_ascii=False
        )
        event = session.scalars(
            select(EventRow).where(EventRow.action == "response.withdraw")
        ).one()
        assert event.actor_id is None and event.details["by"] == "respondent"
    with database.transaction() as session:  # ...and goes the same way: then no trace is left
        withdraw_response(session, _code_of(session, other_id), token=token)
    with database.transaction() as session:
        assert SECRET not in _every_text(session)
        with pytest.raises(NotFound, match="No answers are stored under that code"):
            withdraw_response(session, code, token=token)


def _code_of(session, response_id: int) -> str:
    return session.get(ResponseRow, response_id).resume_code


def test_a_personal_links_answers_need_the_thank_you_code_once_unlinked(database):
    with database.transaction() as session:
        info = personal_campaign(session, invitations=2)
        tokens = [
            link.split("t=")[1]
            for link in invitation_links(session, info.id, viewer=OPERATOR)["link"]
        ]
    with database.transaction() as session:
        in_progress, _ = start_response(session, tokens[1], language="en")
        response_id, code = _submitted(session, tokens[0])
        assert code and len(code) == 10
    with database.transaction() as session:
        with pytest.raises(NotFound, match="no longer leads to your answers"):
            withdraw_response(session, tokens[0])
        assert own_answers(session, code, token=tokens[0]).status == "complete"
        # the code works only through its own survey's links
        elsewhere = create_campaign(
            session, organisation="Nordlys Bank", instrument=SURVEY.id, actor=OPERATOR
        )
        with pytest.raises(NotFound, match="No answers are stored"):
            own_answers(session, code, token=elsewhere.link.split("t=")[1])
    with database.transaction() as session:
        withdraw_response(session, code, token=tokens[0])
        # a personal link still leading to its answers (in progress) needs no code
        withdraw_response(session, tokens[1])
    with database.transaction() as session:
        assert session.get(ResponseRow, response_id) is None
        assert session.get(ResponseRow, in_progress) is None
    assert UNLINKED.startswith("This personal link no longer leads to your answers")


def test_nothing_is_withdrawn_after_the_freeze_date(database):
    token = open_token(database)
    with database.transaction() as session:
        response_id, code = _submitted(session, token)
        session.scalar(select(StudyRow)).freeze_on = dt.date(2026, 6, 30)
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="frozen on 2026-06-30"):
            withdraw_response(session, code, on=dt.date(2026, 7, 1))
        assert withdraw_response(session, code, on=dt.date(2026, 6, 30)).answers > 0


@pytest.mark.parametrize("code", ["", "ABCDE-FGH23", "not a code", "x" * 64, "1' OR '1'='1"])
def test_a_wrong_code_learns_nothing(database, code):
    token = open_token(database)
    with database.transaction() as session:
        _submitted(session, token)
    with database.transaction() as session:
        with pytest.raises(NotFound) as raised:
            withdraw_response(session, code, token=token)
        assert str(raised.value) == NO_ANSWERS
        assert session.scalar(select(func.count(ResponseRow.id))) == 1


def test_cli_shows_and_withdraws_with_the_code(database):
    token = open_token(database)
    with database.transaction() as session:
        response_id, code = _submitted(session, token)
    runner = CliRunner()
    shown = runner.invoke(app, ["access", "--code", code, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert SECRET in [a["answer"] for a in json.loads(shown.stdout)["answers"]]
    done = runner.invoke(app, ["withdraw", "--code", code])
    assert done.exit_code == 0, done.output
    assert "Withdrew a complete response" in done.output
    again = runner.invoke(app, ["withdraw", "--code", code])
    assert again.exit_code == 1 and again.output.startswith("Error: No answers are stored")
    with database.transaction() as session:
        assert session.get(ResponseRow, response_id) is None
        event = session.scalars(
            select(EventRow).where(EventRow.action == "response.withdraw")
        ).one()
        assert event.details["by"] == "researcher"
        assert SECRET not in json.dumps(event.details)


def test_every_invitation_and_reminder_says_how_to_withdraw(database):
    with database.transaction() as session:
        info = personal_campaign(session)
        import_recipients(
            session,
            info.id,
            b"email,language\nana@example.org,da\nbo@example.org,\n",
            actor=OPERATOR,
        )
        messages = plan_mail(session, info.id, viewer=OPERATOR)
    danish, both = messages
    assert "Træk dine svar tilbage her: " in danish.body and "&withdraw=1" in danish.body
    assert "Withdraw your answers here: " in both.body and "Træk dine svar" in both.body


def test_an_edition_says_how_many_of_its_responses_were_withdrawn(demo_database, tmp_path):
    with demo_database.transaction() as session:
        if not list_benchmark_editions(session, viewer=OPERATOR):
            publish_benchmark(session, actor=OPERATOR)
    with demo_database.transaction() as session:
        [edition] = list_benchmark_editions(session, viewer=OPERATOR)
        assert edition.withdrawn == 0
        response = session.scalars(
            select(ResponseRow).where(ResponseRow.status == "complete").order_by(ResponseRow.id)
        ).first()
        response.resume_code = "ABCDEFGH23"  # as a link respondent's would be
    with demo_database.transaction() as session:
        withdraw_response(session, "ABCDE-FGH23", actor=OPERATOR)
    with demo_database.transaction() as session:
        [edition] = list_benchmark_editions(session, viewer=OPERATOR)
        assert (edition.responses, edition.withdrawn) == (edition.responses, 1)
        info, frames = edition_frames(session, edition.number)
        assert frames.withdrawn == 1
    result = CliRunner().invoke(
        app, ["export", "benchmark", "--out", str(tmp_path / "b.xlsx"), "--edition", "1"]
    )
    assert result.exit_code == 0, result.output
    about = {
        row[0]: row[1]
        for row in load_workbook(tmp_path / "b.xlsx")["About"].iter_rows(values_only=True)
    }
    assert about["Changed after publication"].startswith(
        "n changed after publication: 1 response was"
    )
    assert "organisation" in about["Changed after publication"]
    listed = CliRunner().invoke(app, ["benchmark", "editions", "--format", "json"])
    assert json.loads(listed.stdout)[0]["withdrawn"] == 1


def test_withdrawal_leaves_no_text_behind_on_the_database_itself(database):
    """Deleted rows are gone from every table, and on SQLite from the file's free pages too
    once it is vacuumed (the retention run does that; here the check is the tables)."""
    token = open_token(database)
    with database.transaction() as session:
        _, code = _submitted(session, token)
    with database.transaction() as session:
        withdraw_response(session, code, token=token)
    with database.transaction() as session:
        assert SECRET not in _every_text(session)
        assert session.execute(text("SELECT COUNT(*) FROM answer")).scalar() == 0


def _exported(session, tmp_path) -> str:
    """The text of the responses export in every format (SPSS's .sav read back)."""
    import pyreadstat

    texts = []
    for fmt in ("csv", "xlsx", "sav"):
        out = tmp_path / f"responses.{fmt}"
        export_responses(session, out, format=fmt, viewer=OPERATOR)
        if fmt == "csv":
            texts.append(out.read_text(encoding="utf-8-sig"))
        elif fmt == "xlsx":
            texts += [
                str(cell)
                for row in load_workbook(out).active.iter_rows(values_only=True)
                for cell in row
            ]
        else:
            frame, _meta = pyreadstat.read_sav(str(out))
            texts.append(frame.to_csv())
    return "\n".join(texts)


def test_no_export_holds_withdrawn_answers(database, tmp_path):
    token = open_token(database)
    with database.transaction() as session:
        response_id, code = _submitted(session, token)
        _submitted(session, token, said="More time for it, fewer meetings")
        campaign = session.get(ResponseRow, response_id).campaign_id
        close_campaign(session, campaign, actor=OPERATOR)  # released: in every export now
    with database.transaction() as session:
        assert SECRET in _exported(session, tmp_path)
        withdraw_response(session, code, token=token)
    with database.transaction() as session:
        exported = _exported(session, tmp_path)
        assert SECRET not in exported and "fewer meetings" in exported
        assert SECRET not in _every_text(session)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a SQLite file's free pages
def test_a_withdrawn_answer_leaves_no_bytes_in_the_sqlite_file(database, backend):
    @event.listens_for(database.engine, "connect")
    def _keep_deleted_bytes(dbapi_connection, _record):  # as a build that does not zero them
        dbapi_connection.execute("PRAGMA secure_delete = OFF")

    database.engine.dispose()
    token = open_token(database)
    with database.transaction() as session:
        _, code = _submitted(session, token)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRET.encode() in Path(database.engine.url.database).read_bytes()
    with database.transaction() as session:
        withdraw_response(session, code, token=token)
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 0  # set back after
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    assert SECRET.encode() not in Path(database.engine.url.database).read_bytes()
