"""Organisations taking part in the study."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.identity import acting, current_actor
from study.admin.permissions import Actor, is_practitioner, organisation_scope, require
from study.admin.records import PlainRecord
from study.admin.studies import ensure_study
from study.db.models import OrganisationRow
from study.db.values import one_line
from study.errors import AlreadyExists, InvalidInput, NotFound


@dataclass(frozen=True)
class OrganisationInfo(PlainRecord):
    """An organisation as the CLI and pages show it."""

    id: int
    name: str
    sector: str | None
    size_band: str | None
    country: str | None
    headcount: int | None


def _info(org: OrganisationRow) -> OrganisationInfo:
    return OrganisationInfo(org.id, org.name, org.sector, org.size_band, org.country, org.headcount)


def add_organisation(
    session: Session,
    name: str,
    *,
    sector: str | None = None,
    size_band: str | None = None,
    country: str | None = None,
    headcount: int | None = None,
    actor: Actor | int,
) -> OrganisationInfo:
    """Add an organisation to the study (created if the database has none yet).

    ``actor`` must hold ``manage_organisations`` (researchers).
    """
    return create_organisation(
        session,
        name,
        sector=sector,
        size_band=size_band,
        country=country,
        headcount=headcount,
        actor_id=acting(session, actor, "manage_organisations"),
    )


def create_organisation(
    session: Session,
    name: str,
    *,
    sector: str | None = None,
    size_band: str | None = None,
    country: str | None = None,
    headcount: int | None = None,
    actor_id: int | None,
) -> OrganisationInfo:
    """:func:`add_organisation` once the caller checked who acts (an import's cases, the demo)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("An organisation needs a name.")
    # Names reach e-mail subjects and file names: one line, said here, not at the send.
    one_line(name, "organisation name")
    for field, value in (("sector", sector), ("size band", size_band), ("country", country)):
        one_line(value, f"organisation {field}")
    if headcount is not None and headcount < 1:
        raise InvalidInput("Headcount must be at least 1.")
    study = ensure_study(session, actor_id=actor_id)
    session.flush()
    exists = session.scalar(
        select(OrganisationRow.id).where(
            OrganisationRow.study_id == study.id, OrganisationRow.name == name
        )
    )
    if exists is not None:
        raise AlreadyExists(f"The organisation {name!r} already exists.")
    org = OrganisationRow(
        study_id=study.id,
        name=name,
        sector=sector or None,
        size_band=size_band or None,
        country=country or None,
        headcount=headcount,
        attributes={},
    )
    session.add(org)
    record_event(session, "organisation.add", actor_id=actor_id, target=org, details={"name": name})
    return _info(org)


def get_organisation(session: Session, name: str, *, viewer: Actor) -> OrganisationInfo:
    """The organisation called ``name`` (case-insensitive), or NotFound.

    A practitioner finds only their own organisation (another name is NotFound, so
    nobody learns which other organisations take part).
    """
    viewer = current_actor(session, viewer)
    require(viewer, "see_overview")
    org = organisation_row(session, name)
    if is_practitioner(viewer) and org.id != organisation_scope(viewer):
        raise NotFound(f"There is no organisation called {name!r}.")
    return _info(org)


def organisation_row(session: Session, name: str) -> OrganisationRow:
    """The organisation row called ``name`` (case-insensitive), or NotFound (library use)."""
    org = session.scalar(select(OrganisationRow).where(OrganisationRow.name == name))
    if org is None:
        matches = [
            o
            for o in session.scalars(select(OrganisationRow))
            if o.name.casefold() == (name or "").strip().casefold()
        ]
        if len(matches) == 1:
            return matches[0]
        raise NotFound(
            f"There is no organisation called {name!r}; `study org list` shows the names."
        )
    return org


def list_organisations(session: Session, *, viewer: Actor) -> list[OrganisationInfo]:
    """The organisations ``viewer`` may see, by name (a practitioner: their own)."""
    viewer = current_actor(session, viewer)
    require(viewer, "see_overview")
    query = select(OrganisationRow).order_by(OrganisationRow.name)
    if is_practitioner(viewer):
        query = query.where(OrganisationRow.id == organisation_scope(viewer))
    return [_info(o) for o in session.scalars(query)]


def organisations_frame(session: Session, *, viewer: Actor) -> pd.DataFrame:
    """The organisations ``viewer`` may see as a DataFrame (id, name, sector, ...)."""
    rows = [o.as_dict() for o in list_organisations(session, viewer=viewer)]
    return pd.DataFrame(rows, columns=["id", "name", "sector", "size_band", "country", "headcount"])
