"""Row helpers: one stored row by its id (or one sentence saying there is none), and deleting
so that no copy is left in a SQLite file's free pages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

from sqlalchemy import text
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


@contextlib.contextmanager
def secure_delete(session: Session) -> Iterator[None]:
    """SQLite: overwrite what is deleted meanwhile with zeros, so no free page of the file
    keeps it (an erasure, a withdrawal). PostgreSQL keeps old row versions until VACUUM
    reuses their space: that is the database administrator's part."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA secure_delete")).scalar()
    session.execute(text("PRAGMA secure_delete = ON"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA secure_delete = {int(before or 0)}"))
