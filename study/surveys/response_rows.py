"""One response's row on the respondent's path: its state read or locked, updated, its seed.

Core statements on the session's connection, built once (constructing an expression
per call cost more than running it): :func:`lock_response` reads the state a transaction
that saves answers starts from, :func:`update_response` changes the row (conditionally,
so a double submit flips the status once), and :func:`expire_stale` drops a copy of a
row the session holds once Core has changed it. :mod:`study.surveys.responding` uses them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from study.db.models import CampaignRow, InstrumentRow, ResponseRow
from study.errors import InvalidToken
from study.surveys.tokens import NOT_VALID

_CAMPAIGN, _RESPONSE, _INSTRUMENT = (
    CampaignRow.__table__,
    ResponseRow.__table__,
    InstrumentRow.__table__,
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


def expire_stale(session: Session, row_class: type, row_id: int) -> None:
    """Drop the session's copy of a row (if it holds one) that a Core statement changes."""
    stale = session.identity_map.get(identity_key(row_class, row_id))
    if stale is not None:
        session.expire(stale)


def _response_in_progress(session: Session, response_id: int, *, lock: bool = False):
    """The response's status, instrument (id and hash), language, page and campaign mode."""
    query = _RESPONSE_STATE_LOCKED if lock else _RESPONSE_STATE
    response = session.connection().execute(query, {"response_id": response_id}).first()
    if response is None:
        raise InvalidToken(NOT_VALID)
    return response


def update_response(session: Session, response_id: int, **values: Any) -> int:
    """Update a response with Core and drop any stale copy the session holds; returns rows hit."""
    expire_stale(session, ResponseRow, response_id)
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


def response_seed(session: Session, response_id: int) -> int | None:
    """The seed of this response's randomised item order (None: file order).

    Set by :func:`~study.surveys.responding.start_response`; see
    :func:`study.surveys.logic.shown_items`.
    """
    return (
        session.connection()
        .execute(select(_RESPONSE.c.order_seed).where(_RESPONSE.c.id == response_id))
        .scalar()
    )


def lock_response(session: Session, response_id: int):
    """The response's row (status, instrument, language, page, campaign), locked for writing.

    Read it first in a transaction that saves answers, then
    :func:`~study.surveys.answers.stored_answers`, and pass both to
    :func:`~study.surveys.responding.save_page` or
    :func:`~study.surveys.responding.submit_response`: no other request can change the
    response's answers in between (PostgreSQL locks the row; SQLite has one writer, and
    the unique answer index refuses an insert a stale read would allow).
    """
    return _response_in_progress(session, response_id, lock=True)


def response_state(session: Session, response_id: int) -> tuple[str, int, str]:
    """(status, current page, language) of a response."""
    response = _response_in_progress(session, response_id)
    return response.status, response.current_page, response.language
