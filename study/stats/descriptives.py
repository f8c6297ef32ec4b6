"""Per-organisation descriptive statistics: means with t intervals, percent favourable.

These are the numbers the comparison page and the benchmark spreadsheet show
next to every test: how many answered, the mean and its 95% interval, and the
share of favourable answers (the top two points of a five-point scale) with a
Wilson score interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from study.errors import InvalidInput
from study.stats.groups import check_frame, clean_group_values, summarise_groups

__all__ = ["describe_groups", "percent_favourable", "wilson_interval"]


def describe_groups(
    data: pd.DataFrame, *, group: str, value: str, confidence: float = 0.95
) -> pd.DataFrame:
    """Describe each organisation's answers: n, mean, sd, standard error and t interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per answer, with the ``group`` and ``value`` columns.
        Rows with a missing group or value are ignored.
    group, value : str
        Column names of the organisation and of the numeric answer.
    confidence : float
        Confidence level of the interval (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per organisation (sorted) with columns ``<group>``, ``n``,
        ``mean``, ``sd``, ``se``, ``ci_low``, ``ci_high``. An organisation with
        a single answer keeps its row, with ``sd``, ``se`` and the interval NaN.

    Notes
    -----
    sd uses n - 1; se = sd / sqrt(n); the interval is
    mean +/- t(1 - (1 - confidence) / 2, n - 1) * se.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import describe_groups
    >>> df = pd.DataFrame({"org": ["a", "a", "a", "b"], "score": [1.0, 2.0, 3.0, 4.0]})
    >>> describe_groups(df, group="org", value="score").round(3)
      org  n  mean   sd     se  ci_low  ci_high
    0   a  3   2.0  1.0  0.577  -0.484    4.484
    1   b  1   4.0  NaN    NaN     NaN      NaN
    """
    if not 0 < confidence < 1:
        raise InvalidInput("The confidence level must be between 0 and 1, e.g. 0.95.")
    summary = summarise_groups(clean_group_values(data, group, value), group, value)
    n = summary["n"].to_numpy()
    sd = np.sqrt(summary["var"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        se = sd / np.sqrt(n)
        half = stats.t.ppf(0.5 + confidence / 2, np.where(n > 1, n - 1, np.nan)) * se
    mean = summary["mean"].to_numpy()
    return pd.DataFrame(
        {
            group: summary.index.to_numpy(),
            "n": n.astype("int64"),
            "mean": mean,
            "sd": sd,
            "se": se,
            "ci_low": mean - half,
            "ci_high": mean + half,
        }
    )


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions, vectorised over arrays of counts.

    Parameters
    ----------
    successes, n : array_like
        Number of successes and of trials (n > 0), broadcast together.
    confidence : float
        Confidence level (default 0.95).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits, as proportions between 0 and 1.

    Notes
    -----
    With p = x / n and z the normal quantile,

    .. math::

        \\frac{p + z^2 / 2n \\pm z \\sqrt{p (1 - p) / n + z^2 / 4n^2}}{1 + z^2 / n}

    (Newcombe's method 3, without continuity correction).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA, 22(158), 209-212.
    Newcombe, R. G. (1998). Two-sided confidence intervals for the single
    proportion: comparison of seven methods. Statistics in Medicine, 17, 857-872.

    Examples
    --------
    >>> from study.stats import wilson_interval
    >>> low, high = wilson_interval(81, 263)
    >>> print(f"{float(low):.4f} {float(high):.4f}")
    0.2553 0.3662
    """
    x = np.asarray(successes, dtype=float)
    total = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / total
        denominator = 1 + z * z / total
        centre = (p + z * z / (2 * total)) / denominator
        half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def percent_favourable(
    data: pd.DataFrame,
    *,
    group: str,
    item: str,
    top: int = 2,
    points: int = 5,
    value: str = "value",
) -> pd.DataFrame:
    """Share of favourable answers (the top ``top`` of ``points`` points) per organisation and item.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per answer with the ``group``, ``item`` and
        ``value`` columns; values are whole numbers 1..``points``. Missing
        values are not answers and are ignored.
    group, item : str
        Column names of the organisation and of the item.
    top : int
        How many of the highest points count as favourable (default 2).
    points : int
        Number of points on the answer scale (default 5).
    value : str
        Column of the answers (default ``"value"``).

    Returns
    -------
    pandas.DataFrame
        Columns exactly ``[<group>, <item>, "n", "favourable", "percent",
        "ci_low", "ci_high"]``, sorted by group and item; ``percent`` and the
        Wilson 95% interval are proportions between 0 and 1. Small groups are
        not hidden here: suppressing them is the export's job.

    Notes
    -----
    favourable = #(value > points - top); percent = favourable / n; interval
    as in :func:`wilson_interval`.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import percent_favourable
    >>> df = pd.DataFrame({"org": ["a"] * 4, "item": ["q1"] * 4, "value": [5, 4, 2, 1]})
    >>> percent_favourable(df, group="org", item="item").round(3)
      org item  n  favourable  percent  ci_low  ci_high
    0   a   q1  4           2      0.5    0.15     0.85
    """
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise InvalidInput("The answer scale needs at least 2 points.")
    if not isinstance(top, (int, np.integer)) or not 1 <= top < points:
        raise InvalidInput(f"'top' must be a whole number from 1 to {points - 1}.")
    check_frame(data, [group, item, value], numeric=[value])
    answers = data[[group, item, value]].dropna()
    values = answers[value].to_numpy(dtype=float)
    if np.any((values < 1) | (values > points) | (values != np.round(values))):
        raise InvalidInput(f"Answers in {value!r} must be whole numbers from 1 to {points}.")
    answers = answers.assign(_favourable=values > points - top)
    counts = answers.groupby([group, item], observed=True, sort=True)["_favourable"].agg(
        ["size", "sum"]
    )
    n = counts["size"].to_numpy().astype("int64")
    favourable = counts["sum"].to_numpy().astype("int64")
    low, high = wilson_interval(favourable, n)
    out = counts.index.to_frame(index=False)
    out["n"] = n
    out["favourable"] = favourable
    out["percent"] = favourable / n
    out["ci_low"] = low
    out["ci_high"] = high
    return out
