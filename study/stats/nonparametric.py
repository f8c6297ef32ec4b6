"""Comparing organisations on ordinal answers: Kruskal-Wallis with Dunn's post hoc test.

Likert items are ordinal; when means are not defensible, organisations are
compared on ranks. Organisations with fewer than 2 answers are left out and
listed in ``excluded``; identical answers are fine here (ranks are tied).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from study.errors import InsufficientData
from study.stats.groups import (
    clean_group_values,
    require_groups,
    split_usable_groups,
    summarise_groups,
)
from study.stats.multiple_testing import adjust_p_values

__all__ = ["kruskal"]


def kruskal(data: pd.DataFrame, *, group: str, value: str) -> dict[str, Any]:
    """Kruskal-Wallis test across organisations, with Dunn's pairwise tests (Holm-adjusted).

    Parameters
    ----------
    data : pandas.DataFrame
        Long format as for :func:`study.stats.welch_anova`.
    group, value : str
        Column names.

    Returns
    -------
    dict
        ``H`` (tie-corrected), ``df``, ``p``, ``epsilon_squared``, ``n_groups``,
        ``n``, ``excluded`` (DataFrame with ``group``, ``n``, ``reason``) and
        ``posthoc``: a DataFrame with one row per pair, columns ``A``, ``B``,
        ``mean_rank_A``, ``mean_rank_B``, ``z``, ``p`` and ``p_holm``.

    Notes
    -----
    With N answers ranked together (ties get mid-ranks), group rank sums R_j
    and tie groups of size t:

    .. math::

        H = \\frac{\\frac{12}{N(N+1)} \\sum R_j^2 / n_j - 3(N+1)}
                 {1 - \\sum (t^3 - t) / (N^3 - N)}, \\qquad df = r - 1

    Dunn's z for groups i, j uses the mean ranks:

    .. math::

        z = \\frac{\\bar R_i - \\bar R_j}
                 {\\sqrt{\\left(\\frac{N(N+1)}{12} - \\frac{\\sum (t^3 - t)}{12 (N - 1)}\\right)
                         \\left(\\frac{1}{n_i} + \\frac{1}{n_j}\\right)}}

    with two-sided normal p-values, Holm-adjusted over all pairs.
    epsilon squared = H / (N - 1) (Tomczak & Tomczak, 2014).

    References
    ----------
    Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion
    variance analysis. JASA, 47(260), 583-621.
    Dunn, O. J. (1964). Multiple comparisons using rank sums. Technometrics,
    6(3), 241-252.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import kruskal
    >>> df = pd.DataFrame({"org": list("aaaabbbbcccc"),
    ...                    "x": [1, 2, 2, 3, 3, 4, 4, 5, 2, 3, 3, 4]})
    >>> res = kruskal(df, group="org", value="x")
    >>> print(f"H={res['H']:.3f} p={res['p']:.3f}")
    H=6.413 p=0.040
    """
    values = clean_group_values(data, group, value)
    usable, excluded = split_usable_groups(
        summarise_groups(values, group, value), need_variance=False
    )
    require_groups(usable, excluded, method="The Kruskal-Wallis test")
    values = values[values[group].isin(usable.index)]
    x = values[value].to_numpy(dtype=float)
    n_total = x.size
    ranks = stats.rankdata(x)
    _, tie_sizes = np.unique(x, return_counts=True)
    ties = float(np.sum(tie_sizes.astype(float) ** 3 - tie_sizes))
    if ties == float(n_total) ** 3 - n_total:
        raise InsufficientData("The Kruskal-Wallis test needs answers that are not all the same.")
    rank_sums = (
        pd.Series(ranks, index=values.index)
        .groupby(values[group].to_numpy(), sort=True)
        .sum()
        .loc[usable.index]
        .to_numpy()
    )
    n = usable["n"].to_numpy(dtype=float)
    r = len(n)
    h_raw = 12 / (n_total * (n_total + 1)) * np.sum(rank_sums**2 / n) - 3 * (n_total + 1)
    h_value = h_raw / (1 - ties / (float(n_total) ** 3 - n_total))
    mean_rank = rank_sums / n
    a, b = np.triu_indices(r, k=1)
    spread = n_total * (n_total + 1) / 12 - ties / (12 * (n_total - 1))
    z = (mean_rank[a] - mean_rank[b]) / np.sqrt(spread * (1 / n[a] + 1 / n[b]))
    p_pairs = 2 * stats.norm.sf(np.abs(z))
    labels = usable.index.to_numpy()
    posthoc = pd.DataFrame(
        {
            "A": labels[a],
            "B": labels[b],
            "mean_rank_A": mean_rank[a],
            "mean_rank_B": mean_rank[b],
            "z": z,
            "p": p_pairs,
            "p_holm": adjust_p_values(p_pairs, "holm"),
        }
    )
    return {
        "H": float(h_value),
        "df": r - 1,
        "p": float(stats.chi2.sf(h_value, r - 1)),
        "epsilon_squared": float(h_value / (n_total - 1)),
        "n_groups": r,
        "n": int(n_total),
        "excluded": excluded,
        "posthoc": posthoc,
    }
