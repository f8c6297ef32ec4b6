"""Adjusting p-values for many comparisons: Holm and Benjamini-Hochberg.

Comparing every organisation with the rest, or every pair of organisations,
makes many tests at once; these adjustments keep the family-wise error rate
(Holm) or the false discovery rate (Benjamini-Hochberg) at the nominal level.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from study.errors import InvalidInput

__all__ = ["adjust_p_values"]


def adjust_p_values(p: ArrayLike, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons, as R's ``p.adjust``.

    Parameters
    ----------
    p : array_like
        Unadjusted p-values; NaN values are kept as NaN and not counted.
    method : {"holm", "bh"}
        Holm's step-down (family-wise error) or Benjamini-Hochberg step-up
        (false discovery rate).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the original order.

    Notes
    -----
    With m p-values sorted ascending, p_(1) <= ... <= p_(m):
    Holm: p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j));
    BH: p~_(i) = min_{j >= i} min(1, m p_(j) / j).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics, 6(2), 65-70.
    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery
    rate. JRSS B, 57(1), 289-300.

    Examples
    --------
    >>> from study.stats import adjust_p_values
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm").round(3)
    array([0.03, 0.06, 0.06])
    >>> adjust_p_values([0.01, 0.04, 0.03], "bh").round(3)
    array([0.03, 0.04, 0.04])
    """
    values = np.asarray(p, dtype=float)
    out = np.full(values.shape, np.nan)
    finite = np.flatnonzero(~np.isnan(values))
    m = finite.size
    if m == 0:
        return out
    order = finite[np.argsort(values[finite], kind="stable")]
    ranked = values[order]
    if method == "holm":
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked))
    elif method == "bh":
        scaled = m * ranked / np.arange(1, m + 1)
        adjusted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    else:
        raise InvalidInput(f"Unknown p-value adjustment {method!r}; use 'holm' or 'bh'.")
    out[order] = adjusted
    return out
