"""Platform activity from the database: ``activity_measures``, weekly series, posting times.

Loads the stored (pseudonymised) messages and people into the frames that
:mod:`study.platforms.measures` computes on, with one query each.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.organisations import organisation_row
from study.admin.permissions import Actor, require
from study.config import int_setting, setting
from study.db.models import OrganisationRow, PlatformMessageRow, PlatformPersonRow
from study.platforms.measures import MEASURE_COLUMNS, MEASURES, compute_measures
from study.platforms.message_frames import WorkingHours
from study.platforms.weekly_activity import posting_times, weekly_series

__all__ = [
    "MEASURES",
    "activity_frames",
    "activity_measures",
    "activity_posting_times",
    "activity_weekly",
    "platform_organisations",
]


def _organisation_filter(session: Session, organisation: str | None):
    if organisation is None:
        return None
    return organisation_row(session, organisation).id


def activity_frames(
    session: Session, *, organisation: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``messages`` and ``people`` frames of :mod:`study.platforms.measures`."""
    org_id = _organisation_filter(session, organisation)
    query = select(
        OrganisationRow.name.label("organisation"),
        PlatformMessageRow.person_id.label("person"),
        PlatformMessageRow.channel_id.label("channel"),
        PlatformMessageRow.source_id,
        PlatformMessageRow.thread_key,
        PlatformMessageRow.parent_source_id,
        PlatformMessageRow.is_reply,
        PlatformMessageRow.posted_at,
        PlatformMessageRow.reactions,
    ).join(OrganisationRow, OrganisationRow.id == PlatformMessageRow.organisation_id)
    people_query = select(
        PlatformPersonRow.id.label("person"),
        OrganisationRow.name.label("organisation"),
        PlatformPersonRow.department,
        PlatformPersonRow.level,
    ).join(OrganisationRow, OrganisationRow.id == PlatformPersonRow.organisation_id)
    if org_id is not None:
        query = query.where(PlatformMessageRow.organisation_id == org_id)
        people_query = people_query.where(PlatformPersonRow.organisation_id == org_id)
    messages = _frame(session.execute(query))
    messages["posted_at"] = pd.to_datetime(messages["posted_at"], utc=True)
    messages["is_reply"] = messages["is_reply"].astype(bool)
    return messages, _frame(session.execute(people_query))


def _frame(result) -> pd.DataFrame:
    """A result as a DataFrame, built column by column (much faster than from Row objects)."""
    keys = list(result.keys())
    columns = list(zip(*result.all()))
    if not columns:
        return pd.DataFrame(columns=keys)
    return pd.DataFrame({key: list(values) for key, values in zip(keys, columns)})


def working_hours() -> WorkingHours:
    """STUDY_WORKING_HOURS as a :class:`WorkingHours`."""
    return WorkingHours.parse(setting("STUDY_WORKING_HOURS"))


def activity_measures(
    session: Session,
    *,
    viewer: Actor,
    organisation: str | None = None,
    departments: bool = True,
    min_group: int | None = None,
) -> pd.DataFrame:
    """Platform activity measures per organisation, and per department of at least ``min_group``.

    ``viewer`` must hold ``analyse`` (researchers); reports built for others (the
    benchmark's Activity sheet) use :func:`organisation_activity` under their own rules.
    See :func:`organisation_activity` for the parameters and the result.
    """
    require(current_actor(session, viewer), "analyse")
    return organisation_activity(
        session, organisation=organisation, departments=departments, min_group=min_group
    )


def organisation_activity(
    session: Session,
    *,
    organisation: str | None = None,
    departments: bool = True,
    min_group: int | None = None,
) -> pd.DataFrame:
    """The measures of :func:`activity_measures`, for the library's own reports (no viewer).

    Parameters
    ----------
    session : Session
        An open session (nothing is written).
    organisation : str, optional
        Only this organisation (default: every organisation with an import).
    departments : bool
        Add a row per department with at least ``min_group`` members.
    min_group : int, optional
        Default ``STUDY_MIN_GROUP_SIZE``.

    Returns
    -------
    DataFrame
        One row per organisation (``department`` None) and department, the
        columns of :data:`study.platforms.measures.MEASURE_COLUMNS`; each
        measure is defined, with its source, in
        :data:`study.platforms.measures.MEASURES`.
    """
    messages, people = activity_frames(session, organisation=organisation)
    if people.empty:
        return pd.DataFrame(columns=MEASURE_COLUMNS)
    return compute_measures(
        messages,
        people,
        hours=working_hours(),
        min_group=min_group or int_setting("STUDY_MIN_GROUP_SIZE"),
        departments=departments,
    )


def activity_weekly(session: Session, *, organisation: str | None = None) -> pd.DataFrame:
    """Weekly series per organisation (see :func:`study.platforms.weekly_activity.weekly_series`)."""
    messages, people = activity_frames(session, organisation=organisation)
    return weekly_series(messages, people, hours=working_hours())


def activity_posting_times(session: Session, *, organisation: str | None = None) -> pd.DataFrame:
    """Messages per organisation, weekday and local hour."""
    messages, people = activity_frames(session, organisation=organisation)
    if messages.empty:
        return pd.DataFrame(columns=["organisation", "weekday", "hour", "messages"])
    return posting_times(messages, people, hours=working_hours())


def platform_organisations(session: Session) -> list[str]:
    """Names of the organisations with platform data, sorted."""
    names = session.scalars(
        select(OrganisationRow.name)
        .join(PlatformPersonRow, PlatformPersonRow.organisation_id == OrganisationRow.id)
        .distinct()
    )
    return sorted(names, key=str.casefold)
