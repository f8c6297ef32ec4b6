"""Whether an organisation's mean speaks for the organisation: the aggregation indices.

:func:`measure_aggregation` computes ICC(1), ICC(2), rwg(j) (rwg for a single item)
and awg of one measure of a comparison through :mod:`study.stats`, each NaN with its
reason where undefined, with the rules of thumb in :data:`AGGREGATION_CUTOFFS` and
the handling of skipped items in words in :data:`MISSING_VALUE_HANDLING`. The small
helpers that turn what a statistic left out into rows of the comparison's ``excluded``
table are here too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.analysis.survey_data import SurveyData
from study.errors import InsufficientData
from study.stats import awg, icc1, icc2, rwg, rwg_j
from study.stats.aggregation import REASON_ICC1_UNDEFINED, REASON_ICC2_UNDEFINED
from study.surveys.instruments.survey import Instrument

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


def _wide_items(data: SurveyData, item_ids: list[str]) -> pd.DataFrame:
    """Recoded answers of ``item_ids``: one row per respondent, one column per item."""
    rows = data.answers[data.answers["item_id"].isin(item_ids)]
    wide = rows.pivot_table(
        index=["organisation", "response_id"], columns="item_id", values="recoded", aggfunc="first"
    )
    return wide.reindex(columns=item_ids).reset_index()


def excluded_rows(frame: pd.DataFrame | None, measure: str, analysis: str) -> pd.DataFrame:
    """What a statistic left out (its ``excluded`` attribute) as rows of the excluded table."""
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


def result_or_reason(function, *args, **kwargs):
    """Run a statistic; too little data gives None and the reason instead of an error."""
    try:
        return function(*args, **kwargs), None
    except InsufficientData as error:
        return None, str(error)


def _index(function, undefined_reason: str, *args, **kwargs) -> tuple[float, str | None]:
    """An ICC, or NaN with the reason it is undefined (too little data, or 0 / 0)."""
    value, reason = result_or_reason(function, *args, **kwargs)
    if value is None:
        return float("nan"), reason.rstrip(".")
    return value, (undefined_reason if np.isnan(value) else None)


def measure_aggregation(
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
    per_org = pd.concat(
        [without_attrs(agreement).rename("rwg"), without_attrs(within).rename("awg")], axis=1
    )
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
        excluded_rows(agreement.attrs.get("excluded"), name, label),
        excluded_rows(within.attrs.get("excluded"), name, "awg"),
    ]
    return row, per_org[["measure", "organisation", "rwg", "awg"]], skipped


def without_attrs(frame):
    """A copy without ``attrs`` (pandas cannot concatenate objects whose attrs hold frames)."""
    frame = frame.copy()
    frame.attrs = {}
    return frame
