"""The study overview shown after login: organisations and what has been collected."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.studies import current_study
from study.db.models import Campaign, Coding, Organisation, Response, Transcript


@dataclass(frozen=True)
class StudyOverview:
    """Counts per organisation and in total."""

    study_name: str | None
    organisations: pd.DataFrame  # name, sector, size_band, country, responses, transcripts, codings

    @property
    def totals(self) -> dict[str, int]:
        """Number of organisations and the summed counts."""
        frame = self.organisations
        return {"organisations": len(frame),
                **{c: int(frame[c].sum()) for c in ("responses", "transcripts", "codings")}}


def study_overview(session: Session, *, organisation_id: int | None = None) -> StudyOverview:
    """Counts of complete responses, transcripts and codings per organisation.

    With ``organisation_id`` only that organisation is included (a practitioner's view).
    """
    study = current_study(session)
    responses = (select(Campaign.organisation_id, func.count(Response.id).label("n"))
                 .join(Response, Response.campaign_id == Campaign.id)
                 .where(Response.status == "complete").group_by(Campaign.organisation_id)
                 .subquery())
    transcripts = (select(Transcript.organisation_id, func.count(Transcript.id).label("n"))
                   .group_by(Transcript.organisation_id).subquery())
    codings = (select(Transcript.organisation_id, func.count(Coding.id).label("n"))
               .join(Coding, Coding.transcript_id == Transcript.id)
               .group_by(Transcript.organisation_id).subquery())
    query = (select(Organisation.name, Organisation.sector, Organisation.size_band,
                    Organisation.country,
                    func.coalesce(responses.c.n, 0), func.coalesce(transcripts.c.n, 0),
                    func.coalesce(codings.c.n, 0))
             .outerjoin(responses, responses.c.organisation_id == Organisation.id)
             .outerjoin(transcripts, transcripts.c.organisation_id == Organisation.id)
             .outerjoin(codings, codings.c.organisation_id == Organisation.id)
             .order_by(Organisation.name))
    if organisation_id is not None:
        query = query.where(Organisation.id == organisation_id)
    frame = pd.DataFrame(session.execute(query).all(),
                         columns=["organisation", "sector", "size_band", "country",
                                  "responses", "transcripts", "codings"])
    for column in ("responses", "transcripts", "codings"):
        frame[column] = frame[column].astype("int64")
    return StudyOverview(study.name if study else None, frame)
