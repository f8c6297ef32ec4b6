"""Organisations taking part in the study."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.studies import ensure_study
from study.db.models import Organisation
from study.errors import AlreadyExists, InvalidInput, NotFound


@dataclass(frozen=True)
class OrganisationInfo:
    """An organisation as the CLI and pages show it."""

    id: int
    name: str
    sector: str | None
    size_band: str | None
    country: str | None
    headcount: int | None

    def as_dict(self) -> dict:
        """Plain dict for JSON output."""
        return asdict(self)


def _info(org: Organisation) -> OrganisationInfo:
    return OrganisationInfo(org.id, org.name, org.sector, org.size_band, org.country,
                            org.headcount)


def add_organisation(session: Session, name: str, *, sector: str | None = None,
                     size_band: str | None = None, country: str | None = None,
                     headcount: int | None = None, actor_id: int | None = None
                     ) -> OrganisationInfo:
    """Add an organisation to the study (created if the database has none yet)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("An organisation needs a name.")
    if headcount is not None and headcount < 1:
        raise InvalidInput("Headcount must be at least 1.")
    study = ensure_study(session, actor_id=actor_id)
    session.flush()
    exists = session.scalar(select(Organisation.id).where(
        Organisation.study_id == study.id, Organisation.name == name))
    if exists is not None:
        raise AlreadyExists(f"The organisation {name!r} already exists.")
    org = Organisation(study_id=study.id, name=name, sector=sector or None,
                       size_band=size_band or None, country=country or None,
                       headcount=headcount, attributes={})
    session.add(org)
    record_event(session, "organisation.add", actor_id=actor_id, target=org,
                 details={"name": name})
    return _info(org)


def get_organisation(session: Session, name: str) -> Organisation:
    """The organisation called ``name`` (case-insensitive), or NotFound."""
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        matches = [o for o in session.scalars(select(Organisation))
                   if o.name.casefold() == (name or "").strip().casefold()]
        if len(matches) == 1:
            return matches[0]
        raise NotFound(f"There is no organisation called {name!r}; "
                       "`study org list` shows the names.")
    return org


def list_organisations(session: Session) -> list[OrganisationInfo]:
    """All organisations, by name."""
    return [_info(o) for o in session.scalars(select(Organisation).order_by(Organisation.name))]


def organisations_frame(session: Session) -> pd.DataFrame:
    """All organisations as a DataFrame (id, name, sector, size_band, country, headcount)."""
    rows = [o.as_dict() for o in list_organisations(session)]
    return pd.DataFrame(rows, columns=["id", "name", "sector", "size_band", "country",
                                       "headcount"])
