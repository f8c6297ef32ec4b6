"""Comparing organisations' means: Welch's ANOVA, Games-Howell, each against the rest.

Organisations differ in size and in spread, so every test here is of the
Welch family (no pooled variance). Organisations with fewer than 2 answers,
or whose answers never vary, are left out of all three tests (Welch weights
n / s^2 are undefined for them) and listed in the result's ``excluded`` table
(columns ``group``, ``n``, ``reason``); fewer than two remaining raises
:class:`study.errors.InsufficientData`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from study.stats.groups import (
    clean_group_values,
    require_groups,
    split_usable_groups,
    summarise_groups,
)
from study.stats.multiple_testing import adjust_p_values
from study.stats.studentized_range import studentized_range_sf

__all__ = ["welch_anova", "games_howell", "compare_to_benchmark"]


def _usable_summary(
    data: pd.DataFrame, group: str, value: str, method: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    summary = summarise_groups(clean_group_values(data, group, value), group, value)
    usable, excluded = split_usable_groups(summary, need_variance=True)
    require_groups(usable, excluded, method=method)
    return usable, excluded


def welch_anova(data: pd.DataFrame, *, group: str, value: str) -> dict[str, Any]:
    """Welch's one-way ANOVA of a value across organisations (unequal variances).

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per answer with ``group`` and ``value`` columns;
        rows with missing values are ignored.
    group, value : str
        Column names.

    Returns
    -------
    dict
        ``F``, ``df1``, ``df2``, ``p``, ``omega_squared``, ``n_groups``
        (organisations used), ``n`` (answers used) and ``excluded`` (DataFrame
        with ``group``, ``n``, ``reason``).

    Notes
    -----
    With weights w_j = n_j / s_j^2, W = sum w_j, the weighted grand mean
    m' = sum w_j m_j / W, r groups and
    Lambda = 3 sum (1 - w_j / W)^2 / (n_j - 1) / (r^2 - 1):

    .. math:: F = \\frac{\\sum w_j (m_j - m')^2 / (r - 1)}{1 + 2 \\Lambda (r - 2) / 3},
              \\quad df_1 = r - 1, \\quad df_2 = 1 / \\Lambda

    as ``pingouin.welch_anova``. The effect size is the estimated omega
    squared from the F ratio, (r - 1)(F - 1) / ((r - 1)(F - 1) + N), which can
    be negative when F < 1.

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values: an
    alternative approach. Biometrika, 38(3/4), 330-336.
    Carroll, R. M., & Nordholm, L. A. (1975). Sampling characteristics of
    Kelley's epsilon and Hays' omega. Educational and Psychological
    Measurement, 35(3), 541-554.

    Examples
    --------
    >>> import pingouin as pg
    >>> from study.stats import welch_anova
    >>> df = pg.read_dataset("anova")
    >>> res = welch_anova(df, group="Hair color", value="Pain threshold")
    >>> print(f"F={res['F']:.4f} df2={res['df2']:.4f} p={res['p']:.6f}")
    F=5.8901 df2=8.3298 p=0.018813
    """
    usable, excluded = _usable_summary(data, group, value, "Welch's ANOVA")
    n = usable["n"].to_numpy(dtype=float)
    means = usable["mean"].to_numpy()
    weights = n / usable["var"].to_numpy()
    r = len(usable)
    total_weight = weights.sum()
    weighted_mean = np.sum(weights * means) / total_weight
    lam = 3 * np.sum((1 - weights / total_weight) ** 2 / (n - 1)) / (r**2 - 1)
    f_value = (np.sum(weights * (means - weighted_mean) ** 2) / (r - 1)) / (
        1 + 2 * lam * (r - 2) / 3
    )
    df1, df2 = r - 1, 1 / lam
    n_total = float(n.sum())
    omega = df1 * (f_value - 1) / (df1 * (f_value - 1) + n_total)
    return {
        "F": float(f_value),
        "df1": int(df1),
        "df2": float(df2),
        "p": float(stats.f.sf(f_value, df1, df2)),
        "omega_squared": float(omega),
        "n_groups": int(r),
        "n": int(n_total),
        "excluded": excluded,
    }


def games_howell(data: pd.DataFrame, *, group: str, value: str) -> pd.DataFrame:
    """Games-Howell post hoc comparison of every pair of organisations.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format as for :func:`welch_anova`.
    group, value : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per pair (groups sorted, A before B) with columns ``A``, ``B``,
        ``mean_A``, ``mean_B``, ``diff`` (mean_A - mean_B), ``se``, ``T``,
        ``df`` and ``p`` (already adjusted for the whole family of pairs).
        Left-out organisations are in ``result.attrs["excluded"]``.

    Notes
    -----
    For groups i and j with v = s^2 / n:

    .. math::

        T = \\frac{m_i - m_j}{\\sqrt{v_i + v_j}}, \\quad
        df = \\frac{(v_i + v_j)^2}{v_i^2 / (n_i - 1) + v_j^2 / (n_j - 1)}, \\quad
        p = P(Q_{r, df} > \\sqrt{2} |T|)

    with Q the studentized range for r groups, evaluated for all pairs at once
    by :func:`studentized_range_sf` (numbers as ``pingouin.pairwise_gameshowell``).

    References
    ----------
    Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison
    procedures with unequal n's and/or variances: a Monte Carlo study.
    Journal of Educational Statistics, 1(2), 113-125.

    Examples
    --------
    >>> import pingouin as pg
    >>> from study.stats import games_howell
    >>> df = pg.read_dataset("anova")
    >>> res = games_howell(df, group="Hair color", value="Pain threshold")
    >>> res[["A", "B", "diff", "T", "p"]].round(3).head(2)
                A              B  diff      T      p
    0  Dark Blond  Dark Brunette  13.8  2.475  0.140
    1  Dark Blond    Light Blond  -8.0 -1.419  0.523
    """
    usable, excluded = _usable_summary(data, group, value, "The Games-Howell test")
    labels = usable.index.to_numpy()
    n = usable["n"].to_numpy(dtype=float)
    means = usable["mean"].to_numpy()
    v = usable["var"].to_numpy() / n
    a, b = np.triu_indices(len(labels), k=1)
    se = np.sqrt(v[a] + v[b])
    diff = means[a] - means[b]
    t_value = diff / se
    df = (v[a] + v[b]) ** 2 / (v[a] ** 2 / (n[a] - 1) + v[b] ** 2 / (n[b] - 1))
    p = np.clip(studentized_range_sf(np.sqrt(2) * np.abs(t_value), len(labels), df), 0, 1)
    result = pd.DataFrame(
        {
            "A": labels[a],
            "B": labels[b],
            "mean_A": means[a],
            "mean_B": means[b],
            "diff": diff,
            "se": se,
            "T": t_value,
            "df": df,
            "p": p,
        }
    )
    result.attrs["excluded"] = excluded
    return result


def compare_to_benchmark(
    data: pd.DataFrame, *, group: str, value: str, confidence: float = 0.95
) -> pd.DataFrame:
    """Compare each organisation's mean with all other organisations pooled (Welch t).

    Parameters
    ----------
    data : pandas.DataFrame
        Long format as for :func:`welch_anova`.
    group, value : str
        Column names.
    confidence : float
        Confidence level of the interval for the difference (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per organisation with ``<group>``, ``n``, ``mean``,
        ``others_n``, ``others_mean``, ``diff`` (mean - others_mean), ``se``,
        ``t``, ``df``, ``ci_low``, ``ci_high``, ``p`` and the adjusted
        ``p_holm`` and ``p_bh`` (over all organisations compared). The pool is
        the answers of the other usable organisations; left-out organisations
        are in ``result.attrs["excluded"]``.

    Notes
    -----
    The rest's n, mean and variance come from the totals minus the
    organisation's own sums (one pass for all organisations). Then
    se = sqrt(s_g^2 / n_g + s_o^2 / n_o), t = diff / se, Welch-Satterthwaite df,
    interval diff +/- t(1 - a/2, df) se, two-sided p.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when
    several different population variances are involved. Biometrika, 34, 28-35.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import compare_to_benchmark
    >>> df = pd.DataFrame({"org": list("aaabbbccc"), "x": [1, 2, 3, 3, 4, 5, 5, 6, 8]})
    >>> compare_to_benchmark(df, group="org", value="x")[["org", "diff", "t", "p"]].round(3)
      org   diff      t      p
    0   a -3.167 -3.481  0.011
    1   b -0.167 -0.136  0.895
    2   c  3.333  3.162  0.037
    """
    usable, excluded = _usable_summary(data, group, value, "The comparison with the benchmark")
    values = clean_group_values(data, group, value)
    values = values[values[group].isin(usable.index)]
    # Sums of deviations from the grand mean keep the subtraction below accurate.
    centred = values[value].to_numpy(dtype=float) - values[value].mean()
    sums = (
        pd.DataFrame({"g": values[group].to_numpy(), "d": centred, "d2": centred**2})
        .groupby("g", sort=True)
        .sum()
        .loc[usable.index]
    )
    n = usable["n"].to_numpy(dtype=float)
    var = usable["var"].to_numpy()
    mean = usable["mean"].to_numpy()
    n_other = n.sum() - n
    sum_other = sums["d"].sum() - sums["d"].to_numpy()
    square_other = sums["d2"].sum() - sums["d2"].to_numpy()
    var_other = (square_other - sum_other**2 / n_other) / (n_other - 1)
    mean_other = sum_other / n_other + values[value].mean()
    v_own, v_other = var / n, var_other / n_other
    se = np.sqrt(v_own + v_other)
    diff = mean - mean_other
    t_value = diff / se
    df = (v_own + v_other) ** 2 / (v_own**2 / (n - 1) + v_other**2 / (n_other - 1))
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    p = 2 * stats.t.sf(np.abs(t_value), df)
    result = pd.DataFrame(
        {
            group: usable.index.to_numpy(),
            "n": n.astype("int64"),
            "mean": mean,
            "others_n": n_other.astype("int64"),
            "others_mean": mean_other,
            "diff": diff,
            "se": se,
            "t": t_value,
            "df": df,
            "ci_low": diff - half,
            "ci_high": diff + half,
            "p": p,
            "p_holm": adjust_p_values(p, "holm"),
            "p_bh": adjust_p_values(p, "bh"),
        }
    )
    result.attrs["excluded"] = excluded
    return result
