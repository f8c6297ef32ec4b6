"""Group descriptives, Wilson intervals and percent favourable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from study.errors import InvalidInput
from study.stats import describe_groups, percent_favourable, wilson_interval


@pytest.mark.parametrize(
    "successes, n, low, high",
    [
        # Newcombe (1998), Statistics in Medicine 17, Table II, method 3 (Wilson score, no CC).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_1998(successes, n, low, high):
    lower, upper = wilson_interval(successes, n)
    assert (round(float(lower), 4), round(float(upper), 4)) == (low, high)


def test_percent_favourable_counts_the_top_two_of_five_points():
    data = pd.DataFrame(
        {
            "org": ["a"] * 6 + ["b"] * 4,
            "item": ["q1", "q1", "q1", "q2", "q2", "q2", "q1", "q1", "q1", "q1"],
            "value": [5, 4, 3, 1, 2, np.nan, 4, 4, 4, 2],
        }
    )
    result = percent_favourable(data, group="org", item="item")
    assert list(result.columns) == [
        "org",
        "item",
        "n",
        "favourable",
        "percent",
        "ci_low",
        "ci_high",
    ]
    assert result[["org", "item", "n", "favourable"]].values.tolist() == [
        ["a", "q1", 3, 2],
        ["a", "q2", 2, 0],
        ["b", "q1", 4, 3],
    ]
    assert result["percent"].tolist() == pytest.approx([2 / 3, 0.0, 0.75])
    low, high = wilson_interval(3, 4)
    assert (result["ci_low"].iloc[2], result["ci_high"].iloc[2]) == (low, high)


def test_percent_favourable_with_top_three_of_seven():
    data = pd.DataFrame({"org": "a", "item": "q", "value": [7, 6, 5, 4, 1]})
    result = percent_favourable(data, group="org", item="item", top=3, points=7)
    assert result["favourable"].item() == 3


@pytest.mark.parametrize("values, kwargs", [([6], {}), ([2.5], {}), ([3], {"top": 5})])
def test_percent_favourable_refuses_answers_off_the_scale(values, kwargs):
    data = pd.DataFrame({"org": "a", "item": "q", "value": values})
    with pytest.raises(InvalidInput):
        percent_favourable(data, group="org", item="item", **kwargs)


def test_describe_groups_gives_t_intervals_and_keeps_single_answers():
    data = pd.DataFrame({"org": ["x", "x", "x", "x", "y"], "v": [1.0, 2.0, 4.0, 5.0, 3.0]})
    result = describe_groups(data, group="org", value="v").set_index("org")
    sample = np.array([1.0, 2.0, 4.0, 5.0])
    # Reference: scipy.stats.t.interval with the standard error of the mean.
    low, high = stats.t.interval(0.95, 3, loc=sample.mean(), scale=stats.sem(sample))
    assert result.loc["x", "sd"] == pytest.approx(sample.std(ddof=1))
    assert (result.loc["x", "ci_low"], result.loc["x", "ci_high"]) == pytest.approx((low, high))
    assert result.loc["y", "n"] == 1 and np.isnan(result.loc["y", "sd"])
