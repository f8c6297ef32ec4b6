"""Campaigns, links and the respondent's flow against real databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import AnswerRow, InvitationRow, ResponseRow, StudyRow
from study.errors import CampaignClosed, InvalidInput, InvalidToken, NotFound
from study.surveys import (
    close_campaign,
    create_campaign,
    invitation_links,
    list_campaigns,
    open_link,
    resume_with_code,
    save_page,
    score_responses,
    start_response,
    submit_response,
)
from study.surveys.tokens import check_token

SURVEY = "ism-adoption-survey"


@pytest.fixture
def org(session):
    add_organisation(session, "Nordlys Bank", headcount=40, actor=OPERATOR)
    return "Nordlys Bank"


def token_of(link: str) -> str:
    return link.split("t=")[1].split("&")[0]


def personal_tokens(session, campaign_id):
    return [
        token_of(link) for link in invitation_links(session, campaign_id, viewer=OPERATOR)["link"]
    ]


def test_tokens_are_unguessable_and_malformed_ones_are_refused_before_lookup(session, org):
    info = create_campaign(
        session, organisation=org, instrument=SURVEY, invitations=50, actor=OPERATOR
    )
    tokens = personal_tokens(session, info.id)
    assert len(set(tokens)) == 50 and all(len(t) == 32 for t in tokens)  # 192 bits each
    for bad in ["", "x", "' OR 1=1 --", "a" * 31, "<script>" + "a" * 24]:
        with pytest.raises(InvalidToken, match="not valid"):
            check_token(bad)
    with pytest.raises(InvalidToken, match="not valid"):
        open_link(session, "A" * 32)


def test_open_link_flow_resumes_with_code_and_scores(session, org):
    info = create_campaign(session, organisation=org, instrument=SURVEY, actor=OPERATOR)
    token = token_of(info.link)
    response_id, code = start_response(session, token, language="da")
    assert code and len(code) == 10
    link = open_link(session, token)
    assert link.instrument.id == SURVEY
    result = save_page(session, response_id, {"uf2": 3}, page=0, move_to=1)
    assert not result.ok and "uf1" in result.problems  # uf1 is required
    assert save_page(session, response_id, {"uf1": 5, "uf2": 4}, page=0, move_to=1).ok
    save_page(session, response_id, {"nw1": 4, "nw2": 5, "nw3": 4, "nw4": 2}, page=1, move_to=2)
    resumed = resume_with_code(session, token, code.lower()[:5] + "-" + code[5:])
    assert (resumed.response_id, resumed.current_page, resumed.language) == (response_id, 2, "da")
    assert submit_response(session, response_id).ok
    assert submit_response(session, response_id).ok  # idempotent
    # the code no longer resumes; it is the respondent's key to see or withdraw the answers
    with pytest.raises(InvalidToken, match="already been submitted"):
        resume_with_code(session, token, code)
    close_campaign(
        session, info.id, actor=OPERATOR
    )  # one response: released when the campaign closes
    scores = score_responses(session, viewer=OPERATOR)
    not_work = scores[scores["scale"] == "challenge_not_work"]["score"].iloc[0]
    assert not_work == pytest.approx((4 + 5 + 4 + (6 - 2)) / 4)  # nw4 is reverse-keyed


def test_personal_link_continues_and_is_unlinked_after_submission(session, org):
    info = create_campaign(
        session, organisation=org, instrument=SURVEY, invitations=2, actor=OPERATOR
    )
    token = personal_tokens(session, info.id)[0]
    response_id, code = start_response(session, token, language="en")
    assert code is None
    assert start_response(session, token, language="en") == (response_id, None)  # double click
    save_page(session, response_id, {"uf1": 3}, page=0, move_to=1)
    link = open_link(session, token)  # reopened later: continues where they left off
    assert (link.response_id, link.current_page) == (response_id, 1)
    submitted = submit_response(session, response_id)
    assert submitted.ok
    link = open_link(session, token)
    assert link.completed and link.response_id is None
    invitation = session.scalar(select(InvitationRow).where(InvitationRow.token == token))
    assert invitation.response_id is None and invitation.completed
    response = session.get(ResponseRow, response_id)
    # only the respondent's withdrawal code (on their thank-you page) leads to the answers now
    assert response.status == "complete" and response.resume_code == submitted.code
    assert len(submitted.code) == 10 and submitted.code != token
    with pytest.raises(InvalidToken, match="already been used"):
        start_response(session, token, language="en")
    counts = list_campaigns(session, viewer=OPERATOR)[0]
    assert (counts.invitations, counts.completed, counts.response_rate) == (2, 1, 0.5)


def test_pseudonymous_study_keeps_the_link_for_erasure_requests(session, org):
    session.scalar(select(StudyRow)).pseudonymous = True
    info = create_campaign(
        session, organisation=org, instrument=SURVEY, invitations=1, actor=OPERATOR
    )
    token = personal_tokens(session, info.id)[0]
    response_id, _ = start_response(session, token, language="en")
    submit_response(session, response_id, {"uf1": 2})
    invitation = session.scalar(select(InvitationRow).where(InvitationRow.token == token))
    assert invitation.response_id == response_id


def test_closed_and_scheduled_campaigns_are_refused_politely(session, org):
    import datetime as dt

    info = create_campaign(session, organisation=org, instrument=SURVEY, actor=OPERATOR)
    close_campaign(session, info.id, actor=OPERATOR)
    with pytest.raises(CampaignClosed, match="closed"):
        open_link(session, token_of(info.link))
    later = create_campaign(
        session,
        organisation=org,
        instrument=SURVEY,
        opens=dt.date.today() + dt.timedelta(days=3),
        actor=OPERATOR,
    )
    with pytest.raises(CampaignClosed, match="not opened yet"):
        open_link(session, token_of(later.link))


def test_bad_campaign_requests_are_refused(session, org):
    with pytest.raises(NotFound, match="no instrument"):
        create_campaign(session, organisation=org, instrument="nope", actor=OPERATOR)
    with pytest.raises(InvalidInput, match="interview guide"):
        create_campaign(
            session, organisation=org, instrument="coordinator-interview-guide", actor=OPERATOR
        )
    with pytest.raises(NotFound, match="no organisation"):
        create_campaign(session, organisation="Nobody", instrument=SURVEY, actor=OPERATOR)


def test_out_of_range_answers_are_reported_and_not_stored(session, org):
    info = create_campaign(session, organisation=org, instrument=SURVEY, actor=OPERATOR)
    response_id, _ = start_response(session, token_of(info.link), language="en")
    result = save_page(session, response_id, {"uf1": 9}, page=0, move_to=1)
    assert "uf1" in result.problems
    assert session.scalar(select(func.count(AnswerRow.id))) == 0


def test_concurrent_double_submit_stores_one_response(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        info = create_campaign(
            session, organisation="Nordlys Bank", instrument=SURVEY, invitations=1, actor=OPERATOR
        )
        token = personal_tokens(session, info.id)[0]
        response_id, _ = start_response(session, token, language="en")
    errors = []

    def submit():
        try:
            with database.transaction() as session:
                submit_response(session, response_id, {"uf1": 4}, page=0)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with database.transaction() as session:
        assert session.scalar(select(func.count(ResponseRow.id))) == 1
        assert session.get(ResponseRow, response_id).status == "complete"
        assert session.scalar(select(func.count(AnswerRow.id))) == 1
