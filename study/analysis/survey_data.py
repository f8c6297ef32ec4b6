"""Complete survey responses loaded for statistics: answers, scale scores, demographics.

:func:`load_survey_data` reads one instrument's complete responses through
:func:`study.surveys.response_store.survey_answers` (released ones only, in an
anonymous study) and scores each with the instrument version it was answered with;
:func:`stored_versions` gives those versions. The comparison, the joint display, the
platform behaviour beside the scales and the benchmark all start from it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.db.models import InstrumentRow
from study.errors import NotFound
from study.surveys.instruments import instrument_from_dict
from study.surveys.instruments.survey import Instrument
from study.surveys.response_store import survey_answers
from study.surveys.scoring import score_answers

DEFAULT_INSTRUMENT = "ism-adoption-survey"


@dataclass(frozen=True)
class SurveyData:
    """Complete responses of one instrument, ready for statistics.

    ``answers``: one row per likert answer with ``response_id``,
    ``organisation``, ``item_id``, ``scale`` (None for items outside scales),
    ``campaign_id``, ``points``, ``value`` (as answered) and ``recoded`` (reverse-keyed items
    recoded, as scored). ``scores``: one row per response and scale with
    ``response_id``, ``organisation``, ``campaign_id``, ``scale``, ``score``.
    ``demographics``: one row per answered demographic single-choice item with
    ``response_id``, ``organisation``, ``campaign_id``, ``item_id``, ``option``.
    """

    instrument: Instrument
    answers: pd.DataFrame
    scores: pd.DataFrame
    demographics: pd.DataFrame


def stored_versions(session: Session, instrument: str) -> dict[str, Instrument]:
    """Every stored version of ``instrument``, oldest first (NotFound if there is none)."""
    rows = session.execute(
        select(InstrumentRow.version, InstrumentRow.definition).where(
            InstrumentRow.key == instrument
        )
    ).all()
    if not rows:
        raise NotFound(f"There is no survey {instrument!r} in the database yet.")
    rows = sorted(rows, key=lambda row: (len(row[0]), row[0]))
    return {version: instrument_from_dict(definition) for version, definition in rows}


def load_survey_data(
    session: Session,
    *,
    instrument: str = DEFAULT_INSTRUMENT,
    organisations: Collection[str] | None = None,
    campaign_ids: Collection[int] | None = None,
) -> SurveyData:
    """Load complete responses (likert answers and scale scores), optionally filtered.

    Each response is scored with the instrument version it was answered with
    (as :func:`study.surveys.score_responses`); labels come from the newest version.
    """
    versions = stored_versions(session, instrument)
    model = list(versions.values())[-1]
    answers = survey_answers(session, instrument=instrument)
    for name, wanted in (("organisation", organisations), ("campaign_id", campaign_ids)):
        if wanted is not None:
            answers = answers[answers[name].isin(list(wanted))]
    answers = answers.dropna(subset=["item_id"])
    scores = [
        score_answers(part, versions[version]).merge(
            part.drop_duplicates("response_id")[["response_id", "organisation", "campaign_id"]],
            on="response_id",
        )
        for version, part in answers.groupby("instrument_version", sort=True)
    ]
    scores = (
        pd.concat(scores, ignore_index=True)
        if scores
        else pd.DataFrame(columns=["response_id", "scale", "score", "organisation", "campaign_id"])
    )
    background = [
        item.id for item in model.all_items() if item.demographic and item.type == "single_choice"
    ]
    demographics = answers[answers["item_id"].isin(background)].dropna(subset=["value"])
    demographics = pd.DataFrame(
        {
            "response_id": demographics["response_id"].to_numpy(),
            "organisation": demographics["organisation"].astype(str).to_numpy(),
            "campaign_id": demographics["campaign_id"].to_numpy(),
            "item_id": demographics["item_id"].to_numpy(),
            "option": demographics["value"].astype(str).to_numpy(),
        }
    )
    items = {item.id: item for item in model.all_items() if item.type == "likert"}
    answers = answers[answers["item_id"].isin(list(items))].dropna(subset=["value"])
    value = pd.to_numeric(answers["value"], errors="coerce").astype(float)
    points = answers["item_id"].map({k: float(i.points or 0) for k, i in items.items()})
    reverse = answers["item_id"].map({k: bool(i.reverse) for k, i in items.items()}).astype(bool)
    answers = pd.DataFrame(
        {
            "response_id": answers["response_id"].to_numpy(),
            "organisation": answers["organisation"].astype(str).to_numpy(),
            "campaign_id": answers["campaign_id"].to_numpy(),
            "item_id": answers["item_id"].to_numpy(),
            "scale": answers["item_id"].map({k: i.scale for k, i in items.items()}).to_numpy(),
            "points": points.to_numpy(),
            "value": value.to_numpy(),
            "recoded": np.where(reverse, points + 1 - value, value),
        }
    ).dropna(subset=["value"])
    scores = scores.dropna(subset=["score"])[
        ["response_id", "organisation", "campaign_id", "scale", "score"]
    ]
    return SurveyData(
        model, answers.reset_index(drop=True), scores.reset_index(drop=True), demographics
    )
