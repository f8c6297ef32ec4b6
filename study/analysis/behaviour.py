"""What people do on the platform beside what they say in the survey, per organisation.

The Compare organisations page sets the platform measures of
:mod:`study.platforms` (where an organisation handed over its Slack or Viva
Engage export) beside the organisations' survey scale means, one row per
organisation: a researcher sees at a glance whether "management support in
words, not action" on the survey goes with few leaders' replies on the platform.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy.orm import Session

from study.analysis.survey_data import DEFAULT_INSTRUMENT, load_survey_data
from study.errors import NotFound
from study.platforms.activity import organisation_activity

__all__ = ["PLATFORM_COLUMNS", "behaviour_beside_scales"]

#: The platform measures shown beside the scales (see study.platforms.measures.MEASURES).
PLATFORM_COLUMNS = [
    "members",
    "active_members",
    "lurker_share",
    "posts_per_active_member_week",
    "replied_thread_share",
    "leader_reply_share",
    "leader_answer_share",
    "working_hours_share",
    "weekly_regularity",
    "cross_department_reply_share",
    "reciprocity",
]


def behaviour_beside_scales(
    session: Session,
    *,
    scales: Sequence[str] = (),
    organisations: Sequence[str] = (),
    instrument: str = DEFAULT_INSTRUMENT,
) -> pd.DataFrame:
    """One row per organisation: survey scale means (``mean:<scale>``) and platform measures.

    Organisations without a platform export have NaN measures; organisations
    with a platform export but no survey responses have NaN means. Only
    ``organisations`` are kept when given.
    """
    try:
        scores = load_survey_data(session, instrument=instrument).scores
    except NotFound:
        scores = pd.DataFrame(columns=["organisation", "scale", "score"])
    if scales:
        scores = scores[scores["scale"].isin(scales)]
    means = (
        scores.groupby(["organisation", "scale"])["score"].mean().unstack()
        if not scores.empty
        else pd.DataFrame(index=pd.Index([], name="organisation"))
    )
    means = means[[s for s in scales if s in means.columns]] if scales else means
    means.columns = [f"mean:{scale}" for scale in means.columns]
    platform = organisation_activity(session, departments=False)
    platform = platform.set_index("organisation")[PLATFORM_COLUMNS]
    out = means.join(platform, how="outer")
    out.index.name = "organisation"
    out = out.reset_index()
    if organisations:
        out = out[out["organisation"].isin(organisations)]
    return out.sort_values("organisation", key=lambda s: s.str.casefold()).reset_index(drop=True)
