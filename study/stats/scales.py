"""Scale reliability: Cronbach's alpha with Feldt intervals, item analysis, alpha per organisation.

``cronbach_alpha`` reproduces ``pingouin.cronbach_alpha`` (pairwise deletion of
missing values, Feldt 95% interval); ``scale_reliability`` computes the same
alpha for every scale and every organisation at once from long-format answers,
with per-group sums accumulated by ``numpy.bincount`` instead of a loop over
organisations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from study.errors import InsufficientData, InvalidInput
from study.stats.groups import REASON_NO_VARIATION, REASON_TOO_FEW, check_finite, check_frame

__all__ = ["cronbach_alpha", "item_analysis", "scale_reliability", "feldt_interval"]


def _alpha_from_covariance(cov: np.ndarray) -> np.ndarray:
    """Alpha from (stacked) covariance matrices, with pandas' NaN semantics.

    The total skips NaN covariances (pairs never answered together), the trace
    does not: this is what ``np.trace(C) / C.sum().sum()`` does in pingouin.
    """
    k = cov.shape[-1]
    trace = np.trace(cov, axis1=-2, axis2=-1)
    total = np.nansum(cov, axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (k / (k - 1)) * (1 - trace / total)


def feldt_interval(
    alpha: np.ndarray | float, n: np.ndarray | float, k: int, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Feldt's confidence interval for Cronbach's alpha (vectorised).

    Parameters
    ----------
    alpha : array_like
        Alpha estimate(s).
    n : array_like
        Number of respondents behind each estimate.
    k : int
        Number of items.
    confidence : float
        Confidence level (default 0.95).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits.

    Notes
    -----
    With df1 = n - 1 and df2 = (n - 1)(k - 1):
    lower = 1 - (1 - alpha) F(1 - a/2; df1, df2), upper = 1 - (1 - alpha) F(a/2; df1, df2),
    where F(p; .) is the p quantile and a = 1 - confidence.

    References
    ----------
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference
    for coefficient alpha. Applied Psychological Measurement, 11(1), 93-103.

    Examples
    --------
    >>> from study.stats import feldt_interval
    >>> low, high = feldt_interval(0.8, 100, 5)
    >>> print(f"{float(low):.3f} {float(high):.3f}")
    0.731 0.856
    """
    a = 1 - confidence
    df1 = np.asarray(n, dtype=float) - 1
    df2 = df1 * (k - 1)
    one_minus = 1 - np.asarray(alpha, dtype=float)
    return (
        1 - one_minus * stats.f.isf(a / 2, df1, df2),
        1 - one_minus * stats.f.isf(1 - a / 2, df1, df2),
    )


def _check_items(items: pd.DataFrame) -> None:
    check_frame(items, [], numeric=list(items.columns) if isinstance(items, pd.DataFrame) else [])
    check_finite(items, list(items.columns))
    if items.shape[1] < 2:
        raise InvalidInput("Cronbach's alpha needs at least 2 items (columns).")
    if items.shape[0] < 2:
        raise InsufficientData("Cronbach's alpha needs at least 2 respondents (rows).")


def cronbach_alpha(
    items: pd.DataFrame, *, confidence: float = 0.95
) -> tuple[float, tuple[float, float]]:
    """Cronbach's alpha of one scale, with Feldt's confidence interval.

    Parameters
    ----------
    items : pandas.DataFrame
        Wide format: one column per item, one row per respondent, numbers.
        Missing values are deleted pairwise when computing the covariances.
    confidence : float
        Confidence level of the interval (default 0.95).

    Returns
    -------
    (float, (float, float))
        Alpha and its (lower, upper) interval, unrounded.

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k - 1}\\left(1 - \\frac{\\operatorname{tr} C}{\\sum_{ij} C_{ij}}\\right)

    where C is the pairwise-complete item covariance matrix and k the number
    of items. As in ``pingouin.cronbach_alpha`` 0.7, n for the interval is the
    number of rows, including rows with missing answers. See
    :func:`feldt_interval`.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. Psychometrika, 16(3), 297-334.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import cronbach_alpha
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5],
    ...                       "q3": [1, 3, 3, 4, 4]})
    >>> alpha, (low, high) = cronbach_alpha(items)
    >>> print(f"{alpha:.3f} [{low:.3f}, {high:.3f}]")
    0.954 [0.766, 0.995]
    """
    _check_items(items)
    cov = items.cov().to_numpy()
    alpha = float(_alpha_from_covariance(cov))
    low, high = feldt_interval(alpha, items.shape[0], items.shape[1], confidence)
    return alpha, (float(low), float(high))


def item_analysis(items: pd.DataFrame) -> pd.DataFrame:
    """Per item: corrected item-total correlation and alpha if the item were deleted.

    Parameters
    ----------
    items : pandas.DataFrame
        Wide format as for :func:`cronbach_alpha` (pairwise deletion).

    Returns
    -------
    pandas.DataFrame
        Indexed by item, columns ``n`` (answers), ``mean``, ``sd``,
        ``item_total_correlation`` (with the sum of the other items) and
        ``alpha_if_deleted`` (NaN for a two-item scale).

    Notes
    -----
    From the covariance matrix C, with S = sum of all C_ij and r_i = sum_j C_ij:
    the other items' total has variance S - 2 r_i + C_ii and covariance
    r_i - C_ii with item i, so the corrected item-total correlation is
    (r_i - C_ii) / sqrt(C_ii (S - 2 r_i + C_ii)), and alpha if deleted is
    alpha of C without row and column i. With complete data these equal the
    Pearson correlation of item i with the sum of the other items (psych's
    ``r.drop``) and alpha recomputed without the item.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import item_analysis
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5],
    ...                       "q3": [5, 3, 3, 4, 1]})
    >>> item_analysis(items)[["item_total_correlation", "alpha_if_deleted"]].round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
          item_total_correlation  alpha_if_deleted
    item
    q1                     0.209            -1.913
    q2                     0.692            -5.833
    q3                    -0.630             0.968
    """
    _check_items(items)
    cov = items.cov().to_numpy()
    k = cov.shape[0]
    diagonal = np.diag(cov)
    row_sums = np.nansum(cov, axis=1)
    total = np.nansum(cov)
    rest_total = total - 2 * row_sums + diagonal
    rest_trace = np.trace(cov) - diagonal
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation = (row_sums - diagonal) / np.sqrt(diagonal * rest_total)
        if k > 2:
            alpha_deleted = ((k - 1) / (k - 2)) * (1 - rest_trace / rest_total)
        else:
            alpha_deleted = np.full(k, np.nan)
    return pd.DataFrame(
        {
            "n": items.count().to_numpy(),
            "mean": items.mean().to_numpy(),
            "sd": items.std().to_numpy(),
            "item_total_correlation": correlation,
            "alpha_if_deleted": alpha_deleted,
        },
        index=pd.Index(items.columns, name="item"),
    )


def _grouped_covariances(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Pairwise-complete covariance matrices of each group, shape (groups, k, k).

    Loops over item pairs (k(k+1)/2 of them), never over groups: each pair's
    sums for all groups come from one ``np.bincount``.
    """
    k = values.shape[1]
    present = ~np.isnan(values)
    # Centring on the item means keeps the one-pass sums of products accurate.
    centred = np.where(present, values - np.nanmean(values, axis=0), 0.0)
    cov = np.full((n_groups, k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            both = (present[:, i] & present[:, j]).astype(float)
            xi, xj = centred[:, i] * both, centred[:, j] * both
            count = np.bincount(codes, weights=both, minlength=n_groups)
            sum_i = np.bincount(codes, weights=xi, minlength=n_groups)
            sum_j = np.bincount(codes, weights=xj, minlength=n_groups)
            sum_ij = np.bincount(codes, weights=xi * xj, minlength=n_groups)
            with np.errstate(divide="ignore", invalid="ignore"):
                c = (sum_ij - sum_i * sum_j / count) / (count - 1)
            c[count < 2] = np.nan
            cov[:, i, j] = c
            cov[:, j, i] = c
    return cov


def scale_reliability(
    data: pd.DataFrame,
    *,
    scale: str,
    item: str,
    value: str,
    respondent: str,
    group: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cronbach's alpha of every scale, overall or per organisation, from long-format answers.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per answer with columns ``respondent`` (id),
        ``item``, ``scale`` (the scale the item belongs to), ``value`` (number;
        NaN = not answered) and, if given, ``group``. Reverse-keyed items must
        already be recoded.
    scale, item, value, respondent : str
        Column names.
    group : str, optional
        Organisation column. Without it, one alpha per scale over everyone
        (call once with and once without for "overall and per organisation").
    confidence : float
        Confidence level of the Feldt interval (default 0.95).

    Returns
    -------
    pandas.DataFrame
        One row per scale (and organisation) with columns ``scale``,
        [``group``,] ``n`` (respondents with a row for the scale), ``k``
        (items), ``alpha``, ``ci_low``, ``ci_high``. Organisations with fewer
        than 2 respondents, or whose scale totals never vary, are left out and
        listed in ``result.attrs["excluded"]`` (columns ``scale``, ``group``,
        ``n``, ``reason``).

    Notes
    -----
    Each (organisation, scale) alpha equals :func:`cronbach_alpha` on that
    organisation's wide respondent x item table (pairwise deletion, Feldt
    interval). The sums behind every covariance are accumulated for all
    organisations at once with ``numpy.bincount``.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import scale_reliability
    >>> wide = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5],
    ...                      "q3": [1, 3, 3, 4, 4]})
    >>> long = wide.rename_axis("resp").reset_index().melt(
    ...     id_vars="resp", var_name="item", value_name="answer").assign(scale="use")
    >>> scale_reliability(long, scale="scale", item="item", value="answer",
    ...                   respondent="resp").round(3)
      scale  n  k  alpha  ci_low  ci_high
    0   use  5  3  0.954   0.766    0.995
    """
    keys = [scale, item, respondent] + ([group] if group is not None else [])
    check_frame(data, keys + [value], numeric=[value])
    answers = data[keys + [value]].dropna(subset=keys)
    check_finite(answers, [value])
    # Every key column is factorized once; the per-scale work below is on integers.
    scale_codes, scale_names = pd.factorize(answers[scale], sort=True)
    item_codes, item_names = pd.factorize(answers[item], sort=True)
    if group is None:
        group_codes = np.zeros(len(answers), dtype=np.intp)
        group_names = pd.Index(["(all)"])
    else:
        group_codes, group_names = pd.factorize(answers[group], sort=True)
    respondent_codes, respondent_names = pd.factorize(answers[respondent])
    # A respondent is a (group, respondent id) pair.
    person = group_codes.astype(np.int64) * len(respondent_names) + respondent_codes
    values = answers[value].to_numpy(dtype=float)
    order = np.argsort(scale_codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(scale_codes, minlength=len(scale_names)))])
    rows, skipped = [], []
    for index, scale_name in enumerate(scale_names):
        part = order[bounds[index] : bounds[index + 1]]
        result, excluded = _scale_alpha(
            item_codes[part], person[part], group_codes[part], values[part], group_names, confidence
        )
        rows.append(result.assign(**{"scale": scale_name}))
        skipped.append(excluded.assign(**{"scale": scale_name}))
    if not rows:
        raise InsufficientData("There are no answers to compute a scale's alpha from.")
    columns = (
        ["scale"]
        + (["group"] if group is not None else [])
        + ["n", "k", "alpha", "ci_low", "ci_high"]
    )
    out = pd.concat(rows, ignore_index=True)[columns]
    if group is not None:
        out = out.rename(columns={"group": group})
    out.attrs["excluded"] = pd.concat(skipped, ignore_index=True)[["scale", "group", "n", "reason"]]
    return out


def _scale_alpha(
    item_codes: np.ndarray,
    person: np.ndarray,
    group_codes: np.ndarray,
    values: np.ndarray,
    group_names: pd.Index,
    confidence: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Alpha of one scale for every organisation, from integer-coded answers."""
    item_codes, item_names = pd.factorize(item_codes, sort=True)
    row_codes, row_names = pd.factorize(person)
    k, n_rows = len(item_names), len(row_names)
    cells = row_codes.astype(np.int64) * k + item_codes
    if np.bincount(cells, minlength=n_rows * k).max() > 1:
        raise InvalidInput("A respondent has more than one answer to the same item.")
    wide = np.full((n_rows, k), np.nan)
    wide[row_codes, item_codes] = values
    row_group = np.empty(n_rows, dtype=np.intp)
    row_group[row_codes] = group_codes
    n_groups = len(group_names)
    n = np.bincount(row_group, minlength=n_groups)
    if k < 2:
        alpha = np.full(n_groups, np.nan)
    else:
        alpha = _alpha_from_covariance(_grouped_covariances(wide, row_group, n_groups))
    low, high = feldt_interval(alpha, n, k, confidence)
    too_few = n < 2
    undefined = ~too_few & ~np.isfinite(alpha)
    keep = ~(too_few | undefined)
    # Organisations without a single answer on this scale are simply not part of it.
    dropped = ~keep & (n > 0)
    reason = np.where(
        too_few, REASON_TOO_FEW, "fewer than 2 items" if k < 2 else REASON_NO_VARIATION
    )
    result = pd.DataFrame(
        {
            "group": group_names.to_numpy()[keep],
            "n": n[keep],
            "k": k,
            "alpha": alpha[keep],
            "ci_low": low[keep],
            "ci_high": high[keep],
        }
    )
    excluded = pd.DataFrame(
        {
            "group": group_names.to_numpy(dtype=object)[dropped],
            "n": n[dropped],
            "reason": reason[dropped].astype(object),
        }
    )
    return result, excluded
