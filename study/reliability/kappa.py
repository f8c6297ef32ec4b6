"""Agreement for complete designs: Cohen's, Fleiss' and Brennan-Prediger kappa, % agreement.

Each statistic takes the coders' raw values or the table it is defined on (an
agreement table, a units x categories count table), so callers that already hold
counts, such as :mod:`study.reliability.units`, skip materialising one row per unit.
Krippendorff's alpha, which also handles missing codings, is in
:mod:`study.reliability.agreement`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from study.errors import InsufficientData, InvalidInput


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    r"""Cohen's kappa for two coders who coded the same units.

    Parameters
    ----------
    a, b : sequence
        Category given by each coder to each unit, in the same unit order.

    Returns
    -------
    float
        NaN when chance agreement is 1 (both coders used one and the same
        category throughout).

    Notes
    -----
    With :math:`p_o` the share of units on which the coders agree and
    :math:`p_e = \sum_j p_{j\cdot} p_{\cdot j}` the agreement expected from
    each coder's own marginal proportions,
    :math:`\kappa = (p_o - p_e) / (1 - p_e)`.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales.
    Educational and Psychological Measurement, 20(1), 37-46.

    Examples
    --------
    >>> round(cohen_kappa(["y", "y", "n", "n", "y"], ["y", "n", "n", "n", "y"]), 4)
    0.6154
    """
    first, second = list(a), list(b)
    if len(first) != len(second):
        raise InvalidInput("Both coders must have coded the same number of units.")
    if not first:
        raise InsufficientData("Cohen's kappa needs at least one unit.")
    if pd.isna(np.asarray(first + second, dtype=object)).any():
        raise InvalidInput("Cohen's kappa needs a category for every unit from both coders.")
    codes, categories = pd.factorize(pd.Series(first + second, dtype=object), sort=True)
    k = len(categories)
    table = np.bincount(codes[: len(first)] * k + codes[len(first) :], minlength=k * k)
    return cohen_kappa_from_table(table.reshape(k, k))


def cohen_kappa_from_table(table: npt.ArrayLike) -> float:
    r"""Cohen's kappa from a square agreement table (rows coder 1, columns coder 2).

    Parameters
    ----------
    table : array_like, shape (k, k)
        Counts or proportions; cell (i, j) is how often coder 1 said
        category i and coder 2 category j.

    Returns
    -------
    float
        NaN only when both coders used one and the same category throughout
        (chance agreement is exactly 1).

    Notes
    -----
    :math:`p_o = \sum_j p_{jj}`, :math:`p_e = \sum_j p_{j\cdot} p_{\cdot j}`,
    :math:`\kappa = (p_o - p_e) / (1 - p_e)`. Both differences are computed
    from the off-diagonal parts, without subtracting numbers close to 1: with
    row totals :math:`r_j`, column totals :math:`c_j` and :math:`T` units,
    :math:`T^2 (1 - p_e) = \sum_j r_j (T - c_j)` and
    :math:`\kappa = 1 - T \cdot \text{disagreements} / \sum_j r_j (T - c_j)`,
    the form of ``sklearn.metrics.cohen_kappa_score`` (the tests compare
    with it). So a rare code that both coders agree on is 1, not undefined.

    References
    ----------
    Cohen (1960), as for :func:`cohen_kappa`.

    Examples
    --------
    Cohen's (1960) Table 1 (proportions, 200 units):

    >>> round(cohen_kappa_from_table([[.44, .07, .09], [.05, .20, .05], [.01, .03, .06]]), 3)
    0.492
    """
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise InvalidInput(
            "An agreement table must be square: the same categories for both coders."
        )
    if (t < 0).any():
        raise InvalidInput("An agreement table cannot hold negative counts.")
    total = t.sum()
    if total <= 0:
        raise InsufficientData("The agreement table is empty.")
    # 1 - p_e and 1 - p_o from the off-diagonal margins and cells: exact for counts,
    # so perfect agreement gives exactly 1 however rare a category is.
    chance_disagreement = float(t.sum(axis=1) @ (total - t.sum(axis=0)))
    if chance_disagreement <= 0:
        return float("nan")
    disagreement = float(total - np.trace(t))
    return 1.0 - float(total) * disagreement / chance_disagreement


def fleiss_kappa(ratings: npt.ArrayLike | pd.DataFrame) -> float:
    r"""Fleiss' kappa for a complete design: every unit rated the same number of times.

    Parameters
    ----------
    ratings : array_like or DataFrame, shape (units, raters)
        Category of each rating; raters need not be the same people per unit.

    Returns
    -------
    float

    Raises
    ------
    InvalidInput
        A rating is missing (the design is not complete) or there are fewer
        than two ratings per unit.

    Notes
    -----
    See :func:`fleiss_kappa_from_counts`.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76(5), 378-382.

    Examples
    --------
    >>> round(fleiss_kappa([["a", "a", "a"], ["a", "b", "b"], ["b", "b", "b"]]), 4)
    0.55
    """
    counts, _ = _category_counts(ratings)
    return fleiss_kappa_from_counts(counts)


def fleiss_kappa_from_counts(counts: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    r"""Fleiss' kappa from a units x categories table of rating counts.

    Parameters
    ----------
    counts : array_like, shape (units, categories)
        :math:`n_{ij}`: how many raters put unit i in category j. Every row must
        sum to the same number of ratings :math:`n \ge 2`.
    weights : array_like, shape (units,), optional
        Frequency weights: how many identical units each row stands for.

    Returns
    -------
    float
        NaN only when every rating is one and the same category (chance
        agreement is exactly 1).

    Notes
    -----
    :math:`P_i = \frac{\sum_j n_{ij}^2 - n}{n(n-1)}`,
    :math:`\bar P = \frac{1}{N}\sum_i P_i`,
    :math:`p_j = \frac{1}{Nn}\sum_i n_{ij}`,
    :math:`\bar P_e = \sum_j p_j^2`,
    :math:`\kappa = (\bar P - \bar P_e) / (1 - \bar P_e)`, computed as
    :math:`1 - (1 - \bar P) / (1 - \bar P_e)` with
    :math:`1 - \bar P_e = \sum_j p_j (1 - p_j)` and
    :math:`1 - P_i = \sum_j n_{ij} (n - n_{ij}) / (n(n-1))`, so nothing close
    to 1 is subtracted from 1 (the tests compare with
    ``statsmodels.stats.inter_rater.fleiss_kappa``).

    References
    ----------
    Fleiss (1971), as for :func:`fleiss_kappa`.

    Examples
    --------
    >>> round(fleiss_kappa_from_counts([[3, 0], [1, 2], [0, 3]]), 4)
    0.55
    """
    disagreement, chance_disagreement = _fleiss_disagreements(counts, weights)
    if chance_disagreement <= 0:
        return float("nan")
    return 1.0 - disagreement / chance_disagreement


def percent_agreement(ratings: npt.ArrayLike | pd.DataFrame) -> float:
    r"""Share of agreeing rater pairs, averaged over units, for a complete design.

    Parameters
    ----------
    ratings : array_like or DataFrame, shape (units, raters)

    Returns
    -------
    float
        A proportion between 0 and 1 (multiply by 100 for a percentage).
        For two raters this is the share of units on which they agree.

    Notes
    -----
    :math:`\bar P = \frac{1}{N}\sum_i \frac{\sum_j n_{ij}(n_{ij}-1)}{n(n-1)}`:
    the observed agreement of Fleiss (1971), which is :math:`p_o` of Cohen
    (1960) for two raters.

    References
    ----------
    Fleiss (1971), as for :func:`fleiss_kappa`.

    Examples
    --------
    >>> round(percent_agreement([["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]]), 2)
    0.75
    """
    counts, _ = _category_counts(ratings)
    return percent_agreement_from_counts(counts)


def percent_agreement_from_counts(
    counts: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> float:
    r"""Mean pairwise agreement from a units x categories table of rating counts.

    Parameters
    ----------
    counts : array_like, shape (units, categories)
        As for :func:`fleiss_kappa_from_counts`.
    weights : array_like, shape (units,), optional
        Frequency weights.

    Returns
    -------
    float
        A proportion between 0 and 1.

    Notes
    -----
    :math:`\bar P` of :func:`fleiss_kappa_from_counts`.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.

    Examples
    --------
    >>> round(percent_agreement_from_counts([[2, 0], [1, 1], [0, 2]], weights=[1, 1, 2]), 2)
    0.75
    """
    observed, _ = _fleiss_parts(counts, weights)
    return observed


def brennan_prediger_kappa(
    ratings: npt.ArrayLike | pd.DataFrame, *, categories: Sequence[Any] | None = None
) -> float:
    r"""Brennan-Prediger kappa: agreement corrected for chance with uniform category use.

    Parameters
    ----------
    ratings : array_like or DataFrame, shape (units, raters)
        A complete design, as for :func:`fleiss_kappa`.
    categories : sequence, optional
        All categories the raters could choose from. Chance agreement depends
        on how many there are, so give them when some were never used;
        by default the categories that occur are counted.

    Returns
    -------
    float

    Notes
    -----
    With :math:`q` categories, :math:`\bar P` the mean pairwise agreement
    (:func:`percent_agreement`) and chance agreement :math:`1/q`,
    :math:`\kappa_{BP} = (\bar P - 1/q) / (1 - 1/q)`. For more than two
    raters this is Randolph's (2005) free-marginal multirater kappa.

    References
    ----------
    Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: Some uses,
    misuses, and alternatives. Educational and Psychological Measurement,
    41(3), 687-699.
    Randolph, J. J. (2005). Free-marginal multirater kappa: An alternative to
    Fleiss' fixed-marginal multirater kappa. Joensuu Learning and Instruction
    Symposium.

    Examples
    --------
    >>> round(brennan_prediger_kappa([["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]]), 2)
    0.5
    >>> round(brennan_prediger_kappa([["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]],
    ...                              categories=["a", "b", "c", "d"]), 2)
    0.67
    """
    counts, observed_categories = _category_counts(ratings)
    if categories is None:
        q = len(observed_categories)
    else:
        allowed = set(categories)
        unknown = [c for c in observed_categories if c not in allowed]
        if unknown:
            raise InvalidInput(f"Rating {unknown[0]!r} is not one of the given categories.")
        q = len(allowed)
    if q < 2:
        raise InsufficientData("Brennan-Prediger kappa needs at least two possible categories.")
    observed = percent_agreement_from_counts(counts)
    return (observed - 1.0 / q) / (1.0 - 1.0 / q)


def _fleiss_parts(counts: npt.ArrayLike, weights: npt.ArrayLike | None) -> tuple[float, float]:
    """Return Fleiss' observed agreement P-bar and chance agreement P-bar-e."""
    disagreement, chance_disagreement = _fleiss_disagreements(counts, weights)
    return 1.0 - disagreement, 1.0 - chance_disagreement


def _fleiss_disagreements(
    counts: npt.ArrayLike, weights: npt.ArrayLike | None
) -> tuple[float, float]:
    """Return 1 - P-bar and 1 - P-bar-e, each summed from disagreeing parts (no cancellation)."""
    n_ij = np.asarray(counts, dtype=np.float64)
    if n_ij.ndim != 2 or n_ij.shape[0] == 0:
        raise InsufficientData("Agreement needs a table with at least one unit.")
    if (n_ij < 0).any():
        raise InvalidInput("Rating counts cannot be negative.")
    w = np.ones(n_ij.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n_ij.shape[0],) or (w < 0).any() or w.sum() <= 0:
        raise InvalidInput("Weights must give one non-negative number per unit, not all zero.")
    per_unit = n_ij.sum(axis=1)
    n = per_unit[0]
    if not np.allclose(per_unit, n):
        raise InvalidInput("Every unit must have the same number of ratings (a complete design).")
    if n < 2:
        raise InsufficientData("Agreement needs at least two ratings per unit.")
    unit_disagreement = (n_ij * (n - n_ij)).sum(axis=1) / (n * (n - 1))
    disagreement = float(w @ unit_disagreement / w.sum())
    totals = w @ n_ij
    p_j = totals / totals.sum()
    return disagreement, float(p_j @ ((totals.sum() - totals) / totals.sum()))


def _category_counts(ratings: npt.ArrayLike | pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """Turn a units x raters table of categories into a units x categories count table."""
    table = (
        ratings.to_numpy(dtype=object)
        if isinstance(ratings, pd.DataFrame)
        else np.asarray(ratings, dtype=object)
    )
    if table.ndim != 2 or table.shape[0] == 0:
        raise InvalidInput(
            "Ratings must be a table with one row per unit and one column per rater."
        )
    if table.shape[1] < 2:
        raise InsufficientData("Agreement needs at least two raters.")
    if pd.isna(table).any():
        raise InvalidInput(
            "Every unit needs a rating from every rater (a complete design); "
            "use Krippendorff's alpha when ratings are missing."
        )
    codes, categories = pd.factorize(pd.Series(table.ravel()), sort=True)
    k = len(categories)
    rows = np.repeat(np.arange(table.shape[0]), table.shape[1])
    counts = np.bincount(rows * k + codes, minlength=table.shape[0] * k)
    return counts.reshape(table.shape[0], k), categories
