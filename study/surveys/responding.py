"""The respondent's side of a survey: open a link, consent, answer page by page, submit.

Every page change writes the answers to the database, so a reload, a lost
connection or a reopened personal link continues where the respondent left
off; an open (anonymous) link gives a short resume code for the same purpose.
Submitting is idempotent: a double click or a resent request stores one
response. Nothing about the respondent's device, address or time of day is
stored: only the day they started and the day they submitted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from study.db.models import (
    CampaignRow,
    InstrumentRow,
    InvitationRow,
    OrganisationRow,
    ResponseRow,
    StudyRow,
)
from study.errors import CampaignClosed, InvalidInput, InvalidToken
from study.surveys.anonymity import count_submission
from study.surveys.answers import (
    check_answers,
    drop_hidden,
    missing_required,
    write_answers,
)
from study.surveys.campaigns import campaign_status
from study.surveys.instrument_store import stored_instrument
from study.surveys.instruments import Instrument
from study.surveys.response_rows import expire_stale, lock_response, update_response
from study.surveys.tokens import NOT_VALID, check_token, new_resume_code, normalise_resume_code

# The respondent's path runs many times per second under load, so it uses Core
# statements on the session's connection: the ORM's per-object work cost several
# times what the database does (bench/bench_submit.py).
_CAMPAIGN, _INVITATION = CampaignRow.__table__, InvitationRow.__table__
_ORGANISATION, _RESPONSE = OrganisationRow.__table__, ResponseRow.__table__
_INSTRUMENT, _STUDY = InstrumentRow.__table__, StudyRow.__table__
_CAMPAIGN_COLUMNS = (
    _CAMPAIGN.c.id,
    _CAMPAIGN.c.mode,
    _CAMPAIGN.c.instrument_id,
    _CAMPAIGN.c.opens_at,
    _CAMPAIGN.c.closes_at,
    _CAMPAIGN.c.closed_at,
    _ORGANISATION.c.name.label("organisation"),
    _INSTRUMENT.c.content_hash,
    _STUDY.c.pseudonymous,
)

# Built once: constructing and caching an expression per call cost more than running it.
_JOINED = (
    _CAMPAIGN.join(_ORGANISATION, _ORGANISATION.c.id == _CAMPAIGN.c.organisation_id)
    .join(_STUDY, _STUDY.c.id == _ORGANISATION.c.study_id)
    .join(_INSTRUMENT, _INSTRUMENT.c.id == _CAMPAIGN.c.instrument_id)
)
_CAMPAIGN_BY_TOKEN = (
    select(*_CAMPAIGN_COLUMNS).select_from(_JOINED).where(_CAMPAIGN.c.token == bindparam("token"))
)
_INVITATION_BY_TOKEN = (
    select(*_CAMPAIGN_COLUMNS, _INVITATION.c.completed, _INVITATION.c.response_id)
    .select_from(_JOINED.join(_INVITATION, _INVITATION.c.campaign_id == _CAMPAIGN.c.id))
    .where(_INVITATION.c.token == bindparam("token"))
)
_RESPONSE_BY_CODE = select(
    _RESPONSE.c.id, _RESPONSE.c.status, _RESPONSE.c.current_page, _RESPONSE.c.language
).where(
    _RESPONSE.c.resume_code == bindparam("code"),
    _RESPONSE.c.campaign_id == bindparam("campaign_id"),
)
_RESPONSE_PROGRESS = select(_RESPONSE.c.current_page, _RESPONSE.c.language).where(
    _RESPONSE.c.id == bindparam("response_id")
)
_INSERT_RESPONSE = insert(_RESPONSE).returning(_RESPONSE.c.id)

CLOSED = (
    "This survey is closed. Thank you for your interest; please contact the person "
    "who sent you the link if you think this is a mistake."
)
NOT_YET_OPEN = "This survey has not opened yet. Please try again when it opens."


@dataclass(frozen=True)
class SurveyLink:
    """What a token opens: the campaign, its instrument, and the respondent's progress."""

    campaign_id: int
    instrument: Instrument
    mode: str  # 'open' or 'personal'
    organisation: str
    instrument_row_id: int = 0  # the stored version's database id
    response_id: int | None = None  # the personal link's response in progress
    completed: bool = False  # the personal link was already used to submit
    current_page: int = 0
    language: str | None = None
    anonymous: bool = True  # False in a pseudonymous study (see study.surveys.anonymity)


@dataclass
class PageResult:
    """Outcome of saving a page: problems by item id (empty when the page may be left)."""

    problems: dict[str, str] = field(default_factory=dict)
    #: After submission: the code that shows or withdraws these answers (a personal link's
    #: new withdrawal code; an open link keeps its resume code, which the caller has).
    code: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing stops the respondent from moving on."""
        return not self.problems


def today() -> dt.date:
    """The day in UTC: responses store dates only."""
    return dt.datetime.now(dt.UTC).date()


def consent_version(instrument: Instrument, language: str) -> str:
    """Identifies the consent text shown: instrument, version, language and a text hash."""
    text = instrument.consent[language]
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{instrument.id}/v{instrument.version}/{language}/{digest}"


def open_link(session: Session, token: str) -> SurveyLink:
    """Resolve a survey link token.

    Raises
    ------
    InvalidToken
        The token is malformed or unknown (one polite sentence).
    CampaignClosed
        The campaign is closed or not yet open.
    """
    token = check_token(token)
    connection = session.connection()
    campaign = connection.execute(_CAMPAIGN_BY_TOKEN, {"token": token}).first()
    invitation = None
    if campaign is None:
        campaign = connection.execute(_INVITATION_BY_TOKEN, {"token": token}).first()
        if campaign is None:
            raise InvalidToken(NOT_VALID)
        invitation = campaign
    status = campaign_status(campaign)
    completed = invitation is not None and bool(invitation.completed)
    if status != "open" and not completed:
        raise CampaignClosed(CLOSED if status == "closed" else NOT_YET_OPEN)
    instrument = stored_instrument(
        session, campaign.instrument_id, digest=campaign.content_hash
    ).model
    progress: dict[str, Any] = {}
    if invitation is not None and invitation.response_id is not None and not completed:
        response = connection.execute(
            _RESPONSE_PROGRESS, {"response_id": invitation.response_id}
        ).first()
        progress = {
            "response_id": invitation.response_id,
            "current_page": response.current_page,
            "language": response.language,
        }
    return SurveyLink(
        campaign.id,
        instrument,
        campaign.mode,
        campaign.organisation,
        campaign.instrument_id,
        completed=completed,
        anonymous=not campaign.pseudonymous,
        **progress,
    )


def start_response(
    session: Session, token: str, *, language: str, resume_code: str | None = None
) -> tuple[int, str | None]:
    """Record consent and start a response; returns (response id, resume code or None).

    A personal link starts at most one response: starting again (a double click,
    a second tab) returns the response already in progress. An open link gets a
    resume code the respondent can note down (``resume_code`` when given: the web
    page derives it from its consent form, so a double-clicked consent starts one
    response; the code's unique index refuses a second one).
    """
    link = open_link(session, token)
    if link.completed:
        raise InvalidToken(
            "This personal link has already been used to submit the survey. "
            "Thank you for taking part."
        )
    if language not in link.instrument.languages:
        raise InvalidInput(f"The survey is not available in {language!r}.")
    if link.response_id is not None:
        return link.response_id, None
    connection = session.connection()
    resume_code = (resume_code or new_resume_code()) if link.mode == "open" else None
    response_id = connection.execute(
        _INSERT_RESPONSE,
        {
            "campaign_id": link.campaign_id,
            "instrument_id": link.instrument_row_id,
            "status": "in_progress",
            "language": language,
            "current_page": 0,
            "resume_code": resume_code,
            "consent_version": consent_version(link.instrument, language),
            "source": "link",
            "external_id": None,
            "started_on": today(),
            "submitted_on": None,
            "order_seed": secrets.randbelow(2**31),
        },
    ).scalar_one()
    if link.mode == "personal":
        claimed = connection.execute(
            update(_INVITATION)
            .where(_INVITATION.c.token == token, _INVITATION.c.response_id.is_(None))
            .values(response_id=response_id)
        ).rowcount
        if not claimed:  # another request started this link a moment ago: use that one
            connection.execute(delete(_RESPONSE).where(_RESPONSE.c.id == response_id))
            existing = connection.execute(
                select(_INVITATION.c.response_id).where(_INVITATION.c.token == token)
            ).scalar()
            return existing, None
    return response_id, resume_code


def resume_with_code(session: Session, token: str, code: str) -> SurveyLink:
    """Continue an open-link response with its resume code."""
    link = open_link(session, token)
    # Core, not an ORM object: the web page resumes with the code on every page it shows.
    response = (
        session.connection()
        .execute(
            _RESPONSE_BY_CODE,
            {"code": normalise_resume_code(code), "campaign_id": link.campaign_id},
        )
        .first()
    )
    if response is None:
        raise InvalidToken("No survey in progress has that resume code for this link.")
    if response.status == "complete":
        raise InvalidToken("That survey has already been submitted. Thank you for taking part.")
    return SurveyLink(
        link.campaign_id,
        link.instrument,
        link.mode,
        link.organisation,
        link.instrument_row_id,
        response_id=response.id,
        current_page=response.current_page,
        language=response.language,
        anonymous=link.anonymous,
    )


def _open_response(session: Session, response_id: int, state: Any) -> tuple[Any, Instrument] | None:
    """The locked response (or the caller's ``state``) and its instrument; None once complete."""
    response = state if state is not None else lock_response(session, response_id)
    if response.status == "complete":
        return None
    return response, stored_instrument(
        session, response.instrument_id, digest=response.content_hash
    ).model


def save_page(
    session: Session,
    response_id: int,
    answers: Mapping[str, Any],
    *,
    page: int,
    move_to: int,
    language: str | None = None,
    state: Any = None,
    stored: Mapping[str, Any] | None = None,
) -> PageResult:
    """Store the answers of page ``page`` and move to page ``move_to`` when allowed.

    Moving forward needs every required item of the page answered; moving back
    never does. Whatever is valid is stored either way, so nothing typed is lost.
    ``state`` (from :func:`~study.surveys.response_rows.lock_response`) and ``stored``
    (:func:`~study.surveys.answers.stored_answers` read after it, in the same
    transaction) save the queries when the caller has them.
    """
    opened = _open_response(session, response_id, state)
    if opened is None:
        return PageResult()
    response, instrument = opened
    if not 0 <= page < len(instrument.pages) or not 0 <= move_to < len(instrument.pages):
        raise InvalidInput("There is no such page in this survey.")
    language = language or response.language
    item_ids = [item.id for item in instrument.page_items(instrument.pages[page])]
    values, problems = check_answers(
        instrument, answers, item_ids=item_ids, language=language, require=move_to > page
    )
    drop_hidden(session, response_id, instrument, values, problems, stored)
    write_answers(session, response_id, instrument, values, stored)
    moves = not problems or move_to < page
    update_response(
        session,
        response_id,
        language=language,
        current_page=move_to if moves else response.current_page,
    )
    return PageResult() if moves else PageResult(problems)


def submit_response(
    session: Session,
    response_id: int,
    answers: Mapping[str, Any] | None = None,
    *,
    page: int | None = None,
    language: str | None = None,
    state: Any = None,
    stored: Mapping[str, Any] | None = None,
) -> PageResult:
    """Store the last page's answers and complete the response; safe to call twice.

    ``answers`` with ``page=None`` are checked against the whole instrument (a
    complete response in one call, as imports and the load benchmark do).
    Returns the problems that stop submission (missing required answers), if any.
    ``state`` and ``stored`` are as for :func:`save_page`.
    """
    opened = _open_response(session, response_id, state)
    if opened is None:
        return PageResult()
    response, instrument = opened
    language = language or response.language
    given: set[str] = set()
    if answers is not None:
        pages = instrument.pages if page is None else [instrument.pages[page]]
        item_ids = [item.id for p in pages for item in instrument.page_items(p)]
        values, problems = check_answers(
            instrument, answers, item_ids=item_ids, language=language, require=True
        )
        hidden = drop_hidden(session, response_id, instrument, values, problems, stored)
        write_answers(session, response_id, instrument, values, stored)
        if problems:
            return PageResult(problems)
        given = {item_id for item_id, value in values.items() if value is not None}
    else:
        values = {}
        hidden = drop_hidden(session, response_id, instrument, values, {}, stored)
        write_answers(session, response_id, instrument, values, stored)
    if stored is not None:  # what is stored now, without asking the database again
        given |= {item_id for item_id in stored if item_id not in values}
    missing = missing_required(session, response_id, instrument, given, hidden)
    if missing:
        return PageResult({item_id: "This question needs an answer." for item_id in missing})
    # The respondent keeps a code to see or withdraw the answers (study.surveys.withdrawal):
    # an open link its resume code, a personal link a new one (its token is separated from
    # the answers now, in an anonymous study).
    code = new_resume_code() if response.mode == "personal" else None
    # A conditional update makes a double submit race-free: only one request flips the status.
    flipped = update_response(
        session,
        response_id,
        _only_if_status="in_progress",
        status="complete",
        submitted_on=today(),
        current_page=len(instrument.pages) - 1,
        language=language,
        **({"resume_code": code} if code else {}),
    )
    if flipped:
        if response.mode == "personal":
            _use_invitation(session, response_id)
        count_submission(session, response.campaign_id)
        return PageResult(code=code)
    return PageResult()


def _use_invitation(session: Session, response_id: int) -> None:
    connection = session.connection()
    invitation = connection.execute(
        select(_INVITATION.c.id, StudyRow.__table__.c.pseudonymous)
        .join(_CAMPAIGN, _CAMPAIGN.c.id == _INVITATION.c.campaign_id)
        .join(_ORGANISATION, _ORGANISATION.c.id == _CAMPAIGN.c.organisation_id)
        .join(StudyRow.__table__, StudyRow.__table__.c.id == _ORGANISATION.c.study_id)
        .where(_INVITATION.c.response_id == response_id)
    ).first()
    if invitation is None:
        return
    values: dict[str, Any] = {"completed": True}
    if not invitation.pseudonymous:
        values["response_id"] = None  # anonymity: the token no longer leads to the answers
    expire_stale(session, InvitationRow, invitation.id)
    connection.execute(
        update(_INVITATION).where(_INVITATION.c.id == invitation.id).values(**values)
    )
