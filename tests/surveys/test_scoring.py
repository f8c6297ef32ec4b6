"""Scale scores (reverse-keying, minimum share answered) and the demo response generator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from study.errors import InvalidInput
from study.surveys.demo_responses import generate_demo_responses, planted_shift
from study.surveys.instruments import DEFAULT_INSTRUMENTS_DIRECTORY, load_instrument
from study.surveys.scoring import item_values, score_answers

from conftest import DATA as TEST_DATA

TEAM = TEST_DATA / "surveys" / "team-survey.yaml"


@pytest.fixture(scope="module")
def team():
    return load_instrument(TEAM)


@pytest.fixture(scope="module")
def survey():
    return load_instrument(DEFAULT_INSTRUMENTS_DIRECTORY / "ism-adoption-survey.yaml")


def _long(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(r, item, value) for r, answers in rows.items() for item, value in answers.items()],
        columns=["response_id", "item_id", "value"],
    )


def test_reverse_keyed_items_are_recoded_before_scoring(team):
    # com3 is reverse-keyed on 5 points: 1 -> 5, 2 -> 4, 5 -> 1.
    # r1: (4 + 5 + (6 - 1)) / 3 = 14/3; r2: (2 + 2 + (6 - 5)) / 3 = 5/3.
    answers = _long(
        {"r1": {"com1": 4, "com2": 5, "com3": 1}, "r2": {"com1": 2, "com2": 2, "com3": 5}}
    )
    scores = score_answers(answers, team)
    assert list(scores.columns) == ["response_id", "scale", "score", "n_items_answered"]
    assert scores["score"].tolist() == pytest.approx([14 / 3, 5 / 3])
    assert scores["n_items_answered"].tolist() == [3, 3]


def test_a_scale_needs_its_minimum_share_of_items_answered(team):
    # team-survey sets min_answered 0.6 for its three items: 2/3 scores, 1/3 does not.
    answers = _long({"two": {"com1": 4, "com3": 2}, "one": {"com2": 5, "use1": 3}})
    scores = score_answers(answers, team).set_index("response_id")
    assert scores.loc["two", "score"] == pytest.approx((4 + 4) / 2)
    assert scores.loc["two", "n_items_answered"] == 2
    assert math.isnan(scores.loc["one", "score"])
    assert scores.loc["one", "n_items_answered"] == 1


def test_default_minimum_is_half_of_the_items(survey):
    # challenge_not_work has four items and the default min_answered 0.5.
    answers = _long({"half": {"nw1": 5, "nw4": 1}, "quarter": {"nw2": 4}})
    scores = score_answers(answers, survey)
    not_work = scores[scores["scale"] == "challenge_not_work"].set_index("response_id")
    assert not_work.loc["half", "score"] == pytest.approx(5.0)  # (5 + (6 - 1)) / 2
    assert math.isnan(not_work.loc["quarter", "score"])


def test_scores_are_tidy_one_row_per_response_and_scale_in_declared_order(survey):
    answers = _long(
        {"b": {"nw1": 2}, "a": {"ac1": 5, "open_improve": "more time", "uses": ["news"]}}
    )
    scores = score_answers(answers, survey)
    declared = [s.id for s in survey.scales]
    assert len(scores) == 2 * len(declared)
    assert scores["response_id"].tolist() == ["b"] * len(declared) + ["a"] * len(declared)
    assert scores["scale"].tolist() == declared * 2
    assert scores["n_items_answered"].dtype == np.int64


def test_answers_as_text_from_a_file_score_the_same(team):
    as_numbers = _long({"r": {"com1": 4, "com2": 5, "com3": 1}})
    as_text = _long({"r": {"com1": "4", "com2": "5", "com3": "1"}})
    assert score_answers(as_text, team).equals(score_answers(as_numbers, team))


def test_item_values_are_wide_with_reverse_keying_on_request(team):
    answers = _long({"r1": {"com1": 4, "com3": 1}, "r2": {"com2": 3}})
    recoded = item_values(answers, team, scale="commitment")
    raw = item_values(answers, team, scale="commitment", recode_reverse=False)
    assert list(recoded.columns) == ["com1", "com2", "com3"]
    assert list(recoded.index) == ["r1", "r2"]
    assert recoded.loc["r1", "com3"] == 5 and raw.loc["r1", "com3"] == 1
    assert math.isnan(recoded.loc["r2", "com1"])
    assert list(item_values(answers, team).columns) == ["com1", "com2", "com3", "use1"]


@pytest.mark.parametrize("value", [6, 0, 2.5, "often"])
def test_a_value_outside_the_points_is_refused(team, value):
    with pytest.raises(InvalidInput, match="com1"):
        score_answers(_long({"r": {"com1": value}}), team)


def test_the_same_item_answered_twice_is_refused(team):
    answers = pd.DataFrame(
        {"response_id": ["r", "r"], "item_id": ["com1", "com1"], "value": [3, 4]}
    )
    with pytest.raises(InvalidInput, match="twice"):
        score_answers(answers, team)


def test_missing_columns_are_refused(team):
    with pytest.raises(InvalidInput, match="response_id"):
        score_answers(pd.DataFrame({"item_id": ["com1"], "value": [3]}), team)


# -- demo responses ---------------------------------------------------------------------

ORGANISATIONS = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]


@pytest.fixture(scope="module")
def demo(survey):
    return generate_demo_responses(survey, ORGANISATIONS, respondents=250, seed=7)


def _organisation_means(demo, survey) -> pd.DataFrame:
    answers = demo.answers.rename(columns={"respondent": "response_id"})
    scores = score_answers(answers, survey).merge(
        demo.respondents[["respondent", "organisation"]],
        left_on="response_id",
        right_on="respondent",
    )
    return scores.pivot_table(index="organisation", columns="scale", values="score")


def test_demo_organisations_differ_as_documented_on_the_four_challenges(demo, survey):
    means = _organisation_means(demo, survey)
    reference = means.loc["Alpha"]
    for position, organisation in enumerate(ORGANISATIONS):
        for challenge in [
            "challenge_not_work",
            "challenge_self_censorship",
            "challenge_not_routine",
            "challenge_management_words",
            "leadership_action",
        ]:
            planted = planted_shift(position, challenge)
            observed = means.loc[organisation, challenge] - reference[challenge]
            # 250 respondents, SD of a scale mean about 0.75: SE of a difference ~0.07.
            assert observed == pytest.approx(planted, abs=0.25), (organisation, challenge)
    assert means.loc["Beta", "challenge_not_work"] - reference["challenge_not_work"] > 0.7
    assert means.loc["Epsilon", "leadership_action"] < reference["leadership_action"] - 0.8


def test_demo_items_of_a_scale_correlate_and_reverse_items_agree(demo, survey):
    answers = demo.answers.rename(columns={"respondent": "response_id"})
    raw = item_values(answers, survey, scale="challenge_not_work", recode_reverse=False)
    correlations = raw.corr()
    assert correlations.loc["nw1", "nw2"] > 0.4
    assert correlations.loc["nw1", "nw4"] < -0.4  # nw4 is reverse-keyed


def test_demo_has_a_few_incomplete_responses_missing_their_later_pages(demo, survey):
    people = demo.respondents
    share = 1 - people["complete"].mean()
    assert 0.03 < share < 0.15
    last_page_items = {item.id for item in survey.page_items(survey.pages[-1])}
    incomplete = set(people.loc[~people["complete"], "respondent"])
    answered_late = set(
        demo.answers.loc[demo.answers["item_id"].isin(last_page_items), "respondent"]
    )
    assert not incomplete & answered_late
    assert {"dept", "tenure", "role", "language"} <= set(people.columns)


def test_demo_is_deterministic_for_a_seed_and_counts_can_be_given(survey):
    first = generate_demo_responses(survey, ["A", "B"], respondents={"A": 15, "B": 40}, seed=3)
    again = generate_demo_responses(survey, ["A", "B"], respondents={"A": 15, "B": 40}, seed=3)
    other = generate_demo_responses(survey, ["A", "B"], respondents={"A": 15, "B": 40}, seed=4)
    assert first.answers.equals(again.answers)
    assert not first.answers.equals(other.answers)
    assert first.respondents.groupby("organisation").size().to_dict() == {"A": 15, "B": 40}
    drawn = generate_demo_responses(survey, ["A", "B", "C"], seed=5)
    assert drawn.respondents.groupby("organisation").size().between(15, 300).all()


def test_demo_values_are_valid_answers(survey):
    from study.surveys.instruments import answer_value

    demo = generate_demo_responses(survey, ["A"], respondents=40, seed=11)
    for item_id, value in zip(demo.answers["item_id"], demo.answers["value"]):
        assert answer_value(survey.item(item_id), value) == value


def test_demo_refuses_an_organisation_without_a_count(survey):
    with pytest.raises(InvalidInput, match="B"):
        generate_demo_responses(survey, ["A", "B"], respondents={"A": 20})
