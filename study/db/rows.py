"""Look up one stored row by its id, or say in one sentence that there is none."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from study.db.models import Base
from study.errors import NotFound

RowT = TypeVar("RowT", bound=Base)


def row_by_id(session: Session, model: type[RowT], row_id: int, what: str) -> RowT:
    """The ``model`` row with id ``row_id``, or :class:`~study.errors.NotFound` naming ``what``.

    The sentence is "There is no {what} with id {row_id}." (``what``: "transcript", "code").
    """
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"There is no {what} with id {row_id}.")
    return row
