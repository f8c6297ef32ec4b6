"""Does a code occur in some organisations' interviews more often than in others?

Input is one row per coded transcript: the organisation and whether the
transcript has the code anywhere (True/False or 1/0). The organisations x
(with code, without code) table is tested with Pearson's chi-square, or, when
an expected count is below 5, with Fisher's exact test (exact for two
organisations; for more, scipy's Monte Carlo version with a fixed seed so the
p-value is reproducible). Cramer's V gives the size of the association.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from study.errors import InsufficientData, InvalidInput
from study.stats.groups import check_frame

__all__ = ["CodePrevalenceTest", "code_prevalence_test"]

MIN_EXPECTED = 5.0


@dataclass(frozen=True)
class CodePrevalenceTest:
    """Result of :func:`code_prevalence_test`.

    Attributes
    ----------
    table : pandas.DataFrame
        Per organisation: ``<group>``, ``with_code``, ``without_code``,
        ``n`` (transcripts) and ``percent`` (share with the code, 0..1).
    method : str
        ``"chi-square"``, ``"fisher-exact"`` or ``"fisher-monte-carlo"``.
    chi2 : float
        Pearson's chi-square (no continuity correction), reported for every method.
    df : int
        Degrees of freedom of the chi-square, organisations - 1.
    p : float
        p-value of the chosen method.
    cramers_v : float
        sqrt(chi2 / (N (min(rows, columns) - 1))).
    min_expected : float
        Smallest expected count, which chose the method.
    """

    table: pd.DataFrame
    method: str
    chi2: float
    df: int
    p: float
    cramers_v: float
    min_expected: float


def code_prevalence_test(
    codings: pd.DataFrame, *, group: str, code: str, resamples: int = 99_999, seed: int = 20_170_101
) -> CodePrevalenceTest:
    """Test whether the share of transcripts with a code differs between organisations.

    Parameters
    ----------
    codings : pandas.DataFrame
        One row per transcript with the ``group`` column and a column named
        ``code`` holding True/False or 1/0 (has the code or not). Rows with a
        missing group or code are ignored.
    group : str
        Organisation column.
    code : str
        Column with the presence of the code.
    resamples, seed : int
        Monte Carlo tables and random seed for Fisher's test with more than
        two organisations (the seed makes the p-value reproducible).

    Returns
    -------
    CodePrevalenceTest

    Notes
    -----
    Expected counts E = row total x column total / N. If every E >= 5 the
    p-value is the chi-square's, X^2 = sum (O - E)^2 / E with df = r - 1;
    otherwise Fisher's exact test (``scipy.stats.fisher_exact``, two-sided for
    2 x 2; ``MonteCarloMethod`` over random tables with the observed margins
    for r x 2). Cramer's V = sqrt(X^2 / N) for r x 2 tables.

    References
    ----------
    Cramer, H. (1946). Mathematical Methods of Statistics. Princeton, p. 282.
    Agresti, A. (2013). Categorical Data Analysis (3rd ed.), sections 3.5 (small
    samples, Fisher's exact test) and 2.4.

    Examples
    --------
    >>> import pandas as pd
    >>> from study.stats import code_prevalence_test
    >>> codings = pd.DataFrame({"org": ["a"] * 20 + ["b"] * 20,
    ...                         "self_censorship": [1] * 14 + [0] * 6 + [1] * 6 + [0] * 14})
    >>> res = code_prevalence_test(codings, group="org", code="self_censorship")
    >>> print(res.method, round(res.chi2, 3), round(res.p, 4), round(res.cramers_v, 3))
    chi-square 6.4 0.0114 0.4
    """
    check_frame(codings, [group, code])
    rows = codings[[group, code]].dropna()
    present = rows[code]
    if present.dtype.kind == "b":
        has_code = present.to_numpy(dtype=bool)
    else:
        numbers = pd.to_numeric(present, errors="coerce").to_numpy(dtype=float)
        if np.any(~np.isin(numbers, [0.0, 1.0])):
            raise InvalidInput(f"Column {code!r} must hold True/False or 1/0 per transcript.")
        has_code = numbers == 1.0
    counts = pd.crosstab(rows[group].to_numpy(), has_code).reindex(
        columns=[True, False], fill_value=0
    )
    counts.index.name = group
    if len(counts) < 2:
        raise InsufficientData(
            "Comparing how often a code occurs needs transcripts "
            f"from at least 2 organisations; found {len(counts)}."
        )
    observed = counts.to_numpy(dtype=np.int64)
    column_totals = observed.sum(axis=0)
    if np.any(column_totals == 0):
        which = "none" if column_totals[0] == 0 else "all"
        raise InsufficientData(
            f"The code {code!r} occurs in {which} of the transcripts, "
            "so there is no difference between organisations to test."
        )
    chi2_value, _, dof, expected = stats.chi2_contingency(observed, correction=False)
    n_total = observed.sum()
    cramers_v = float(np.sqrt(chi2_value / (n_total * (min(observed.shape) - 1))))
    min_expected = float(expected.min())
    if min_expected >= MIN_EXPECTED:
        method, p = "chi-square", float(stats.chi2.sf(chi2_value, dof))
    elif observed.shape == (2, 2):
        method, p = "fisher-exact", float(stats.fisher_exact(observed).pvalue)
    else:
        monte_carlo = stats.MonteCarloMethod(n_resamples=resamples, rng=np.random.default_rng(seed))
        method = "fisher-monte-carlo"
        p = float(stats.fisher_exact(observed, method=monte_carlo).pvalue)
    table = pd.DataFrame(
        {
            group: counts.index.to_numpy(),
            "with_code": observed[:, 0],
            "without_code": observed[:, 1],
            "n": observed.sum(axis=1),
        }
    )
    table["percent"] = table["with_code"] / table["n"]
    return CodePrevalenceTest(
        table=table,
        method=method,
        chi2=float(chi2_value),
        df=int(dof),
        p=p,
        cramers_v=cramers_v,
        min_expected=min_expected,
    )
