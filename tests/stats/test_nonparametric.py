"""Kruskal-Wallis with Dunn's post hoc test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from study.errors import InsufficientData
from study.stats import kruskal

# Hollander & Wolfe (1973), p. 116: mucociliary efficiency, the example of R's
# kruskal.test help page, whose documented output is
# "Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68".
HOLLANDER_WOLFE = pd.DataFrame(
    {
        "group": ["normal"] * 5 + ["obstructive"] * 4 + ["asbestosis"] * 5,
        "rate": [2.9, 3.0, 2.5, 2.6, 3.2, 3.8, 2.7, 4.0, 2.4, 2.8, 3.4, 3.7, 2.2, 2.0],
    }
)


def test_kruskal_matches_r_documented_example():
    result = kruskal(HOLLANDER_WOLFE, group="group", value="rate")
    assert round(result["H"], 5) == 0.77143
    assert result["df"] == 2 and round(result["p"], 2) == 0.68
    assert result["epsilon_squared"] == pytest.approx(0.771429 / 13, abs=1e-6)


def test_dunn_z_uses_mean_ranks_of_the_joint_ranking():
    # Dunn (1964): z = (mean rank i - mean rank j) / sqrt(N (N + 1) / 12 (1/n_i + 1/n_j)).
    # Joint ranks: normal 8,9,4,5,10 (mean 7.2); obstructive 13,6,14,3 (9.0);
    # asbestosis 7,11,12,2,1 (6.6); N = 14, no ties.
    posthoc = kruskal(HOLLANDER_WOLFE, group="group", value="rate")["posthoc"]
    pairs = {(a, b): z for a, b, z in posthoc[["A", "B", "z"]].itertuples(index=False)}
    assert pairs[("asbestosis", "normal")] == pytest.approx(
        (6.6 - 7.2) / np.sqrt(14 * 15 / 12 * (1 / 5 + 1 / 5)), abs=1e-12
    )
    assert pairs[("normal", "obstructive")] == pytest.approx(
        (7.2 - 9.0) / np.sqrt(14 * 15 / 12 * (1 / 5 + 1 / 4)), abs=1e-12
    )
    np.testing.assert_allclose(posthoc["p"], 2 * stats.norm.sf(np.abs(posthoc["z"])))
    np.testing.assert_allclose(posthoc["p_holm"], multipletests(posthoc["p"], method="holm")[1])


def test_ties_are_corrected_as_scipy_does():
    data = pd.DataFrame(
        {"org": list("aaaabbbbccccd"), "x": [1, 2, 2, 3, 3, 4, 4, 5, 2, 3, 3, 4, 5]}
    )
    result = kruskal(data, group="org", value="x")
    expected = stats.kruskal([1, 2, 2, 3], [3, 4, 4, 5], [2, 3, 3, 4])
    assert result["H"] == pytest.approx(expected.statistic, abs=1e-12)
    assert result["p"] == pytest.approx(expected.pvalue, abs=1e-12)
    assert result["excluded"]["group"].tolist() == ["d"]


def test_identical_answers_everywhere_raise_insufficient_data():
    data = pd.DataFrame({"org": list("aabb"), "x": [3, 3, 3, 3]})
    with pytest.raises(InsufficientData, match="not all the same"):
        kruskal(data, group="org", value="x")
