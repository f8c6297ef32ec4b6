"""The benchmark's Activity sheet hides small organisations and few leaders, like the survey."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_activity import BENCHMARK_ROW, activity_table
from study.analysis.reports.benchmark_data import benchmark_frames, benchmark_workbook_bytes
from study.analysis.reports.benchmark_editions import edition_frames, publish_benchmark
from study.demo import DEMO_PLATFORMS, DEMO_SALT
from study.platforms.measures import MEASURE_COLUMNS
from study.platforms.store import import_platform_export

from conftest import DATA as TEST_DATA

EXPORTS = TEST_DATA / "platforms"


def measures(rows: list[dict]) -> pd.DataFrame:
    base = {c: 0.5 for c in MEASURE_COLUMNS}
    return pd.DataFrame([{**base, "department": None, **row} for row in rows])


def test_small_organisations_and_few_leaders_are_hidden():
    table = activity_table(
        measures(
            [
                {"organisation": "Big", "members": 40, "active_members": 30, "leaders": 6},
                {"organisation": "Few leaders", "members": 40, "active_members": 30, "leaders": 2},
                {"organisation": "Tiny", "members": 4, "active_members": 4, "leaders": 1},
            ]
        ),
        min_group=5,
    ).set_index("organisation")
    assert table.loc["Big", "leader_reply_share"] == 0.5
    assert table.loc["Few leaders", "leader_reply_share"] == "fewer than 5 leaders"
    assert table.loc["Few leaders", "lurker_share"] == 0.5
    assert set(table.loc["Tiny"]) == {"fewer than 5 members"}


def test_practitioners_see_the_median_of_others_only_with_enough_organisations():
    rows = [
        {"organisation": f"Org {i}", "members": 50, "leaders": 9, "lurker_share": share}
        for i, share in enumerate([0.1, 0.2, 0.4, 0.9])
    ]
    table = activity_table(measures(rows), min_group=5, min_orgs=3, focus_org="Org 0")
    assert list(table["organisation"]) == ["Org 0", BENCHMARK_ROW]
    assert table.iloc[1]["lurker_share"] == 0.4  # median of 0.2, 0.4, 0.9
    two_others = activity_table(measures(rows[:3]), min_group=5, min_orgs=3, focus_org="Org 0")
    assert two_others.iloc[1]["lurker_share"] == "fewer than 3 organisations"


def _activity_sheet(data: bytes) -> dict[str, tuple]:
    sheet = load_workbook(io.BytesIO(data))["Activity"]
    return {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_a_published_edition_freezes_its_activity_sheet(demo_database, tmp_path):
    """The page's and the CLI's downloads carry the Activity sheet; an edition keeps its own."""
    with demo_database.transaction() as session:
        publish_benchmark(session, actor=OPERATOR)
    with demo_database.transaction() as session:
        _, edition = edition_frames(session)
        current = benchmark_frames(session)
    focus = "Nordlys Bank"
    published = _activity_sheet(benchmark_workbook_bytes(edition, organisation=focus, min_group=5))
    assert list(published) == [focus, BENCHMARK_ROW]
    assert published == _activity_sheet(
        benchmark_workbook_bytes(current, organisation=focus, min_group=5)
    )
    members = published[focus][0]
    # Later platform data (another export of Nordlys Bank) changes the current sheet only.
    salt = tmp_path / "demo-salt.key"
    salt.write_text(DEMO_SALT + "\n", encoding="ascii")  # the demo imports' salt
    with demo_database.transaction() as session:
        import_platform_export(
            session,
            EXPORTS / "slack-nordlys",
            organisation=focus,
            platform="slack",
            salt_file=salt,
            actor=OPERATOR,
        )
    with demo_database.transaction() as session:
        _, edition = edition_frames(session)
        current = benchmark_frames(session)
    assert (
        _activity_sheet(benchmark_workbook_bytes(edition, organisation=focus, min_group=5))
        == published
    )
    now = _activity_sheet(benchmark_workbook_bytes(current, organisation=focus, min_group=5))
    assert now[focus][0] > members
    every = _activity_sheet(benchmark_workbook_bytes(edition, organisation=None, min_group=5))
    assert sorted(every) == sorted(DEMO_PLATFORMS)  # the researchers' version names them all
