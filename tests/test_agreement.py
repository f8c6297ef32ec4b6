"""Tests for study.reliability.agreement against published worked examples."""

from __future__ import annotations

from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest

from study.errors import InsufficientData, InvalidInput
from study.reliability import agreement
from study.reliability.agreement import (alpha_from_coincidences, bootstrap_alpha_ci,
                                         brennan_prediger_kappa, cohen_kappa,
                                         cohen_kappa_from_table, coincidence_matrix, fleiss_kappa,
                                         fleiss_kappa_from_counts, krippendorff_alpha,
                                         percent_agreement)

DATA = Path(__file__).parent / "data" / "icr"


@pytest.fixture
def krippendorff_2011() -> pd.DataFrame:
    return pd.read_csv(DATA / "krippendorff_2011_reliability_data.csv", comment="#")


def _alpha(data: pd.DataFrame, level: str) -> float:
    return krippendorff_alpha(data, unit="unit", coder="coder", value="value", level=level)


def _wide(data: pd.DataFrame) -> np.ndarray:
    """Coders x units matrix with NaN for missing, the krippendorff package's layout."""
    return data.pivot(index="coder", columns="unit", values="value").to_numpy(dtype=float)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", worked
# example with 4 observers, 12 units and missing values: published alphas.
@pytest.mark.parametrize(("level", "published"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797),
])
def test_alpha_reproduces_krippendorff_2011_worked_example(krippendorff_2011, level, published):
    assert round(_alpha(krippendorff_2011, level), 3) == published


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_alpha_equals_pypi_krippendorff_package_on_worked_example(krippendorff_2011, level):
    # PyPI package krippendorff 0.9, krippendorff.alpha(reliability_data=...).
    theirs = krippendorff.alpha(reliability_data=_wide(krippendorff_2011), level_of_measurement=level)
    assert _alpha(krippendorff_2011, level) == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_alpha_equals_pypi_package_on_random_data_with_gaps(level):
    rng = np.random.default_rng(7)
    rows = [(u, c, int(rng.integers(1, 6))) for u in range(60) for c in "abcd" if rng.random() < 0.7]
    data = pd.DataFrame(rows, columns=["unit", "coder", "value"])
    theirs = krippendorff.alpha(reliability_data=_wide(data), level_of_measurement=level)
    assert _alpha(data, level) == pytest.approx(theirs, abs=1e-12)


def test_alpha_ignores_unit_coded_by_one_coder(krippendorff_2011):
    # Unit 11 has two values, unit 12 one: adding another lone value changes nothing.
    extra = pd.concat([krippendorff_2011, pd.DataFrame({"unit": [13], "coder": ["A"], "value": [1]})])
    assert _alpha(extra, "nominal") == pytest.approx(_alpha(krippendorff_2011, "nominal"), abs=1e-15)


def test_missing_value_counts_as_missing_row(krippendorff_2011):
    with_nan = pd.concat([krippendorff_2011, pd.DataFrame({"unit": [12], "coder": ["D"], "value": [np.nan]})])
    assert _alpha(with_nan, "interval") == pytest.approx(_alpha(krippendorff_2011, "interval"), abs=1e-15)


def test_ordinal_alpha_from_ordered_categories_matches_numeric_codes(krippendorff_2011):
    labels = ["very low", "low", "mid", "high", "very high"]
    named = krippendorff_2011.assign(value=pd.Categorical(
        [labels[v - 1] for v in krippendorff_2011["value"]], categories=labels, ordered=True))
    assert _alpha(named, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert _alpha(named.assign(value=named["value"].astype(str)), "nominal") == pytest.approx(0.743, abs=5e-4)


def test_sparse_value_counts_give_the_same_alpha(krippendorff_2011, monkeypatch):
    dense = _alpha(krippendorff_2011, "ordinal")
    monkeypatch.setattr(agreement, "_DENSE_COUNT_CELLS", 0)
    assert _alpha(krippendorff_2011, "ordinal") == pytest.approx(dense, abs=1e-14)


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_identical_coders_give_alpha_one(level):
    values = [1, 2, 3, 3, 5, 4, 2, 1]
    data = pd.DataFrame({"unit": list(range(8)) * 2, "coder": ["a"] * 8 + ["b"] * 8,
                         "value": values * 2})
    assert _alpha(data, level) == 1.0


def test_swapping_coder_labels_changes_nothing(krippendorff_2011):
    swapped = krippendorff_2011.assign(coder=krippendorff_2011["coder"].map(
        {"A": "D", "B": "C", "C": "B", "D": "A"}))
    for level in agreement.LEVELS:
        assert _alpha(swapped, level) == pytest.approx(_alpha(krippendorff_2011, level), abs=1e-15)


def test_alpha_without_variation_is_undefined():
    data = pd.DataFrame({"unit": [1, 1, 2, 2], "coder": ["a", "b"] * 2, "value": [3, 3, 3, 3]})
    assert np.isnan(_alpha(data, "nominal"))


def test_alpha_rejects_duplicate_rows_and_unpairable_data():
    duplicate = pd.DataFrame({"unit": [1, 1, 1], "coder": ["a", "a", "b"], "value": [1, 2, 1]})
    with pytest.raises(InvalidInput, match="more than one value"):
        _alpha(duplicate, "nominal")
    lonely = pd.DataFrame({"unit": [1, 2], "coder": ["a", "b"], "value": [1, 2]})
    with pytest.raises(InsufficientData):
        _alpha(lonely, "nominal")
    with pytest.raises(InvalidInput, match="Level of measurement"):
        _alpha(lonely, "cardinal")
    words = pd.DataFrame({"unit": [1, 1], "coder": ["a", "b"], "value": ["x", "y"]})
    with pytest.raises(InvalidInput, match="numeric"):
        _alpha(words, "interval")


def test_coincidence_matrix_matches_krippendorff_2011_marginals(krippendorff_2011):
    # Pairable values of the worked example, counted by hand: 9 ones, 13 twos,
    # 10 threes, 5 fours, 3 fives; n = 40 as in Krippendorff (2011).
    wide = _wide(krippendorff_2011)
    counts = np.stack([(wide == v).sum(axis=0) for v in range(1, 6)], axis=1)
    o = coincidence_matrix(counts)
    assert o.sum(axis=0) == pytest.approx([9, 13, 10, 5, 3])
    assert alpha_from_coincidences(o, [1, 2, 3, 4, 5], level="interval") == pytest.approx(0.849, abs=5e-4)


def test_bootstrap_interval_is_reproducible_and_brackets_alpha(krippendorff_2011):
    first = bootstrap_alpha_ci(krippendorff_2011, unit="unit", coder="coder", value="value",
                               level="interval", n_boot=300, seed=3)
    again = bootstrap_alpha_ci(krippendorff_2011, unit="unit", coder="coder", value="value",
                               level="interval", n_boot=300, seed=3)
    assert first == again
    assert first.alpha == pytest.approx(0.849, abs=5e-4)
    assert first.low < first.alpha < first.high <= 1.0
    assert 0 < first.n_boot <= 300


def test_bootstrap_replicate_equals_alpha_of_resampled_units(krippendorff_2011):
    # One replicate computed the fast way equals alpha on the same units drawn
    # explicitly (duplicated units get new ids so they stay separate units).
    rng = np.random.default_rng(11)
    units = np.sort(krippendorff_2011["unit"].unique())
    pairable = [u for u in units if (krippendorff_2011["unit"] == u).sum() >= 2]
    drawn = rng.integers(0, len(pairable), len(pairable))
    resampled = pd.concat([krippendorff_2011[krippendorff_2011["unit"] == pairable[i]].assign(unit=k)
                           for k, i in enumerate(drawn)])
    ci = bootstrap_alpha_ci(krippendorff_2011, unit="unit", coder="coder", value="value",
                            level="nominal", n_boot=1, seed=11, confidence=0.5)
    assert ci.low == pytest.approx(_alpha(resampled, "nominal"), abs=1e-12)


def test_cohen_kappa_reproduces_cohen_1960_table_1():
    # Cohen (1960), Table 1: p_o = .70, p_c = .41, kappa = .492 (200 units).
    table = pd.read_csv(DATA / "cohen_1960_table1.csv", comment="#", index_col=0).to_numpy()
    assert round(cohen_kappa_from_table(table), 3) == 0.492
    counts = np.rint(table * 200).astype(int)
    a = np.repeat(np.arange(3), counts.sum(axis=1))
    b = np.concatenate([np.repeat(np.arange(3), row) for row in counts])
    assert round(cohen_kappa(a.tolist(), b.tolist()), 3) == 0.492


def test_cohen_kappa_two_by_two_example():
    # Fleiss, Levin & Paik (2003), Statistical Methods for Rates and Proportions,
    # 3rd ed., as reproduced in Wikipedia "Cohen's kappa": 50 proposals,
    # yes/yes 20, yes/no 5, no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    assert cohen_kappa_from_table([[20, 5], [10, 15]]) == pytest.approx(0.4, abs=1e-12)


def test_cohen_kappa_identical_and_swapped_coders():
    a = ["x", "y", "y", "z", "x", "x", "z"]
    b = ["x", "y", "z", "z", "x", "y", "z"]
    assert cohen_kappa(a, a) == 1.0
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa(b, a), abs=1e-15)


def test_cohen_kappa_rejects_unequal_or_missing_codes():
    with pytest.raises(InvalidInput, match="same number"):
        cohen_kappa([1, 2], [1])
    with pytest.raises(InvalidInput, match="every unit"):
        cohen_kappa([1, None], [1, 2])


def test_fleiss_kappa_reproduces_fleiss_1971():
    # Fleiss (1971), Psychological Bulletin 76(5), 378-382: P-bar = .556,
    # P-bar-e = .220, kappa = .430 (R irr::kappam.fleiss(diagnoses) prints 0.43).
    wide = pd.read_csv(DATA / "fleiss_1971_diagnoses.csv", comment="#", index_col=0)
    assert round(fleiss_kappa(wide), 3) == 0.430
    assert round(percent_agreement(wide), 3) == 0.556


def test_fleiss_kappa_from_counts_reproduces_wikipedia_example():
    # Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters, 5
    # categories; P-bar = 0.378, P-bar-e = 0.213, kappa = 0.210.
    counts = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
              [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
              [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    assert round(fleiss_kappa_from_counts(counts), 3) == 0.210


def test_fleiss_and_brennan_prediger_match_randolph_calculator():
    # Randolph's online kappa calculator, as recorded in statsmodels'
    # test_inter_rater.py: 2 cases x 8 raters, counts [[7, 1], [3, 5]]:
    # overall agreement 0.607143, fixed-marginal (Fleiss) 0.161905,
    # free-marginal (Brennan-Prediger/Randolph) 0.214286.
    ratings = [["a"] * 7 + ["b"], ["a"] * 3 + ["b"] * 5]
    assert percent_agreement(ratings) == pytest.approx(0.607143, abs=1e-6)
    assert fleiss_kappa(ratings) == pytest.approx(0.161905, abs=1e-6)
    assert brennan_prediger_kappa(ratings) == pytest.approx(0.214286, abs=1e-6)


def test_fleiss_kappa_with_weights_equals_repeated_rows():
    rows = np.array([[3, 0], [1, 2], [0, 3]])
    repeated = np.repeat(rows, [2, 1, 4], axis=0)
    assert fleiss_kappa_from_counts(rows, weights=[2, 1, 4]) == pytest.approx(
        fleiss_kappa_from_counts(repeated), abs=1e-15)


def test_complete_design_statistics_reject_missing_ratings():
    ratings = [["a", "b"], ["a", None]]
    for statistic in (fleiss_kappa, percent_agreement, brennan_prediger_kappa):
        with pytest.raises(InvalidInput, match="complete design"):
            statistic(ratings)
    with pytest.raises(InvalidInput, match="same number of ratings"):
        fleiss_kappa_from_counts([[2, 0], [1, 2]])


def test_kappas_with_two_identical_raters_give_one():
    ratings = [["a", "a"], ["b", "b"], ["c", "c"], ["a", "a"]]
    assert fleiss_kappa(ratings) == 1.0
    assert brennan_prediger_kappa(ratings) == 1.0
    assert percent_agreement(ratings) == 1.0


def test_brennan_prediger_counts_unused_categories():
    ratings = [["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]]
    # p_o = 0.75; q = 4 gives (0.75 - 0.25) / 0.75.
    assert brennan_prediger_kappa(ratings, categories="abcd") == pytest.approx(2 / 3, abs=1e-15)
    with pytest.raises(InvalidInput, match="not one of"):
        brennan_prediger_kappa(ratings, categories=["a"])
