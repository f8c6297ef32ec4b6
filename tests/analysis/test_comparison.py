"""Comparing organisations from the database: the tables behind the Compare page.

Reference values come from pingouin 0.7 (``welch_anova``, ``pairwise_gameshowell``,
``cronbach_alpha``), an independent implementation computed here on the same
scores, and from hand-counted Likert answers for the diverging bars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from study.admin.permissions import OPERATOR
from study.analysis.comparison import compare_organisations
from study.analysis.likert_bars import likert_distribution
from study.analysis.survey_data import load_survey_data
from study.errors import InvalidInput, NotFound
from study.surveys import score_responses

from comparison_study import (
    ALFA,
    BETA,
    GAMMA,
    NOT_WORK,
    add_organisation_with_answers,
    build_small_study,
    reference_scores,
)


@pytest.fixture
def small_study(session):
    build_small_study(session)
    session.flush()
    return session


def test_scores_equal_the_survey_modules_scoring_and_a_hand_calculation(small_study):
    data = load_survey_data(small_study)
    mine = data.scores[data.scores["scale"] == "challenge_not_work"].sort_values("response_id")
    official = score_responses(small_study, viewer=OPERATOR).dropna(subset=["score"])
    official = official[official["scale"] == "challenge_not_work"].sort_values("response_id")
    assert mine["score"].tolist() == official["score"].tolist()
    assert sorted(mine["score"]) == sorted(reference_scores()["score"])


def test_descriptives_anova_and_post_hoc_match_pingouin(small_study):
    result = compare_organisations(
        small_study, scales=["challenge_not_work"], min_group=5, viewer=OPERATOR
    )
    reference = reference_scores()
    described = result.descriptives.set_index("organisation")
    assert described.loc["Alfa Bank", "n"] == 6
    assert described.loc["Alfa Bank", "mean"] == pytest.approx(
        reference.loc[reference["organisation"] == "Alfa Bank", "score"].mean()
    )
    # Gamma has 3 respondents: kept, but flagged as below the minimum group size.
    assert described["below_min_group"].to_dict() == {
        "Alfa Bank": False,
        "Beta Kommune": False,
        "Gamma Design": True,
    }

    welch = pg.welch_anova(data=reference, dv="score", between="organisation")
    row = result.anova.iloc[0]
    assert row["F"] == pytest.approx(welch["F"].iloc[0], rel=1e-9)
    assert row["df2"] == pytest.approx(welch["ddof2"].iloc[0], rel=1e-9)
    assert row["p"] == pytest.approx(welch["p_unc"].iloc[0], rel=1e-6)

    pairs = pg.pairwise_gameshowell(data=reference, dv="score", between="organisation")
    ours = result.post_hoc.set_index(["A", "B"])
    for _, pair in pairs.iterrows():
        mine = ours.loc[(pair["A"], pair["B"])]
        assert mine["diff"] == pytest.approx(pair["diff"], rel=1e-9)
        assert mine["T"] == pytest.approx(pair["T"], rel=1e-9)
        assert mine["p"] == pytest.approx(pair["pval"], abs=1e-6)


def test_alpha_per_organisation_uses_recoded_items_and_matches_pingouin(small_study):
    result = compare_organisations(small_study, scales=["challenge_not_work"], viewer=OPERATOR)
    alphas = result.reliability.set_index("organisation")["alpha"]
    for name, answers in (("Alfa Bank", ALFA), ("Beta Kommune", BETA)):
        wide = pd.DataFrame(answers, columns=NOT_WORK)
        wide["nw4"] = 6 - wide["nw4"]
        expected, _ = pg.cronbach_alpha(data=wide)
        assert alphas[name] == pytest.approx(expected, rel=1e-9)
    everyone = pd.DataFrame(ALFA + BETA + GAMMA, columns=NOT_WORK)
    everyone["nw4"] = 6 - everyone["nw4"]
    assert alphas["All organisations"] == pytest.approx(pg.cronbach_alpha(data=everyone)[0])


def test_aggregation_indices_are_reported_per_scale(small_study):
    result = compare_organisations(small_study, scales=["challenge_not_work"], viewer=OPERATOR)
    row = result.aggregation.iloc[0]
    reference = reference_scores()
    # ICC(1) from the one-way ANOVA mean squares (Bliese, 2000), computed here directly.
    groups = reference.groupby("organisation")["score"]
    n, k = len(reference), groups.ngroups
    msb = (groups.size() * (groups.mean() - reference["score"].mean()) ** 2).sum() / (k - 1)
    msw = ((reference["score"] - groups.transform("mean")) ** 2).sum() / (n - k)
    size = n / k
    assert row["icc1"] == pytest.approx((msb - msw) / (msb + (size - 1) * msw))
    assert row["icc2"] == pytest.approx((msb - msw) / msb)
    agreement = result.agreement.set_index("organisation")
    assert set(agreement.index) == {"Alfa Bank", "Beta Kommune", "Gamma Design"}
    assert row["rwg_mean"] == pytest.approx(agreement["rwg"].mean())
    assert 0 <= row["rwg_share_70"] <= 1


def test_small_and_constant_organisations_are_excluded_with_a_reason(small_study):
    add_organisation_with_answers(small_study, "Solo Ltd", [[3, 3, 3, 3]])
    add_organisation_with_answers(small_study, "Flat Co", [[2, 2, 2, 4]] * 4)
    result = compare_organisations(small_study, scales=["challenge_not_work"], viewer=OPERATOR)
    welch = result.excluded[result.excluded["analysis"] == "Welch's ANOVA and Games-Howell"]
    reasons = welch.set_index("organisation")["reason"].to_dict()
    assert reasons == {
        "Flat Co": "every answer is the same (zero variance)",
        "Solo Ltd": "fewer than 2 answers",
    }
    assert result.anova.iloc[0]["n_groups"] == 3
    assert "Solo Ltd" not in set(result.post_hoc["A"]) | set(result.post_hoc["B"])
    # The single respondent still has a row in the descriptives, with no interval.
    solo = result.descriptives.set_index("organisation").loc["Solo Ltd"]
    assert solo["n"] == 1 and np.isnan(solo["ci_low"])


def test_two_organisations_with_one_usable_gives_a_reason_not_a_crash(session):
    add_organisation_with_answers(session, "Alfa Bank", ALFA)
    add_organisation_with_answers(session, "Solo Ltd", [[3, 3, 3, 3]])
    result = compare_organisations(session, scales=["challenge_not_work"], viewer=OPERATOR)
    assert result.anova.empty
    reason = result.excluded.set_index("analysis").loc["Welch's ANOVA and Games-Howell", "reason"]
    assert "at least 2 organisations" in reason


def test_diverging_bars_split_the_neutral_answer_at_zero(small_study):
    # Gamma's answers to nw2 are 3, 3, 3: all neutral, so the bar runs from -0.5 to 0.5.
    # Beta's nw1 answers: 1 x2, 2 x3, 3 x2 of 7.
    result = compare_organisations(small_study, items=["nw1", "nw2"], viewer=OPERATOR)
    bars = result.likert.set_index(["item", "organisation", "point"]).sort_index()
    neutral = bars.loc[("nw2", "Gamma Design", 3)]
    assert (neutral["start"], neutral["end"], neutral["share"]) == pytest.approx((-0.5, 0.5, 1))
    beta = bars.loc[("nw1", "Beta Kommune")]
    left = 2 / 7 + 3 / 7 + (2 / 7) / 2
    assert beta.loc[1, "start"] == pytest.approx(-left)
    assert beta.loc[3, "start"] == pytest.approx(-1 / 7)
    assert beta.loc[3, "end"] == pytest.approx(1 / 7)
    assert beta.loc[5, "end"] == pytest.approx(1 / 7)  # nothing above neutral
    assert beta.loc[1, "answer"] == "Strongly disagree"


def test_diverging_bars_show_reverse_keyed_items_as_answered(small_study):
    data = load_survey_data(small_study)
    bars = likert_distribution(data.answers, data.instrument, ["nw4"])
    alfa = bars[(bars["organisation"] == "Alfa Bank")].set_index("point")["n"]
    assert alfa.to_dict() == {1: 2, 2: 3, 3: 1, 4: 0, 5: 0}


def test_only_the_chosen_organisations_are_compared(small_study):
    result = compare_organisations(
        small_study,
        scales=["challenge_not_work"],
        organisations=["Alfa Bank", "Beta Kommune"],
        viewer=OPERATOR,
    )
    assert set(result.descriptives["organisation"]) == {"Alfa Bank", "Beta Kommune"}
    assert len(result.post_hoc) == 1


@pytest.mark.parametrize(
    "choice, message",
    [
        (dict(scales=["no_such_scale"]), "no scale or likert item 'no_such_scale'"),
        (dict(items=["open_barriers"]), "no scale or likert item 'open_barriers'"),
        (dict(), "Choose at least one scale or item"),
    ],
)
def test_bad_choices_are_one_clear_error(small_study, choice, message):
    with pytest.raises(InvalidInput, match=message):
        compare_organisations(small_study, **choice, viewer=OPERATOR)


def test_unknown_organisation_is_named(small_study):
    with pytest.raises(NotFound, match="Nowhere Inc"):
        compare_organisations(
            small_study,
            scales=["challenge_not_work"],
            organisations=["Alfa Bank", "Nowhere Inc"],
            viewer=OPERATOR,
        )


def test_equal_organisation_means_give_undefined_icc2_with_the_reason(session):
    # Issue 14: Alfa answers 3 and 5, Beta 4 and 4: the same mean, so ICC(2) divides by a
    # between-organisation mean square of 0. The comparison reports it, it does not crash.
    add_organisation_with_answers(session, "Alfa Bank", [[3], [5]], items=["nw1"])
    add_organisation_with_answers(session, "Beta Kommune", [[4], [4]], items=["nw1"])
    result = compare_organisations(session, items=["nw1"], viewer=OPERATOR)
    row = result.aggregation.iloc[0]
    assert np.isnan(row["icc2"])
    # ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW) with pingouin's one-way mean squares.
    reference = pd.DataFrame({"org": list("aabb"), "x": [3, 5, 4, 4]})
    table = pg.anova(data=reference, dv="x", between="org", detailed=True)
    msb, msw = table["MS"].iloc[0], table["MS"].iloc[1]
    assert row["icc1"] == pytest.approx((msb - msw) / (msb + msw))
    # awg of two answers is defined only at mean 3 or at the ends (Brown & Hauenstein).
    assert row["undefined"] == (
        "ICC(2): every organisation has the same mean "
        "(between-organisation mean square 0); mean awg: no "
        "organisation could be used (see Excluded)"
    )
    assert result.missing == "listwise"


def test_skipped_items_are_left_out_listwise_by_default_or_pairwise_on_request(session):
    # Alfa's second respondent skipped nw2, Beta's first nw3. rwg(j) and awg equal the
    # transcription of R multilevel's rwg.j and awg (listwise), and without its na.exclude
    # (pairwise), on the recoded answers (nw4 reverse-keyed: 6 - answer).
    from r_multilevel import r_awg, r_rwg_j

    alfa = [[4, 4, 5, 2], [5, None, 4, 1], [4, 5, 4, 2], [3, 4, 4, 3]]
    beta = [[2, 2, None, 4], [1, 2, 2, 5], [3, 3, 2, 4], [2, 1, 2, 4]]
    add_organisation_with_answers(session, "Alfa Bank", alfa)
    add_organisation_with_answers(session, "Beta Kommune", beta)
    wide = pd.DataFrame(alfa + beta, columns=NOT_WORK, dtype=float)
    wide["nw4"] = 6 - wide["nw4"]
    organisation = ["Alfa Bank"] * 4 + ["Beta Kommune"] * 4
    for missing in ("listwise", "pairwise"):
        result = compare_organisations(
            session, scales=["challenge_not_work"], missing=missing, viewer=OPERATOR
        )
        agreement = result.agreement.set_index("organisation")
        exclude = missing == "listwise"
        assert agreement["rwg"].to_dict() == pytest.approx(
            r_rwg_j(wide, organisation, 2.0, na_exclude=exclude), abs=1e-12, nan_ok=True
        )
        assert agreement["awg"].to_dict() == pytest.approx(
            r_awg(wide, organisation, (1, 5), na_exclude=exclude), abs=1e-12, nan_ok=True
        )
        assert result.missing == missing
    with pytest.raises(InvalidInput, match="'missing' must be"):
        compare_organisations(
            session, scales=["challenge_not_work"], missing="mean", viewer=OPERATOR
        )
