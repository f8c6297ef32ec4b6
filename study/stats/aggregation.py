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

import numpy as np
import pandas as pd

from study.errors import InsufficientData, InvalidInput
from study.stats.groups import (REASON_TOO_FEW, check_frame, clean_group_values,
                                empty_excluded, summarise_groups)

__all__ = ["icc1", "icc2", "rwg", "rwg_j", "awg"]


def _one_way_mean_squares(data: pd.DataFrame, group: str, value: str
                          ) -> tuple[float, float, float]:
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
    ss_between = float(np.sum(n * (means - grand) ** 2))
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

    Notes
    -----
    From a one-way ANOVA with mean squares MSB and MSW and mean group size
    k = N / J:

    .. math:: ICC(1) = \\frac{MSB - MSW}{MSB + (k - 1) MSW}

    as ``multilevel::ICC1`` (can be negative).

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
    return (msb - msw) / (msb + (k - 1) * msw)


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
    return (msb - msw) / msb


def _null_variance(scale_points: int) -> float:
    if not isinstance(scale_points, (int, np.integer)) or scale_points < 2:
        raise InvalidInput("'scale_points' must be the number of answer options (2 or more).")
    return (scale_points ** 2 - 1) / 12.0


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
        Number of answer options A (5 for a five-point scale).

    Returns
    -------
    pandas.Series
        rwg per organisation (index = groups, name ``"rwg"``). Organisations
        with fewer than 2 answers are left out and listed in
        ``result.attrs["excluded"]`` (columns ``group``, ``n``, ``reason``).

    Notes
    -----
    .. math:: r_{wg} = 1 - s^2 / \\sigma^2_{EU}, \\qquad \\sigma^2_{EU} = (A^2 - 1) / 12

    with s^2 the sample variance (n - 1); set to 0 when s^2 exceeds the null
    variance, as ``multilevel::rwg``.

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
    summary = summarise_groups(clean_group_values(data, group, value), group, value)
    keep = summary["n"] >= 2
    variance = summary.loc[keep, "var"]
    result = (1 - variance / null).clip(lower=0.0).rename("rwg")
    excluded = pd.DataFrame({"group": summary.index[~keep].to_numpy(dtype=object),
                             "n": summary.loc[~keep, "n"].to_numpy(dtype="int64"),
                             "reason": REASON_TOO_FEW})
    return _with_excluded(result, excluded)


def _item_statistics(data: pd.DataFrame, group: str, items: Sequence[str]
                     ) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Respondents per group, and per group x item: answer count, mean, variance."""
    items = list(items)
    if not items:
        raise InvalidInput("Give at least one item column.")
    check_frame(data, [group] + items, numeric=items)
    rows = data[[group] + items].dropna(subset=[group])
    grouped = rows.groupby(group, observed=True, sort=True)
    return grouped.size(), grouped[items].count(), grouped[items].mean(), grouped[items].var()


def rwg_j(data: pd.DataFrame, *, group: str, items: Sequence[str],
          scale_points: int) -> pd.Series:
    """Within-group agreement rwg(j) of a multi-item scale, per organisation.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent with the ``group`` column and one column per
        item (wide within the group); missing answers are skipped per item,
        as ``multilevel::rwg.j`` does.
    group : str
        Organisation column.
    items : sequence of str
        Item columns (J = len(items)).
    scale_points : int
        Number of answer options A.

    Returns
    -------
    pandas.Series
        rwg(j) per organisation (name ``"rwg_j"``). Organisations with fewer
        than 2 respondents, or with an item answered by fewer than 2 of them,
        are left out and listed in ``result.attrs["excluded"]``.

    Notes
    -----
    With \\bar{s}^2 the mean of the J item variances and
    \\sigma^2_{EU} = (A^2 - 1) / 12:

    .. math::

        r_{wg(j)} = \\frac{J (1 - \\bar{s}^2 / \\sigma^2_{EU})}
                        {J (1 - \\bar{s}^2 / \\sigma^2_{EU}) + \\bar{s}^2 / \\sigma^2_{EU}}

    set to 0 when \\bar{s}^2 exceeds \\sigma^2_{EU}.

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
    size, count, _, variance = _item_statistics(data, group, items)
    n_items = len(list(items))
    too_few = size < 2
    item_too_few = ~too_few & (count < 2).any(axis=1)
    keep = ~(too_few | item_too_few)
    ratio = variance[keep].mean(axis=1) / null
    value = n_items * (1 - ratio) / (n_items * (1 - ratio) + ratio)
    result = value.where(ratio <= 1, 0.0).rename("rwg_j")
    excluded = pd.DataFrame({
        "group": size.index[~keep].to_numpy(dtype=object),
        "n": size[~keep].to_numpy(dtype="int64"),
        "reason": np.where(too_few[~keep], REASON_TOO_FEW,
                           "an item has fewer than 2 answers").astype(object)})
    return _with_excluded(result, excluded)


def awg(data: pd.DataFrame, *, group: str, items: Sequence[str], low: float,
        high: float) -> pd.Series:
    """Within-group agreement awg (Brown & Hauenstein, 2005), per organisation.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent with the ``group`` column and the ``items``
        columns (a single item gives the single-item index).
    group : str
        Organisation column.
    items : sequence of str
        Item columns.
    low, high : float
        Lowest and highest possible answer (1 and 5 on a five-point scale).

    Returns
    -------
    pandas.Series
        awg per organisation (name ``"awg"``): the mean over items of the
        item awg. An item whose group mean sits at ``low`` or ``high`` has no
        awg and is skipped; organisations with fewer than 2 respondents, or no
        item with an awg, are listed in ``result.attrs["excluded"]``.

    Notes
    -----
    For an item with group mean M, sample variance s^2 and k answers,

    .. math:: a_{wg} = 1 - \\frac{2 s^2}{[(H + L) M - M^2 - H L]\\, k / (k - 1)}

    the observed variance relative to the largest variance possible at that
    mean; a_wg(j) is the mean of the item values (``multilevel::awg``).

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
    size, count, mean, variance = _item_statistics(data, group, items)
    with np.errstate(divide="ignore", invalid="ignore"):
        largest = ((high + low) * mean - mean ** 2 - high * low) * count / (count - 1)
        item_awg = 1 - 2 * variance / largest
    item_awg = item_awg.where((largest > 0) & (count >= 2))
    value = item_awg.mean(axis=1, skipna=True)
    too_few = size < 2
    keep = ~too_few & value.notna()
    excluded = pd.DataFrame({
        "group": size.index[~keep].to_numpy(dtype=object),
        "n": size[~keep].to_numpy(dtype="int64"),
        "reason": np.where(too_few[~keep], REASON_TOO_FEW,
                           "every item's mean is at the end of the scale").astype(object)})
    return _with_excluded(value[keep].rename("awg"), excluded)
