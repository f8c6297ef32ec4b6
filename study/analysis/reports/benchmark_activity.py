"""The benchmark workbook's Activity sheet: what people do on the platform, small groups hidden.

One row per organisation with a platform export (``activity_measures``, organisation
rows). The same rule as the survey sheets protects small groups: an organisation
with fewer than the minimum group size of members shows no numbers, and the
leaders' measures are hidden where fewer leaders than that wrote them (a share of
two directors' replies is those two people's behaviour). The practitioners'
version names one organisation and sets the median of the others beside it, only
when at least ``min_orgs`` others can be shown. The definitions and sources go to
the Method sheet (:func:`activity_method_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook

from study.analysis.reports.benchmark_sheets import Column, write_table
from study.platforms.measures import MEASURES

__all__ = [
    "ACTIVITY_COLUMNS",
    "activity_method_rows",
    "activity_table",
    "write_activity_sheet",
    "writes_activity_sheet",
]

#: (measure key, number format) shown on the sheet, in order.
ACTIVITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("members", "count"),
    ("active_members", "count"),
    ("lurker_share", "percent"),
    ("posts_per_active_member_week", "mean"),
    ("replied_thread_share", "percent"),
    ("replies_per_thread", "mean"),
    ("median_minutes_to_first_reply", "mean"),
    ("reactions_per_post", "mean"),
    ("leader_post_share", "percent"),
    ("leader_reply_share", "percent"),
    ("leader_answer_share", "percent"),
    ("working_hours_share", "percent"),
    ("weekly_regularity", "percent"),
    ("cross_department_reply_share", "percent"),
    ("reciprocity", "percent"),
)
LEADER_MEASURES = frozenset({"leader_post_share", "leader_reply_share", "leader_answer_share"})
BENCHMARK_ROW = "Benchmark (median of the other organisations)"


def activity_table(
    measures: pd.DataFrame, *, min_group: int, min_orgs: int = 3, focus_org: str | None = None
) -> pd.DataFrame:
    """Organisation rows, each cell a number or the words saying why it is hidden."""
    rows = measures[measures["department"].isna()] if "department" in measures else measures
    keys = [key for key, _ in ACTIVITY_COLUMNS]
    table = []
    for _, row in rows.sort_values("organisation").iterrows():
        cells: dict[str, object] = {"organisation": row["organisation"]}
        for key in keys:
            value = row[key]
            if row["members"] < min_group and key != "members":
                value = f"fewer than {min_group} members"
            elif key == "members" and row["members"] < min_group:
                value = f"fewer than {min_group} members"
            elif key in LEADER_MEASURES and row["leaders"] < min_group:
                value = f"fewer than {min_group} leaders"
            cells[key] = None if isinstance(value, float) and np.isnan(value) else value
        table.append(cells)
    frame = pd.DataFrame(table, columns=["organisation", *keys])
    if focus_org is None:
        return frame
    focus = frame[frame["organisation"] == focus_org]
    others = frame[frame["organisation"] != focus_org]
    benchmark: dict[str, object] = {"organisation": BENCHMARK_ROW}
    for key in keys:
        shown = pd.to_numeric(others[key], errors="coerce").dropna()
        benchmark[key] = (
            float(shown.median())
            if len(shown) >= min_orgs
            else f"fewer than {min_orgs} organisations"
        )
    return pd.concat([focus, pd.DataFrame([benchmark])], ignore_index=True)


def writes_activity_sheet(measures: pd.DataFrame | None) -> bool:
    """True if :func:`write_activity_sheet` adds a sheet for ``measures`` (an organisation row)."""
    if measures is None or measures.empty:
        return False
    if "department" in measures:
        return bool(measures["department"].isna().any())
    return True


def write_activity_sheet(
    wb: Workbook,
    measures: pd.DataFrame,
    *,
    min_group: int,
    min_orgs: int = 3,
    focus_org: str | None = None,
) -> None:
    """Add the Activity sheet (nothing when no organisation has a platform export)."""
    if not writes_activity_sheet(measures):
        return
    table = activity_table(measures, min_group=min_group, min_orgs=min_orgs, focus_org=focus_org)
    if table.empty:
        return
    labels = {m.key: m.label for m in MEASURES}
    columns = [Column("Organisation", 30, "user")] + [
        Column(labels[key], 14, kind) for key, kind in ACTIVITY_COLUMNS
    ]
    values: list[Sequence[object]] = [list(table["organisation"])]
    for key, _ in ACTIVITY_COLUMNS:
        values.append(
            [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in table[key]]
        )
    write_table(wb, "Activity", columns, values, freeze="B2")


def activity_method_rows() -> list[tuple[str, object, str | None]]:
    """Method-sheet rows: each platform measure's definition and source."""
    return [(f"Activity: {m.label}", f"{m.definition} Source: {m.source}.", None) for m in MEASURES]
