"""Which REFI-QDA GUID each study row was exchanged under, and how the row was then.

Every .qdpx export and import records, per source, code, coding, memo and user, the
GUID it went out or came in under and the row's state at that moment (its *base*). A
project that comes back is matched row by row through these records, and
:func:`decide` tells a change made in the other program (the study's row is still as
the base says: take the file's) from one made here (the file is as the base says: keep
the study's) and from one made on both sides (a conflict).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from study.db.models import CodeRow, ExchangeIdentityRow

__all__ = [
    "Decision",
    "Identities",
    "code_state",
    "coding_state",
    "decide",
    "stored_code_state",
    "memo_state",
]

#: What a difference between the study and a returning file calls for.
Decision = Literal["unchanged", "update", "conflict"]


def decide(
    stored: dict[str, Any], incoming: dict[str, Any], base: dict[str, Any] | None
) -> Decision:
    """``unchanged`` when the file brings nothing new, ``update`` when only the other
    program changed the row, ``conflict`` when both did (or when nothing says how the
    row was exchanged, so nobody can tell).

    Examples
    --------
    >>> decide({"text": "a"}, {"text": "a"}, None)
    'unchanged'
    >>> decide({"text": "a"}, {"text": "b"}, {"text": "a"})  # changed in the other program
    'update'
    >>> decide({"text": "c"}, {"text": "a"}, {"text": "a"})  # changed here only
    'unchanged'
    >>> decide({"text": "c"}, {"text": "b"}, {"text": "a"})  # changed on both sides
    'conflict'
    """
    if incoming == stored or incoming == base:
        return "unchanged"
    return "update" if base is not None and stored == base else "conflict"


def code_state(
    name: str,
    colour: str,
    definition: str,
    inclusion: str,
    exclusion: str,
    examples: list[str] | tuple[str, ...],
) -> dict[str, Any]:
    """A code's exchanged fields, in the form both a stored code and a file's code take."""
    return {
        "name": name,
        "colour": (colour or "").upper(),
        "definition": definition or "",
        "inclusion": inclusion or "",
        "exclusion": exclusion or "",
        "examples": [str(e) for e in examples or []],
    }


def stored_code_state(code: CodeRow) -> dict[str, Any]:
    """:func:`code_state` of a stored code."""
    return code_state(
        code.name, code.colour, code.definition, code.inclusion, code.exclusion, code.examples
    )


def coding_state(code: str, start: int, end: int) -> dict[str, Any]:
    """A coding's exchanged fields; ``code`` is ``scheme-key/code-key``, the same in every
    version of the scheme."""
    return {"code": code, "start": start, "end": end}


def memo_state(text: str) -> dict[str, Any]:
    """A memo's exchanged field."""
    return {"text": text}


class Identities:
    """The study's exchange records, read once; :meth:`remember` queues, :meth:`save` writes.

    :meth:`save` upserts on ``(kind, guid)``, so two exports at once never collide on a
    record: the later one's state stands.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[tuple[str, str], int] = {}
        self._bases: dict[tuple[str, int], dict[str, Any]] = {}
        self._names: dict[str, dict[int, set[str]]] = {}
        self._pending: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self._states: list[tuple[str, int, dict[str, Any]]] = []  # every record, old ones too
        records = session.execute(
            select(
                ExchangeIdentityRow.kind,
                ExchangeIdentityRow.guid,
                ExchangeIdentityRow.row_id,
                ExchangeIdentityRow.base,
            ).order_by(ExchangeIdentityRow.exchanged_at, ExchangeIdentityRow.id)
        )
        for kind, guid, row_id, base in records:
            self._note(kind, guid, row_id, base or {})

    def _note(self, kind: str, guid: str, row_id: int, state: dict[str, Any]) -> None:
        self._states.append((kind, row_id, dict(state)))
        self._rows[kind, guid] = row_id
        self._bases[kind, row_id] = dict(state)  # the latest exchange of the row wins
        if "name" in state:
            name = " ".join(str(state["name"]).split()).casefold()
            self._names.setdefault(kind, {}).setdefault(row_id, set()).add(name)

    def row_id(self, kind: str, guid: str | None) -> int | None:
        """The row ``guid`` was exchanged as, or None."""
        return self._rows.get((kind, (guid or "").upper()))

    def base(self, kind: str, row_id: int) -> dict[str, Any] | None:
        """The row's state at its latest exchange, or None if it was never exchanged."""
        base = self._bases.get((kind, row_id))
        return dict(base) if base is not None else None

    def ever(self, kind: str, **state: Any) -> set[int]:
        """The rows of ``kind`` ever exchanged with these values (``sha=...``: a source's
        text as it was then)."""
        return {
            row_id
            for each, row_id, base in self._states
            if each == kind and all(base.get(k) == v for k, v in state.items())
        }

    def named(self, kind: str, name: str) -> set[int]:
        """The rows of ``kind`` exchanged under ``name`` (users: the name a peer shows)."""
        wanted = " ".join(name.split()).casefold()
        return {row for row, names in self._names.get(kind, {}).items() if wanted in names}

    def remember(self, kind: str, guid: str, row_id: int, state: dict[str, Any]) -> None:
        """Record that row ``row_id`` was exchanged as ``guid`` in ``state`` (written by :meth:`save`)."""
        guid = guid.upper()
        self._note(kind, guid, row_id, state)
        self._pending[kind, guid] = (row_id, dict(state))

    def save(self) -> None:
        """Write what :meth:`remember` queued, stamped now."""
        if not self._pending:
            return
        now = dt.datetime.now(dt.UTC)
        values = [
            {"kind": kind, "guid": guid, "row_id": row_id, "base": state, "exchanged_at": now}
            for (kind, guid), (row_id, state) in self._pending.items()
        ]
        dialect = self.session.get_bind().dialect.name
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        for first in range(0, len(values), _BATCH):
            statement = insert(ExchangeIdentityRow).values(values[first : first + _BATCH])
            self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["kind", "guid"],
                    set_={
                        "row_id": statement.excluded.row_id,
                        "base": statement.excluded.base,
                        "exchanged_at": statement.excluded.exchanged_at,
                    },
                )
            )
        self._pending.clear()


_BATCH = 500  # rows per INSERT: 2,500 parameters, far below SQLite's limit
