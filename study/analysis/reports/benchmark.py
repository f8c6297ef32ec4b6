"""Write the practitioners' benchmark spreadsheet: organisations against the benchmark.

One function, :func:`write_benchmark_workbook`, turns long DataFrames of scale
scores, item answers, participation and (optionally) demographics into an
.xlsx workbook with the sheets About, Summary, Items, Participation, Charts,
Demographics (when given), Activity (when platform measures are given) and Method.
No database here: the caller loads the frames. Two versions come from the same
function:

- practitioners' (``focus_org`` given): one organisation named, every other
  organisation pooled as "Benchmark" and never named anywhere in the file;
- researchers' (no ``focus_org``): every organisation listed.

Any group with fewer than ``min_group`` responses shows the words "fewer than
N responses" instead of a statistic; the rules are in
:mod:`study.analysis.reports.benchmark_tables` and written out on the Method sheet.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from study.analysis.reports import benchmark_tables as tables
from study.analysis.reports.benchmark_activity import (
    activity_method_rows,
    write_activity_sheet,
    writes_activity_sheet,
)
from study.analysis.reports.benchmark_sheets import (
    Column,
    Words,
    write_chart_sheet,
    write_table,
    write_text_sheet,
)
from study.analysis.reports.benchmark_text import OPEN_LINK, Notices, about_rows, method_rows
from study.errors import InsufficientData, InvalidInput, NotFound

__all__ = ["write_benchmark_workbook"]

_REQUIRED = {
    "scores": ("respondent_id", "organisation", "scale", "score"),
    "items": ("respondent_id", "organisation", "item", "value", "points"),
    "participation": ("organisation", "responses", "invitations", "headcount"),
    "demographics": ("respondent_id", "organisation", "variable", "category"),
}


def write_benchmark_workbook(
    out: str | os.PathLike[str],
    *,
    scores: pd.DataFrame,
    items: pd.DataFrame,
    participation: pd.DataFrame,
    instrument: str,
    demographics: pd.DataFrame | None = None,
    scale_labels: Mapping[str, str] | None = None,
    item_labels: Mapping[str, str] | None = None,
    focus_org: str | None = None,
    min_group: int = 5,
    min_orgs: int = 3,
    top: int = 2,
    generated: dt.date | None = None,
    activity: pd.DataFrame | None = None,
    withdrawn: int = 0,
) -> Path:
    """Write the benchmark workbook to ``out`` and return its path.

    Parameters
    ----------
    out : str or path-like
        The .xlsx file to write (overwritten if it exists).
    scores : DataFrame
        Long scale scores: respondent_id, organisation, scale, score (one row
        per respondent and scale; NaN scores are ignored).
    items : DataFrame
        Long item answers: respondent_id, organisation, item, value, points
        (``points`` = number of answer points of the item, e.g. 5; the same
        for every row of an item).
    participation : DataFrame
        One row per organisation: organisation, responses, invitations (NaN
        for an open link), headcount (NaN if unknown). Every organisation in
        the data must have a row; a row without data is a 0-response
        organisation.
    instrument : str
        Instrument id and version shown on the About sheet, e.g. "ism-core v2".
    demographics : DataFrame, optional
        Long answers: respondent_id, organisation, variable, category. Adds
        the Demographics sheet (scale means by category within the focus
        organisation, or within each organisation).
    scale_labels, item_labels : mapping, optional
        Display text per scale / item code; their order sets the row order
        (codes without a label follow in order of appearance).
    focus_org : str, optional
        Practitioners' version: the one organisation named; all others are
        pooled as "Benchmark". Omit for the researchers' version.
    min_group : int, default 5
        Groups with fewer responses show "fewer than N responses".
    min_orgs : int, default 3
        A benchmark figure needs at least this many organisations in its pool.
    top : int, default 2
        Percent favourable counts the top ``top`` answer points.
    generated : date, optional
        Date printed on the About sheet (default: today).
    activity : DataFrame, optional
        Platform measures (``study.platforms.activity_measures``): adds the Activity
        sheet, with the same small-group rule, and the measures' definitions on the
        Method sheet.

    Returns
    -------
    Path
        ``out`` as a Path.

    Raises
    ------
    InvalidInput
        A frame misses columns, holds non-numeric values, or an argument is
        out of range.
    InsufficientData
        ``scores`` is empty.
    NotFound
        ``focus_org`` has no participation row.
    """
    _check_settings(min_group=min_group, min_orgs=min_orgs, top=top, focus_org=focus_org)
    scores, items, participation, demographics = _normalise(
        scores, items, participation, demographics
    )
    if focus_org is not None and focus_org not in set(participation["organisation"]):
        raise NotFound(f"Organisation {focus_org!r} is not in the participation table.")
    rules = tables.Rules(min_group=min_group, min_orgs=min_orgs, top=top, focus_org=focus_org)
    notices = Notices(min_group=min_group, min_orgs=min_orgs)
    scale_order = _ordered(scores["scale"], scale_labels)
    item_order = _ordered(items["item"], item_labels)
    scale_text = {s: (scale_labels or {}).get(s, s) for s in scale_order}
    item_text = {i: (item_labels or {}).get(i, i) for i in item_order}

    sizes = tables.organisation_sizes(scores, items, participation, rules)
    summary = tables.summarise_scales(scores, sizes, scale_order, rules)
    item_table = tables.summarise_items(items, sizes, item_order, rules)
    turnout = tables.summarise_participation(participation, sizes, rules)

    wb = Workbook(write_only=True)
    wb.properties.creator = "ISM Study"
    wb.properties.lastModifiedBy = "ISM Study"
    wb.properties.title = "ISM Study benchmark"
    generated = generated or dt.date.today()
    wb.properties.created = dt.datetime.combine(generated, dt.time())
    counts = _about_counts(sizes, turnout, rules, notices)
    write_text_sheet(
        wb,
        "About",
        about_rows(
            focus_org=focus_org,
            generated=generated,
            instrument=instrument,
            notices=notices,
            top=top,
            counts=counts,
            activity=writes_activity_sheet(activity),
            withdrawn=withdrawn,
        ),
    )
    _summary_sheet(wb, summary, scale_text, notices)
    _items_sheet(wb, item_table, item_text, notices)
    _participation_sheet(wb, turnout, notices)
    _charts_sheet(wb, summary, scale_order, scale_text, sizes, rules, notices)
    if demographics is not None:
        demo = tables.summarise_demographics(scores, demographics, sizes, scale_order, rules)
        _demographics_sheet(wb, demo, scale_order, scale_text, notices)
    method = method_rows(focus_org=focus_org, notices=notices, top=top)
    if writes_activity_sheet(activity):
        write_activity_sheet(
            wb, activity, min_group=min_group, min_orgs=min_orgs, focus_org=focus_org
        )
        method += activity_method_rows()
    write_text_sheet(wb, "Method", method)
    path = Path(out)
    wb.save(path)
    return path


def _check_settings(*, min_group: int, min_orgs: int, top: int, focus_org: str | None) -> None:
    for name, value in (("min_group", min_group), ("min_orgs", min_orgs), ("top", top)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidInput(f"{name} must be a whole number of at least 1, not {value!r}.")
    if focus_org == tables.POOL:
        raise InvalidInput(
            f"The focus organisation cannot be called {tables.POOL!r}: "
            "that name labels the pooled other organisations."
        )


def _normalise(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    participation: pd.DataFrame,
    demographics: pd.DataFrame | None,
) -> tuple[pd.DataFrame, ...]:
    """Check columns and types; organisation names become str; NaN answers are dropped."""
    frames = {
        "scores": scores,
        "items": items,
        "participation": participation,
        "demographics": demographics,
    }
    for name, frame in frames.items():
        if frame is None:
            continue
        if not isinstance(frame, pd.DataFrame):
            raise InvalidInput(f"{name} must be a pandas DataFrame.")
        missing = [c for c in _REQUIRED[name] if c not in frame.columns]
        if missing:
            raise InvalidInput(f"{name} is missing the column(s) {', '.join(missing)}.")
    scores = _numeric(scores[list(_REQUIRED["scores"])], "scores", ["score"])
    scores = scores.dropna(subset=["score"]).astype({"organisation": str, "scale": str})
    if scores.empty:
        raise InsufficientData("There are no scale scores to put in a benchmark.")
    items = _numeric(items[list(_REQUIRED["items"])], "items", ["value", "points"])
    # Categories: item answers are the biggest frame (organisations x people x
    # items); factorising its text columns once makes every later grouping cheap.
    items = (
        items.dropna(subset=["value"])
        .astype({"organisation": str, "item": str})
        .astype({"organisation": "category", "item": "category"})
    )
    if (
        items["points"].isna().any()
        or (items.groupby("item", observed=True)["points"].nunique() > 1).any()
    ):
        raise InvalidInput("items must give one number of answer points per item.")
    participation = _numeric(
        participation[list(_REQUIRED["participation"])],
        "participation",
        ["responses", "invitations", "headcount"],
    )
    participation = participation.astype({"organisation": str})
    if participation["responses"].isna().any():
        raise InvalidInput("participation must give a number of responses for every organisation.")
    if participation["organisation"].duplicated().any():
        raise InvalidInput("participation has more than one row for an organisation.")
    known = set(participation["organisation"])
    with_answers = set(pd.unique(scores["organisation"])) | set(pd.unique(items["organisation"]))
    unlisted = sorted(with_answers - known)
    if unlisted:
        raise InvalidInput(
            f"{len(unlisted)} organisation(s) have answers but no "
            f"participation row, e.g. {unlisted[0]!r}."
        )
    if demographics is not None:
        demographics = (
            demographics[list(_REQUIRED["demographics"])]
            .dropna(subset=["category"])
            .astype({"organisation": str, "variable": str, "category": str})
        )
        if demographics.duplicated(["organisation", "respondent_id", "variable"]).any():
            raise InvalidInput("demographics has more than one answer per respondent and variable.")
    return scores, items, participation, demographics


def _numeric(frame: pd.DataFrame, name: str, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        try:
            frame[column] = pd.to_numeric(frame[column]).astype(float)
        except (TypeError, ValueError) as error:
            raise InvalidInput(f"{name}.{column} must hold numbers.") from error
    return frame


def _ordered(codes: pd.Series, labels: Mapping[str, str] | None) -> list[str]:
    present = [str(code) for code in pd.unique(codes)]
    first = [str(code) for code in (labels or {}) if str(code) in set(present)]
    return first + [code for code in present if code not in set(first)]


def _shown(values: pd.Series, status: pd.Series | None, notices: Notices) -> list[object]:
    """Cell values: numbers, None for NaN, or the notice where ``status`` hides them."""
    out = values.astype(object).where(values.notna(), None)
    if status is not None:
        words = status.map({code: notices.words(code) for code in pd.unique(status)})
        out = words.where(words.notna(), out)
    return out.tolist()


def _about_counts(
    sizes: pd.DataFrame, turnout: pd.DataFrame, rules: tables.Rules, notices: Notices
) -> list[tuple[str, object, str | None]]:
    if rules.focus_org is None:
        reported = sizes[~sizes["small"]]
        return [
            ("Organisations", len(sizes), "count"),
            ("Organisations reported", len(reported), "count"),
            ("Respondents in reported organisations", float(reported["responses"].sum()), "count"),
        ]
    rows = turnout.set_index("organisation")
    own, pool = rows.loc[rules.focus_org], rows.loc[tables.POOL]
    return [
        (
            "Responses from this organisation",
            *_count_or_notice(own["responses"], own["status"], notices),
        ),
        ("Organisations in the benchmark", len(sizes) - 1, "count"),
        (
            "Responses in the benchmark",
            *_count_or_notice(pool["responses"], pool["status"], notices),
        ),
    ]


def _count_or_notice(value: float, status: str, notices: Notices) -> tuple[object, str | None]:
    words = notices.words(status)
    return (words, None) if words else (float(value), "count")


def _write_columns(
    wb: Workbook,
    title: str,
    cells: list[tuple[Column, list[object]]],
    *,
    freeze: str,
    colour_scales: tuple[str, ...] = (),
) -> None:
    """Write a table sheet from (column, its cells) pairs: :func:`write_table` column-wise."""
    columns = [column for column, _ in cells]
    values = [column_values for _, column_values in cells]
    write_table(wb, title, columns, values, freeze=freeze, colour_scales=colour_scales)


def _summary_sheet(
    wb: Workbook, summary: pd.DataFrame, scale_text: Mapping[str, str], notices: Notices
) -> None:
    s = summary
    n = s["n"].where(s["status"] == tables.SHOWN)
    difference = "Difference to benchmark mean"
    cells = [
        (Column("Organisation", 28, "user"), s["organisation"].tolist()),
        (Column("Scale", 30, "user"), s["scale"].map(scale_text).tolist()),
        (Column("Responses (n)", 11, "count"), _shown(n, None, notices)),
        (Column("Mean", 12, "mean"), _shown(s["mean"], s["status"], notices)),
        (Column("Benchmark mean", 12, "mean"), _shown(s["bench_mean"], s["bench_status"], notices)),
        (Column("Benchmark median", 12, "mean"), _shown(s["bench_median"], None, notices)),
        (Column("Benchmark top quartile", 12, "mean"), _shown(s["bench_p75"], None, notices)),
        (Column(difference, 13, "difference"), _shown(s["difference"], None, notices)),
        (Column("Percentile rank", 11, "rank"), _shown(s["percentile_rank"], None, notices)),
        (Column("Organisations in benchmark", 13, "count"), s["bench_orgs"].tolist()),
    ]
    _write_columns(wb, "Summary", cells, freeze="C2", colour_scales=(difference,))


def _items_sheet(
    wb: Workbook, table: pd.DataFrame, item_text: Mapping[str, str], notices: Notices
) -> None:
    t = table
    n = t["n"].where(t["status"] == tables.SHOWN)
    bench_n = t["bench_n"].where(t["bench_status"] == tables.SHOWN)
    bench_percent = _shown(t["bench_percent"], t["bench_status"], notices)
    difference = "Difference (percentage points)"
    cells = [
        (Column("Organisation", 28, "user"), t["organisation"].tolist()),
        (Column("Item", 12, "user"), t["item"].tolist()),
        (Column("Item text", 50, "user"), t["item"].map(item_text).tolist()),
        (Column("Responses (n)", 11, "count"), _shown(n, None, notices)),
        (Column("Percent favourable", 12, "percent"), _shown(t["percent"], t["status"], notices)),
        (Column("95% CI low", 10, "percent"), _shown(t["ci_low"], None, notices)),
        (Column("95% CI high", 10, "percent"), _shown(t["ci_high"], None, notices)),
        (Column("Benchmark responses (n)", 12, "count"), _shown(bench_n, None, notices)),
        (Column("Benchmark percent favourable", 12, "percent"), bench_percent),
        (Column("Benchmark 95% CI low", 11, "percent"), _shown(t["bench_ci_low"], None, notices)),
        (Column("Benchmark 95% CI high", 11, "percent"), _shown(t["bench_ci_high"], None, notices)),
        (Column(difference, 13, "percent_difference"), _shown(t["difference"], None, notices)),
    ]
    _write_columns(wb, "Items", cells, freeze="D2", colour_scales=(difference,))


def _participation_sheet(wb: Workbook, turnout: pd.DataFrame, notices: Notices) -> None:
    t = turnout
    invitations = _shown(t["invitations"], None, notices)
    open_link = t["invitations"].isna() & (t["status"] != tables.FEW_ORGS)
    # an open link has no invitations to hide: plain words, not a hidden number's marker
    invitations = [
        Words(OPEN_LINK) if is_open else value for value, is_open in zip(invitations, open_link)
    ]
    cells = [
        (Column("Organisation", 28, "user"), t["organisation"].tolist()),
        (Column("Responses", 12, "count"), _shown(t["responses"], t["status"], notices)),
        (Column("Invitations", 12, "count"), invitations),
        (Column("Response rate", 11, "percent"), _shown(t["response_rate"], None, notices)),
        (Column("Headcount", 12, "count"), _shown(t["headcount"], None, notices)),
        (Column("Share of headcount", 11, "percent"), _shown(t["headcount_share"], None, notices)),
    ]
    _write_columns(wb, "Participation", cells, freeze="B2")


def _charts_sheet(
    wb: Workbook,
    summary: pd.DataFrame,
    scale_order: list[str],
    scale_text: Mapping[str, str],
    sizes: pd.DataFrame,
    rules: tables.Rules,
    notices: Notices,
) -> None:
    labels = [scale_text[s] for s in scale_order]
    # summary rows run organisation by organisation, scales in scale_order
    means = _shown(summary["mean"], summary["status"], notices)
    bench = _shown(summary["bench_mean"], summary["bench_status"], notices)
    k = len(scale_order)
    # a hidden organisation gets no chart; a hidden focus gets the benchmark's bars
    hidden = "none" if rules.focus_org is None else "benchmark"
    blocks = [
        (
            organisation,
            means[i : i + k],
            bench[i : i + k],
            labels,
            hidden if sizes.loc[organisation, "small"] else "both",
        )
        for i, organisation in zip(range(0, len(summary), k), summary["organisation"].iloc[::k])
    ]
    write_chart_sheet(
        wb, blocks, ("Organisation mean", "Benchmark mean"), block_height=max(len(labels) + 1, 15)
    )


def _demographics_sheet(
    wb: Workbook,
    demo: pd.DataFrame,
    scale_order: list[str],
    scale_text: Mapping[str, str],
    notices: Notices,
) -> None:
    cells = [
        (Column("Organisation", 28, "user"), demo["organisation"].tolist()),
        (Column("Variable", 16, "user"), demo["variable"].tolist()),
        (Column("Category", 20, "user"), demo["category"].tolist()),
        (Column("Responses (n)", 11, "count"), _shown(demo["n"], demo["n_status"], notices)),
    ]
    cells += [
        (
            Column(f"Mean: {scale_text[s]}", 14, "mean"),
            _shown(demo[f"mean:{s}"], demo[f"status:{s}"], notices),
        )
        for s in scale_order
    ]
    _write_columns(wb, "Demographics", cells, freeze="D2")
