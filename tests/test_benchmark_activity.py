"""The benchmark's Activity sheet hides small organisations and few leaders, like the survey."""

from __future__ import annotations

import pandas as pd

from study.analysis.reports.benchmark_activity import BENCHMARK_ROW, activity_table
from study.platforms.measures import MEASURE_COLUMNS


def measures(rows: list[dict]) -> pd.DataFrame:
    base = {c: 0.5 for c in MEASURE_COLUMNS}
    return pd.DataFrame([{**base, "department": None, **row} for row in rows])


def test_small_organisations_and_few_leaders_are_hidden():
    table = activity_table(measures([
        {"organisation": "Big", "members": 40, "active_members": 30, "leaders": 6},
        {"organisation": "Few leaders", "members": 40, "active_members": 30, "leaders": 2},
        {"organisation": "Tiny", "members": 4, "active_members": 4, "leaders": 1}]),
        min_group=5).set_index("organisation")
    assert table.loc["Big", "leader_reply_share"] == 0.5
    assert table.loc["Few leaders", "leader_reply_share"] == "fewer than 5 leaders"
    assert table.loc["Few leaders", "lurker_share"] == 0.5
    assert set(table.loc["Tiny"]) == {"fewer than 5 members"}


def test_practitioners_see_the_median_of_others_only_with_enough_organisations():
    rows = [{"organisation": f"Org {i}", "members": 50, "leaders": 9, "lurker_share": share}
            for i, share in enumerate([0.1, 0.2, 0.4, 0.9])]
    table = activity_table(measures(rows), min_group=5, min_orgs=3, focus_org="Org 0")
    assert list(table["organisation"]) == ["Org 0", BENCHMARK_ROW]
    assert table.iloc[1]["lurker_share"] == 0.4  # median of 0.2, 0.4, 0.9
    two_others = activity_table(measures(rows[:3]), min_group=5, min_orgs=3,
                                focus_org="Org 0")
    assert two_others.iloc[1]["lurker_share"] == "fewer than 3 organisations"
