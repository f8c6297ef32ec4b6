"""Organisations with known answers: the comparison, joint display and benchmark tests share them."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import CampaignRow, InstrumentRow, InvitationRow
from study.surveys import latest_instrument, store_responses
from study.surveys.tokens import new_token

INSTRUMENT = "ism-adoption-survey"


NOT_WORK = ["nw1", "nw2", "nw3", "nw4"]  # nw4 is reverse-keyed


# Answers to the four "not seen as work" items, one row per respondent.
ALFA = [[4, 4, 5, 2], [5, 4, 4, 1], [4, 5, 4, 2], [3, 4, 4, 3], [5, 5, 5, 1], [4, 3, 4, 2]]


BETA = [
    [2, 2, 3, 4],
    [1, 2, 2, 5],
    [3, 3, 2, 4],
    [2, 1, 2, 4],
    [2, 3, 3, 3],
    [1, 2, 1, 5],
    [3, 2, 3, 3],
]


GAMMA = [[3, 3, 3, 3], [4, 3, 4, 2], [2, 3, 2, 4]]


def add_organisation_with_answers(
    session,
    name: str,
    rows: list[list[int]],
    *,
    items: list[str] = NOT_WORK,
    extra: dict | None = None,
    sector: str = "Finance",
    headcount: int | None = 100,
    invitations: int | None = None,
) -> int:
    """An organisation with one campaign and complete responses; returns the campaign id."""
    organisation = add_organisation(
        session,
        name,
        sector=sector,
        size_band="250-999",
        country="Denmark",
        headcount=headcount,
        actor=OPERATOR,
    )
    # Campaign rows directly: create_campaign re-reads every instrument file (about a
    # second a call), which would make these tests slow without testing anything more.
    campaign = CampaignRow(
        organisation_id=organisation.id,
        instrument_id=_instrument_id(session),
        name=f"{name} 2026",
        mode="personal" if invitations else "open",
        token=None if invitations else new_token(),
    )
    session.add(campaign)
    session.flush()
    for _ in range(invitations or 0):
        session.add(InvitationRow(campaign_id=campaign.id, token=new_token()))
    answers = [
        (key, item, value)
        for key, row in enumerate(rows)
        for item, value in zip(items, row)
        if value is not None
    ]
    for item, values in (extra or {}).items():
        answers += [(key, item, value) for key, value in enumerate(values)]
    store_responses(
        session,
        campaign_id=campaign.id,
        answers=pd.DataFrame(answers, columns=["key", "item_id", "value"]),
        responses=pd.DataFrame({"key": range(len(rows)), "complete": True, "language": "en"}),
        source="import",
        actor=OPERATOR,
    )
    return campaign.id


def _instrument_id(session) -> int:
    row = session.scalar(select(InstrumentRow.id).where(InstrumentRow.key == INSTRUMENT))
    return row if row is not None else latest_instrument(session, INSTRUMENT).row_id


def build_small_study(session) -> None:
    """Alfa (6), Beta (7) and Gamma (3 respondents) on the 'not seen as work' items."""
    add_organisation_with_answers(session, "Alfa Bank", ALFA)
    add_organisation_with_answers(session, "Beta Kommune", BETA, sector="Public sector")
    add_organisation_with_answers(session, "Gamma Design", GAMMA, sector="Creative agency")


def reference_scores() -> pd.DataFrame:
    """Scale scores computed by hand: mean of the items with nw4 recoded as 6 - answer."""
    rows = []
    for organisation, answers in (
        ("Alfa Bank", ALFA),
        ("Beta Kommune", BETA),
        ("Gamma Design", GAMMA),
    ):
        for answer in answers:
            rows.append((organisation, (answer[0] + answer[1] + answer[2] + 6 - answer[3]) / 4))
    return pd.DataFrame(rows, columns=["organisation", "score"])
