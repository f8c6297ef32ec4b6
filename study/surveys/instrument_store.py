"""Instrument versions in the database: what each response was answered with.

Each (instrument id, version) is stored once with its full definition, so
editing a YAML file never changes how old answers read. Storing changed
content under an existing version is refused: raise the version instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.db.models import InstrumentRow
from study.errors import AlreadyExists, NotFound
from study.surveys.instruments import (
    DEFAULT_INSTRUMENTS_DIRECTORY,
    Instrument,
    InterviewGuide,
    instrument_from_dict,
    load_instruments,
)


@dataclass(frozen=True)
class StoredInstrument:
    """An instrument version as stored: its row id and the rebuilt model."""

    row_id: int
    model: Instrument | InterviewGuide


def _definition(model: Instrument | InterviewGuide) -> tuple[dict, str]:
    definition = model.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    return definition, digest


def content_hash(model: Instrument | InterviewGuide) -> str:
    """The hash an instrument version is stored under: same content, same hash."""
    return _definition(model)[1]


def store_instrument(
    session: Session, model: Instrument | InterviewGuide, *, actor_id: int | None = None
) -> StoredInstrument:
    """Store ``model`` as a version (a no-op when that version is stored with the same content).

    Raises
    ------
    AlreadyExists
        When the same id and version is stored with different content.
    """
    definition, digest = _definition(model)
    row = session.scalar(
        select(InstrumentRow).where(
            InstrumentRow.key == model.id, InstrumentRow.version == str(model.version)
        )
    )
    if row is not None:
        if row.content_hash != digest:
            raise AlreadyExists(
                f"Instrument {model.id} version {model.version} is already stored with other "
                "content; give the changed file a new version number."
            )
        return StoredInstrument(row.id, model)
    row = InstrumentRow(
        key=model.id,
        version=str(model.version),
        kind=model.kind,
        definition=definition,
        content_hash=digest,
    )
    session.add(row)
    record_event(
        session,
        "instrument.store",
        actor_id=actor_id,
        target=row,
        details={"key": model.id, "version": str(model.version)},
    )
    return StoredInstrument(row.id, model)


# Stored versions never change, so a model rebuilt once per content hash can be shared:
# validating a 45-item instrument costs far more than answering a page.
_MODELS: dict[str, Instrument | InterviewGuide] = {}


def stored_instrument(
    session: Session, row_id: int, *, digest: str | None = None
) -> StoredInstrument:
    """The stored instrument version with database id ``row_id`` (treat the model as read-only).

    ``digest``, the row's content hash when the caller already has it, saves a query.
    """
    if digest is None or digest not in _MODELS:
        digest = session.scalar(
            select(InstrumentRow.content_hash).where(InstrumentRow.id == row_id)
        )
    if digest is None:
        raise NotFound(f"There is no stored instrument with id {row_id}.")
    model = _MODELS.get(digest)
    if model is None:
        definition = session.scalar(
            select(InstrumentRow.definition).where(InstrumentRow.id == row_id)
        )
        model = _MODELS.setdefault(digest, instrument_from_dict(definition))
    return StoredInstrument(row_id, model)


def latest_instrument(
    session: Session, key: str, *, directory=DEFAULT_INSTRUMENTS_DIRECTORY
) -> StoredInstrument:
    """The instrument ``key``: the file in ``directory`` (stored if new), else the newest stored.

    Raises NotFound naming the instruments that exist.
    """
    files = load_instruments(directory) if directory is not None else {}
    if key in files:
        return store_instrument(session, files[key])
    rows = session.scalars(select(InstrumentRow).where(InstrumentRow.key == key)).all()
    if rows:
        row = max(rows, key=lambda r: (len(r.version), r.version))
        return StoredInstrument(row.id, instrument_from_dict(row.definition))
    known = sorted(set(files) | set(session.scalars(select(InstrumentRow.key)).all()))
    raise NotFound(f"There is no instrument {key!r}; known: {', '.join(known) or 'none'}.")
