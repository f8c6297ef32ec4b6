"""ICC(1), ICC(2), rwg, rwg(j) and awg, against published and hand-computed values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from study.errors import InsufficientData, InvalidInput
from study.stats import awg, icc1, icc2, rwg, rwg_j

DATA = Path(__file__).parent / "data" / "stats"


def test_icc_of_shrout_fleiss_targets_matches_their_one_way_anova():
    # Shrout & Fleiss (1979), Psychological Bulletin 86(2): Table 2 data (6 targets x 4
    # judges), Table 3 one-way mean squares BMS = 11.24, WMS = 6.26, Table 4 ICC(1,1) = .17
    # and ICC(1,k) = .44. Bliese's ICC(1) is ICC(1,1) and ICC(2) is ICC(1,k) with k = 4.
    data = pd.read_csv(DATA / "shrout_fleiss_1979.csv", comment="#")
    first = icc1(data, group="target", value="rating")
    second = icc2(data, group="target", value="rating")
    assert round(first, 2) == 0.17 and round(second, 2) == 0.44
    assert first == pytest.approx((11.24 - 6.26) / (11.24 + 3 * 6.26), abs=5e-4)
    assert second == pytest.approx((11.24 - 6.26) / 11.24, abs=5e-4)


def test_icc_with_unequal_groups_uses_the_mean_group_size():
    # Hand computation (multilevel::ICC1 uses k = N / J): groups a = 1,2,3; b = 4,6;
    # c = 5,5,6,8 -> MSB = 28.2222 / 2 = 14.1111, MSW = 10 / 6 = 1.6667, k = 9 / 3 = 3:
    # ICC(1) = 12.4444 / (14.1111 + 2 * 1.6667) = 0.71338; ICC(2) = 12.4444 / 14.1111 = 0.88189.
    data = pd.DataFrame({"org": list("aaabbcccc"), "x": [1, 2, 3, 4, 6, 5, 5, 6, 8]})
    assert icc1(data, group="org", value="x") == pytest.approx(0.713376, abs=1e-6)
    assert icc2(data, group="org", value="x") == pytest.approx(0.881890, abs=1e-6)
    # The same mean squares as an R-style one-way ANOVA (pingouin.anova, checked against R).
    table = pg.anova(data=data, dv="x", between="org", detailed=True)
    msb, msw = table["MS"].iloc[0], table["MS"].iloc[1]
    assert icc2(data, group="org", value="x") == pytest.approx((msb - msw) / msb, abs=1e-12)


def test_icc_needs_two_organisations():
    with pytest.raises(InsufficientData, match="at least 2 organisations"):
        icc1(pd.DataFrame({"org": ["a", "a"], "x": [1, 2]}), group="org", value="x")


def test_rwg_is_one_minus_variance_ratio_capped_at_zero():
    # James, Demaree & Wolf (1984): rwg = 1 - s2 / ((A^2 - 1) / 12); A = 5 -> null 2.
    # a = 4,4,5: s2 = 1/3 -> 0.8333; b = 1,5,3: s2 = 4 > 2 -> 0 (multilevel::rwg truncation);
    # c has one answer -> excluded.
    data = pd.DataFrame({"org": list("aaabbbc"), "x": [4, 4, 5, 1, 5, 3, 2]})
    result = rwg(data, group="org", value="x", scale_points=5)
    assert result.to_dict() == pytest.approx({"a": 1 - (1 / 3) / 2, "b": 0.0})
    excluded = result.attrs["excluded"]
    assert excluded.to_dict("records") == [{"group": "c", "n": 1, "reason": "fewer than 2 answers"}]


def test_rwg_j_skips_missing_answers_per_item():
    # multilevel::rwg.j (listwise = FALSE): mean of item variances with na.rm.
    # q1 = 4,4,5 (1/3), q2 = 3,NA,5 (2), q3 = 4,4,4 (0): mean 7/9, ratio 7/18 with null 2;
    # J = 3: 3 (1 - 7/18) / (3 (1 - 7/18) + 7/18) = 0.825.
    data = pd.DataFrame({"org": ["a", "a", "a", "b", "b"],
                         "q1": [4, 4, 5, 1, 5], "q2": [3, np.nan, 5, 1, 5],
                         "q3": [4, 4, 4, 5, 1]})
    result = rwg_j(data, group="org", items=["q1", "q2", "q3"], scale_points=5)
    assert result["a"] == pytest.approx(0.825, abs=1e-12)
    assert result["b"] == 0.0  # mean variance 8 exceeds the null variance 2


def test_rwg_j_lists_organisations_with_an_unanswered_item():
    data = pd.DataFrame({"org": ["a", "a", "b", "b", "b"], "q1": [4, 4, 3, 4, 5],
                         "q2": [3, np.nan, 3, 4, 5]})
    result = rwg_j(data, group="org", items=["q1", "q2"], scale_points=5)
    assert list(result.index) == ["b"]
    assert result.attrs["excluded"]["reason"].tolist() == ["an item has fewer than 2 answers"]


def test_awg_averages_item_values_and_skips_items_at_the_scale_end():
    # Brown & Hauenstein (2005), eq. 4: awg = 1 - 2 s2 / {[(H + L) M - M^2 - H L] k / (k - 1)}.
    # q1 = 2,3,3,4: M = 3, s2 = 2/3, max = (18 - 9 - 5) * 4/3 = 16/3 -> 0.75;
    # q2 = 2,2,4,4: s2 = 4/3 -> 0.5; mean 0.625. q3 = 1,1,1,1 sits at L: no awg, skipped.
    data = pd.DataFrame({"org": list("aaaabb"), "q1": [2, 3, 3, 4, 5, 5],
                         "q2": [2, 2, 4, 4, 5, 5], "q3": [1, 1, 1, 1, 5, 5]})
    result = awg(data, group="org", items=["q1", "q2", "q3"], low=1, high=5)
    assert result.to_dict() == pytest.approx({"a": 0.625})
    assert result.attrs["excluded"]["group"].tolist() == ["b"]


def test_agreement_arguments_are_checked():
    data = pd.DataFrame({"org": ["a", "a"], "q1": [1, 2]})
    with pytest.raises(InvalidInput):
        rwg(data, group="org", value="q1", scale_points=1)
    with pytest.raises(InvalidInput):
        awg(data, group="org", items=["q1"], low=5, high=1)
    with pytest.raises(InvalidInput, match="no column"):
        rwg_j(data, group="org", items=["q9"], scale_points=5)
