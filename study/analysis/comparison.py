"""Compare organisations on survey scales and items: the numbers behind the Compare page.

:func:`compare_organisations` loads the complete responses from the database
and returns every table the page and the CLI show, as long DataFrames with a
``measure`` column (a scale id or an item id): descriptives with 95%
intervals, Cronbach's alpha per organisation, the aggregation indices that
justify treating an organisation mean as the organisation's (ICC(1), ICC(2),
rwg(j), awg), Welch's ANOVA with omega squared, Games-Howell pairs, and the
distribution of Likert answers for diverging stacked bars. All statistics come
from :mod:`study.stats`; this module only labels and collects. The responses are
loaded by :mod:`study.analysis.survey_data`, the aggregation indices computed in
:mod:`study.analysis.aggregation_indices` and the Likert bars placed in
:mod:`study.analysis.likert_bars`.

Small organisations are data: an organisation that a method cannot use
(fewer than 2 answers, no variation) is listed in ``excluded`` with the reason.
Organisations with fewer than the minimum group size are kept (researchers
only see this page) but flagged, because the survey promises respondents that
results are only reported for groups of at least that size. An index that is
undefined for the data (ICC(2) when every organisation has the same mean, say)
is NaN, and the aggregation table's ``undefined`` column says which and why.

Missing answers: ICC, Welch's ANOVA and the descriptives use every answer to
the measure (a scale score exists when enough of its items were answered).
rwg(j) and awg of a scale leave out respondents who skipped any of its items
(``missing="listwise"``, as R's multilevel does) unless ``missing="pairwise"``
is asked for; :data:`~study.analysis.aggregation_indices.MISSING_VALUE_HANDLING`
says so in words.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import Actor, require
from study.analysis.aggregation_indices import (
    excluded_rows,
    measure_aggregation,
    result_or_reason,
    without_attrs,
)
from study.analysis.likert_bars import likert_distribution
from study.analysis.survey_data import (
    DEFAULT_INSTRUMENT,
    SurveyData,
    load_survey_data,
    stored_versions,
)
from study.config import int_setting
from study.db.models import CampaignRow, InstrumentRow, OrganisationRow, ResponseRow
from study.errors import InsufficientData, InvalidInput, NotFound
from study.stats import describe_groups, games_howell, scale_reliability, welch_anova
from study.stats.aggregation import MISSING
from study.surveys.instruments.survey import Instrument

__all__ = [
    "ComparisonOptions",
    "ComparisonResult",
    "compare_organisations",
    "comparison_options",
]

ALL_ORGANISATIONS = "All organisations"


@dataclass(frozen=True)
class ComparisonOptions:
    """What can be compared: scales, likert items (with their scale) and organisations."""

    scales: dict[str, str]
    items: dict[str, str]
    item_scales: dict[str, str | None]
    organisations: list[str]


def comparison_options(
    session: Session, *, instrument: str = DEFAULT_INSTRUMENT, language: str = "en"
) -> ComparisonOptions:
    """The instrument's scales and likert items, and the organisations with complete responses."""
    model = list(stored_versions(session, instrument).values())[-1]
    likert = [i for i in model.all_items() if i.type == "likert"]
    organisations = session.scalars(
        select(OrganisationRow.name)
        .distinct()
        .join(CampaignRow, CampaignRow.organisation_id == OrganisationRow.id)
        .join(ResponseRow, ResponseRow.campaign_id == CampaignRow.id)
        .join(InstrumentRow, InstrumentRow.id == ResponseRow.instrument_id)
        .where(ResponseRow.status == "complete", InstrumentRow.key == instrument)
    ).all()
    return ComparisonOptions(
        scales={s.id: s.label.get(language, s.id) for s in model.scales},
        items={i.id: i.text.get(language, i.id) for i in likert},
        item_scales={i.id: i.scale for i in likert},
        organisations=sorted(organisations),
    )


@dataclass(frozen=True)
class ComparisonResult:
    """Every table of an organisation comparison (long DataFrames keyed by ``measure``).

    - ``measures``: measure, kind ("scale" or "item"), label, points.
    - ``descriptives``: measure, label, organisation, n, mean, sd, se, ci_low,
      ci_high, below_min_group.
    - ``reliability``: measure, label, organisation (or "All organisations"),
      n, k, alpha, ci_low, ci_high (scales only).
    - ``aggregation``: measure, label, organisations, icc1, icc2, rwg_mean,
      rwg_share_70, awg_mean (rwg is rwg(j) for scales, rwg for items), and
      ``undefined``: which of these are NaN and why ("" when all are defined).
    - ``agreement``: measure, organisation, rwg, awg.
    - ``anova``: measure, label, F, df1, df2, p, omega_squared, n_groups, n.
    - ``post_hoc``: measure, label, A, B, mean_A, mean_B, diff, se, T, df, p.
    - ``likert``: item, label, organisation, point, answer, n, share, start, end
      (start/end place the bar segments with the neutral answer split at zero).
    - ``excluded``: measure, analysis, organisation, n, reason.
    """

    measures: pd.DataFrame
    descriptives: pd.DataFrame
    reliability: pd.DataFrame
    aggregation: pd.DataFrame
    agreement: pd.DataFrame
    anova: pd.DataFrame
    post_hoc: pd.DataFrame
    likert: pd.DataFrame
    excluded: pd.DataFrame
    min_group: int
    missing: str = "listwise"


def _measures(
    model: Instrument, scales: Sequence[str], items: Sequence[str], language: str
) -> pd.DataFrame:
    known_scales = {s.id: s for s in model.scales}
    likert = {i.id: i for i in model.all_items() if i.type == "likert"}
    unknown = [s for s in scales if s not in known_scales] + [i for i in items if i not in likert]
    if unknown:
        raise InvalidInput(
            f"The instrument {model.id!r} has no scale or likert item "
            f"{', '.join(repr(u) for u in unknown)}."
        )
    if not scales and not items:
        raise InvalidInput("Choose at least one scale or item to compare.")
    rows = []
    for scale_id in dict.fromkeys(scales):
        scale_items = model.scale_items(scale_id)
        rows.append(
            (
                scale_id,
                "scale",
                known_scales[scale_id].label.get(language, scale_id),
                max((i.points or 0) for i in scale_items) if scale_items else 0,
            )
        )
    for item_id in dict.fromkeys(items):
        rows.append(
            (
                item_id,
                "item",
                likert[item_id].text.get(language, item_id),
                likert[item_id].points or 0,
            )
        )
    return pd.DataFrame(rows, columns=["measure", "kind", "label", "points"])


def _values(data: SurveyData, measure: pd.Series) -> pd.DataFrame:
    """One row per respondent: organisation and the measure's value (score or item answer)."""
    if measure["kind"] == "scale":
        rows = data.scores[data.scores["scale"] == measure["measure"]]
        return pd.DataFrame({"organisation": rows["organisation"], "value": rows["score"]})
    rows = data.answers[data.answers["item_id"] == measure["measure"]]
    return pd.DataFrame({"organisation": rows["organisation"], "value": rows["value"]})


def compare_organisations(
    session: Session,
    *,
    scales: Sequence[str] = (),
    items: Sequence[str] = (),
    organisations: Collection[str] | None = None,
    instrument: str = DEFAULT_INSTRUMENT,
    language: str = "en",
    min_group: int | None = None,
    missing: str = "listwise",
    viewer: Actor,
) -> ComparisonResult:
    """Compare organisations on the chosen scales and likert items.

    Parameters
    ----------
    session : Session
        An open database session (nothing is written).
    scales, items : sequence of str
        Scale ids and likert item ids of the instrument (at least one).
    organisations : collection of str, optional
        Only these organisations (default: every organisation with responses).
    instrument : str
        Survey instrument key.
    language : str
        Language of labels.
    min_group : int, optional
        Organisations with fewer responses are flagged ``below_min_group``
        (default: the STUDY_MIN_GROUP_SIZE setting).
    missing : {"listwise", "pairwise"}
        How rwg(j) and awg treat a respondent who skipped some of a scale's
        items (see :data:`~study.analysis.aggregation_indices.MISSING_VALUE_HANDLING`);
        listwise, as R's multilevel, by default.
    """
    require(current_actor(session, viewer), "analyse")
    if missing not in MISSING:
        raise InvalidInput(f"'missing' must be 'listwise' or 'pairwise', not {missing!r}.")
    min_group = int_setting("STUDY_MIN_GROUP_SIZE") if min_group is None else int(min_group)
    data = load_survey_data(session, instrument=instrument, organisations=organisations)
    if organisations is not None:
        absent = sorted(
            set(organisations)
            - set(data.scores["organisation"])
            - set(data.answers["organisation"])
        )
        if absent:
            raise NotFound(f"No complete responses from {', '.join(absent)}.")
    if data.answers.empty:
        raise InsufficientData("There are no complete survey responses to compare yet.")
    model = data.instrument
    measures = _measures(model, list(scales), list(items), language)
    described, reliability, aggregation, agreement = [], [], [], []
    anova, post_hoc, excluded = [], [], []
    for _, measure in measures.iterrows():
        name, label = measure["measure"], measure["label"]
        values = _values(data, measure)
        if values.empty:
            continue
        table = describe_groups(values, group="organisation", value="value")
        table.insert(0, "label", label)
        table.insert(0, "measure", name)
        table["below_min_group"] = table["n"] < min_group
        described.append(table)
        row, per_org, skipped = measure_aggregation(data, model, measure, values, missing)
        aggregation.append(row)
        agreement.append(per_org)
        excluded += skipped
        welch, reason = result_or_reason(welch_anova, values, group="organisation", value="value")
        if welch is not None:
            excluded.append(
                excluded_rows(welch.pop("excluded"), name, "Welch's ANOVA and Games-Howell")
            )
            anova.append({"measure": name, "label": label, **welch})
            pairs = without_attrs(games_howell(values, group="organisation", value="value"))
            pairs.insert(0, "label", label)
            pairs.insert(0, "measure", name)
            post_hoc.append(pairs)
        else:
            excluded.append(
                pd.DataFrame(
                    [
                        {
                            "measure": name,
                            "analysis": "Welch's ANOVA and Games-Howell",
                            "organisation": ALL_ORGANISATIONS,
                            "n": len(values),
                            "reason": reason,
                        }
                    ]
                )
            )
    scale_ids = measures.loc[measures["kind"] == "scale", "measure"].tolist()
    if scale_ids:
        reliability, skipped = _reliability(data, scale_ids, measures)
        excluded.append(skipped)
    item_ids = measures.loc[measures["kind"] == "item", "measure"].tolist()
    likert_items = [i.id for s in scale_ids for i in model.scale_items(s)] + item_ids
    return ComparisonResult(
        measures=measures,
        descriptives=_concat(
            described,
            [
                "measure",
                "label",
                "organisation",
                "n",
                "mean",
                "sd",
                "se",
                "ci_low",
                "ci_high",
                "below_min_group",
            ],
        ),
        reliability=reliability
        if len(reliability)
        else pd.DataFrame(
            columns=["measure", "label", "organisation", "n", "k", "alpha", "ci_low", "ci_high"]
        ),
        aggregation=pd.DataFrame(
            aggregation,
            columns=[
                "measure",
                "label",
                "organisations",
                "icc1",
                "icc2",
                "rwg_index",
                "rwg_mean",
                "rwg_share_70",
                "awg_mean",
                "undefined",
            ],
        ),
        agreement=_concat(agreement, ["measure", "organisation", "rwg", "awg"]),
        anova=pd.DataFrame(
            anova,
            columns=["measure", "label", "F", "df1", "df2", "p", "omega_squared", "n_groups", "n"],
        ),
        post_hoc=_concat(
            post_hoc,
            ["measure", "label", "A", "B", "mean_A", "mean_B", "diff", "se", "T", "df", "p"],
        ),
        likert=likert_distribution(
            data.answers, model, list(dict.fromkeys(likert_items)), language
        ),
        excluded=_concat(excluded, ["measure", "analysis", "organisation", "n", "reason"]),
        min_group=min_group,
        missing=missing,
    )


def _reliability(
    data: SurveyData, scale_ids: list[str], measures: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha per scale: over everyone, then per organisation."""
    long = data.answers[data.answers["scale"].isin(scale_ids)]
    columns = ["measure", "label", "organisation", "n", "k", "alpha", "ci_low", "ci_high"]
    if long.empty:
        return pd.DataFrame(columns=columns), excluded_rows(None, "", "")
    keys = dict(scale="scale", item="item_id", value="recoded", respondent="response_id")
    overall = without_attrs(scale_reliability(long, **keys)).assign(organisation=ALL_ORGANISATIONS)
    per_org = scale_reliability(long, **keys, group="organisation")
    skipped = per_org.attrs.get("excluded")
    table = pd.concat([overall, without_attrs(per_org)], ignore_index=True).rename(
        columns={"scale": "measure"}
    )
    table["label"] = table["measure"].map(measures.set_index("measure")["label"])
    order = {s: i for i, s in enumerate(scale_ids)}
    table = table.sort_values(
        ["measure", "organisation"],
        key=lambda c: c.map(order) if c.name == "measure" else c.ne(ALL_ORGANISATIONS),
        kind="stable",
    )
    excluded = pd.DataFrame(columns=["measure", "analysis", "organisation", "n", "reason"])
    if skipped is not None and len(skipped):
        excluded = pd.DataFrame(
            {
                "measure": skipped["scale"].to_numpy(),
                "analysis": "Cronbach's alpha",
                "organisation": skipped["group"].to_numpy(),
                "n": skipped["n"].to_numpy(),
                "reason": skipped["reason"].to_numpy(),
            }
        )
    return table[columns].reset_index(drop=True), excluded


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
