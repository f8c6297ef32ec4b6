"""The study overview shown after login: organisations and what has been collected."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import (
    Actor,
    is_practitioner,
    organisation_scope,
    require,
    sees_others_codings,
)
from study.admin.studies import current_study
from study.db.models import Campaign, Code, Coding, CodingScheme, Organisation, Response, Transcript


@dataclass(frozen=True)
class StudyOverview:
    """Counts per organisation and in total."""

    study_name: str | None
    organisations: pd.DataFrame  # name, sector, size_band, country, responses, transcripts, codings

    @property
    def totals(self) -> dict[str, int]:
        """Number of organisations and the summed counts."""
        frame = self.organisations
        return {
            "organisations": len(frame),
            **{c: int(frame[c].sum()) for c in ("responses", "transcripts", "codings")},
        }


def study_overview(session: Session, *, viewer: Actor) -> StudyOverview:
    """Counts of complete responses, transcripts and codings per organisation.

    ``viewer`` is who looks: a practitioner sees only their own organisation
    (:func:`study.admin.permissions.organisation_scope`), everyone else all of them.
    """
    viewer = current_actor(session, viewer)
    require(viewer, "see_overview")
    organisation_id = organisation_scope(viewer) if is_practitioner(viewer) else None
    study = current_study(session)
    responses = (
        select(Campaign.organisation_id, func.count(Response.id).label("n"))
        .join(Response, Response.campaign_id == Campaign.id)
        .where(Response.status == "complete")
        .group_by(Campaign.organisation_id)
        .subquery()
    )
    transcripts = (
        select(Transcript.organisation_id, func.count(Transcript.id).label("n"))
        .group_by(Transcript.organisation_id)
        .subquery()
    )
    counted = select(Transcript.organisation_id, func.count(Coding.id).label("n")).join(
        Coding, Coding.transcript_id == Transcript.id
    )
    if not sees_others_codings(viewer):
        # Blind coding (study.interviews.coding.blind): a coder counts their own codings
        # of a scheme in blind mode, and everyone's of the others.
        blind_codes = (
            select(Code.id)
            .join(CodingScheme, CodingScheme.id == Code.scheme_id)
            .where(CodingScheme.blind_since.is_not(None))
        )
        counted = counted.where(
            or_(Coding.coder_id == viewer.id, Coding.code_id.not_in(blind_codes))
        )
    codings = counted.group_by(Transcript.organisation_id).subquery()
    query = (
        select(
            Organisation.name,
            Organisation.sector,
            Organisation.size_band,
            Organisation.country,
            func.coalesce(responses.c.n, 0),
            func.coalesce(transcripts.c.n, 0),
            func.coalesce(codings.c.n, 0),
        )
        .outerjoin(responses, responses.c.organisation_id == Organisation.id)
        .outerjoin(transcripts, transcripts.c.organisation_id == Organisation.id)
        .outerjoin(codings, codings.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    )
    if organisation_id is not None:
        query = query.where(Organisation.id == organisation_id)
    frame = pd.DataFrame(
        session.execute(query).all(),
        columns=[
            "organisation",
            "sector",
            "size_band",
            "country",
            "responses",
            "transcripts",
            "codings",
        ],
    )
    for column in ("responses", "transcripts", "codings"):
        frame[column] = frame[column].astype("int64")
    return StudyOverview(study.name if study else None, frame)
