"""ICC(1), ICC(2), rwg, rwg(j) and awg, against published and hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from study.errors import InsufficientData, InvalidInput
from study.stats import awg, icc1, icc2, rwg, rwg_j

from conftest import DATA as TEST_DATA
from r_multilevel import _defined, r_awg, r_rwg, r_rwg_j

DATA = TEST_DATA / "stats"


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


def test_rwg_j_drops_respondents_with_a_missing_item_as_r_does():
    # multilevel::rwg.j applies na.exclude to the whole table first (listwise).
    # Listwise, a loses respondent 2: q1 = 4,5 (1/2), q2 = 3,5 (2), q3 = 4,4 (0): mean 5/6,
    # ratio 5/12; J = 3: 3 (7/12) / (3 (7/12) + 5/12) = 21/26.
    # Pairwise (each item's variance from its own answers): q1 = 4,4,5 (1/3), q2 = 3,5 (2),
    # q3 = 4,4,4 (0): mean 7/9, ratio 7/18: 3 (11/18) / (3 (11/18) + 7/18) = 0.825.
    data = pd.DataFrame(
        {
            "org": ["a", "a", "a", "b", "b"],
            "q1": [4, 4, 5, 1, 5],
            "q2": [3, np.nan, 5, 1, 5],
            "q3": [4, 4, 4, 5, 1],
        }
    )
    items = ["q1", "q2", "q3"]
    listwise = rwg_j(data, group="org", items=items, scale_points=5)
    assert listwise["a"] == pytest.approx(21 / 26, abs=1e-12)
    assert listwise["b"] == 0.0  # mean variance 8 exceeds the null variance 2
    assert listwise.to_dict() == pytest.approx(r_rwg_j(data[items], data["org"], 2.0), abs=1e-12)
    pairwise = rwg_j(data, group="org", items=items, scale_points=5, missing="pairwise")
    assert pairwise["a"] == pytest.approx(0.825, abs=1e-12)


def test_rwg_j_lists_organisations_with_too_few_complete_respondents():
    data = pd.DataFrame(
        {"org": ["a", "a", "b", "b", "b"], "q1": [4, 4, 3, 4, 5], "q2": [3, np.nan, 3, 4, 5]}
    )
    listwise = rwg_j(data, group="org", items=["q1", "q2"], scale_points=5)
    assert list(listwise.index) == ["b"]
    assert listwise.attrs["excluded"].to_dict("records") == [
        {"group": "a", "n": 1, "reason": "fewer than 2 respondents answered every item"}
    ]
    pairwise = rwg_j(data, group="org", items=["q1", "q2"], scale_points=5, missing="pairwise")
    assert pairwise.attrs["excluded"]["reason"].tolist() == ["an item has fewer than 2 answers"]


def test_awg_follows_brown_and_hauenstein_bounds_as_r_does():
    # Brown & Hauenstein (2005), eq. 4: awg = 1 - 2 s2 / {[(H + L) M - M^2 - H L] k / (k - 1)}.
    # q1 = 2,3,3,4: M = 3, s2 = 2/3, max = (18 - 9 - 5) * 4/3 = 16/3 -> 0.75;
    # q2 = 2,2,4,4: s2 = 4/3 -> 0.5; q3 = 1,1,1,1 has M = L, which multilevel::awg scores 1:
    # mean (0.75 + 0.5 + 1) / 3 = 0.75. b answers 5 everywhere: M = H on every item -> 1.
    data = pd.DataFrame(
        {
            "org": list("aaaabb"),
            "q1": [2, 3, 3, 4, 5, 5],
            "q2": [2, 2, 4, 4, 5, 5],
            "q3": [1, 1, 1, 1, 5, 5],
        }
    )
    result = awg(data, group="org", items=["q1", "q2", "q3"], low=1, high=5)
    assert result.to_dict() == pytest.approx({"a": 0.75, "b": 1.0}, abs=1e-12)
    assert result.to_dict() == pytest.approx(
        r_awg(data[["q1", "q2", "q3"]], data["org"]), abs=1e-12
    )


def test_awg_is_undefined_beyond_the_bounds_and_minus_one_at_most_dissent():
    # Three answers 4, 4, 4 on 1-5: M = 4 > (H (k - 1) + L) / k = 11/3, so no awg (R: NA).
    # 1, 1, 5: M = 7/3 = (L (k - 1) + H) / k, on the bound, is defined: s2 = 16/3 equals the
    # largest possible variance 16/3 -> awg = 1 - 2 = -1, the most dissent (B&H, 2005).
    # 1, 1, 5, 5: M = 3, s2 = 16/3, largest (18 - 9 - 5) 4/3 = 16/3 -> -1 as well.
    data = pd.DataFrame({"org": list("aaabbbcccc"), "q": [4, 4, 4, 1, 1, 5, 1, 1, 5, 5]})
    result = awg(data, group="org", items=["q"], low=1, high=5)
    assert result.to_dict() == pytest.approx({"b": -1.0, "c": -1.0}, abs=1e-12)
    assert result.attrs["excluded"]["group"].tolist() == ["a"]
    assert "too close to an end of the scale" in result.attrs["excluded"]["reason"].iloc[0]
    reference = r_awg(data[["q"]], data["org"])
    assert np.isnan(reference["a"]) and reference["b"] == pytest.approx(-1.0)


@pytest.mark.parametrize("points", [5, 7])
def test_rwg_rwg_j_and_awg_match_a_transcription_of_r_multilevel(points):
    # Random answers with holes in 12 organisations of 1-9 respondents; every number is
    # compared with the R functions transcribed below (listwise, as R) and with the same
    # R bodies applied without na.exclude (pairwise).
    rng = np.random.default_rng(points)
    sizes = rng.integers(1, 10, 12)
    org = np.repeat([f"org{i:02d}" for i in range(12)], sizes)
    centre = np.repeat(rng.integers(2, points, 12), sizes)
    items = [f"q{j}" for j in range(4)]
    data = pd.DataFrame({"org": org})
    for item in items:
        answers = np.clip(centre + rng.integers(-1, 2, len(org)), 1, points).astype(float)
        answers[rng.random(len(org)) < 0.15] = np.nan
        data[item] = answers
    null = (points**2 - 1) / 12
    ours = rwg_j(data, group="org", items=items, scale_points=points)
    reference = r_rwg_j(data[items], data["org"], null)
    assert ours.to_dict() == pytest.approx(_defined(reference), abs=1e-12)
    ours = awg(data, group="org", items=items, low=1, high=points)
    reference = r_awg(data[items], data["org"], (1, points))
    assert ours.to_dict() == pytest.approx(_defined(reference), abs=1e-12)
    ours = rwg(data, group="org", value="q0", scale_points=points)
    assert ours.to_dict() == pytest.approx(
        _defined(r_rwg(data["q0"], data["org"], null)), abs=1e-12
    )
    # Pairwise: each item from its own answers.
    ours = rwg_j(data, group="org", items=items, scale_points=points, missing="pairwise")
    reference = r_rwg_j(data[items], data["org"], null, na_exclude=False)
    assert ours.to_dict() == pytest.approx(_defined(reference), abs=1e-12)
    ours = awg(data, group="org", items=items, low=1, high=points, missing="pairwise")
    reference = r_awg(data[items], data["org"], (1, points), na_exclude=False)
    assert ours.to_dict() == pytest.approx(_defined(reference), abs=1e-12)
    listwise = awg(data, group="org", items=items, low=1, high=points)
    assert not listwise.equals(ours)  # the choice matters on these data


def test_equal_organisation_means_give_undefined_icc2_not_a_crash():
    # The example of issue 14: means 4 and 4, so MSB = 0 and ICC(2) = (0 - MSW) / 0.
    data = pd.DataFrame({"org": list("aabb"), "x": [3, 5, 4, 4.0]})
    assert np.isnan(icc2(data, group="org", value="x"))
    # ICC(1) stays defined: (0 - MSW) / (0 + (k - 1) MSW) = -1 / (k - 1) = -1 with k = 2,
    # the mean squares of pingouin's one-way ANOVA in the formula.
    table = pg.anova(data=data, dv="x", between="org", detailed=True)
    msb, msw = table["MS"].iloc[0], table["MS"].iloc[1]
    assert msb == 0
    assert icc1(data, group="org", value="x") == pytest.approx((msb - msw) / (msb + msw))
    # Means equal up to rounding (0.1 + 0.7 is 0.7999999999999999) are equal.
    rounded = pd.DataFrame({"org": list("aabb"), "x": [0.1, 0.7, 0.4, 0.4]})
    assert np.isnan(icc2(rounded, group="org", value="x"))
    same = pd.DataFrame({"org": list("aabb"), "x": [4.0] * 4})
    assert np.isnan(icc1(same, group="org", value="x"))
    assert np.isnan(icc2(same, group="org", value="x"))


def test_answers_outside_the_scale_or_infinite_are_refused_by_name():
    with pytest.raises(InvalidInput, match=r"'x' holds 9, outside the answer scale 1 to 5"):
        rwg(
            pd.DataFrame({"org": list("aaa"), "x": [1, 9, 9]}),
            group="org",
            value="x",
            scale_points=5,
        )
    wide = pd.DataFrame({"org": list("aa"), "q1": [1, 2], "q2": [0, 3]})
    with pytest.raises(InvalidInput, match=r"'q2' holds 0, outside"):
        rwg_j(wide, group="org", items=["q1", "q2"], scale_points=5)
    with pytest.raises(InvalidInput, match=r"'q2' holds 0, outside"):
        awg(wide, group="org", items=["q1", "q2"], low=1, high=5)
    with pytest.raises(InvalidInput, match=r"'x' holds inf, which is not a finite number"):
        icc1(pd.DataFrame({"org": list("aabb"), "x": [1, 2, np.inf, 3]}), group="org", value="x")
    with pytest.raises(InvalidInput, match="'missing' must be 'listwise' or 'pairwise'"):
        awg(wide, group="org", items=["q1"], low=1, high=5, missing="all")


# ---------------------------------------------------------------------------
# Reference: R package multilevel 2.7 (CRAN; R/multilevel.R, functions rwg, rwg.j and awg,
# as in the cran/multilevel GitHub mirror), transcribed line by line. R's split() orders
# groups by their sorted labels; var() divides by n - 1; mean(x, na.rm = TRUE) of nothing
# is NaN. ``na_exclude=False`` skips the first line (na.exclude of the whole table) and
# lets each item use its own answers: the pairwise variant, which R does not offer.


def test_agreement_arguments_are_checked():
    data = pd.DataFrame({"org": ["a", "a"], "q1": [1, 2]})
    with pytest.raises(InvalidInput):
        rwg(data, group="org", value="q1", scale_points=1)
    with pytest.raises(InvalidInput):
        awg(data, group="org", items=["q1"], low=5, high=1)
    with pytest.raises(InvalidInput, match="no column"):
        rwg_j(data, group="org", items=["q9"], scale_points=5)
