"""Compute the tables behind the benchmark workbook, with small groups already hidden.

No spreadsheet code lives here: every function takes and returns DataFrames, so
the suppression rules can be tested on numbers alone. A hidden statistic is set
to NaN *and* marked in a ``status`` column, so nothing downstream can write it
by accident. Status codes (the sheet writer turns them into words):

- ``""``           shown;
- ``"small"``      fewer than ``min_group`` responses;
- ``"complement"`` hidden so that a smaller hidden group cannot be worked out
  from a total (complementary suppression);
- ``"few_orgs"``   the benchmark pool has fewer than ``min_orgs`` organisations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from study.stats.descriptives import percent_favourable, wilson_interval

POOL = "Benchmark"
NOT_ANSWERED = "(not answered)"
SHOWN, SMALL, COMPLEMENT, FEW_ORGS = "", "small", "complement", "few_orgs"


@dataclass(frozen=True)
class Rules:
    """The anonymity and benchmark rules one workbook is built with."""

    min_group: int
    min_orgs: int
    top: int
    focus_org: str | None


def organisation_sizes(
    scores: pd.DataFrame, items: pd.DataFrame, participation: pd.DataFrame, rules: Rules
) -> pd.DataFrame:
    """Count each organisation's respondents and flag those too small to report.

    An organisation is *small* when either the number of distinct respondents in
    the data or its reported number of responses is below ``min_group``; taking
    the smaller of the two errs on the side of hiding.
    """
    answered = items[["organisation", "respondent_id"]].drop_duplicates()
    people = pd.concat(
        [
            scores[["organisation", "respondent_id"]].drop_duplicates(),
            answered.astype({"organisation": str}),
        ]
    ).drop_duplicates()
    respondents = people.groupby("organisation").size()
    sizes = participation.set_index("organisation")[["responses"]].copy()
    sizes["respondents"] = respondents.reindex(sizes.index, fill_value=0).astype(int)
    sizes["small"] = sizes[["responses", "respondents"]].min(axis=1) < rules.min_group
    return sizes.sort_index()


def summarise_scales(
    scores: pd.DataFrame, sizes: pd.DataFrame, scales: list[str], rules: Rules
) -> pd.DataFrame:
    """Scale means per organisation against the benchmark of organisation means.

    Returns one row per (organisation, scale) with columns organisation, scale,
    n, mean, status, bench_orgs, bench_mean, bench_median, bench_p75,
    bench_status, difference and percentile_rank (0-100). With a focus
    organisation only its rows are returned and the benchmark is built from the
    other organisations.
    """
    m = rules.min_group
    grid = pd.MultiIndex.from_product([sizes.index, scales], names=["organisation", "scale"])
    cells = (
        scores.groupby(["organisation", "scale"])["score"].agg(n="count", mean="mean").reindex(grid)
    )
    cells["n"] = cells["n"].fillna(0).astype(int)
    small_org = sizes["small"].reindex(cells.index.get_level_values("organisation")).to_numpy()
    shown = ~small_org & (cells["n"].to_numpy() >= m)
    cells["status"] = np.where(shown, SHOWN, SMALL)
    cells.loc[~shown, "mean"] = np.nan
    cells = cells.reset_index()

    # The pool only holds organisation means that are themselves reportable:
    # a mean of 3 people does not stand for an organisation, and in the
    # researchers' version a hidden mean would follow by subtraction.
    in_pool = cells["status"] == SHOWN
    if rules.focus_org is not None:
        in_pool &= cells["organisation"] != rules.focus_org
    pool = cells.loc[in_pool, ["organisation", "scale", "mean"]]
    grouped = pool.groupby("scale")["mean"]
    bench = pd.DataFrame(
        {
            "bench_orgs": grouped.size(),
            "bench_mean": grouped.mean(),
            "bench_median": grouped.median(),
            "bench_p75": grouped.quantile(0.75),  # linear interpolation, R type 7
        }
    ).reindex(scales)
    bench["bench_orgs"] = bench["bench_orgs"].fillna(0).astype(int)
    too_few = bench["bench_orgs"] < rules.min_orgs
    bench["bench_status"] = np.where(too_few, FEW_ORGS, SHOWN)
    bench.loc[too_few, ["bench_mean", "bench_median", "bench_p75"]] = np.nan

    if rules.focus_org is None:
        rank_min = pool.groupby("scale")["mean"].rank(method="min")
        rank_max = pool.groupby("scale")["mean"].rank(method="max")
        below, equal = rank_min - 1, rank_max - rank_min + 1
        count = pool["scale"].map(bench["bench_orgs"])
        cells["percentile_rank"] = (100 * (below + equal / 2) / count).reindex(cells.index)
    else:
        cells = cells[cells["organisation"] == rules.focus_org].reset_index(drop=True)
        ranks = []
        for scale, value in zip(cells["scale"], cells["mean"]):
            others = pool.loc[pool["scale"] == scale, "mean"]
            below, equal = (others < value).sum(), (others == value).sum() + 1
            ranks.append(100 * (below + equal / 2) / (len(others) + 1))
        cells["percentile_rank"] = ranks
    cells = cells.join(bench, on="scale")
    cells["difference"] = cells["mean"] - cells["bench_mean"]
    hide_rank = (cells["status"] != SHOWN) | (cells["bench_status"] != SHOWN)
    cells.loc[hide_rank, ["percentile_rank", "difference"]] = np.nan
    return cells[
        [
            "organisation",
            "scale",
            "n",
            "mean",
            "status",
            "bench_orgs",
            "bench_mean",
            "bench_median",
            "bench_p75",
            "bench_status",
            "difference",
            "percentile_rank",
        ]
    ]


def _favourable(items: pd.DataFrame, group: str, rules: Rules) -> pd.DataFrame:
    """Percent favourable per (group, item), one call per number of answer points."""
    parts = [
        percent_favourable(
            part, group=group, item="item", top=rules.top, points=int(points)
        ).astype({group: str, "item": str})
        for points, part in items.groupby("points")
    ]
    columns = [group, "item", "n", "favourable", "percent", "ci_low", "ci_high"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def summarise_items(
    items: pd.DataFrame, sizes: pd.DataFrame, item_order: list[str], rules: Rules
) -> pd.DataFrame:
    """Percent favourable per organisation and item against the pooled benchmark.

    The benchmark pools respondents. With a focus organisation the pool is every
    other organisation, small ones included (nothing else about them is shown,
    so nothing can be subtracted). In the researchers' version the pool holds
    only the cells that are themselves shown, so a hidden cell cannot be worked
    out from the benchmark minus the listed organisations.
    """
    m = rules.min_group
    grid = pd.MultiIndex.from_product([sizes.index, item_order], names=["organisation", "item"])
    cells = _favourable(items, "organisation", rules).set_index(["organisation", "item"])
    cells = cells.reindex(grid)
    cells[["n", "favourable"]] = cells[["n", "favourable"]].fillna(0).astype(int)
    small_org = sizes["small"].reindex(cells.index.get_level_values("organisation")).to_numpy()
    shown = ~small_org & (cells["n"].to_numpy() >= m)
    cells["status"] = np.where(shown, SHOWN, SMALL)
    counts = cells[["n", "favourable", "status"]].reset_index()
    cells.loc[~shown, ["favourable", "percent", "ci_low", "ci_high"]] = np.nan
    cells = cells.reset_index()

    if rules.focus_org is None:
        pool = counts[counts["status"] == SHOWN]
    else:
        pool = counts[counts["organisation"] != rules.focus_org]
        cells = cells[cells["organisation"] == rules.focus_org].reset_index(drop=True)
    pool = (
        pool[pool["n"] > 0]
        .groupby("item")
        .agg(
            bench_orgs=("organisation", "size"),
            bench_n=("n", "sum"),
            favourable=("favourable", "sum"),
        )
        .reindex(item_order)
    )
    bench = pool[["bench_orgs", "bench_n"]].fillna(0).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        bench["bench_percent"] = pool["favourable"] / pool["bench_n"]
    low, high = wilson_interval(
        pool["favourable"].to_numpy(dtype=float), pool["bench_n"].to_numpy(dtype=float)
    )
    bench["bench_ci_low"], bench["bench_ci_high"] = low, high
    bench["bench_status"] = np.select(
        [bench["bench_orgs"] < rules.min_orgs, bench["bench_n"] < m], [FEW_ORGS, SMALL], SHOWN
    )
    bench.loc[
        bench["bench_status"] != SHOWN, ["bench_percent", "bench_ci_low", "bench_ci_high"]
    ] = np.nan
    cells = cells.join(bench, on="item")
    cells["difference"] = cells["percent"] - cells["bench_percent"]
    return cells[
        [
            "organisation",
            "item",
            "n",
            "percent",
            "ci_low",
            "ci_high",
            "status",
            "bench_orgs",
            "bench_n",
            "bench_percent",
            "bench_ci_low",
            "bench_ci_high",
            "bench_status",
            "difference",
        ]
    ]


def summarise_participation(
    participation: pd.DataFrame, sizes: pd.DataFrame, rules: Rules
) -> pd.DataFrame:
    """Responses, invitations, response rate and share of headcount per row.

    A small organisation's responses and rates are hidden; its invitations and
    headcount describe the organisation, not its respondents, and are shown.
    The pooled Benchmark row sums the other organisations; its rates use only
    the organisations whose invitations (or headcount) are known.
    """
    table = participation.set_index("organisation")[
        ["responses", "invitations", "headcount"]
    ].astype(float)
    table["status"] = np.where(sizes["small"].reindex(table.index), SMALL, SHOWN)
    if rules.focus_org is not None:
        others = table.drop(index=rules.focus_org)
        pooled = {
            "responses": others["responses"].sum(),
            "invitations": others["invitations"].sum(min_count=1),
            "headcount": others["headcount"].sum(min_count=1),
        }
        invited = others["invitations"].notna()
        counted = others["headcount"].notna()
        pooled["response_rate"] = _ratio(
            others.loc[invited, "responses"].sum(), others.loc[invited, "invitations"].sum()
        )
        pooled["headcount_share"] = _ratio(
            others.loc[counted, "responses"].sum(), others.loc[counted, "headcount"].sum()
        )
        few = len(others) < rules.min_orgs
        pooled["status"] = (
            FEW_ORGS if few else SMALL if pooled["responses"] < rules.min_group else SHOWN
        )
        focus = table.loc[[rules.focus_org]].copy()
        focus["response_rate"] = focus["responses"] / focus["invitations"]
        focus["headcount_share"] = focus["responses"] / focus["headcount"]
        table = pd.concat([focus, pd.DataFrame([pooled], index=[POOL])])
    else:
        table["response_rate"] = table["responses"] / table["invitations"]
        table["headcount_share"] = table["responses"] / table["headcount"]
    table = table.replace([np.inf, -np.inf], np.nan)
    hidden = table["status"] != SHOWN
    table.loc[hidden, ["responses", "response_rate", "headcount_share"]] = np.nan
    if rules.focus_org is not None and table.loc[POOL, "status"] == FEW_ORGS:
        table.loc[POOL, ["invitations", "headcount"]] = np.nan
    return table.rename_axis("organisation").reset_index()[
        [
            "organisation",
            "responses",
            "invitations",
            "response_rate",
            "headcount",
            "headcount_share",
            "status",
        ]
    ]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else np.nan


def suppress_partition(
    frame: pd.DataFrame, *, by: list[str], count: str, min_group: int, order: str
) -> pd.Series:
    """Status per row so that no group under ``min_group`` can be seen or worked out.

    Rows sharing ``by`` partition one known total (e.g. the categories of one
    variable within one organisation). Primary suppression hides groups with
    1 to ``min_group - 1`` members. Complementary suppression then hides the
    next-smallest groups (ties broken by ``order``) until the hidden groups
    together hold at least ``min_group`` people, so the total minus the shown
    groups reveals only a group of reportable size. Empty groups (0 members)
    are marked small but protect nobody, so they never count as cover.
    """
    n = frame[count]
    ranked = frame.assign(_n=n).sort_values(by + ["_n", order])
    groups = ranked.groupby(by, sort=False)
    position = groups.cumcount() + 1
    covered = groups["_n"].cumsum()
    primary = (ranked["_n"] > 0) & (ranked["_n"] < min_group)
    n_primary = primary.groupby([ranked[c] for c in by], sort=False).transform("sum")
    size = groups["_n"].transform("size")
    enough = (position >= n_primary) & (covered >= min_group)
    first_enough = (
        position.where(enough)
        .groupby([ranked[c] for c in by], sort=False)
        .transform("min")
        .fillna(size)
    )
    hidden_upto = np.where(n_primary > 0, first_enough, 0)
    status = np.select(
        [ranked["_n"] < min_group, position <= hidden_upto], [SMALL, COMPLEMENT], SHOWN
    )
    return pd.Series(status, index=ranked.index).reindex(frame.index)


def summarise_demographics(
    scores: pd.DataFrame,
    demographics: pd.DataFrame,
    sizes: pd.DataFrame,
    scales: list[str],
    rules: Rules,
) -> pd.DataFrame:
    """Scale means by demographic category within each reported organisation.

    Respondents with scale scores but no answer to a variable form the category
    "(not answered)", so the categories of a variable add up to the
    organisation's total and complementary suppression is complete. Returns
    columns organisation, variable, category, n, n_status, then for each scale
    ``mean:<scale>`` and ``status:<scale>``.
    """
    reported = sizes.index[~sizes["small"]]
    if rules.focus_org is not None:
        reported = reported[reported == rules.focus_org]
    variables = list(pd.unique(demographics["variable"]))
    keys = ["organisation", "variable", "category"]
    ordered = [f"{what}:{scale}" for scale in scales for what in ("mean", "status")]
    if len(reported) == 0:
        # a small focus organisation: one notice row per variable, no categories
        small = pd.DataFrame(
            {
                "organisation": rules.focus_org,
                "variable": variables,
                "category": "",
                "n": np.nan,
                "n_status": SMALL,
            }
        )
        for scale in scales:
            small[f"mean:{scale}"], small[f"status:{scale}"] = np.nan, SMALL
        return small[keys + ["n", "n_status"] + ordered]
    scores = scores[scores["organisation"].isin(reported)]
    people = scores[["organisation", "respondent_id"]].drop_duplicates()
    grid = people.merge(pd.DataFrame({"variable": variables}), how="cross")
    answers = demographics[["organisation", "respondent_id", "variable", "category"]]
    grid = grid.merge(answers, how="left", on=["organisation", "respondent_id", "variable"])
    grid["category"] = grid["category"].fillna(NOT_ANSWERED)
    table = grid.groupby(keys).size().rename("n").reset_index()
    table["n_status"] = suppress_partition(
        table,
        by=["organisation", "variable"],
        count="n",
        min_group=rules.min_group,
        order="category",
    )
    # one row per respondent with a column per scale keeps the join small
    wide = scores.pivot_table(
        index=["organisation", "respondent_id"],
        columns="scale",
        values="score",
        aggfunc="first",
        observed=True,
    )
    joined = grid.join(wide.reindex(columns=scales), on=["organisation", "respondent_id"])
    grouped = joined.groupby(keys)[scales]
    stats = (
        pd.concat({"n": grouped.count().stack(), "mean": grouped.mean().stack()}, axis=1)
        .rename_axis(keys + ["scale"])
        .reset_index()
    )
    stats["n"] = stats["n"].fillna(0).astype(int)
    stats["status"] = suppress_partition(
        stats,
        by=["organisation", "variable", "scale"],
        count="n",
        min_group=rules.min_group,
        order="category",
    )
    stats.loc[stats["status"] != SHOWN, "mean"] = np.nan
    wide = stats.pivot(index=keys, columns="scale", values=["mean", "status"])
    wide.columns = [f"{what}:{scale}" for what, scale in wide.columns]
    table = table.join(wide, on=keys)
    table.loc[table["n_status"] != SHOWN, "n"] = np.nan
    # variables and categories in order of first appearance, "(not answered)" last
    variable_rank = {variable: rank for rank, variable in enumerate(variables)}
    category_rank = {
        category: rank for rank, category in enumerate(pd.unique(demographics["category"]))
    }
    table = table.assign(
        _v=table["variable"].map(variable_rank),
        _c=table["category"].map(category_rank).fillna(len(category_rank)),
    )
    table = table.sort_values(["organisation", "_v", "_c"], kind="stable")
    return table[keys + ["n", "n_status"] + ordered].reset_index(drop=True)
