"""Inter-coder agreement: Krippendorff's alpha (the kappa family is in study.reliability.kappa).

Every statistic comes in two forms: one that takes the coders' raw values and
one that takes the table the statistic is defined on (a coincidence matrix, an
agreement table, a units x categories count table). The table forms let
callers that already hold counts, such as :mod:`study.reliability.units` at character level,
skip materialising one row per unit. Long data with many distinct values, and every
bootstrap replicate, go through the per-unit sums of :mod:`study.reliability.alpha_sums`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from study.errors import InvalidInput
from study.reliability.alpha_sums import DENSE_CELLS, LEVELS, CodedValues

# With at most this many distinct values (coding data: present/absent, a few
# categories) alpha comes from the V x V coincidence matrix of the distinct
# per-unit count patterns, which is fastest; beyond it, from per-unit sums
# (:mod:`study.reliability.alpha_sums`).
_SMALL_DOMAIN = 64


class AlphaInterval(NamedTuple):
    """Krippendorff's alpha with a bootstrap confidence interval."""

    alpha: float
    low: float
    high: float
    n_boot: int


def krippendorff_alpha(
    data: pd.DataFrame, *, unit: str, coder: str, value: str, level: str = "nominal"
) -> float:
    r"""Krippendorff's alpha for long-format reliability data, with missing values.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit and coder. A missing row, or a missing value (NaN,
        None, ``pd.NA`` in a nullable column), means the coder did not code
        that unit.
    unit, coder, value : str
        Column names.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, which picks the difference function. Ordinal,
        interval and ratio need numeric values or an ordered categorical.

    Returns
    -------
    float
        Alpha; NaN when the pairable values show no variation at all
        (expected disagreement is zero, so alpha is undefined).

    Raises
    ------
    InvalidInput
        A column is missing, a coded row has no unit or coder id, a coder has
        two rows for one unit, or the level is unknown or does not fit the
        values.
    InsufficientData
        No unit has values from two or more coders.

    Notes
    -----
    Units with fewer than two values are not pairable and are left out. For
    unit :math:`u` with :math:`m_u \ge 2` values, of which :math:`n_{uc}` are
    value :math:`c`, the coincidence matrix is

    .. math:: o_{ck} = \sum_u \frac{n_{uc} n_{uk} - [c = k]\, n_{uc}}{m_u - 1},

    with marginals :math:`n_c = \sum_k o_{ck}` and :math:`n = \sum_c n_c`. Then

    .. math:: \alpha = 1 - (n - 1)
              \frac{\sum_{c,k} o_{ck}\, \delta^2_{ck}}{\sum_{c,k} n_c n_k\, \delta^2_{ck}}

    with :math:`\delta^2_{ck}` equal to :math:`[c \ne k]` (nominal),
    :math:`(\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2` (ordinal, over ranks),
    :math:`(c - k)^2` (interval) and :math:`((c - k)/(c + k))^2` (ratio).
    With up to 64 distinct values (coding data) the coincidence matrix of the
    distinct per-unit count patterns is built (one ``numpy.bincount``, one
    small matrix product). With more, nothing of size V x V (V distinct
    values) is built: with :math:`m_u` values per unit, the observed
    disagreement is a sum over units and the expected one a sum over the
    value marginals. Nominal:
    :math:`D_o = \sum_u (m_u^2 - \sum_c n_{uc}^2) / (m_u - 1)`,
    :math:`D_e = n^2 - \sum_c n_c^2`. Interval, with :math:`SS_u` the sum of
    squared deviations from the unit's mean and :math:`SS` that from the mean
    of all pairable values: :math:`D_o = 2 \sum_u m_u SS_u / (m_u - 1)`,
    :math:`D_e = 2 n SS`. Ordinal is interval on the values' mid-ranks
    :math:`M_c = \sum_{g \le c} n_g - n_c / 2` (sort and cumulative sums),
    since :math:`\delta_{ck} = M_k - M_c`. So these three take O(N) memory
    and O(N log N) time for N values. Ratio sums its observed disagreement
    over the pairs of values within units and its expected one over pairs of
    distinct values in blocks: bounded memory, O(V^2) time. Both ways alpha
    equals the ``krippendorff`` package's on every level (tested).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Annenberg School for Communication, University of Pennsylvania.
    Krippendorff, K. (2004). Content Analysis: An Introduction to Its
    Methodology (2nd ed.), chapter 11. Sage.

    Examples
    --------
    Krippendorff's (2011) worked example: 4 coders, 12 units, values missing.

    >>> rows = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]}
    >>> long = pd.DataFrame([(u, c, v) for c, vs in rows.items()
    ...                      for u, v in enumerate(vs, 1) if v is not None],
    ...                     columns=["unit", "coder", "value"])
    >>> [round(krippendorff_alpha(long, unit="unit", coder="coder", value="value",
    ...                           level=lv), 3) for lv in LEVELS]
    [0.743, 0.815, 0.849, 0.797]
    """
    coded = CodedValues.from_long(data, unit=unit, coder=coder, value=value, level=level)
    n_values = len(coded.domain)
    if n_values <= _SMALL_DOMAIN and coded.n_units * n_values <= DENSE_CELLS:
        counts = np.bincount(
            coded.unit * n_values + coded.value, minlength=coded.n_units * n_values
        ).reshape(coded.n_units, n_values)
        return alpha_from_coincidences(
            coincidence_matrix(*_distinct_rows(counts)), coded.domain, level=level
        )
    return float(coded.alpha(np.ones(coded.n_units)))


def coincidence_matrix(
    value_counts: npt.ArrayLike | sparse.sparray, weights: npt.ArrayLike | None = None
) -> np.ndarray:
    r"""Krippendorff's coincidence matrix from a units x values count table.

    Parameters
    ----------
    value_counts : array_like or scipy sparse array, shape (units, values)
        How many coders gave each value to each unit.
    weights : array_like, shape (units,), optional
        Frequency weights: how many identical units each row stands for.

    Returns
    -------
    numpy.ndarray, shape (values, values)

    Notes
    -----
    :math:`o_{ck} = \sum_u w_u \frac{n_{uc} n_{uk} - [c = k] n_{uc}}{m_u - 1}`
    over units with :math:`m_u = \sum_c n_{uc} \ge 2`, computed as
    :math:`N^\top S N - \operatorname{diag}(N^\top s)` with
    :math:`s_u = w_u / (m_u - 1)`.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.

    Examples
    --------
    Two coders agree on units 1 and 3 and disagree on unit 2:

    >>> coincidence_matrix([[2, 0], [1, 1], [0, 2]]).tolist()
    [[2.0, 1.0], [1.0, 2.0]]
    """
    if sparse.issparse(value_counts):
        counts = sparse.csr_array(value_counts, dtype=np.float64)
        pairable = np.asarray(counts.sum(axis=1)).ravel()
    else:
        counts = np.asarray(value_counts, dtype=np.float64)
        if counts.ndim != 2:
            raise InvalidInput("Value counts must be a units x values table.")
        pairable = counts.sum(axis=1)
    w = np.ones(counts.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (counts.shape[0],):
        raise InvalidInput("Weights must give one number per unit.")
    scale = np.divide(w, pairable - 1, out=np.zeros_like(w), where=pairable >= 2)
    if sparse.issparse(counts):
        scaled = sparse.csr_array(counts.multiply(scale[:, None]))
        products = np.asarray((scaled.T @ counts).todense())
        diagonal = np.asarray(scaled.sum(axis=0)).ravel()
    else:
        scaled = counts * scale[:, None]
        products = scaled.T @ counts
        diagonal = scaled.sum(axis=0)
    return products - np.diag(diagonal)


def alpha_from_coincidences(
    coincidences: npt.ArrayLike, values: npt.ArrayLike, *, level: str = "nominal"
) -> float:
    r"""Krippendorff's alpha from a coincidence matrix.

    Parameters
    ----------
    coincidences : array_like, shape (V, V)
        See :func:`coincidence_matrix`.
    values : array_like, shape (V,)
        The value each row stands for, in ascending order for ordinal,
        interval and ratio data (for ordinal data only the order matters).
    level : {"nominal", "ordinal", "interval", "ratio"}

    Returns
    -------
    float
        NaN when expected disagreement is zero (no variation).

    Notes
    -----
    :math:`\alpha = 1 - (n-1) \sum o_{ck}\delta^2_{ck} / \sum n_c n_k \delta^2_{ck}`;
    see :func:`krippendorff_alpha` for the difference functions.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.

    Examples
    --------
    >>> round(alpha_from_coincidences([[2.0, 1.0], [1.0, 2.0]], [0, 1]), 4)
    0.4444
    """
    o = np.asarray(coincidences, dtype=np.float64)
    if o.ndim != 2 or o.shape[0] != o.shape[1]:
        raise InvalidInput("A coincidence matrix must be square.")
    return float(_alpha_batch(o[None], _check_values(values, o.shape[0], level), level)[0])


def bootstrap_alpha_ci(
    data: pd.DataFrame,
    *,
    unit: str,
    coder: str,
    value: str,
    level: str = "nominal",
    n_boot: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
    cluster: str | None = None,
) -> AlphaInterval:
    r"""Krippendorff's alpha with a percentile bootstrap interval over units or clusters of units.

    Parameters
    ----------
    data, unit, coder, value, level
        As for :func:`krippendorff_alpha`.
    n_boot : int
        Number of bootstrap replicates.
    seed : int or None
        Seed of the random generator; the default makes results reproducible.
    confidence : float
        Coverage of the interval, 0.95 for a 95% interval.
    cluster : str, optional
        Column naming the cluster each unit belongs to (e.g. the transcript of
        a sentence). Units of one cluster are not independent: coders drift
        together within an interview. Given a cluster, each replicate draws
        whole clusters with replacement (a cluster bootstrap); every unit must
        lie in exactly one cluster.

    Returns
    -------
    AlphaInterval
        ``(alpha, low, high, n_boot)``: the point estimate on all data, the
        interval bounds, and how many replicates had a defined alpha. With
        fewer than 2 clusters (or pairable units) there is nothing to resample:
        the bounds are NaN and ``n_boot`` is 0.

    Notes
    -----
    This is a **percentile bootstrap over units** (or clusters of units), not
    the Hayes & Krippendorff (2007) procedure (which resamples pairs of values
    from the coincidence matrix). Each replicate draws the pairable units
    (or the clusters) with replacement, so the values of one unit stay
    together, and weighs each unit's contribution to the observed and
    expected disagreement by :math:`f^{*}_u`, the number of times it (its
    cluster) was drawn; alpha is computed from these sums as in
    :func:`krippendorff_alpha`. The bounds are the
    :math:`(1 \pm \text{confidence})/2` quantiles of the replicates.
    Replicates without variation (alpha undefined) are dropped.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap,
    chapter 13 (percentile intervals). Chapman & Hall.
    Field, C. A., & Welsh, A. H. (2007). Bootstrapping clustered data. Journal
    of the Royal Statistical Society B, 69(3), 369-390.
    Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard
    reliability measure for coding data. Communication Methods and Measures,
    1(1), 77-89.

    Examples
    --------
    >>> data = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                      "coder": ["a", "b"] * 4,
    ...                      "value": [1, 1, 2, 2, 1, 2, 2, 2]})
    >>> ci = bootstrap_alpha_ci(data, unit="unit", coder="coder", value="value", n_boot=200)
    >>> round(ci.alpha, 3), ci.low <= ci.alpha <= ci.high
    (0.533, True)
    """
    if n_boot < 1:
        raise InvalidInput("The number of bootstrap replicates must be at least 1.")
    if not 0 < confidence < 1:
        raise InvalidInput("Confidence must be between 0 and 1, for example 0.95.")
    coded = CodedValues.from_long(
        data, unit=unit, coder=coder, value=value, level=level, cluster=cluster
    )
    point = float(coded.alpha(np.ones(coded.n_units)))
    n_draw = coded.n_units if coded.cluster is None else int(coded.cluster.max()) + 1
    if n_draw < 2:
        return AlphaInterval(point, float("nan"), float("nan"), 0)
    rng = np.random.default_rng(seed)
    alphas = np.empty(n_boot)
    # One replicate at a time: each is a few weighted sums over the values, so
    # memory stays at the size of the data whatever n_boot is.
    for b in range(n_boot):
        drawn = np.bincount(rng.integers(0, n_draw, n_draw), minlength=n_draw).astype(float)
        alphas[b] = coded.alpha(drawn if coded.cluster is None else drawn[coded.cluster])
    alphas = alphas[np.isfinite(alphas)]
    if alphas.size == 0:
        return AlphaInterval(point, float("nan"), float("nan"), 0)
    tail = (1 - confidence) / 2
    low, high = np.quantile(alphas, [tail, 1 - tail])
    return AlphaInterval(point, float(low), float(high), int(alphas.size))


def _distinct_rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Collapse units with the same value counts into one weighted row, when that is cheap.

    Coding data have few values and few coders, so thousands of units share a
    handful of count patterns; the coincidence matrix then costs a few rows.
    """
    if counts.size == 0:
        return counts, None
    radix = int(counts.max()) + 1
    n_values = counts.shape[1]
    if radix**n_values > 1 << 20:
        return counts, None
    place = radix ** np.arange(n_values, dtype=np.int64)
    frequency = np.bincount(counts @ place)
    pattern = np.flatnonzero(frequency)
    return (pattern[:, None] // place) % radix, frequency[pattern]


def _check_values(values: npt.ArrayLike, size: int, level: str) -> np.ndarray:
    """Validate the value labels of a coincidence matrix."""
    if level not in LEVELS:
        raise InvalidInput(
            f"Level of measurement must be one of {', '.join(LEVELS)}, not {level!r}."
        )
    vals = np.asarray(values)
    if vals.shape != (size,):
        raise InvalidInput("Give one value per row of the coincidence matrix.")
    if level == "nominal":
        return np.arange(size, dtype=np.float64)
    vals = vals.astype(np.float64)
    if (np.diff(vals) <= 0).any():
        raise InvalidInput(
            "Values must be in ascending order for ordinal, interval and ratio alpha."
        )
    return vals


def _alpha_batch(o: np.ndarray, values: np.ndarray, level: str) -> np.ndarray:
    """Alpha for a stack of coincidence matrices of shape (B, V, V); NaN where undefined."""
    n_v = o.sum(axis=2)
    n = n_v.sum(axis=1)
    v = values
    if level == "nominal":
        delta = np.broadcast_to(1.0 - np.eye(len(v)), o.shape)
    elif level == "interval":
        delta = np.broadcast_to(np.subtract.outer(v, v) ** 2, o.shape)
    elif level == "ratio":
        total = np.add.outer(v, v)
        ratio = np.divide(
            np.subtract.outer(v, v), total, out=np.zeros_like(total), where=total != 0
        )
        delta = np.broadcast_to(ratio**2, o.shape)
    else:
        # Ordinal: the difference between ranks c <= k is the number of values
        # from c to k, less half of the two end categories.
        cum = np.cumsum(n_v, axis=1)
        lo = np.minimum.outer(np.arange(len(v)), np.arange(len(v)))
        hi = np.maximum.outer(np.arange(len(v)), np.arange(len(v)))
        between = cum[:, hi] - cum[:, lo] + n_v[:, lo]
        delta = (between - (n_v[:, lo] + n_v[:, hi]) / 2.0) ** 2
    observed = (o * delta).sum(axis=(1, 2))
    expected = np.einsum("bc,bk,bck->b", n_v, n_v, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1.0) * observed / expected
    return np.where(expected > 0, alpha, np.nan)
