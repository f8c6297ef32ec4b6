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
from study.db.models import (
    CampaignRow,
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    OrganisationRow,
    ResponseRow,
    TranscriptRow,
)


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
        select(CampaignRow.organisation_id, func.count(ResponseRow.id).label("n"))
        .join(ResponseRow, ResponseRow.campaign_id == CampaignRow.id)
        .where(ResponseRow.status == "complete")
        .group_by(CampaignRow.organisation_id)
        .subquery()
    )
    transcripts = (
        select(TranscriptRow.organisation_id, func.count(TranscriptRow.id).label("n"))
        .group_by(TranscriptRow.organisation_id)
        .subquery()
    )
    counted = select(TranscriptRow.organisation_id, func.count(CodingRow.id).label("n")).join(
        CodingRow, CodingRow.transcript_id == TranscriptRow.id
    )
    if not sees_others_codings(viewer):
        # Blind coding (study.interviews.coding.blind): a coder counts their own codings
        # of a scheme in blind mode, and everyone's of the others.
        blind_codes = (
            select(CodeRow.id)
            .join(CodingSchemeRow, CodingSchemeRow.id == CodeRow.scheme_id)
            .where(CodingSchemeRow.blind_since.is_not(None))
        )
        counted = counted.where(
            or_(CodingRow.coder_id == viewer.id, CodingRow.code_id.not_in(blind_codes))
        )
    codings = counted.group_by(TranscriptRow.organisation_id).subquery()
    query = (
        select(
            OrganisationRow.name,
            OrganisationRow.sector,
            OrganisationRow.size_band,
            OrganisationRow.country,
            func.coalesce(responses.c.n, 0),
            func.coalesce(transcripts.c.n, 0),
            func.coalesce(codings.c.n, 0),
        )
        .outerjoin(responses, responses.c.organisation_id == OrganisationRow.id)
        .outerjoin(transcripts, transcripts.c.organisation_id == OrganisationRow.id)
        .outerjoin(codings, codings.c.organisation_id == OrganisationRow.id)
        .order_by(OrganisationRow.name)
    )
    if organisation_id is not None:
        query = query.where(OrganisationRow.id == organisation_id)
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
