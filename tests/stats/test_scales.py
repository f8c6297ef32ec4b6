"""Cronbach's alpha, item analysis and alpha per organisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from study.errors import InsufficientData, InvalidInput
from study.stats import cronbach_alpha, feldt_interval, item_analysis, scale_reliability


def test_alpha_with_missing_values_matches_pingouin_documented_example():
    # pingouin.cronbach_alpha docstring (0.7): cronbach_wide_missing, pairwise
    # deletion, "In R: psych:alpha(data, use='pairwise')" -> 0.732660835214447, [0.435, 0.909].
    data = pg.read_dataset("cronbach_wide_missing")
    alpha, (low, high) = cronbach_alpha(data)
    assert alpha == pytest.approx(0.732660835214447, abs=1e-12)
    assert (round(low, 3), round(high, 3)) == (0.435, 0.909)


def test_alpha_of_likert_items_matches_pingouin_documented_example():
    # pingouin.cronbach_alpha docstring (0.7): dataset cronbach_alpha (long),
    # -> 0.5917188485995826, [0.195, 0.84] (Feldt interval).
    data = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    alpha, (low, high) = cronbach_alpha(data)
    assert alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert (round(low, 3), round(high, 3)) == (0.195, 0.84)


def test_feldt_interval_follows_the_f_quantile_formula():
    # Feldt, Woodruff & Salih (1987): with df1 = n - 1, df2 = (n - 1)(k - 1), the 95% interval
    # is 1 - (1 - a) F_.975(df1, df2) .. 1 - (1 - a) F_.025(df1, df2); the lower limit
    # uses the upper F quantile. For n = 30, k = 5, a = .80 the quantiles are
    # F_.975(29, 116) = 1.70416 and F_.025(29, 116) = 0.52946.
    low, high = feldt_interval(0.80, 30, 5)
    assert float(low) == pytest.approx(1 - 0.2 * 1.70416, abs=1e-5)
    assert float(high) == pytest.approx(1 - 0.2 * 0.52946, abs=1e-5)


def test_item_analysis_equals_recomputing_without_each_item():
    # Definition (psych::alpha r.drop and "alpha if item deleted"): correlation of the item
    # with the sum of the other items, and alpha of the remaining items.
    rng = np.random.default_rng(3)
    trait = rng.normal(size=60)
    items = pd.DataFrame(
        {f"q{i}": np.clip(np.round(3 + trait + rng.normal(size=60)), 1, 5) for i in range(4)}
    )
    table = item_analysis(items)
    for name in items.columns:
        rest = items.drop(columns=name)
        expected_r = np.corrcoef(items[name], rest.sum(axis=1))[0, 1]
        assert table.loc[name, "item_total_correlation"] == pytest.approx(expected_r, abs=1e-12)
        assert table.loc[name, "alpha_if_deleted"] == pytest.approx(
            pg.cronbach_alpha(rest)[0], abs=1e-12
        )


def _long_answers(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for org, size in [("north", 40), ("south", 25), ("east", 12)]:
        trait = rng.normal(size=size)
        for scale, items in [("use", ["u1", "u2", "u3"]), ("trust", ["t1", "t2", "t3", "t4"])]:
            for item in items:
                values = np.clip(np.round(3 + trait + rng.normal(size=size)), 1, 5)
                values[rng.random(size) < 0.1] = np.nan
                frames.append(
                    pd.DataFrame(
                        {
                            "org": org,
                            "resp": [f"{org}{i}" for i in range(size)],
                            "scale": scale,
                            "item": item,
                            "answer": values,
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)


def test_alpha_per_organisation_and_scale_equals_pingouin_on_each_subset():
    answers = _long_answers()
    result = scale_reliability(
        answers, scale="scale", item="item", value="answer", respondent="resp", group="org"
    )
    assert list(result.columns) == ["scale", "org", "n", "k", "alpha", "ci_low", "ci_high"]
    assert len(result) == 6
    for row in result.itertuples():
        wide = answers[(answers["org"] == row.org) & (answers["scale"] == row.scale)].pivot(
            index="resp", columns="item", values="answer"
        )
        alpha, ci = pg.cronbach_alpha(wide)
        assert row.alpha == pytest.approx(alpha, abs=1e-10)
        assert (round(row.ci_low, 3), round(row.ci_high, 3)) == tuple(ci)
        assert row.n == len(wide)


def test_overall_alpha_per_scale_pools_every_organisation():
    answers = _long_answers()
    overall = scale_reliability(
        answers, scale="scale", item="item", value="answer", respondent="resp"
    ).set_index("scale")
    wide = answers[answers["scale"] == "trust"].pivot(index="resp", columns="item", values="answer")
    assert overall.loc["trust", "alpha"] == pytest.approx(pg.cronbach_alpha(wide)[0], abs=1e-10)


def test_tiny_and_uniform_organisations_are_listed_not_fatal():
    answers = _long_answers()
    tiny = pd.DataFrame(
        {
            "org": "solo",
            "resp": "solo0",
            "scale": "use",
            "item": ["u1", "u2", "u3"],
            "answer": [4.0, 5.0, 4.0],
        }
    )
    same = pd.DataFrame(
        {
            "org": "flat",
            "resp": ["f0", "f0", "f1", "f1"],
            "scale": "use",
            "item": ["u1", "u2", "u1", "u2"],
            "answer": 3.0,
        }
    )
    result = scale_reliability(
        pd.concat([answers, tiny, same]),
        scale="scale",
        item="item",
        value="answer",
        respondent="resp",
        group="org",
    )
    excluded = result.attrs["excluded"].set_index("group")
    assert excluded.loc["solo", "reason"] == "fewer than 2 answers"
    assert "zero variance" in excluded.loc["flat", "reason"]
    assert not result["org"].isin(["solo", "flat"]).any()


def test_duplicate_answers_and_single_items_are_refused():
    answers = _long_answers()
    with pytest.raises(InvalidInput, match="more than one answer"):
        scale_reliability(
            pd.concat([answers, answers.head(1)]),
            scale="scale",
            item="item",
            value="answer",
            respondent="resp",
        )
    with pytest.raises(InvalidInput, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"q1": [1, 2, 3]}))
    with pytest.raises(InsufficientData):
        cronbach_alpha(pd.DataFrame({"q1": [1], "q2": [2]}))
    with pytest.raises(InvalidInput, match="must hold numbers"):
        cronbach_alpha(pd.DataFrame({"q1": ["a", "b"], "q2": [1, 2]}))


def test_infinite_answers_are_refused_by_name():
    items = pd.DataFrame({"q1": [1, 2, 3], "q2": [2, np.inf, 3]})
    with pytest.raises(InvalidInput, match="'q2' holds inf, which is not a finite number"):
        cronbach_alpha(items)
    long = pd.DataFrame(
        {"scale": "s", "item": ["q1", "q2"] * 2, "resp": [1, 1, 2, 2], "value": [1, 2, -np.inf, 3]}
    )
    with pytest.raises(InvalidInput, match="'value' holds -inf"):
        scale_reliability(long, scale="scale", item="item", value="value", respondent="resp")
