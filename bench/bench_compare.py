"""Benchmark: the full comparison of many organisations, study.stats against a pingouin loop.

Synthetic, seeded survey: 1,000 organisations x 200 respondents x 40 five-point
items in 10 scales (``--quick``: 100 x 50, Games-Howell on 30). Each part is
timed with study.stats and with the naive way (pingouin or pandas called per
organisation and per scale in a loop) on the same data in the same run. Naive
parts that would take minutes are timed on a subset of organisations (or of
pairs) and scaled linearly; the output says so. The last line is
``speedup=<naive total / ours total>``.

Run: python bench/bench_compare.py [--quick]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pingouin as pg

from study.stats import (
    compare_to_benchmark,
    games_howell,
    icc1,
    icc2,
    rwg_j,
    scale_reliability,
    welch_anova,
)

SCALES = 10
ITEMS_PER_SCALE = 4


def make_survey(orgs: int, respondents: int, seed: int = 2017) -> pd.DataFrame:
    """Wide answers: one row per respondent, columns org, resp and s{j}_i{i} items 1..5."""
    rng = np.random.default_rng(seed)
    n = orgs * respondents
    org = np.repeat(np.arange(orgs), respondents)
    columns = {"org": org, "resp": np.arange(n)}
    for s in range(SCALES):
        org_effect = rng.normal(0, 0.35, orgs)[org]
        trait = rng.normal(0, 0.8, n) * rng.uniform(0.6, 1.4, orgs)[org]
        for i in range(ITEMS_PER_SCALE):
            raw = 3 + org_effect + trait + rng.normal(0, 0.7, n)
            values = np.clip(np.round(raw), 1, 5)
            values[rng.random(n) < 0.02] = np.nan
            columns[f"s{s}_i{i}"] = values
    return pd.DataFrame(columns)


def scale_items(s: int) -> list[str]:
    return [f"s{s}_i{i}" for i in range(ITEMS_PER_SCALE)]


def to_long(wide: pd.DataFrame) -> pd.DataFrame:
    items = [c for c in wide.columns if c.startswith("s")]
    long = wide.melt(id_vars=["org", "resp"], value_vars=items, var_name="item", value_name="value")
    long["scale"] = long["item"].str.split("_").str[0]
    return long


def scale_scores(wide: pd.DataFrame) -> pd.DataFrame:
    scores = {f"s{s}": wide[scale_items(s)].mean(axis=1) for s in range(SCALES)}
    return pd.DataFrame({"org": wide["org"], **scores})


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


# --- study.stats ---------------------------------------------------------------------------


def ours_alpha(long: pd.DataFrame) -> pd.DataFrame:
    return scale_reliability(
        long, scale="scale", item="item", value="value", respondent="resp", group="org"
    )


def ours_icc(scores: pd.DataFrame) -> list[tuple[float, float]]:
    return [
        (icc1(scores, group="org", value=f"s{s}"), icc2(scores, group="org", value=f"s{s}"))
        for s in range(SCALES)
    ]


def ours_rwg(wide: pd.DataFrame) -> list[pd.Series]:
    return [rwg_j(wide, group="org", items=scale_items(s), scale_points=5) for s in range(SCALES)]


def ours_welch(scores: pd.DataFrame) -> list[dict]:
    return [welch_anova(scores, group="org", value=f"s{s}") for s in range(SCALES)]


def ours_benchmark(scores: pd.DataFrame) -> list[pd.DataFrame]:
    return [compare_to_benchmark(scores, group="org", value=f"s{s}") for s in range(SCALES)]


def ours_games_howell(scores: pd.DataFrame) -> list[pd.DataFrame]:
    return [games_howell(scores, group="org", value=f"s{s}") for s in range(SCALES)]


# --- naive: pingouin / pandas per organisation and per scale ---------------------------------


def naive_alpha(wide: pd.DataFrame, orgs: np.ndarray) -> list[float]:
    out = []
    for org in orgs:
        part = wide[wide["org"] == org]
        for s in range(SCALES):
            out.append(pg.cronbach_alpha(part[scale_items(s)])[0])
    return out


def naive_icc(scores: pd.DataFrame) -> list[tuple[float, float]]:
    out = []
    for s in range(SCALES):
        table = pg.anova(data=scores, dv=f"s{s}", between="org", detailed=True)
        msb, msw = table["MS"].iloc[0], table["MS"].iloc[1]
        k = len(scores) / scores["org"].nunique()
        out.append(((msb - msw) / (msb + (k - 1) * msw), (msb - msw) / msb))
    return out


def naive_rwg(wide: pd.DataFrame, orgs: np.ndarray) -> list[float]:
    out = []
    for org in orgs:
        part = wide[wide["org"] == org]
        for s in range(SCALES):
            mean_var = part[scale_items(s)].var().mean() / 2.0
            j = ITEMS_PER_SCALE
            out.append(
                0.0 if mean_var > 1 else j * (1 - mean_var) / (j * (1 - mean_var) + mean_var)
            )
    return out


def naive_welch(scores: pd.DataFrame) -> list[pd.DataFrame]:
    return [pg.welch_anova(data=scores, dv=f"s{s}", between="org") for s in range(SCALES)]


def naive_benchmark(scores: pd.DataFrame, orgs: np.ndarray) -> list[pd.DataFrame]:
    out = []
    for s in range(SCALES):
        values = scores[["org", f"s{s}"]].dropna()
        for org in orgs:
            own = values[values["org"] == org][f"s{s}"]
            rest = values[values["org"] != org][f"s{s}"]
            out.append(pg.ttest(own, rest, correction=True))
    return out


def naive_games_howell(scores: pd.DataFrame, orgs: np.ndarray) -> pd.DataFrame:
    """One scale only: scipy's studentized_range.sf costs ~14 ms per pair."""
    subset = scores[scores["org"].isin(orgs)]
    return pg.pairwise_gameshowell(data=subset, dv="s0", between="org")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small size for a smoke run")
    args = parser.parse_args()
    n_orgs, n_resp, n_gh, loop_orgs, gh_naive_orgs = (
        (100, 50, 30, 100, 30) if args.quick else (1000, 200, 200, 100, 30)
    )
    warnings.filterwarnings("ignore")

    t_make, wide = timed(lambda: make_survey(n_orgs, n_resp))
    long = to_long(wide)
    scores = scale_scores(wide)
    gh_orgs = np.arange(n_gh)
    gh_scores = scores[scores["org"].isin(gh_orgs)]
    print(
        f"data: {n_orgs} organisations x {n_resp} respondents x {SCALES * ITEMS_PER_SCALE} "
        f"items in {SCALES} scales ({len(long):,} answers; built in {t_make:.1f} s)"
    )

    rng = np.random.default_rng(0)
    loop_sample = np.sort(rng.choice(n_orgs, size=min(loop_orgs, n_orgs), replace=False))
    scale_loop = n_orgs / len(loop_sample)
    gh_pairs = n_gh * (n_gh - 1) / 2
    naive_gh_orgs = np.arange(min(gh_naive_orgs, n_gh))
    naive_gh_pairs = len(naive_gh_orgs) * (len(naive_gh_orgs) - 1) / 2
    scale_gh = SCALES * gh_pairs / naive_gh_pairs

    parts = [
        (
            "alpha per scale per organisation",
            lambda: ours_alpha(long),
            lambda: naive_alpha(wide, loop_sample),
            scale_loop,
            f"naive: pingouin.cronbach_alpha on {len(loop_sample)} of {n_orgs} organisations, x{scale_loop:g}",
        ),
        (
            "ICC(1)/ICC(2) per scale",
            lambda: ours_icc(scores),
            lambda: naive_icc(scores),
            1.0,
            "naive: pingouin.anova per scale",
        ),
        (
            "rwg(j) per scale per organisation",
            lambda: ours_rwg(wide),
            lambda: naive_rwg(wide, loop_sample),
            scale_loop,
            f"naive: pandas per organisation on {len(loop_sample)} of {n_orgs}, x{scale_loop:g}",
        ),
        (
            "Welch ANOVA per scale",
            lambda: ours_welch(scores),
            lambda: naive_welch(scores),
            1.0,
            "naive: pingouin.welch_anova per scale",
        ),
        (
            "compare to benchmark per scale",
            lambda: ours_benchmark(scores),
            lambda: naive_benchmark(scores, loop_sample),
            scale_loop,
            f"naive: pingouin.ttest(correction=True) on {len(loop_sample)} of {n_orgs}, x{scale_loop:g}",
        ),
        (
            f"Games-Howell, {n_gh} organisations ({gh_pairs:,.0f} pairs) per scale",
            lambda: ours_games_howell(gh_scores),
            lambda: naive_games_howell(scores, naive_gh_orgs),
            scale_gh,
            f"naive: pingouin.pairwise_gameshowell on {len(naive_gh_orgs)} organisations "
            f"({naive_gh_pairs:,.0f} pairs) for 1 scale, x{scale_gh:.1f} (pairs x scales)",
        ),
    ]
    ours_total = naive_total = 0.0
    print(f"{'part':<58} {'ours s':>8} {'naive s':>9} {'ratio':>8}")
    for name, ours, naive, factor, note in parts:
        t_ours, _ = timed(ours)
        t_naive_measured, _ = timed(naive)
        t_naive = t_naive_measured * factor
        ours_total += t_ours
        naive_total += t_naive
        print(f"{name:<58} {t_ours:8.2f} {t_naive:9.2f} {t_naive / t_ours:8.1f}")
        print(f"    {note}; measured {t_naive_measured:.2f} s")
    print(f"{'total':<58} {ours_total:8.2f} {naive_total:9.2f}")
    print(f"speedup={naive_total / ours_total:.1f}")


if __name__ == "__main__":
    main()
