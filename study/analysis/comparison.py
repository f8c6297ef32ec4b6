"""Compare organisations on survey scales and items: the numbers behind the Compare page.

:func:`compare_organisations` loads the complete responses from the database
and returns every table the page and the CLI show, as long DataFrames with a
``measure`` column (a scale id or an item id): descriptives with 95%
intervals, Cronbach's alpha per organisation, the aggregation indices that
justify treating an organisation mean as the organisation's (ICC(1), ICC(2),
rwg(j), awg), Welch's ANOVA with omega squared, Games-Howell pairs, and the
distribution of Likert answers for diverging stacked bars. All statistics come
from :mod:`study.stats`; this module only loads, labels and collects.

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
is asked for; :data:`MISSING_VALUE_HANDLING` says so in words.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import Actor, require
from study.config import int_setting
from study.db.models import CampaignRow, InstrumentRow, OrganisationRow, ResponseRow
from study.errors import InsufficientData, InvalidInput, NotFound
from study.stats import (
    awg,
    describe_groups,
    games_howell,
    icc1,
    icc2,
    rwg,
    rwg_j,
    scale_reliability,
    welch_anova,
)
from study.stats.aggregation import MISSING, REASON_ICC1_UNDEFINED, REASON_ICC2_UNDEFINED
from study.surveys.instruments import instrument_from_dict
from study.surveys.instruments.survey import Instrument
from study.surveys.response_store import survey_answers
from study.surveys.scoring import score_answers

__all__ = [
    "AGGREGATION_CUTOFFS",
    "MISSING_VALUE_HANDLING",
    "ComparisonOptions",
    "ComparisonResult",
    "SurveyData",
    "compare_organisations",
    "comparison_options",
    "likert_distribution",
    "load_survey_data",
    "stored_versions",
]

DEFAULT_INSTRUMENT = "ism-adoption-survey"
ALL_ORGANISATIONS = "All organisations"

#: Rules of thumb for the aggregation indices: (index, rule, threshold, source).
AGGREGATION_CUTOFFS: tuple[tuple[str, str, float, str], ...] = (
    (
        "ICC(1)",
        "> .05",
        0.05,
        "Bliese (2000): values between .05 and .20 are common in organisational data; "
        "LeBreton & Senter (2008): .01 small, .10 medium, .25 large effect of the organisation.",
    ),
    (
        "ICC(2)",
        ">= .70",
        0.70,
        "Bliese (2000); LeBreton & Senter (2008): organisation means are reliable from .70.",
    ),
    (
        "mean rwg(j)",
        ">= .70",
        0.70,
        "James, Demaree & Wolf (1984); LeBreton & Senter (2008): .71-.90 strong agreement.",
    ),
    (
        "mean awg",
        ">= .70",
        0.70,
        "Brown & Hauenstein (2005): .70 acceptable agreement, as for rwg.",
    ),
)

#: How rwg(j) and awg treat skipped items, in words, for each ``missing`` choice.
MISSING_VALUE_HANDLING = {
    "listwise": (
        "rwg(j) and awg of a scale use only respondents who answered every item of "
        "the scale (listwise deletion, as R package multilevel's rwg.j and awg); "
        "ICC and the other statistics use every answer to the measure."
    ),
    "pairwise": (
        "rwg(j) and awg of a scale use every answer: each item's variance and mean "
        "come from the respondents who answered that item (pairwise deletion; R "
        "package multilevel deletes listwise instead); ICC and the other statistics "
        "use every answer to the measure."
    ),
}


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


def _wide_items(data: SurveyData, item_ids: list[str]) -> pd.DataFrame:
    """Recoded answers of ``item_ids``: one row per respondent, one column per item."""
    rows = data.answers[data.answers["item_id"].isin(item_ids)]
    wide = rows.pivot_table(
        index=["organisation", "response_id"], columns="item_id", values="recoded", aggfunc="first"
    )
    return wide.reindex(columns=item_ids).reset_index()


def _excluded(frame: pd.DataFrame | None, measure: str, analysis: str) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["measure", "analysis", "organisation", "n", "reason"])
    return pd.DataFrame(
        {
            "measure": measure,
            "analysis": analysis,
            "organisation": frame["group"].to_numpy(),
            "n": frame["n"].to_numpy(),
            "reason": frame["reason"].to_numpy(),
        }
    )


def _safe(function, *args, **kwargs):
    """Run a statistic; too little data gives None and the reason instead of an error."""
    try:
        return function(*args, **kwargs), None
    except InsufficientData as error:
        return None, str(error)


def _index(function, undefined_reason: str, *args, **kwargs) -> tuple[float, str | None]:
    """An ICC, or NaN with the reason it is undefined (too little data, or 0 / 0)."""
    value, reason = _safe(function, *args, **kwargs)
    if value is None:
        return float("nan"), reason.rstrip(".")
    return value, (undefined_reason if np.isnan(value) else None)


def _aggregation(
    data: SurveyData, model: Instrument, measure: pd.Series, values: pd.DataFrame, missing: str
) -> tuple[dict, pd.DataFrame, list[pd.DataFrame]]:
    """ICC(1), ICC(2), rwg(j) and awg of one measure, with per-organisation agreement."""
    name, points = measure["measure"], int(measure["points"])
    icc_1, why_1 = _index(icc1, REASON_ICC1_UNDEFINED, values, group="organisation", value="value")
    icc_2, why_2 = _index(icc2, REASON_ICC2_UNDEFINED, values, group="organisation", value="value")
    if measure["kind"] == "scale":
        item_ids = [i.id for i in model.scale_items(name)]
        wide = _wide_items(data, item_ids)
        agreement = rwg_j(
            wide, group="organisation", items=item_ids, scale_points=points, missing=missing
        )
        label = "rwg(j)"
    else:
        item_ids = [name]
        wide = _wide_items(data, item_ids)
        agreement = rwg(values, group="organisation", value="value", scale_points=points)
        label = "rwg"
    within = awg(wide, group="organisation", items=item_ids, low=1, high=points, missing=missing)
    per_org = pd.concat([_plain(agreement).rename("rwg"), _plain(within).rename("awg")], axis=1)
    per_org = per_org.rename_axis("organisation").reset_index().assign(measure=name)
    row = {
        "measure": name,
        "label": measure["label"],
        "organisations": int(values["organisation"].nunique()),
        "icc1": icc_1,
        "icc2": icc_2,
        "rwg_index": label,
        "rwg_mean": float(agreement.mean()) if len(agreement) else np.nan,
        "rwg_share_70": float((agreement >= 0.70).mean()) if len(agreement) else np.nan,
        "awg_mean": float(within.mean()) if len(within) else np.nan,
    }
    no_organisation = "no organisation could be used (see Excluded)"
    undefined = [
        (index, why)
        for index, why in (
            ("ICC(1)", why_1),
            ("ICC(2)", why_2),
            (f"mean {label}", None if len(agreement) else no_organisation),
            ("mean awg", None if len(within) else no_organisation),
        )
        if why
    ]
    row["undefined"] = "; ".join(f"{index}: {why}" for index, why in undefined)
    skipped = [
        _excluded(agreement.attrs.get("excluded"), name, label),
        _excluded(within.attrs.get("excluded"), name, "awg"),
    ]
    return row, per_org[["measure", "organisation", "rwg", "awg"]], skipped


def likert_distribution(
    answers: pd.DataFrame, model: Instrument, item_ids: Sequence[str], language: str = "en"
) -> pd.DataFrame:
    """Share of each answer point per item and organisation, placed for diverging bars.

    Points below the middle go left of zero, points above go right, and a
    middle (neutral) point is split in half across zero, so bars line up on
    the neutral point (Robbins & Heiberger, 2011). ``start`` and ``end`` are
    the segment's edges in shares (-1 to 1); the answers are as given (not
    reverse-keyed), so the item text reads the way respondents read it.
    """
    rows = answers[answers["item_id"].isin(list(item_ids))]
    columns = ["item", "label", "organisation", "point", "answer", "n", "share", "start", "end"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    counts = rows.groupby(["item_id", "organisation", "value"]).size().rename("n").reset_index()
    parts = []
    for item_id in dict.fromkeys(item_ids):
        item = model.item(item_id)
        k = int(item.points or 0)
        block = counts[counts["item_id"] == item_id]
        if block.empty:
            continue
        table = block.pivot_table(
            index="organisation", columns="value", values="n", aggfunc="sum", fill_value=0
        )
        table = table.reindex(columns=[float(p) for p in range(1, k + 1)], fill_value=0)
        share = table.to_numpy(dtype=float) / table.to_numpy().sum(axis=1, keepdims=True)
        middle = (k + 1) / 2
        weights = np.array(
            [1.0 if p < middle else 0.5 if p == middle else 0.0 for p in range(1, k + 1)]
        )
        left = share @ weights
        ends = np.cumsum(share, axis=1) - left[:, None]
        starts = ends - share
        for position in range(k):
            parts.append(
                pd.DataFrame(
                    {
                        "item": item_id,
                        "label": item.text.get(language, item_id),
                        "organisation": table.index.to_numpy(),
                        "point": position + 1,
                        "answer": item.label(position + 1, language),
                        "n": table.iloc[:, position].to_numpy(dtype=int),
                        "share": share[:, position],
                        "start": starts[:, position],
                        "end": ends[:, position],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


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
        items (see :data:`MISSING_VALUE_HANDLING`); listwise, as R's
        multilevel, by default.
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
        row, per_org, skipped = _aggregation(data, model, measure, values, missing)
        aggregation.append(row)
        agreement.append(per_org)
        excluded += skipped
        welch, reason = _safe(welch_anova, values, group="organisation", value="value")
        if welch is not None:
            excluded.append(
                _excluded(welch.pop("excluded"), name, "Welch's ANOVA and Games-Howell")
            )
            anova.append({"measure": name, "label": label, **welch})
            pairs = _plain(games_howell(values, group="organisation", value="value"))
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
        return pd.DataFrame(columns=columns), _excluded(None, "", "")
    keys = dict(scale="scale", item="item_id", value="recoded", respondent="response_id")
    overall = _plain(scale_reliability(long, **keys)).assign(organisation=ALL_ORGANISATIONS)
    per_org = scale_reliability(long, **keys, group="organisation")
    skipped = per_org.attrs.get("excluded")
    table = pd.concat([overall, _plain(per_org)], ignore_index=True).rename(
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


def _plain(frame):
    """A copy without ``attrs`` (pandas cannot concatenate objects whose attrs hold frames)."""
    frame = frame.copy()
    frame.attrs = {}
    return frame


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
