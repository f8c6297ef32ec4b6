"""Tests for study.reliability.agreement against published worked examples."""

from __future__ import annotations

import tracemalloc

import krippendorff
import numpy as np
import pandas as pd
import pytest

from study.errors import InsufficientData, InvalidInput
from study.reliability import agreement
from study.reliability.agreement import (
    alpha_from_coincidences,
    bootstrap_alpha_ci,
    coincidence_matrix,
    krippendorff_alpha,
)
from study.reliability.kappa import (
    brennan_prediger_kappa,
    cohen_kappa,
    cohen_kappa_from_table,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    percent_agreement,
)

from conftest import DATA as TEST_DATA

DATA = TEST_DATA / "icr"


@pytest.fixture
def krippendorff_2011() -> pd.DataFrame:
    return pd.read_csv(DATA / "krippendorff_2011_reliability_data.csv", comment="#")


def _alpha(data: pd.DataFrame, level: str) -> float:
    return krippendorff_alpha(data, unit="unit", coder="coder", value="value", level=level)


def _bootstrap(data: pd.DataFrame, **options):
    return bootstrap_alpha_ci(data, unit="unit", coder="coder", value="value", **options)


def _wide(data: pd.DataFrame) -> np.ndarray:
    """Coders x units matrix with NaN for missing, the krippendorff package's layout."""
    return data.pivot(index="coder", columns="unit", values="value").to_numpy(dtype=float)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", worked
# example with 4 observers, 12 units and missing values: published alphas.
@pytest.mark.parametrize(
    ("level", "published"),
    [
        ("nominal", 0.743),
        ("ordinal", 0.815),
        ("interval", 0.849),
        ("ratio", 0.797),
    ],
)
def test_alpha_reproduces_krippendorff_2011_worked_example(krippendorff_2011, level, published):
    assert round(_alpha(krippendorff_2011, level), 3) == published


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_alpha_equals_pypi_krippendorff_package_on_worked_example(krippendorff_2011, level):
    # PyPI package krippendorff 0.9, krippendorff.alpha(reliability_data=...).
    theirs = krippendorff.alpha(
        reliability_data=_wide(krippendorff_2011), level_of_measurement=level
    )
    assert _alpha(krippendorff_2011, level) == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_alpha_equals_pypi_package_on_random_data_with_gaps(level):
    rng = np.random.default_rng(7)
    rows = [
        (u, c, int(rng.integers(1, 6))) for u in range(60) for c in "abcd" if rng.random() < 0.7
    ]
    data = pd.DataFrame(rows, columns=["unit", "coder", "value"])
    theirs = krippendorff.alpha(reliability_data=_wide(data), level_of_measurement=level)
    assert _alpha(data, level) == pytest.approx(theirs, abs=1e-12)


def test_alpha_ignores_unit_coded_by_one_coder(krippendorff_2011):
    # Unit 11 has two values, unit 12 one: adding another lone value changes nothing.
    extra = pd.concat(
        [krippendorff_2011, pd.DataFrame({"unit": [13], "coder": ["A"], "value": [1]})]
    )
    assert _alpha(extra, "nominal") == pytest.approx(
        _alpha(krippendorff_2011, "nominal"), abs=1e-15
    )


def test_missing_value_counts_as_missing_row(krippendorff_2011):
    with_nan = pd.concat(
        [krippendorff_2011, pd.DataFrame({"unit": [12], "coder": ["D"], "value": [np.nan]})]
    )
    assert _alpha(with_nan, "interval") == pytest.approx(
        _alpha(krippendorff_2011, "interval"), abs=1e-15
    )


def test_ordinal_alpha_from_ordered_categories_matches_numeric_codes(krippendorff_2011):
    labels = ["very low", "low", "mid", "high", "very high"]
    named = krippendorff_2011.assign(
        value=pd.Categorical(
            [labels[v - 1] for v in krippendorff_2011["value"]], categories=labels, ordered=True
        )
    )
    assert _alpha(named, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert _alpha(named.assign(value=named["value"].astype(str)), "nominal") == pytest.approx(
        0.743, abs=5e-4
    )


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_nullable_integer_values_with_pd_na_are_not_coded(krippendorff_2011, level):
    # Issue 14: an Int64 column holding pd.NA failed (nominal: raw ValueError; ordinal:
    # "needs numeric values"). pd.NA is "not coded", like a missing row.
    holes = pd.concat(
        [
            krippendorff_2011,
            pd.DataFrame({"unit": [12, 11], "coder": ["D", "A"], "value": [None, None]}),
        ]
    )
    nullable = holes.assign(value=holes["value"].astype("Int64"))
    assert nullable["value"].isna().sum() == 2
    theirs = krippendorff.alpha(
        reliability_data=_wide(krippendorff_2011), level_of_measurement=level
    )
    assert _alpha(nullable, level) == pytest.approx(theirs, abs=1e-12)
    as_objects = holes.assign(
        value=holes["value"].astype(object).where(holes["value"].notna(), None)
    )
    assert _alpha(as_objects, "nominal") == pytest.approx(_alpha(krippendorff_2011, "nominal"))


def test_missing_unit_or_coder_ids_are_refused_with_a_clear_message(krippendorff_2011):
    no_unit = krippendorff_2011.astype({"unit": "float"})
    no_unit.loc[0, "unit"] = np.nan
    with pytest.raises(InvalidInput, match="1 coded row\\(s\\) have no unit id in column 'unit'"):
        _alpha(no_unit, "nominal")
    no_coder = krippendorff_2011.astype({"coder": "object"})
    no_coder.loc[[0, 1], "coder"] = None
    with pytest.raises(InvalidInput, match="2 coded row\\(s\\) have no coder id in column 'coder'"):
        _alpha(no_coder, "interval")
    # A row without a value says nothing, whatever its ids: it is left out, not refused.
    blank = pd.concat(
        [krippendorff_2011, pd.DataFrame({"unit": [None], "coder": [None], "value": [None]})]
    )
    assert _alpha(blank, "nominal") == pytest.approx(_alpha(krippendorff_2011, "nominal"))


def _many_distinct_values(n_units: int, seed: int = 1) -> pd.DataFrame:
    """Two coders measuring n_units units, every value distinct, some values missing."""
    rng = np.random.default_rng(seed)
    truth = rng.permutation(4 * n_units).astype(float)[:n_units]
    first = truth + rng.random(n_units)
    second = truth + rng.random(n_units) * 40
    data = pd.DataFrame(
        {
            "unit": np.tile(np.arange(n_units), 2),
            "coder": np.repeat(["a", "b"], n_units),
            "value": np.concatenate([first, second]),
        }
    )
    data.loc[rng.random(len(data)) < 0.02, "value"] = np.nan
    return data


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_sums_path_equals_the_package_on_the_worked_example(krippendorff_2011, level, monkeypatch):
    # Few values go through the coincidence matrix; force the per-unit sums used for many.
    monkeypatch.setattr(agreement, "_SMALL_DOMAIN", 0)
    theirs = krippendorff.alpha(
        reliability_data=_wide(krippendorff_2011), level_of_measurement=level
    )
    assert _alpha(krippendorff_2011, level) == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_alpha_with_many_distinct_values_equals_the_pypi_package(level):
    # The package builds units x V x V arrays, so this stays small (about 230 values).
    data = _many_distinct_values(120)
    theirs = krippendorff.alpha(reliability_data=_wide(data), level_of_measurement=level)
    assert _alpha(data, level) == pytest.approx(theirs, abs=1e-10)


def test_interval_alpha_of_100000_distinct_values_stays_small_in_memory():
    # Issue 14: the dense V x V matrices took 1.4 GB at 8,000 distinct values. Now interval
    # (and ordinal) alpha use sums over units and value marginals: O(N) memory.
    data = _many_distinct_values(52_000)
    assert data["value"].nunique() >= 100_000
    tracemalloc.start()
    try:
        interval = _alpha(data, "interval")
        ordinal = _alpha(data, "ordinal")
        ci = _bootstrap(data, level="interval", n_boot=5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert 0.9 < interval < 1 and 0.9 < ordinal < 1
    assert ci.alpha == interval and ci.n_boot == 5


def test_ratio_alpha_with_many_distinct_values_stays_bounded_in_memory():
    # Ratio differences do not reduce to sums; the expected disagreement is summed in
    # blocks, so memory stays far below the 8 V^2 bytes of a dense matrix (200 MB here).
    data = _many_distinct_values(5_000)
    values = data["value"].nunique()
    tracemalloc.start()
    try:
        _alpha(data, "ratio")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * values**2 / 4, f"peak {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("level", agreement.LEVELS)
def test_identical_coders_give_alpha_one(level):
    values = [1, 2, 3, 3, 5, 4, 2, 1]
    data = pd.DataFrame(
        {"unit": list(range(8)) * 2, "coder": ["a"] * 8 + ["b"] * 8, "value": values * 2}
    )
    assert _alpha(data, level) == 1.0


def test_swapping_coder_labels_changes_nothing(krippendorff_2011):
    swapped = krippendorff_2011.assign(
        coder=krippendorff_2011["coder"].map({"A": "D", "B": "C", "C": "B", "D": "A"})
    )
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
    assert alpha_from_coincidences(o, [1, 2, 3, 4, 5], level="interval") == pytest.approx(
        0.849, abs=5e-4
    )


def test_bootstrap_interval_is_reproducible_and_brackets_alpha(krippendorff_2011):
    first = _bootstrap(krippendorff_2011, level="interval", n_boot=300, seed=3)
    again = _bootstrap(krippendorff_2011, level="interval", n_boot=300, seed=3)
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
    resampled = pd.concat(
        [
            krippendorff_2011[krippendorff_2011["unit"] == pairable[i]].assign(unit=k)
            for k, i in enumerate(drawn)
        ]
    )
    ci = _bootstrap(krippendorff_2011, level="nominal", n_boot=1, seed=11, confidence=0.5)
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
    counts = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
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
        fleiss_kappa_from_counts(repeated), abs=1e-15
    )


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


def _table_to_labels(table):
    """Two label vectors whose agreement table is ``table`` (for sklearn)."""
    t = np.asarray(table)
    rows, cols = np.nonzero(t)
    counts = t[rows, cols]
    return np.repeat(rows, counts), np.repeat(cols, counts)


@pytest.mark.parametrize(
    "table",
    [
        [[199_999, 0], [0, 1]],  # issue 14: a rare code both coders agree on
        [[999_998, 1], [0, 1]],
        [[499_990, 3, 0], [2, 4, 0], [0, 0, 1]],
        [[40, 9], [6, 45]],
    ],
)
def test_cohen_kappa_of_rare_codes_equals_sklearn(table):
    from sklearn.metrics import cohen_kappa_score

    first, second = _table_to_labels(table)
    theirs = cohen_kappa_score(first, second)
    assert cohen_kappa_from_table(table) == pytest.approx(theirs, rel=1e-9, abs=1e-12)
    assert cohen_kappa_from_table([[199_999, 0], [0, 1]]) == 1.0


def test_cohen_kappa_is_undefined_only_when_both_coders_used_one_category():
    assert np.isnan(cohen_kappa_from_table([[7, 0], [0, 0]]))
    # One coder used both categories: chance agreement is below 1, kappa is defined (0 here).
    assert cohen_kappa_from_table([[7, 1], [0, 0]]) == pytest.approx(0.0)


@pytest.mark.parametrize("rare", [1, 3])
def test_fleiss_kappa_of_rare_codes_equals_statsmodels(rare):
    from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

    # 3 raters, 600,000 units: a code given to `rare` units by everyone, once by one rater.
    counts = np.array([[3, 0]] * 599_990 + [[0, 3]] * rare + [[2, 1]] * (10 - rare))
    ours = fleiss_kappa_from_counts(counts)
    assert ours == pytest.approx(statsmodels_fleiss(counts, method="fleiss"), rel=1e-9)
    agreeing = np.array([[3, 0]] * 599_999 + [[0, 3]])
    assert fleiss_kappa_from_counts(agreeing) == 1.0
    assert statsmodels_fleiss(agreeing, method="fleiss") == pytest.approx(1.0, abs=1e-9)
    assert np.isnan(fleiss_kappa_from_counts(np.array([[3, 0]] * 10)))


def test_cluster_bootstrap_replicate_equals_alpha_of_resampled_clusters(krippendorff_2011):
    # Units 1-12 in four clusters of three. One replicate draws 4 clusters with replacement;
    # its alpha equals the PyPI package's alpha of those clusters' units stacked explicitly.
    data = krippendorff_2011.assign(cluster=(krippendorff_2011["unit"] - 1) // 3)
    ci = _bootstrap(data, level="interval", n_boot=1, seed=5, confidence=0.5, cluster="cluster")
    drawn = np.random.default_rng(5).integers(0, 4, 4)
    resampled = pd.concat(
        [
            data[data["cluster"] == c].assign(unit=data["unit"] + 100 * k)
            for k, c in enumerate(drawn)
        ]
    )
    theirs = krippendorff.alpha(reliability_data=_wide(resampled), level_of_measurement="interval")
    assert ci.low == pytest.approx(theirs, abs=1e-12)


def test_cluster_bootstrap_needs_each_unit_in_one_cluster_and_two_clusters(krippendorff_2011):
    split = krippendorff_2011.assign(cluster=np.arange(len(krippendorff_2011)) % 2)
    with pytest.raises(InvalidInput, match="Every unit must lie in one 'cluster'"):
        _bootstrap(split, cluster="cluster")
    one = krippendorff_2011.assign(cluster="only")
    ci = _bootstrap(one, cluster="cluster")
    assert ci.n_boot == 0 and np.isnan(ci.low) and np.isnan(ci.high)
    assert ci.alpha == pytest.approx(0.743, abs=5e-4)
