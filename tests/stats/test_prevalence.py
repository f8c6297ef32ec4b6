"""Do organisations differ in how many transcripts carry a code?"""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from study.errors import InsufficientData, InvalidInput
from study.stats import code_prevalence_test


def _codings(table: list[list[int]]) -> pd.DataFrame:
    rows = []
    for index, (with_code, without) in enumerate(table):
        rows += [(f"org{index}", True)] * with_code + [(f"org{index}", False)] * without
    return pd.DataFrame(rows, columns=["org", "not_work_related"])


def test_chi_square_and_cramers_v_match_scipy_documented_table():
    # scipy.stats.chi2_contingency docstring: [[10, 10, 20], [20, 20, 20]] gives
    # chi2 = 2.7777777777777777, p = 0.24935220877729622, dof = 2 (here transposed:
    # 3 organisations x with/without). Cramer's V = sqrt(chi2 / (N (2 - 1))), N = 100.
    result = code_prevalence_test(
        _codings([[10, 20], [10, 20], [20, 20]]), group="org", code="not_work_related"
    )
    assert result.method == "chi-square"
    assert result.chi2 == pytest.approx(2.7777777777777777, abs=1e-12)
    assert result.p == pytest.approx(0.24935220877729622, abs=1e-12)
    assert result.df == 2
    assert result.cramers_v == pytest.approx(np.sqrt(2.7777777777777777 / 100), abs=1e-12)
    expected_v = stats.contingency.association(np.array([[10, 20], [10, 20], [20, 20]]))
    assert result.cramers_v == pytest.approx(expected_v, abs=1e-12)
    assert result.table["percent"].tolist() == pytest.approx([1 / 3, 1 / 3, 0.5])


def test_small_two_by_two_uses_fishers_exact_test():
    # Fisher (1935), the lady tasting tea: [[3, 1], [1, 3]], two-sided P = 0.4857
    # (Agresti, Categorical Data Analysis, Table 3.8).
    result = code_prevalence_test(_codings([[3, 1], [1, 3]]), group="org", code="not_work_related")
    assert result.method == "fisher-exact"
    assert round(result.p, 4) == 0.4857


def _exact_fisher_freeman_halton(table: np.ndarray) -> float:
    """Enumerate every r x 2 table with the observed margins (small tables only)."""
    rows, first_column = table.sum(axis=1), table[:, 0].sum()
    distribution = stats.random_table(rows, [first_column, rows.sum() - first_column])
    observed = distribution.pmf(table)
    total = 0.0
    for cells in product(*(range(r + 1) for r in rows)):
        if sum(cells) == first_column:
            candidate = np.column_stack([cells, rows - np.array(cells)])
            probability = distribution.pmf(candidate)
            if probability <= observed * (1 + 1e-7):
                total += probability
    return total


def test_small_larger_table_uses_seeded_monte_carlo_close_to_the_exact_p():
    table = [[4, 1], [1, 4], [2, 3]]
    codings = _codings(table)
    first = code_prevalence_test(codings, group="org", code="not_work_related")
    again = code_prevalence_test(codings, group="org", code="not_work_related")
    assert first.method == "fisher-monte-carlo"
    assert first.p == again.p  # fixed seed: reproducible
    assert first.p == pytest.approx(_exact_fisher_freeman_halton(np.array(table)), abs=0.006)


def test_zero_one_columns_are_accepted_and_other_values_refused():
    codings = _codings([[10, 20], [10, 20], [20, 20]])
    as_numbers = codings.assign(not_work_related=codings["not_work_related"].astype(int))
    assert code_prevalence_test(
        as_numbers, group="org", code="not_work_related"
    ).chi2 == pytest.approx(2.7777777777777777)
    with pytest.raises(InvalidInput):
        code_prevalence_test(
            as_numbers.assign(not_work_related=2), group="org", code="not_work_related"
        )


def test_one_organisation_or_a_constant_code_is_insufficient():
    with pytest.raises(InsufficientData, match="at least 2 organisations"):
        code_prevalence_test(_codings([[3, 2]]), group="org", code="not_work_related")
    with pytest.raises(InsufficientData, match="occurs in all"):
        code_prevalence_test(_codings([[3, 0], [2, 0]]), group="org", code="not_work_related")
