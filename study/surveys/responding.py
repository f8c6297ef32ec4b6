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
from sqlalchemy.orm.util import identity_key

from study.db.models import (
    AnswerRow,
    CampaignRow,
    InstrumentRow,
    InvitationRow,
    OrganisationRow,
    ResponseRow,
    StudyRow,
)
from study.errors import CampaignClosed, InvalidInput, InvalidToken
from study.surveys.anonymity import count_submission
from study.surveys.campaigns import campaign_status
from study.surveys.instrument_store import stored_instrument
from study.surveys.instruments import Instrument, Item, answer_value
from study.surveys.logic import hidden_items
from study.surveys.tokens import NOT_VALID, check_token, new_resume_code, normalise_resume_code

# The respondent's path runs many times per second under load, so it uses Core
# statements on the session's connection: the ORM's per-object work cost several
# times what the database does (bench/bench_submit.py).
_CAMPAIGN, _INVITATION = CampaignRow.__table__, InvitationRow.__table__
_ORGANISATION, _RESPONSE, _ANSWER = (
    OrganisationRow.__table__,
    ResponseRow.__table__,
    AnswerRow.__table__,
)
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
_RESPONSE_STATE = (
    select(
        _RESPONSE.c.status,
        _RESPONSE.c.instrument_id,
        _RESPONSE.c.language,
        _RESPONSE.c.current_page,
        _INSTRUMENT.c.content_hash,
        _CAMPAIGN.c.mode,
        _RESPONSE.c.campaign_id,
    )
    .join(_INSTRUMENT, _INSTRUMENT.c.id == _RESPONSE.c.instrument_id)
    .join(_CAMPAIGN, _CAMPAIGN.c.id == _RESPONSE.c.campaign_id)
    .where(_RESPONSE.c.id == bindparam("response_id"))
)
# Writers lock the row (PostgreSQL; SQLite serialises writers anyway), so two requests
# for the same response never interleave their answer writes.
_RESPONSE_STATE_LOCKED = _RESPONSE_STATE.with_for_update(of=_RESPONSE)
_DELETE_ANSWERS = delete(_ANSWER).where(
    _ANSWER.c.response_id == bindparam("response_id"),
    _ANSWER.c.item_id.in_(bindparam("item_ids", expanding=True)),
)
_INSERT_ANSWER = insert(_ANSWER)
_RESPONSE_BY_CODE = select(
    _RESPONSE.c.id, _RESPONSE.c.status, _RESPONSE.c.current_page, _RESPONSE.c.language
).where(
    _RESPONSE.c.resume_code == bindparam("code"),
    _RESPONSE.c.campaign_id == bindparam("campaign_id"),
)
_RESPONSE_PROGRESS = select(_RESPONSE.c.current_page, _RESPONSE.c.language).where(
    _RESPONSE.c.id == bindparam("response_id")
)
_STORED_ANSWERS = select(
    _ANSWER.c.item_id, _ANSWER.c.value_number, _ANSWER.c.value_text, _ANSWER.c.value_choices
).where(_ANSWER.c.response_id == bindparam("response_id"))
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


def _response_in_progress(session: Session, response_id: int, *, lock: bool = False):
    """The response's status, instrument (id and hash), language, page and campaign mode."""
    query = _RESPONSE_STATE_LOCKED if lock else _RESPONSE_STATE
    response = session.connection().execute(query, {"response_id": response_id}).first()
    if response is None:
        raise InvalidToken(NOT_VALID)
    return response


def _update_response(session: Session, response_id: int, **values: Any) -> int:
    """Update a response with Core and drop any stale copy the session holds; returns rows hit."""
    stale = session.identity_map.get(identity_key(ResponseRow, response_id))
    if stale is not None:
        session.expire(stale)
    condition = values.pop("_only_if_status", None)
    shape = (tuple(values), condition is not None)
    statement = _UPDATES.get(shape)
    if statement is None:  # built once per shape: building one cost more than running it
        statement = update(_RESPONSE).where(_RESPONSE.c.id == bindparam("key_id"))
        if condition is not None:
            statement = statement.where(_RESPONSE.c.status == bindparam("key_status"))
        statement = _UPDATES[shape] = statement.values(
            {name: bindparam(f"new_{name}") for name in values}
        )
    parameters = {f"new_{name}": value for name, value in values.items()}
    parameters.update(key_id=response_id, key_status=condition)
    if condition is None:
        del parameters["key_status"]
    return session.connection().execute(statement, parameters).rowcount


_UPDATES: dict[tuple, Any] = {}


def stored_answers(session: Session, response_id: int) -> dict[str, Any]:
    """The answers stored so far, by item id, in the form widgets take."""
    rows = session.connection().execute(_STORED_ANSWERS, {"response_id": response_id}).all()
    result: dict[str, Any] = {}
    for item_id, number, text, choices in rows:
        if choices is not None:
            result[item_id] = list(choices)
        elif text is not None:
            result[item_id] = text
        elif number is not None:
            result[item_id] = int(number) if float(number).is_integer() else number
    return result


_ITEMS: dict[int, tuple[Instrument, dict[str, Item]]] = {}


def _items(instrument: Instrument) -> dict[str, Item]:
    """Items by id; stored instrument models are shared and never change, so keep the index."""
    cached = _ITEMS.get(id(instrument))
    if cached is None or cached[0] is not instrument:
        if len(_ITEMS) > 64:  # instruments built outside the store's cache: stay bounded
            _ITEMS.clear()
        cached = _ITEMS[id(instrument)] = (instrument, {i.id: i for i in instrument.all_items()})
    return cached[1]


def _answer_columns(item: Item, value: Any) -> dict[str, Any]:
    if item.type == "multiple_choice":
        return {"value_number": None, "value_text": None, "value_choices": list(value)}
    if item.type in ("text", "single_choice"):
        return {"value_number": None, "value_text": str(value), "value_choices": None}
    return {"value_number": float(value), "value_text": None, "value_choices": None}


def check_answers(
    instrument: Instrument,
    answers: Mapping[str, Any],
    *,
    item_ids: list[str],
    language: str,
    require: bool,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate raw answers for ``item_ids``: (stored values, problems by item id)."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    items = _items(instrument)
    for item_id in item_ids:
        item = items[item_id]
        raw = answers.get(item_id)
        try:
            value = answer_value(item, raw)
        except InvalidInput as exc:
            problems[item_id] = str(exc)
            continue
        if value is None or value == []:
            if require and item.required:
                problems[item_id] = (
                    "Dette spørgsmål skal besvares."
                    if language == "da"
                    else "This question needs an answer."
                )
            values[item_id] = None
        else:
            values[item_id] = value
    return values, problems


def _write_answers(
    session: Session,
    response_id: int,
    instrument: Instrument,
    values: Mapping[str, Any],
    stored: Mapping[str, Any] | None = None,
) -> None:
    """Replace the answers to the items in ``values`` (None deletes one).

    With ``stored`` (the answers read under the response's lock) nothing is deleted
    when none of these items has an answer yet: a page's first save is one insert.
    """
    if not values:
        return
    # Core statements on the session's connection: the ORM's bulk path costs more than
    # the database does for a page of answers (bench/bench_submit.py).
    connection = session.connection()
    if stored is None or not stored.keys().isdisjoint(values):
        connection.execute(_DELETE_ANSWERS, {"response_id": response_id, "item_ids": list(values)})
    items = _items(instrument)
    rows = [
        {"response_id": response_id, "item_id": item_id, **_answer_columns(items[item_id], value)}
        for item_id, value in values.items()
        if value is not None
    ]
    if rows:
        connection.execute(_INSERT_ANSWER, rows)


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
    ``state`` (from :func:`lock_response`) and ``stored`` (:func:`stored_answers`
    read after it, in the same transaction) save the queries when the caller has them.
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
    _drop_hidden(session, response_id, instrument, values, problems, stored)
    _write_answers(session, response_id, instrument, values, stored)
    moves = not problems or move_to < page
    _update_response(
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
        hidden = _drop_hidden(session, response_id, instrument, values, problems, stored)
        _write_answers(session, response_id, instrument, values, stored)
        if problems:
            return PageResult(problems)
        given = {item_id for item_id, value in values.items() if value is not None}
    else:
        values = {}
        hidden = _drop_hidden(session, response_id, instrument, values, {}, stored)
        _write_answers(session, response_id, instrument, values, stored)
    if stored is not None:  # what is stored now, without asking the database again
        given |= {item_id for item_id in stored if item_id not in values}
    missing = _missing_required(session, response_id, instrument, given, hidden)
    if missing:
        return PageResult({item_id: "This question needs an answer." for item_id in missing})
    # The respondent keeps a code to see or withdraw the answers (study.surveys.withdrawal):
    # an open link its resume code, a personal link a new one (its token is separated from
    # the answers now, in an anonymous study).
    code = new_resume_code() if response.mode == "personal" else None
    # A conditional update makes a double submit race-free: only one request flips the status.
    flipped = _update_response(
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


def _drop_hidden(
    session: Session,
    response_id: int,
    instrument: Instrument,
    values: dict[str, Any],
    problems: dict[str, str],
    stored: Mapping[str, Any] | None = None,
) -> set[str]:
    """Make ``values`` delete every answer to an item not shown (survey logic); its ids.

    A changed answer may hide items answered before, here or on later pages: their
    answers go, and so do problems with items the respondent does not see.
    """
    if not any(item.show_if for item in instrument.all_items()) and not any(
        page.show_if for page in instrument.pages
    ):
        return set()
    if stored is None:
        stored = stored_answers(session, response_id)
    answers = {**stored, **values}
    hidden = hidden_items(instrument, {k: v for k, v in answers.items() if v is not None})
    for item_id in hidden:
        problems.pop(item_id, None)
        if item_id in answers:
            values[item_id] = None  # _write_answers deletes it and stores nothing
    return hidden


def _missing_required(
    session: Session,
    response_id: int,
    instrument: Instrument,
    given: set[str],
    hidden: set[str] = frozenset(),
) -> list[str]:
    """Required items shown to this respondent and not answered (hidden ones are not required)."""
    required = [
        item.id for item in instrument.all_items() if item.required and item.id not in hidden
    ]
    if given.issuperset(required):  # just written: no need to ask the database
        return []
    answered = set(
        session.connection()
        .execute(select(_ANSWER.c.item_id).where(_ANSWER.c.response_id == response_id))
        .scalars()
    )
    return [item_id for item_id in required if item_id not in answered]


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
    stale = session.identity_map.get(identity_key(InvitationRow, invitation.id))
    if stale is not None:
        session.expire(stale)
    connection.execute(
        update(_INVITATION).where(_INVITATION.c.id == invitation.id).values(**values)
    )


def response_seed(session: Session, response_id: int) -> int | None:
    """The seed of this response's randomised item order (None: file order).

    Set by :func:`start_response`; see :func:`study.surveys.logic.shown_items`.
    """
    return (
        session.connection()
        .execute(select(_RESPONSE.c.order_seed).where(_RESPONSE.c.id == response_id))
        .scalar()
    )


def lock_response(session: Session, response_id: int):
    """The response's row (status, instrument, language, page, campaign), locked for writing.

    Read it first in a transaction that saves answers, then :func:`stored_answers`, and
    pass both to :func:`save_page` or :func:`submit_response`: no other request can
    change the response's answers in between (PostgreSQL locks the row; SQLite has one
    writer, and the unique answer index refuses an insert a stale read would allow).
    """
    return _response_in_progress(session, response_id, lock=True)


def response_state(session: Session, response_id: int) -> tuple[str, int, str]:
    """(status, current page, language) of a response."""
    response = _response_in_progress(session, response_id)
    return response.status, response.current_page, response.language
