"""Issue 13.4: personal invitations cannot be linked to answers in anonymous studies.

The attack the issue reports: download the invitations CSV ("used") and the
responses export before and after each submission; a person who turns "used"
while one new row appears is linked to that row. Here it is run through the
same CLI commands a researcher would use, on both backends, and must link
nobody. Responses of an open campaign reach exports only in batches of at least
STUDY_MIN_GROUP_SIZE (all of them at close), in an order set by their answers.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections import Counter

import pytest
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import InvitationRow, ResponseRow, StudyRow
from study.surveys import (
    close_campaign,
    create_campaign,
    export_responses,
    invitation_links,
    score_responses,
    start_response,
    submit_response,
)
from study.surveys.anonymity import consent_notice

from survey_forms import make_client, open_token

SURVEY = "ism-adoption-survey"
runner = CliRunner()


def answers_of(person: int) -> dict[str, int]:
    """A complete, distinct set of answers per person (uf1 is the only required item)."""
    return {
        "uf1": 1 + person % 5,
        "nw1": 1 + (person // 5) % 5,
        "nw2": 1 + (person * 3) % 5,
        "nw3": 1 + (person * 2) % 5,
        "nw4": 5 - person % 5,
    }


def tokens(session, campaign_id: int) -> list[str]:
    return [
        re.search(r"t=([^&]+)", link).group(1)
        for link in invitation_links(session, campaign_id, viewer=OPERATOR)["link"]
    ]


def cli(url: str, *args: str) -> str:
    result = runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


def used_numbers(url: str, campaign_id: int, path) -> set[str]:
    """`study campaign invitations`: the numbers marked used, checking that nothing else leaks."""
    cli(url, "campaign", "invitations", str(campaign_id), "--out", str(path))
    with open(path, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["number", "link", "used"]
    assert {row["used"] for row in rows} <= {"True", "False"}  # yes/no, never a date
    return {row["number"] for row in rows if row["used"] == "True"}


def exported_rows(url: str, path) -> Counter:
    """`study export responses`: the rows of the export (a multiset), or none yet."""
    result = runner.invoke(
        app,
        ["export", "responses", "--format", "csv", "--out", str(path)],
        env={"STUDY_DATABASE_URL": url},
    )
    if result.exit_code == 1 and "no complete responses" in result.output:
        return Counter()
    assert result.exit_code == 0, result.output
    with open(path, newline="", encoding="utf-8-sig") as stream:
        return Counter(tuple(row) for row in list(csv.reader(stream))[1:])


@pytest.fixture
def campaign(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", headcount=40, actor=OPERATOR)
        info = create_campaign(
            session, organisation="Nordlys Bank", instrument=SURVEY, invitations=12, actor=OPERATOR
        )
        return info.id, tokens(session, info.id)


def submit(database, token: str, person: int) -> None:
    with database.transaction() as session:
        response_id, _ = start_response(session, token, language="en")
        assert submit_response(session, response_id, answers_of(person)).ok


def test_comparing_invitations_and_exports_after_each_submission_links_nobody(
    database, campaign, tmp_path
):
    campaign_id, links = campaign
    url = database.url
    used, rows = set(), Counter()
    linked, batches = [], []
    for person in [7, 2, 11, 0, 5, 9, 3, 10, 1, 6, 4, 8]:  # the order people answer in
        submit(database, links[person], person)
        used_now = used_numbers(url, campaign_id, tmp_path / "links.csv")
        rows_now = exported_rows(url, tmp_path / "responses.csv")
        new_people, new_rows = used_now - used, rows_now - rows
        assert len(new_people) == 1  # the attacker does see who has just answered...
        if new_rows:
            batches.append(sum(new_rows.values()))
            if len(new_people) == 1 and sum(new_rows.values()) == 1:
                linked.append(new_people)
        used, rows = used_now, rows_now
    assert linked == []  # ...but never which answers are theirs
    assert batches == [5, 5]  # released five at a time
    with database.transaction() as session:
        close_campaign(session, campaign_id, actor=OPERATOR)
    final = exported_rows(url, tmp_path / "responses.csv")
    assert sum((final - rows).values()) == 2  # the rest at close
    assert sum(final.values()) == 12


def test_invitations_record_completed_only_no_date(database, campaign):
    campaign_id, links = campaign
    submit(database, links[0], 0)
    with database.transaction() as session:
        columns = {c["name"] for c in inspect(session.connection()).get_columns("invitation")}
        assert "used_on" not in columns
        invitation = session.scalar(select(InvitationRow).where(InvitationRow.completed.is_(True)))
        assert invitation.response_id is None  # unlinked, as before
        frame = invitation_links(session, campaign_id, viewer=OPERATOR)
        assert list(frame.columns) == ["number", "link", "used"]
        assert frame["used"].tolist() == [True] + [False] * 11


def test_export_order_follows_the_answers_not_the_time_they_were_given(database, tmp_path):
    """Two campaigns get the same ten answers in opposite orders: their rows come out alike."""
    with database.transaction() as session:
        for name in ("Alfa", "Beta"):
            add_organisation(session, name, actor=OPERATOR)
        ids = {
            name: create_campaign(
                session,
                organisation=name,
                instrument=SURVEY,
                invitations=10,
                name=name,
                actor=OPERATOR,
            ).id
            for name in ("Alfa", "Beta")
        }
        links = {name: tokens(session, campaign_id) for name, campaign_id in ids.items()}
    for person in range(10):
        submit(database, links["Alfa"][person], person)
        submit(database, links["Beta"][person], 9 - person)
    out = io.BytesIO()
    with database.transaction() as session:
        assert export_responses(session, out, format="csv", viewer=OPERATOR) == 20
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    lead = {"response_id", "organisation", "campaign", "instrument_version"}

    def answers(organisation: str) -> list[dict]:
        return [
            {k: v for k, v in row.items() if k not in lead}
            for row in rows
            if row["organisation"] == organisation
        ]

    alfa, beta = answers("Alfa"), answers("Beta")
    assert len(alfa) == 10 and alfa == beta


def test_open_links_are_released_in_batches_too(database):
    token = open_token(database, SURVEY)
    seen = []
    for person in range(6):
        with database.transaction() as session:
            response_id, _ = start_response(session, token, language="en")
            submit_response(session, response_id, answers_of(person))
        with database.transaction() as session:
            seen.append(score_responses(session, viewer=OPERATOR)["response_id"].nunique())
    assert seen == [0, 0, 0, 0, 5, 5]


def test_pseudonymous_studies_show_responses_at_once(database, campaign):
    campaign_id, links = campaign
    with database.transaction() as session:
        session.scalar(select(StudyRow)).pseudonymous = True
    submit(database, links[0], 0)
    with database.transaction() as session:
        assert score_responses(session, viewer=OPERATOR)["response_id"].nunique() == 1


def test_consent_page_says_how_answers_are_released(database, campaign):
    _, links = campaign
    page = make_client().get(f"/survey?t={links[0]}")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "records only whether you have taken part, never when" in text
    assert "only in groups of at least 5" in text
    assert consent_notice(mode="open", anonymous=True, language="da").startswith(
        "Forskerne modtager først nye svar i grupper på mindst 5"
    )
    assert consent_notice(mode="personal", anonymous=False, language="en") is None


def test_concurrent_submissions_all_succeed_and_release_only_whole_batches(database):
    """Twelve people submit at once (start and submit in one transaction each)."""
    token = open_token(database, SURVEY)
    errors, barrier = [], threading.Barrier(12)

    def respond(person: int) -> None:
        try:
            barrier.wait(timeout=30)
            with database.transaction() as session:
                response_id, _ = start_response(session, token, language="en")
                assert submit_response(session, response_id, answers_of(person)).ok
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=respond, args=(p,)) for p in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with database.transaction() as session:
        released = session.scalar(
            select(func.count()).select_from(ResponseRow).where(ResponseRow.released.is_(True))
        )
        complete = session.scalar(
            select(func.count()).select_from(ResponseRow).where(ResponseRow.status == "complete")
        )
    assert complete == 12
    # Never a batch smaller than five. (Submissions that commit at the same moment can
    # leave a full batch for the next submission or the close: later, never smaller.)
    assert released == 0 or released >= 5


def test_export_numbers_are_keyed_by_a_random_secret_of_the_study(database, tmp_path):
    """Knowing the study's name and creation time must not give back the response order."""
    from study.surveys.exporting import respondent_numbers
    from study.surveys.response_store import export_key

    with database.transaction() as session:
        add_organisation(session, "Alfa", actor=OPERATOR)  # makes the study
        study = session.scalar(select(StudyRow))
        key = export_key(session)
        guessable = f"{study.id}:{study.name}:{study.created_at.isoformat()}"
        assert re.fullmatch(r"[0-9a-f]{64}", key) and key != guessable
        numbers = respondent_numbers(range(1, 50), key)
        assert numbers != respondent_numbers(range(1, 50), guessable)
        assert export_key(session) == key  # the same in every export of the study
        study.export_secret = None  # a study from before migration 0008 keeps its old key
        assert export_key(session) == guessable
