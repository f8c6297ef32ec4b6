"""A response's answers on the respondent's path: checked, read, written, dropped when hidden.

:func:`check_answers` turns raw form values into stored values and problems by item;
:func:`stored_answers` reads what is stored so far; :func:`write_answers` replaces a
page's answers with Core statements on the session's connection (the respondent's path
runs many times per second under load, and the ORM's per-object work cost several times
what the database does: bench/bench_submit.py). :func:`drop_hidden` deletes the answers
to items survey logic no longer shows, and :func:`missing_required` names the required
items shown and not answered. :mod:`study.surveys.responding` calls them for each page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from study.db.models import AnswerRow
from study.errors import InvalidInput
from study.surveys.instruments import Instrument, Item, answer_value
from study.surveys.logic import hidden_items

_ANSWER = AnswerRow.__table__
_DELETE_ANSWERS = delete(_ANSWER).where(
    _ANSWER.c.response_id == bindparam("response_id"),
    _ANSWER.c.item_id.in_(bindparam("item_ids", expanding=True)),
)
_INSERT_ANSWER = insert(_ANSWER)
_STORED_ANSWERS = select(
    _ANSWER.c.item_id, _ANSWER.c.value_number, _ANSWER.c.value_text, _ANSWER.c.value_choices
).where(_ANSWER.c.response_id == bindparam("response_id"))


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


def write_answers(
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


def drop_hidden(
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
            values[item_id] = None  # write_answers deletes it and stores nothing
    return hidden


def missing_required(
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
