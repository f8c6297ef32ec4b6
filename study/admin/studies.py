"""The study: the container of organisations, campaigns, transcripts and codings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.db.models import StudyRow

DEFAULT_STUDY_NAME = "ISM study"


def current_study(session: Session) -> StudyRow | None:
    """The study this database holds (the first one), or None when it is empty."""
    return session.scalar(select(StudyRow).order_by(StudyRow.id).limit(1))


def ensure_study(
    session: Session, *, name: str = DEFAULT_STUDY_NAME, actor_id: int | None = None
) -> StudyRow:
    """Return the current study, creating an empty one called ``name`` if there is none."""
    study = current_study(session)
    if study is None:
        study = StudyRow(name=name)
        session.add(study)
        record_event(session, "study.add", actor_id=actor_id, target=study, details={"name": name})
    return study
