"""Welch's ANOVA, Games-Howell and the comparison with the benchmark (all other organisations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from study.errors import InsufficientData, InvalidInput
from study.stats import adjust_p_values, compare_to_benchmark, games_howell, welch_anova

PAIN = pg.read_dataset("anova")


def test_welch_anova_matches_pingouin_documented_example():
    # pingouin.welch_anova docstring (0.7), dataset "anova":
    # ddof1 = 3, ddof2 = 8.329841, F = 5.890115, p_unc = 0.018813.
    result = welch_anova(PAIN, group="Hair color", value="Pain threshold")
    assert result["df1"] == 3
    assert result["df2"] == pytest.approx(8.329841, abs=1e-6)
    assert result["F"] == pytest.approx(5.890115, abs=1e-6)
    assert result["p"] == pytest.approx(0.018813, abs=1e-6)
    assert result["n_groups"] == 4 and result["excluded"].empty
    # Estimated omega squared from F (Carroll & Nordholm, 1975): df1 (F - 1) / (df1 (F - 1) + N).
    assert result["omega_squared"] == pytest.approx(3 * 4.890115 / (3 * 4.890115 + 19), abs=1e-6)


def test_games_howell_matches_pingouin_documented_penguins_example():
    # pingouin.pairwise_gameshowell docstring (0.7), penguins body_mass_g by species:
    # Adelie-Chinstrap -32.426, se 59.706, T -0.543, df 152.455, p 0.85;
    # Adelie-Gentoo -1375.354, 58.811, -23.386, 249.643, 0.00;
    # Chinstrap-Gentoo -1342.928, 65.103, -20.628, 170.404, 0.00.
    penguins = pg.read_dataset("penguins")
    result = games_howell(penguins, group="species", value="body_mass_g").round(3)
    assert result[["A", "B"]].values.tolist() == [
        ["Adelie", "Chinstrap"],
        ["Adelie", "Gentoo"],
        ["Chinstrap", "Gentoo"],
    ]
    assert result["diff"].tolist() == [-32.426, -1375.354, -1342.928]
    assert result["se"].tolist() == [59.706, 58.811, 65.103]
    assert result["T"].tolist() == [-0.543, -23.386, -20.628]
    assert result["df"].tolist() == [152.455, 249.643, 170.404]
    assert result["p"].round(2).tolist() == [0.85, 0.0, 0.0]


def test_games_howell_equals_pingouin_on_the_pain_threshold_data():
    expected = pg.pairwise_gameshowell(data=PAIN, dv="Pain threshold", between="Hair color")
    result = games_howell(PAIN, group="Hair color", value="Pain threshold")
    assert list(result.columns) == ["A", "B", "mean_A", "mean_B", "diff", "se", "T", "df", "p"]
    assert result["A"].tolist() == expected["A"].tolist()
    for ours, theirs in [("diff", "diff"), ("se", "se"), ("T", "T"), ("df", "df"), ("p", "pval")]:
        np.testing.assert_allclose(result[ours], expected[theirs], rtol=0, atol=1e-6)


def _with_small_organisations(data: pd.DataFrame) -> pd.DataFrame:
    extra = pd.DataFrame(
        {"Hair color": ["Solo", "Flat", "Flat", "Flat"], "Pain threshold": [50.0, 40.0, 40.0, 40.0]}
    )
    return pd.concat([data, extra], ignore_index=True)


def test_small_and_uniform_organisations_are_excluded_with_a_reason():
    data = _with_small_organisations(PAIN)
    result = welch_anova(data, group="Hair color", value="Pain threshold")
    clean = welch_anova(PAIN, group="Hair color", value="Pain threshold")
    assert result["F"] == clean["F"] and result["n_groups"] == 4
    reasons = result["excluded"].set_index("group")["reason"].to_dict()
    assert reasons == {
        "Flat": "every answer is the same (zero variance)",
        "Solo": "fewer than 2 answers",
    }
    pairs = games_howell(data, group="Hair color", value="Pain threshold")
    assert len(pairs) == 6 and len(pairs.attrs["excluded"]) == 2
    bench = compare_to_benchmark(data, group="Hair color", value="Pain threshold")
    assert len(bench) == 4 and len(bench.attrs["excluded"]) == 2


def test_fewer_than_two_usable_organisations_raise_insufficient_data():
    data = pd.DataFrame({"org": ["a", "a", "a", "b"], "x": [1.0, 2.0, 4.0, 3.0]})
    for function in (welch_anova, games_howell, compare_to_benchmark):
        with pytest.raises(InsufficientData, match="at least 2 organisations"):
            function(data, group="org", value="x")


def test_each_organisation_against_the_rest_equals_welch_t_tests():
    # Reference: scipy.stats.ttest_ind(equal_var=False) of one organisation against all
    # others pooled, its confidence_interval(), and statsmodels' Holm and BH adjustments.
    result = compare_to_benchmark(PAIN, group="Hair color", value="Pain threshold")
    for row in result.itertuples():
        own = PAIN.loc[PAIN["Hair color"] == row._1, "Pain threshold"]
        rest = PAIN.loc[PAIN["Hair color"] != row._1, "Pain threshold"]
        test = stats.ttest_ind(own, rest, equal_var=False)
        interval = test.confidence_interval(0.95)
        assert row.t == pytest.approx(test.statistic, abs=1e-10)
        assert row.p == pytest.approx(test.pvalue, abs=1e-12)
        assert row.df == pytest.approx(test.df, abs=1e-9)
        assert (row.ci_low, row.ci_high) == pytest.approx((interval.low, interval.high), abs=1e-9)
        assert row.others_n == len(rest) and row.others_mean == pytest.approx(rest.mean())
    np.testing.assert_allclose(result["p_holm"], multipletests(result["p"], method="holm")[1])
    np.testing.assert_allclose(result["p_bh"], multipletests(result["p"], method="fdr_bh")[1])


def test_p_value_adjustments_match_statsmodels_and_keep_missing_values():
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.001])
    finite = ~np.isnan(p)
    for ours, theirs in [("holm", "holm"), ("bh", "fdr_bh")]:
        adjusted = adjust_p_values(p, ours)
        assert np.isnan(adjusted[4])
        np.testing.assert_allclose(adjusted[finite], multipletests(p[finite], method=theirs)[1])


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_answers_are_refused_by_name_not_turned_into_nan(bad):
    # An infinite answer is an entry error; the statistics refuse it instead of computing.
    data = PAIN.assign(**{"Pain threshold": PAIN["Pain threshold"].astype(float)})
    data.loc[3, "Pain threshold"] = bad
    for method in (welch_anova, games_howell):
        with pytest.raises(
            InvalidInput,
            match=rf"'Pain threshold' holds {bad:g}, which is "
            "not a finite number",
        ):
            method(data, group="Hair color", value="Pain threshold")
