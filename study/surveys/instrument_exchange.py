"""Instruments in and out: YAML, Qualtrics (.qsf) and LimeSurvey (.lss) files, stored as versions.

An imported instrument is stored in the database like a loaded YAML file, so every app
process sees it. Its id comes from the file (``--id`` chooses another); importing an
instrument whose id is already stored with other content makes the next version, so a
running campaign keeps the version it opened with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.identity import acting
from study.admin.permissions import Actor, require
from study.db.models import InstrumentRow
from study.errors import InvalidFile, InvalidInput
from study.surveys.instrument_store import (
    StoredInstrument,
    content_hash,
    latest_instrument,
    store_instrument,
)
from study.surveys.instruments import Instrument, InterviewGuide, load_instruments
from study.surveys.instruments.foreign import ImportedInstrument, check_size
from study.yamlfile import parse_yaml_model

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_SUFFIXES",
    "InstrumentImport",
    "export_instrument",
    "import_instrument",
    "instrument_catalogue",
    "instrument_yaml",
    "newest_instruments",
]

IMPORT_SUFFIXES = (".qsf", ".lss", ".yaml", ".yml")
EXPORT_FORMATS = ("yaml", "qsf")


@dataclass(frozen=True)
class InstrumentImport:
    """What an import stored: the instrument id and version, and what it could not keep."""

    id: str
    version: int
    row_id: int
    notes: list[str] = field(default_factory=list)
    created: bool = True


def instrument_yaml(model: Instrument | InterviewGuide) -> str:
    """The instrument as YAML that loads back to an equal model (``study instruments load``)."""
    data = model.model_dump(mode="json", exclude_defaults=True)
    data = {"kind": model.kind, **data} if model.kind != "survey" else data
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _read(data: bytes, filename: str, instrument_id: str | None) -> ImportedInstrument:
    suffix = Path(filename).suffix.lower()
    check_size(data, filename)
    if suffix == ".qsf":
        from study.surveys.instruments.qualtrics import read_qsf

        return read_qsf(data, filename=filename, instrument_id=instrument_id)
    if suffix == ".lss":
        from study.surveys.instruments.limesurvey import read_lss

        return read_lss(data, filename=filename, instrument_id=instrument_id)
    if suffix in (".yaml", ".yml"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidFile(f"{filename} is not UTF-8 text.", path=filename) from None
        try:
            kind = (yaml.safe_load(text) or {}).get("kind")
        except (yaml.YAMLError, AttributeError, RecursionError):
            kind = None  # parse_yaml_model names the problem, with its line
        cls = InterviewGuide if kind == "interview_guide" else Instrument
        model = parse_yaml_model(text, cls, path=filename)
        if instrument_id:
            model = cls.model_validate({**model.model_dump(mode="json"), "id": instrument_id})
        return ImportedInstrument(model, [], filename)
    raise InvalidInput(
        f"{filename}: import a Qualtrics .qsf, a LimeSurvey .lss or an ISM Study .yaml file."
    )


def import_instrument(
    session: Session,
    data: bytes,
    filename: str,
    *,
    actor: Actor | int,
    instrument_id: str | None = None,
) -> InstrumentImport:
    """Read an instrument file and store it; the same content again stores nothing new."""
    actor_id = acting(session, actor, "run_surveys")
    read = _read(data, os.path.basename(filename), instrument_id)
    model = read.instrument
    versions = {
        int(v): digest
        for v, digest in session.execute(
            select(InstrumentRow.version, InstrumentRow.content_hash).where(
                InstrumentRow.key == model.id
            )
        )
        if str(v).isdigit()
    }
    for version, digest in versions.items():
        candidate = model.model_copy(update={"version": version})
        if content_hash(candidate) == digest:
            row = session.scalar(
                select(InstrumentRow.id).where(
                    InstrumentRow.key == model.id, InstrumentRow.version == str(version)
                )
            )
            return InstrumentImport(model.id, version, row, list(read.notes), created=False)
    if versions:
        model = model.model_copy(update={"version": max(versions) + 1})
    stored = store_instrument(session, model, actor_id=actor_id)
    session.flush()
    return InstrumentImport(model.id, int(model.version), _row_id(session, stored), read.notes)


def _row_id(session: Session, stored: StoredInstrument) -> int:
    if stored.row_id is not None:
        return stored.row_id
    return session.scalar(
        select(InstrumentRow.id).where(
            InstrumentRow.key == stored.model.id, InstrumentRow.version == str(stored.model.version)
        )
    )


def export_instrument(
    session: Session, instrument_id: str, *, format: str = "yaml", viewer: Actor
) -> bytes:
    """The newest version of an instrument as YAML or as a Qualtrics .qsf file."""
    require(current_actor(session, viewer), "run_surveys")
    if format not in EXPORT_FORMATS:
        raise InvalidInput(
            f"Export an instrument as {' or '.join(EXPORT_FORMATS)}, not {format!r}."
        )
    model = latest_instrument(session, instrument_id).model
    if format == "yaml":
        return instrument_yaml(model).encode("utf-8")
    if not isinstance(model, Instrument):
        raise InvalidInput(f"{instrument_id} is an interview guide; only surveys go to Qualtrics.")
    from study.surveys.instruments.qualtrics import write_qsf

    return write_qsf(model)


def _newest(
    session: Session,
) -> tuple[dict[str, Instrument | InterviewGuide], dict[str, set[str]], set[str]]:
    """The newest version of each instrument, every version's number, and the built-in ids."""
    newest: dict[str, Instrument | InterviewGuide] = {}
    versions: dict[str, set[str]] = {}
    for row in session.scalars(select(InstrumentRow)):
        versions.setdefault(row.key, set()).add(row.version)
    for key in versions:
        newest[key] = latest_instrument(session, key, directory=None).model
    files = load_instruments()
    for key, model in files.items():
        versions.setdefault(key, set()).add(str(model.version))
        if key not in newest or int(model.version) >= int(newest[key].version):
            newest[key] = model
    return newest, versions, set(files)


def newest_instruments(
    session: Session, *, viewer: Actor
) -> dict[str, Instrument | InterviewGuide]:
    """Every instrument (built in or stored) in its newest version, by id."""
    require(current_actor(session, viewer), "run_surveys")
    newest, _, _ = _newest(session)
    return dict(sorted(newest.items()))


def instrument_catalogue(session: Session, *, viewer: Actor) -> list[dict]:
    """Every instrument: built in (a file in instruments/, never changed here) or stored,
    with its versions; title and languages are the newest version's."""
    require(current_actor(session, viewer), "run_surveys")
    newest, versions, files = _newest(session)
    return [
        {
            "id": key,
            "kind": newest[key].kind,
            "version": int(newest[key].version),
            "versions": sorted(int(v) for v in versions[key] if str(v).isdigit()),
            "built_in": key in files,
            "languages": ",".join(newest[key].languages),
            "title": newest[key].title[newest[key].languages[0]],
        }
        for key in sorted(newest)
    ]
