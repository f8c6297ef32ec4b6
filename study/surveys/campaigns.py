"""Survey campaigns: one organisation, one instrument version, an open link or invitations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.identity import acting, current_actor
from study.admin.organisations import organisation_row
from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.cells import csv_bytes
from study.db.models import (
    CampaignRow,
    InstrumentRow,
    InvitationRow,
    OrganisationRow,
    ResponseRow,
    utcnow,
)
from study.errors import InvalidInput, NotFound
from study.surveys.instrument_store import latest_instrument
from study.surveys.tokens import new_token, survey_link

MAX_INVITATIONS = 100_000


@dataclass(frozen=True)
class CampaignInfo(PlainRecord):
    """A campaign with its counts; ``link`` is the open link (None for invitations)."""

    id: int
    name: str
    organisation: str
    instrument: str
    instrument_version: str
    mode: str
    status: str
    opens_at: str | None
    closes_at: str | None
    link: str | None
    invitations: int
    started: int
    completed: int
    headcount: int | None
    response_rate: float | None


def campaign_status(campaign: CampaignRow, now: dt.datetime | None = None) -> str:
    """'open', 'scheduled' (not yet open) or 'closed'."""
    now = now or utcnow()
    if campaign.closed_at is not None or (campaign.closes_at and campaign.closes_at <= now):
        return "closed"
    if campaign.opens_at and campaign.opens_at > now:
        return "scheduled"
    return "open"


def _as_utc(value: dt.date | dt.datetime | None, *, end_of_day: bool) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.max if end_of_day else dt.time.min)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def create_campaign(
    session: Session,
    *,
    organisation: str,
    instrument: str,
    invitations: int | None = None,
    opens: dt.date | dt.datetime | None = None,
    closes: dt.date | dt.datetime | None = None,
    headcount: int | None = None,
    name: str = "",
    actor: Actor | int,
) -> CampaignInfo:
    """Open a campaign: an anonymous open link, or ``invitations`` single-use personal tokens.

    The newest version of ``instrument`` is stored (if new) and fixed for the campaign.
    A date given for ``closes`` means the end of that day (UTC).
    """
    actor_id = acting(session, actor, "run_surveys")
    org = organisation_row(session, organisation)
    stored = latest_instrument(session, instrument)
    if stored.model.kind != "survey":
        raise InvalidInput(f"{instrument} is an interview guide, not a survey.")
    if invitations is not None and not 1 <= invitations <= MAX_INVITATIONS:
        raise InvalidInput(f"Invitations must be between 1 and {MAX_INVITATIONS:,}.")
    if headcount is not None and headcount < 1:
        raise InvalidInput("Headcount must be at least 1.")
    opens_at = _as_utc(opens, end_of_day=False)
    closes_at = _as_utc(closes, end_of_day=True)
    if opens_at and closes_at and closes_at <= opens_at:
        raise InvalidInput("The campaign must close after it opens.")
    mode = "personal" if invitations else "open"
    campaign = CampaignRow(
        organisation_id=org.id,
        instrument_id=stored.row_id,
        mode=mode,
        name=name or f"{org.name} {dt.date.today():%Y-%m}",
        token=new_token() if mode == "open" else None,
        headcount=headcount or org.headcount,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    session.add(campaign)
    session.flush()
    if invitations:
        session.execute(
            insert(InvitationRow),
            [
                {"campaign_id": campaign.id, "token": new_token(), "created_at": utcnow()}
                for _ in range(invitations)
            ],
        )
    record_event(
        session,
        "campaign.create",
        actor_id=actor_id,
        target=campaign,
        details={
            "organisation": org.name,
            "instrument": instrument,
            "mode": mode,
            "invitations": invitations or 0,
        },
    )
    return campaign_info(session, campaign.id)


def close_campaign(session: Session, campaign_id: int, *, actor: Actor | int) -> CampaignInfo:
    """Close a campaign by hand; its links then show a polite 'closed' message."""
    actor_id = acting(session, actor, "run_surveys")
    campaign = _get(session, campaign_id)
    if campaign.closed_at is None:
        campaign.closed_at = utcnow()
        record_event(session, "campaign.close", actor_id=actor_id, target=campaign)
    return campaign_info(session, campaign_id)


def set_headcount(
    session: Session, campaign_id: int, headcount: int | None, *, actor_id: int | None = None
) -> None:
    """Set the headcount an open link's response rate is computed against."""
    if headcount is not None and headcount < 1:
        raise InvalidInput("Headcount must be at least 1.")
    campaign = _get(session, campaign_id)
    campaign.headcount = headcount
    record_event(
        session,
        "campaign.headcount",
        actor_id=actor_id,
        target=campaign,
        details={"headcount": headcount},
    )


def _get(session: Session, campaign_id: int) -> CampaignRow:
    campaign = session.get(CampaignRow, campaign_id)
    if campaign is None:
        raise NotFound(f"There is no campaign {campaign_id}; `study campaign list` shows them.")
    return campaign


def list_campaigns(
    session: Session, *, viewer: Actor, organisation_id: int | None = None
) -> list[CampaignInfo]:
    """All campaigns with live counts, newest first (``run_surveys``: researchers)."""
    require(current_actor(session, viewer), "run_surveys")
    return _campaigns(session, organisation_id=organisation_id)


def _campaigns(session: Session, *, organisation_id: int | None = None) -> list[CampaignInfo]:
    invitations = (
        select(InvitationRow.campaign_id, func.count(InvitationRow.id).label("n"))
        .group_by(InvitationRow.campaign_id)
        .subquery()
    )
    responses = (
        select(
            ResponseRow.campaign_id,
            func.count(ResponseRow.id).label("started"),
            func.sum(case((ResponseRow.status == "complete", 1), else_=0)).label("completed"),
        )
        .group_by(ResponseRow.campaign_id)
        .subquery()
    )
    query = (
        select(
            CampaignRow,
            OrganisationRow.name,
            InstrumentRow.key,
            InstrumentRow.version,
            func.coalesce(invitations.c.n, 0),
            func.coalesce(responses.c.started, 0),
            func.coalesce(responses.c.completed, 0),
        )
        .join(OrganisationRow, OrganisationRow.id == CampaignRow.organisation_id)
        .join(InstrumentRow, InstrumentRow.id == CampaignRow.instrument_id)
        .outerjoin(invitations, invitations.c.campaign_id == CampaignRow.id)
        .outerjoin(responses, responses.c.campaign_id == CampaignRow.id)
        .order_by(CampaignRow.id.desc())
    )
    if organisation_id is not None:
        query = query.where(CampaignRow.organisation_id == organisation_id)
    now = utcnow()
    result = []
    for campaign, org, key, version, n_inv, started, completed in session.execute(query):
        denominator = n_inv if campaign.mode == "personal" else campaign.headcount
        result.append(
            CampaignInfo(
                id=campaign.id,
                name=campaign.name,
                organisation=org,
                instrument=key,
                instrument_version=version,
                mode=campaign.mode,
                status=campaign_status(campaign, now),
                opens_at=campaign.opens_at.date().isoformat() if campaign.opens_at else None,
                closes_at=campaign.closes_at.date().isoformat() if campaign.closes_at else None,
                link=survey_link(campaign.token) if campaign.token else None,
                invitations=int(n_inv),
                started=int(started),
                completed=int(completed),
                headcount=campaign.headcount,
                response_rate=round(int(completed) / denominator, 4) if denominator else None,
            )
        )
    return result


def campaign_info(session: Session, campaign_id: int) -> CampaignInfo:
    """One campaign with its counts."""
    for info in _campaigns(session):
        if info.id == campaign_id:
            return info
    raise NotFound(f"There is no campaign {campaign_id}.")


def invitation_links(
    session: Session, campaign_id: int, *, viewer: Actor, language: str | None = None
) -> pd.DataFrame:
    """The personal links of a campaign (number, link, used) for a mail merge.

    ``used`` is yes/no only: no date, which would match the response's submission
    date (see :mod:`study.surveys.anonymity`).
    """
    require(current_actor(session, viewer), "run_surveys")
    _get(session, campaign_id)
    rows = session.execute(
        select(InvitationRow.token, InvitationRow.completed)
        .where(InvitationRow.campaign_id == campaign_id)
        .order_by(InvitationRow.id)
    ).all()
    return pd.DataFrame(
        {
            "number": range(1, len(rows) + 1),
            "link": [survey_link(t, language=language) for t, _ in rows],
            "used": [bool(u) for _, u in rows],
        }
    )


def invitations_csv(
    session: Session, campaign_id: int, *, viewer: Actor, language: str | None = None
) -> str:
    """The personal links as CSV text (number, link, used)."""
    frame = invitation_links(session, campaign_id, viewer=viewer, language=language)
    return csv_bytes(frame, bom=False).decode("utf-8")  # the one CSV escaping (study.cells)
