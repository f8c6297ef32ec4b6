"""Load the benchmark spreadsheet's data from the database and write the workbook.

:func:`benchmark_frames` turns the study's complete survey responses into the
long DataFrames :func:`study.analysis.reports.benchmark.write_benchmark_workbook`
takes; :func:`write_frames` writes the file (the CLI's ``study export
benchmark`` through :mod:`~study.analysis.reports.benchmark_export`, and the page's
download button). A practitioner's
version names one organisation and pools every other as "Benchmark"; the
anonymity rules (minimum group size, complementary suppression) live in the
workbook writer.

Which responses count: for each organisation its most recent campaign of the
instrument that has complete responses, so an organisation surveyed twice is
not counted twice. ``campaign_id`` picks that campaign for its organisation
instead (an earlier survey round, say). Only released responses count (see
:mod:`study.surveys.anonymity`).

Every benchmark statistic needs at least ``STUDY_MIN_BENCHMARK_ORGS`` other
organisations in its pool; practitioners see published, frozen editions only
(:mod:`study.analysis.reports.benchmark_editions`).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.analysis.reports import benchmark_tables as tables
from study.analysis.reports.benchmark import write_benchmark_workbook
from study.analysis.survey_data import DEFAULT_INSTRUMENT, load_survey_data
from study.config import int_setting
from study.db.models import CampaignRow, InstrumentRow, InvitationRow, OrganisationRow, ResponseRow
from study.errors import InsufficientData, InvalidInput, NotFound
from study.platforms.activity import organisation_activity
from study.surveys.anonymity import visible_responses

__all__ = [
    "BenchmarkFrames",
    "benchmark_frames",
    "benchmark_summary",
    "benchmark_workbook_bytes",
    "min_benchmark_orgs",
    "write_frames",
]


@dataclass(frozen=True)
class BenchmarkFrames:
    """The inputs of :func:`write_benchmark_workbook`, loaded from the database."""

    scores: pd.DataFrame
    items: pd.DataFrame
    participation: pd.DataFrame
    demographics: pd.DataFrame
    instrument: str
    scale_labels: dict[str, str]
    item_labels: dict[str, str]
    campaigns: dict[str, int]
    # Platform activity per organisation (``activity_measures`` organisation rows), or None:
    # current for the live benchmark, frozen with a published edition.
    activity: pd.DataFrame | None = None
    # A published edition's responses withdrawn by their respondents since (never by whom).
    withdrawn: int = 0

    @property
    def organisations(self) -> list[str]:
        """Organisations in the benchmark (with a campaign), by name."""
        return sorted(self.participation["organisation"])


def _chosen_campaigns(session: Session, instrument: str, campaign_id: int | None) -> pd.DataFrame:
    """One campaign per organisation: its newest with complete responses, or ``campaign_id``."""
    completed = (
        select(ResponseRow.campaign_id, func.count(ResponseRow.id).label("completed"))
        .join(CampaignRow, CampaignRow.id == ResponseRow.campaign_id)
        .join(OrganisationRow, OrganisationRow.id == CampaignRow.organisation_id)
        .where(ResponseRow.status == "complete", visible_responses())
        .group_by(ResponseRow.campaign_id)
        .subquery()
    )
    invitations = (
        select(InvitationRow.campaign_id, func.count(InvitationRow.id).label("invited"))
        .group_by(InvitationRow.campaign_id)
        .subquery()
    )
    rows = session.execute(
        select(
            CampaignRow.id,
            CampaignRow.mode,
            CampaignRow.headcount,
            CampaignRow.created_at,
            OrganisationRow.name,
            OrganisationRow.headcount,
            func.coalesce(completed.c.completed, 0),
            func.coalesce(invitations.c.invited, 0),
        )
        .join(OrganisationRow, OrganisationRow.id == CampaignRow.organisation_id)
        .join(InstrumentRow, InstrumentRow.id == CampaignRow.instrument_id)
        .outerjoin(completed, completed.c.campaign_id == CampaignRow.id)
        .outerjoin(invitations, invitations.c.campaign_id == CampaignRow.id)
        .where(InstrumentRow.key == instrument)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "campaign_id",
            "mode",
            "campaign_headcount",
            "created",
            "organisation",
            "org_headcount",
            "responses",
            "invited",
        ],
    )
    if campaign_id is not None and campaign_id not in set(frame["campaign_id"]):
        raise NotFound(
            f"There is no campaign {campaign_id} of the survey {instrument!r}; "
            "`study campaign list` shows them."
        )
    # Newest first; a campaign without responses only stands in when its
    # organisation has no other.
    frame = frame.assign(has=frame["responses"] > 0).sort_values(
        ["organisation", "has", "created", "campaign_id"], ascending=[True, False, False, False]
    )
    chosen = frame.drop_duplicates("organisation")
    if campaign_id is not None:
        pick = frame[frame["campaign_id"] == campaign_id]
        chosen = pd.concat([chosen[chosen["organisation"] != pick["organisation"].iloc[0]], pick])
    return chosen.sort_values("organisation").reset_index(drop=True)


def benchmark_frames(
    session: Session,
    *,
    campaign_id: int | None = None,
    instrument: str = DEFAULT_INSTRUMENT,
    language: str = "en",
) -> BenchmarkFrames:
    """Load scores, item answers, participation and demographics for the benchmark.

    Parameters
    ----------
    session : Session
        An open session (nothing is written).
    campaign_id : int, optional
        Use this campaign for its organisation instead of the newest one.
    instrument : str
        Survey instrument key.
    language : str
        Language of scale, item and category labels.
    """
    campaigns = _chosen_campaigns(session, instrument, campaign_id)
    if campaigns.empty:
        raise InsufficientData(f"No organisation has a campaign of the survey {instrument!r} yet.")
    personal = campaigns["mode"] == "personal"
    headcount = campaigns["campaign_headcount"].where(
        campaigns["campaign_headcount"].notna(), campaigns["org_headcount"]
    )
    participation = pd.DataFrame(
        {
            "organisation": campaigns["organisation"],
            "responses": campaigns["responses"].astype(float),
            "invitations": np.where(personal, campaigns["invited"].astype(float), np.nan),
            "headcount": pd.to_numeric(headcount, errors="coerce").astype(float),
        }
    )
    frames = load_frames(
        session,
        instrument=instrument,
        language=language,
        participation=participation,
        campaigns=dict(zip(campaigns["organisation"], campaigns["campaign_id"].astype(int))),
    )
    return replace(frames, activity=organisation_activity(session, departments=False))


def load_frames(
    session: Session,
    *,
    instrument: str,
    language: str,
    participation: pd.DataFrame,
    campaigns: dict[str, int],
    response_ids: set[int] | None = None,
    instrument_label: str | None = None,
) -> BenchmarkFrames:
    """The benchmark's frames for chosen campaigns (and only ``response_ids``, if given)."""
    data = load_survey_data(session, instrument=instrument, campaign_ids=list(campaigns.values()))
    model = data.instrument
    if language not in model.languages:
        raise InvalidInput(f"The survey {instrument!r} has no {language!r} texts.")
    if response_ids is not None:
        keep = list(response_ids)
        data = type(data)(
            model,
            data.answers[data.answers["response_id"].isin(keep)],
            data.scores[data.scores["response_id"].isin(keep)],
            data.demographics[data.demographics["response_id"].isin(keep)],
        )
    scores = data.scores.rename(columns={"response_id": "respondent_id"})[
        ["respondent_id", "organisation", "scale", "score"]
    ]
    answers = data.answers
    items = pd.DataFrame(
        {
            "respondent_id": answers["response_id"],
            "organisation": answers["organisation"],
            "item": answers["item_id"],
            "value": answers["value"],
            "points": answers["points"],
        }
    )
    demographics = _demographics(data.demographics, model, language)
    if instrument_label is None:
        versions = sorted(
            set(
                map(
                    str,
                    session.scalars(
                        select(InstrumentRow.version).where(InstrumentRow.key == instrument)
                    ),
                )
            )
        )
        instrument_label = (
            f"{model.id} version {model.version}"
            if len(versions) <= 1
            else f"{model.id} versions {', '.join(versions)}"
        )
    scale_labels = {s.id: s.label.get(language, s.id) for s in model.scales}
    item_labels = {
        i.id: i.text.get(language, i.id) for i in model.all_items() if i.type == "likert"
    }
    return BenchmarkFrames(
        scores=scores,
        items=items,
        participation=participation,
        demographics=demographics,
        instrument=instrument_label,
        scale_labels=scale_labels,
        item_labels=item_labels,
        campaigns=dict(campaigns),
    )


def _demographics(frame: pd.DataFrame, model, language: str) -> pd.DataFrame:
    """Demographic answers with the question as variable and the option label as category."""
    rows = []
    for item_id, part in frame.groupby("item_id", sort=False):
        item = model.item(item_id)
        labels = {o.id: o.label.get(language, o.id) for o in item.options or []}
        # Rows in option order, so the sheet lists categories as the survey did.
        position = {option: i for i, option in enumerate(labels)}
        part = part.iloc[
            np.argsort(part["option"].map(position).fillna(len(position)).to_numpy(), kind="stable")
        ]
        rows.append(
            pd.DataFrame(
                {
                    "respondent_id": part["response_id"].to_numpy(),
                    "organisation": part["organisation"].to_numpy(),
                    "variable": item.text.get(language, item_id),
                    "category": part["option"].map(labels).fillna(part["option"]).to_numpy(),
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["respondent_id", "organisation", "variable", "category"])
    return pd.concat(rows, ignore_index=True)


def min_benchmark_orgs() -> int:
    """STUDY_MIN_BENCHMARK_ORGS: fewest organisations a benchmark statistic pools."""
    return int_setting("STUDY_MIN_BENCHMARK_ORGS")


def write_frames(
    frames: BenchmarkFrames,
    out: str | os.PathLike[str],
    *,
    organisation: str | None,
    min_group: int,
    generated: dt.date | None = None,
) -> Path:
    """Write already loaded frames (the page loads once, then shows and downloads).

    The Activity sheet comes from ``frames.activity`` (the current platform
    measures, or those frozen with a published edition).
    """
    return write_benchmark_workbook(
        out,
        scores=frames.scores,
        items=frames.items,
        participation=frames.participation,
        demographics=frames.demographics if len(frames.demographics) else None,
        instrument=frames.instrument,
        scale_labels=frames.scale_labels,
        item_labels=frames.item_labels,
        focus_org=organisation,
        min_group=min_group,
        min_orgs=min_benchmark_orgs(),
        generated=generated,
        activity=frames.activity,
        withdrawn=frames.withdrawn,
    )


def benchmark_workbook_bytes(
    frames: BenchmarkFrames,
    *,
    organisation: str | None,
    min_group: int,
    generated: dt.date | None = None,
) -> bytes:
    """The workbook as bytes, for a download button."""
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_frames(
            frames, name, organisation=organisation, min_group=min_group, generated=generated
        )
        return Path(name).read_bytes()
    finally:
        os.unlink(name)


def benchmark_summary(
    frames: BenchmarkFrames, *, organisation: str | None, min_group: int
) -> pd.DataFrame:
    """The Summary sheet's numbers as a DataFrame (for the page), small groups already hidden.

    Columns: organisation, scale, scale_label, n, mean, status, bench_orgs,
    bench_mean, bench_median, bench_p75, bench_status, difference,
    percentile_rank. With ``organisation`` only its rows come back; a hidden
    value is NaN with a non-empty ``status``.
    """
    if organisation is not None and organisation not in set(frames.participation["organisation"]):
        raise NotFound(
            f"{organisation} has no survey campaign yet, so there is no benchmark for it."
        )
    rules = tables.Rules(
        min_group=min_group, min_orgs=min_benchmark_orgs(), top=2, focus_org=organisation
    )
    participation = frames.participation.astype({"organisation": str})
    sizes = tables.organisation_sizes(frames.scores, frames.items, participation, rules)
    order = [s for s in frames.scale_labels if s in set(frames.scores["scale"])]
    summary = tables.summarise_scales(frames.scores, sizes, order, rules)
    summary.insert(2, "scale_label", summary["scale"].map(frames.scale_labels))
    return summary
