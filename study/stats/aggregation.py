"""Justifying aggregation to the organisation level: ICC(1), ICC(2), rwg, rwg(j) and awg.

Before an organisation's mean stands for its employees, researchers show that
organisations differ (ICC(1)), that the means are reliable (ICC(2)) and that
employees within an organisation agree (rwg, rwg(j), awg). Definitions follow
R package multilevel (Bliese, 2000; ``ICC1``, ``ICC2``, ``rwg``, ``rwg.j``,
``awg``).

Data layout: ``icc1``, ``icc2`` and ``rwg`` take one row per answer with a
group and a value column (a long table filtered to one item or scale score).
``rwg_j`` and ``awg`` take one row per respondent with a group column and one
column per item (``items``); pivot a long table with
``long.pivot(index=[group, respondent], columns=item, values=value).reset_index()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from study.errors import InsufficientData, InvalidInput
from study.stats.groups import (
    REASON_TOO_FEW,
    check_finite,
    check_frame,
    check_scale,
    clean_group_values,
    empty_excluded,
    summarise_groups,
)

__all__ = [
    "icc1",
    "icc2",
    "rwg",
    "rwg_j",
    "awg",
    "MISSING",
    "REASON_ICC1_UNDEFINED",
    "REASON_ICC2_UNDEFINED",
]

#: How rwg(j) and awg treat a respondent who skipped some of the items.
MISSING = ("listwise", "pairwise")
#: Why :func:`icc1` is NaN: with no variance at all, its ratio is 0 / 0.
REASON_ICC1_UNDEFINED = "every answer is the same, so there is no variance to divide"
#: Why :func:`icc2` is NaN: its denominator, the between-organisation mean square, is 0.
REASON_ICC2_UNDEFINED = "every organisation has the same mean (between-organisation mean square 0)"
REASON_LISTWISE = "fewer than 2 respondents answered every item"
REASON_AWG_UNDEFINED = (
    "on every item the mean is too close to an end of the scale for awg (Brown & Hauenstein, 2005)"
)


def _one_way_mean_squares(data: pd.DataFrame, group: str, value: str) -> tuple[float, float, float]:
    """MSB, MSW and the mean group size of a one-way ANOVA of value on group."""
    values = clean_group_values(data, group, value)
    summary = summarise_groups(values, group, value)
    n_groups, n_total = len(summary), int(summary["n"].sum())
    if n_groups < 2:
        raise InsufficientData("An ICC needs answers from at least 2 organisations.")
    if n_total - n_groups < 1:
        raise InsufficientData("An ICC needs at least one organisation with 2 or more answers.")
    n = summary["n"].to_numpy(dtype=float)
    means = summary["mean"].to_numpy()
    grand = values[value].to_numpy(dtype=float).mean()
    deviations = means - grand
    # Equal means can differ in the last bit after division; such a difference is
    # rounding, not variance between organisations.
    rounding = 16 * np.finfo(float).eps * max(1.0, float(np.abs(means).max()))
    deviations[np.abs(deviations) <= rounding] = 0.0
    ss_between = float(np.sum(n * deviations**2))
    # (n - 1) * var is each group's within sum of squares; single answers add 0.
    ss_within = float(np.nansum((n - 1) * summary["var"].to_numpy()))
    msb = ss_between / (n_groups - 1)
    msw = ss_within / (n_total - n_groups)
    return msb, msw, n_total / n_groups


def icc1(data: pd.DataFrame, *, group: str, value: str) -> float:
    """ICC(1): the share of answer variance that lies between organisations.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per answer with ``group`` and ``value`` columns; rows with
        missing values are ignored. Organisations with a single answer count
        in the ANOVA, as in R's ``aov``.
    group, value : str
        Column names.

    Returns
    -------
    float
        NaN when every answer is the same (MSB = MSW = 0, so the ratio is
        0 / 0); :data:`REASON_ICC1_UNDEFINED` says so in words.

    Raises
    ------
    InsufficientData
        Fewer than 2 organisations, or no organisation with 2 answers.
    InvalidInput
        A column is missing or not numeric, or a value is infinite.

    Notes
    -----
    From a one-way ANOVA with mean squares MSB and MSW and mean group size
    k = N / J:

    .. math:: ICC(1) = \\frac{MSB - MSW}{MSB + (k - 1) MSW}

    as ``multilevel::ICC1`` (can be negative). Group means that differ only
    by floating-point rounding count as equal.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and
    reliability. In K. J. Klein & S. W. J. Kozlowski (Eds.), Multilevel
    theory, research, and methods in organizations (pp. 349-381). Jossey-Bass.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import icc1
    >>> df = pd.DataFrame({"org": list("aaabbbccc"), "x": [1, 2, 3, 3, 4, 5, 5, 6, 7]})
    >>> round(icc1(df, group="org", value="x"), 4)
    0.7857
    """
    msb, msw, k = _one_way_mean_squares(data, group, value)
    denominator = msb + (k - 1) * msw
    return (msb - msw) / denominator if denominator > 0 else float("nan")


def icc2(data: pd.DataFrame, *, group: str, value: str) -> float:
    """ICC(2): the reliability of the organisation means.

    Parameters
    ----------
    data : pandas.DataFrame
        As for :func:`icc1`.
    group, value : str
        Column names.

    Returns
    -------
    float
        NaN when the organisation means are equal (MSB = 0, where R's
        ``ICC2`` divides by zero); :data:`REASON_ICC2_UNDEFINED` says so in
        words.

    Raises
    ------
    InsufficientData, InvalidInput
        As for :func:`icc1`.

    Notes
    -----
    .. math:: ICC(2) = \\frac{MSB - MSW}{MSB}

    as ``multilevel::ICC2``.

    References
    ----------
    Bliese, P. D. (2000), as for :func:`icc1`.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import icc2
    >>> df = pd.DataFrame({"org": list("aaabbbccc"), "x": [1, 2, 3, 3, 4, 5, 5, 6, 7]})
    >>> round(icc2(df, group="org", value="x"), 4)
    0.9167
    """
    msb, msw, _ = _one_way_mean_squares(data, group, value)
    return (msb - msw) / msb if msb > 0 else float("nan")


def _null_variance(scale_points: int) -> float:
    if not isinstance(scale_points, (int, np.integer)) or scale_points < 2:
        raise InvalidInput("'scale_points' must be the number of answer options (2 or more).")
    return (scale_points**2 - 1) / 12.0


def _with_excluded(series: pd.Series, excluded: pd.DataFrame) -> pd.Series:
    series.attrs["excluded"] = excluded if len(excluded) else empty_excluded()
    return series


def rwg(data: pd.DataFrame, *, group: str, value: str, scale_points: int) -> pd.Series:
    """Within-group agreement rwg of one item, per organisation.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per answer with ``group`` and ``value`` columns (long format
        filtered to one item); missing values are ignored.
    group, value : str
        Column names.
    scale_points : int
        Number of answer options A (5 for a five-point scale); answers must
        lie between 1 and A.

    Returns
    -------
    pandas.Series
        rwg per organisation (index = groups, name ``"rwg"``). Organisations
        with fewer than 2 answers are left out and listed in
        ``result.attrs["excluded"]`` (columns ``group``, ``n``, ``reason``).

    Raises
    ------
    InvalidInput
        An answer lies outside 1..A or is infinite.

    Notes
    -----
    .. math:: r_{wg} = 1 - s^2 / \\sigma^2_{EU}, \\qquad \\sigma^2_{EU} = (A^2 - 1) / 12

    with s^2 the sample variance (n - 1); s^2 above the null variance is set
    to the null variance (rwg 0), as ``multilevel::rwg`` with
    ``ranvar = (A^2 - 1) / 12`` (the tests compare with a line-by-line
    transcription of that R function).

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group
    interrater reliability with and without response bias. Journal of Applied
    Psychology, 69(1), 85-98.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import rwg
    >>> df = pd.DataFrame({"org": list("aaabbb"), "x": [4, 4, 5, 1, 5, 3]})
    >>> rwg(df, group="org", value="x", scale_points=5).round(4)
    org
    a    0.8333
    b    0.0000
    Name: rwg, dtype: float64
    """
    null = _null_variance(scale_points)
    values = clean_group_values(data, group, value)
    check_scale(values, [value], 1, scale_points)
    summary = summarise_groups(values, group, value)
    keep = summary["n"] >= 2
    variance = summary.loc[keep, "var"]
    result = (1 - variance / null).clip(lower=0.0).rename("rwg")
    excluded = pd.DataFrame(
        {
            "group": summary.index[~keep].to_numpy(dtype=object),
            "n": summary.loc[~keep, "n"].to_numpy(dtype="int64"),
            "reason": REASON_TOO_FEW,
        }
    )
    return _with_excluded(result, excluded)


class _ItemStatistics(NamedTuple):
    """Per group: respondents used; per group x item: answers, sum, mean, variance."""

    size: pd.Series
    count: pd.DataFrame
    total: pd.DataFrame
    mean: pd.DataFrame
    variance: pd.DataFrame
    reason: pd.Series  # why a group with fewer than 2 respondents has so few


def _item_statistics(
    data: pd.DataFrame, group: str, items: Sequence[str], missing: str, low: float, high: float
) -> _ItemStatistics:
    """Check a wide table and summarise its items per group, after listwise or pairwise deletion."""
    items = list(items)
    if not items:
        raise InvalidInput("Give at least one item column.")
    if missing not in MISSING:
        raise InvalidInput(f"'missing' must be 'listwise' or 'pairwise', not {missing!r}.")
    check_frame(data, [group] + items, numeric=items)
    rows = data[[group] + items].dropna(subset=[group])
    check_finite(rows, items)
    check_scale(rows, items, low, high)
    everyone = rows.groupby(group, observed=True, sort=True).size()
    if missing == "listwise":
        # As multilevel's na.exclude(data.frame(x, grpid)): a respondent who skipped
        # any item is left out of every item.
        rows = rows.dropna(subset=items)
    grouped = rows.groupby(group, observed=True, sort=True)
    size = grouped.size().reindex(everyone.index, fill_value=0)
    reason = pd.Series(
        np.where((everyone >= 2) & (size < 2), REASON_LISTWISE, REASON_TOO_FEW),
        index=everyone.index,
        dtype=object,
    )
    frame = grouped[items]
    return _ItemStatistics(
        size,
        *(
            part.reindex(everyone.index)
            for part in (frame.count(), frame.sum(), frame.mean(), frame.var())
        ),
        reason,
    )


def _excluded_groups(size: pd.Series, keep: pd.Series, reason: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": size.index[~keep].to_numpy(dtype=object),
            "n": size[~keep].to_numpy(dtype="int64"),
            "reason": reason[~keep].to_numpy(dtype=object),
        }
    )


def rwg_j(
    data: pd.DataFrame,
    *,
    group: str,
    items: Sequence[str],
    scale_points: int,
    missing: str = "listwise",
) -> pd.Series:
    """Within-group agreement rwg(j) of a multi-item scale, per organisation.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent with the ``group`` column and one column per
        item (wide within the group); answers must lie between 1 and A.
    group : str
        Organisation column.
    items : sequence of str
        Item columns (J = len(items)).
    scale_points : int
        Number of answer options A.
    missing : {"listwise", "pairwise"}
        ``"listwise"`` (default) leaves out a respondent who skipped any of
        the items, as ``multilevel::rwg.j`` does; ``"pairwise"`` uses every
        answer, so each item's variance comes from the respondents who
        answered that item.

    Returns
    -------
    pandas.Series
        rwg(j) per organisation (name ``"rwg_j"``). Organisations with fewer
        than 2 respondents (listwise: with every item answered), or
        (pairwise) with an item answered by fewer than 2 of them, are left
        out and listed in ``result.attrs["excluded"]``.

    Raises
    ------
    InvalidInput
        An answer lies outside 1..A or is infinite, or ``missing`` is unknown.

    Notes
    -----
    With \\bar{s}^2 the mean of the J item variances and
    \\sigma^2_{EU} = (A^2 - 1) / 12:

    .. math::

        r_{wg(j)} = \\frac{J (1 - \\bar{s}^2 / \\sigma^2_{EU})}
                        {J (1 - \\bar{s}^2 / \\sigma^2_{EU}) + \\bar{s}^2 / \\sigma^2_{EU}}

    with \\bar{s}^2 capped at \\sigma^2_{EU} (rwg(j) 0). With ``missing="listwise"``
    this is ``multilevel::rwg.j(x, grpid, ranvar = (A^2 - 1) / 12)``; the
    tests compare both forms with a line-by-line transcription of that R
    function (applied, for pairwise, item by item).

    References
    ----------
    James, Demaree & Wolf (1984), as for :func:`rwg`; Bliese (2000).

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import rwg_j
    >>> df = pd.DataFrame({"org": list("aaa"), "q1": [4, 4, 5], "q2": [3, 4, 5]})
    >>> rwg_j(df, group="org", items=["q1", "q2"], scale_points=5).round(4)
    org
    a    0.8
    Name: rwg_j, dtype: float64
    """
    null = _null_variance(scale_points)
    stats = _item_statistics(data, group, items, missing, 1, scale_points)
    size, count = stats.size, stats.count
    n_items = len(list(items))
    too_few = size < 2
    item_too_few = ~too_few & (count < 2).any(axis=1)
    keep = ~(too_few | item_too_few)
    ratio = stats.variance[keep].mean(axis=1).clip(upper=null) / null
    value = n_items * (1 - ratio) / (n_items * (1 - ratio) + ratio)
    reason = stats.reason.where(too_few, "an item has fewer than 2 answers")
    return _with_excluded(value.rename("rwg_j"), _excluded_groups(size, keep, reason))


def awg(
    data: pd.DataFrame,
    *,
    group: str,
    items: Sequence[str],
    low: float,
    high: float,
    missing: str = "listwise",
) -> pd.Series:
    """Within-group agreement awg (Brown & Hauenstein, 2005), per organisation.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent with the ``group`` column and the ``items``
        columns (a single item gives the single-item index); answers must lie
        between ``low`` and ``high``.
    group : str
        Organisation column.
    items : sequence of str
        Item columns.
    low, high : float
        Lowest and highest possible answer (1 and 5 on a five-point scale).
    missing : {"listwise", "pairwise"}
        ``"listwise"`` (default) leaves out a respondent who skipped any of
        the items, as ``multilevel::awg`` does; ``"pairwise"`` computes each
        item's a_wg from the respondents who answered it.

    Returns
    -------
    pandas.Series
        awg per organisation (name ``"awg"``): the mean of the item a_wg
        that are defined. Organisations with fewer than 2 respondents, or
        with no item whose a_wg is defined, are listed in
        ``result.attrs["excluded"]``.

    Raises
    ------
    InvalidInput
        An answer lies outside ``low``..``high`` or is infinite, ``low`` is
        not below ``high``, or ``missing`` is unknown.

    Notes
    -----
    For an item with k answers, group mean M and sample variance s^2,

    .. math:: a_{wg} = 1 - \\frac{2 s^2}{[(H + L) M - M^2 - H L]\\, k / (k - 1)}

    the observed variance relative to the largest variance possible at that
    mean. As in ``multilevel::awg``: a_wg is undefined (NA) when M lies below
    (L(k - 1) + H) / k or above (H(k - 1) + L) / k, where the largest
    possible variance is too small to compare with (Brown & Hauenstein, 2005,
    recommend the index only between these bounds); it is 1 when M equals L
    or H (everyone gave the same end answer); an item with fewer than 2
    answers has none. The scale's awg is the mean of the defined item values
    (R's ``mean(..., na.rm = TRUE)``). The bounds are compared on the item
    sums, M k, which are exact for whole-number answers. With
    ``missing="listwise"`` the tests match a line-by-line transcription of
    the R function.

    References
    ----------
    Brown, R. D., & Hauenstein, N. M. A. (2005). Interrater agreement
    reconsidered: An alternative to the rwg indices. Organizational Research
    Methods, 8(2), 165-184.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import awg
    >>> df = pd.DataFrame({"org": list("aaaa"), "q1": [2, 3, 3, 4]})
    >>> awg(df, group="org", items=["q1"], low=1, high=5).round(4)
    org
    a    0.75
    Name: awg, dtype: float64
    """
    if not low < high:
        raise InvalidInput("'low' must be below 'high' (e.g. low=1, high=5).")
    stats = _item_statistics(data, group, items, missing, low, high)
    k, total, mean, variance = stats.count, stats.total, stats.mean, stats.variance
    with np.errstate(divide="ignore", invalid="ignore"):
        largest = ((high + low) * mean - mean**2 - high * low) * k / (k - 1)
        item_awg = 1 - 2 * variance / largest
    too_low = total < low * (k - 1) + high
    too_high = total > high * (k - 1) + low
    item_awg = item_awg.mask(too_low | too_high)
    item_awg = item_awg.mask((total == low * k) | (total == high * k), 1.0)
    item_awg = item_awg.where(k >= 2)
    value = item_awg.mean(axis=1, skipna=True)
    too_few = stats.size < 2
    keep = ~too_few & value.notna()
    reason = stats.reason.where(too_few, REASON_AWG_UNDEFINED)
    return _with_excluded(value[keep].rename("awg"), _excluded_groups(stats.size, keep, reason))
