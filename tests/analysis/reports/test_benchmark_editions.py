"""Issue 13.5: a practitioner cannot work out other organisations' means from the benchmark.

Two attacks, run against the real workbook on both backends:

- *three others*: with three other organisations in the pool, the benchmark
  mean, median and top quartile (R type 7) are three equations in their three
  means, so all three follow. Every benchmark statistic now needs
  STUDY_MIN_BENCHMARK_ORGS (default 5) other organisations.
- *differencing*: comparing downloads made before and after an organisation
  joins gives the newcomer's means. Practitioners now get only published,
  frozen editions, and a new edition needs at least that many new organisations.
"""

from __future__ import annotations

import io
import math
import random

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_data import benchmark_frames, benchmark_workbook_bytes
from study.analysis.reports.benchmark_editions import (
    edition_frames,
    edition_readiness,
    list_benchmark_editions,
    publish_benchmark,
)
from study.analysis.reports.benchmark_export import export_benchmark
from study.cli import app
from study.errors import InsufficientData, NotFound

from comparison_study import add_organisation_with_answers

FOCUS = "Focus Bank"
runner = CliRunner()


def rows_for(index: int, people: int = 6) -> list[list[int]]:
    """Answers to the four 'not seen as work' items (organisations 0-3: four distinct means)."""
    rng = random.Random(index)
    return [[rng.randint(1, 5) for _ in range(4)] for _ in range(people)]


def add_organisations(session, names: list[str], start: int) -> None:
    for offset, name in enumerate(names):
        add_organisation_with_answers(session, name, rows_for(start + offset))


def organisation_means(session) -> dict[str, float]:
    scores = benchmark_frames(session).scores
    scores = scores[scores["scale"] == "challenge_not_work"]
    return scores.groupby("organisation")["score"].mean().to_dict()


def numbers(path) -> list[float]:
    wb = load_workbook(path)
    return [
        float(cell.value)
        for ws in wb
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
    ]


def summary_row(path, scale: str = "Challenge: not seen as work") -> tuple:
    return next(
        row for row in load_workbook(path)["Summary"].iter_rows(values_only=True) if row[1] == scale
    )


def three_others_attack(path) -> list[float] | None:
    """Solve mean, median and top quartile of three organisation means for the three means."""
    row = summary_row(path)
    mean, median, top = row[4:7]
    if not all(isinstance(v, float) for v in (mean, median, top)):
        return None
    highest = 2 * top - median  # type 7: Q3 of three = b + (c - b) / 2
    return sorted([3 * mean - median - highest, median, highest])


@pytest.fixture
def three_others(session):
    add_organisation_with_answers(session, FOCUS, rows_for(0))
    add_organisations(session, ["Other A", "Other B", "Other C"], start=1)
    session.flush()
    return organisation_means(session)


def test_three_other_organisations_no_longer_give_their_means(
    session, three_others, tmp_path, monkeypatch
):
    others = sorted(v for k, v in three_others.items() if k != FOCUS)
    assert len(set(others + [three_others[FOCUS]])) == 4  # four different means
    # The attack works when three organisations are enough (the old rule)...
    monkeypatch.setenv("STUDY_MIN_BENCHMARK_ORGS", "3")
    old = export_benchmark(session, tmp_path / "old.xlsx", organisation=FOCUS, viewer=OPERATOR)
    assert three_others_attack(old) == pytest.approx(others)
    # ...and with the default (5) no benchmark statistic is shown, so nothing follows.
    monkeypatch.delenv("STUDY_MIN_BENCHMARK_ORGS")
    path = export_benchmark(session, tmp_path / "new.xlsx", organisation=FOCUS, viewer=OPERATOR)
    assert three_others_attack(path) is None
    assert summary_row(path)[4:9] == ("fewer than 5 organisations", None, None, None, None)
    for number in numbers(path):
        assert not any(math.isclose(number, other, rel_tol=1e-9) for other in others), number
    items = [row for row in load_workbook(path)["Items"].iter_rows(min_row=2, values_only=True)]
    assert items and all(row[8] is None or row[8] == "fewer than 5 organisations" for row in items)


@pytest.fixture
def published(session):
    """Focus Bank and five others, published as edition 1."""
    add_organisation_with_answers(session, FOCUS, rows_for(0))
    add_organisations(session, [f"Member {i}" for i in range(1, 6)], start=1)
    session.flush()
    return publish_benchmark(session, actor=OPERATOR)


def practitioner_download(session) -> list[tuple]:
    """What the practitioner's page offers: the newest edition, their organisation's version."""
    info, frames = edition_frames(session)
    data = benchmark_workbook_bytes(
        frames, organisation=FOCUS, min_group=5, generated=info.published_on
    )
    wb = load_workbook(io.BytesIO(data))
    return [(ws.title, row) for ws in wb for row in ws.iter_rows(values_only=True)]


def live_bench_mean(session, path) -> float:
    """The benchmark mean a download of the current data (researchers' data) would show."""
    return summary_row(export_benchmark(session, path, organisation=FOCUS, viewer=OPERATOR))[4]


def test_downloads_before_and_after_an_organisation_joins_are_the_same_edition(
    session, published, tmp_path
):
    assert (published.number, published.organisations) == (1, 6)
    before = practitioner_download(session)
    summary = [row for title, row in before if title == "Summary" and row[0] == FOCUS]
    assert summary and isinstance(summary[0][4], float)  # five others: the benchmark shows
    live_before = live_bench_mean(session, tmp_path / "live-before.xlsx")
    add_organisation_with_answers(session, "Newcomer", rows_for(9))
    session.flush()
    # Without editions, two downloads give the newcomer's mean by subtraction...
    live_after = live_bench_mean(session, tmp_path / "live-after.xlsx")
    newcomer = organisation_means(session)["Newcomer"]
    assert 6 * live_after - 5 * live_before == pytest.approx(newcomer)
    # ...practitioners get the published edition: the same numbers as before.
    assert practitioner_download(session) == before
    with pytest.raises(
        InsufficientData, match="1 organisation.* since edition 1; a new edition needs at least 5"
    ):
        publish_benchmark(session, actor=OPERATOR)
    add_organisations(session, [f"Later {i}" for i in range(3)], start=10)
    session.flush()
    assert not edition_readiness(session).ready
    assert practitioner_download(session) == before
    add_organisation_with_answers(session, "Fifth newcomer", rows_for(13))
    session.flush()
    assert edition_readiness(session).ready
    second = publish_benchmark(session, actor=OPERATOR)
    assert (second.number, second.organisations) == (2, 11)  # differs by five organisations
    assert practitioner_download(session) != before
    assert [e.number for e in list_benchmark_editions(session, viewer=OPERATOR)] == [2, 1]


def test_an_edition_keeps_its_responses_when_an_organisation_answers_again(session, published):
    """More responses in a member's campaign do not change the published edition either."""
    _, frames = edition_frames(session, 1)
    before = frames.scores.sort_values(["respondent_id", "scale"]).reset_index(drop=True)
    from study.db.models import CampaignRow
    from study.surveys import store_responses

    campaign = frames.campaigns["Member 1"]
    store_responses(
        session,
        campaign_id=campaign,
        answers=pd.DataFrame(
            [(0, "nw1", 5), (0, "nw2", 5), (0, "nw3", 5), (0, "nw4", 1)],
            columns=["key", "item_id", "value"],
        ),
        responses=pd.DataFrame({"key": [0], "complete": True, "language": "en"}),
        source="import",
        actor=OPERATOR,
    )
    assert session.get(CampaignRow, campaign) is not None
    _, again = edition_frames(session, 1)
    after = again.scores.sort_values(["respondent_id", "scale"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    assert len(benchmark_frames(session).scores) > len(before)


def test_the_first_edition_needs_enough_organisations(session):
    with pytest.raises(NotFound, match="No benchmark edition has been published yet"):
        edition_frames(session)
    add_organisation_with_answers(session, FOCUS, rows_for(0))
    add_organisations(session, ["Other A", "Other B", "Other C"], start=1)
    session.flush()
    with pytest.raises(InsufficientData, match="4 organisation.* so far; a new edition needs"):
        publish_benchmark(session, actor=OPERATOR)
    assert list_benchmark_editions(session, viewer=OPERATOR) == []


def run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": url})


def test_cli_publishes_lists_and_exports_editions(database, tmp_path):
    url = database.url
    with database.transaction() as session:
        add_organisation_with_answers(session, FOCUS, rows_for(0))
        add_organisations(session, ["Other A", "Other B", "Other C"], start=1)
    result = run(url, "benchmark", "publish")
    assert result.exit_code == 1 and result.output.startswith("Error: Cannot publish")
    assert "Traceback" not in result.output
    with database.transaction() as session:
        add_organisations(session, ["Other D", "Other E"], start=4)
    result = run(url, "benchmark", "publish")
    assert result.exit_code == 0, result.output
    assert "Published benchmark edition 1 of ism-adoption-survey: 6 organisations" in result.output
    result = run(url, "benchmark", "editions", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"number": 1' in result.output and '"organisations": 6' in result.output
    result = run(url, "benchmark", "editions")
    assert "a new edition needs at least 5" in result.output
    out = tmp_path / "focus.xlsx"
    result = run(url, "export", "benchmark", "--out", str(out), "--org", FOCUS, "--edition", "1")
    assert result.exit_code == 0, result.output
    assert "(edition 1)" in result.output
    about = dict(
        row[:2] for row in load_workbook(out)["About"].iter_rows(values_only=True) if row and row[0]
    )
    assert "benchmark edition 1" in str(about["Instrument version"])
    for args, message in [
        (["--edition", "7"], "There is no benchmark edition 7"),
        (["--edition", "1", "--campaign", "1"], "not both"),
    ]:
        result = run(url, "export", "benchmark", "--out", str(out), *args)
        assert result.exit_code == 1 and message in result.output, result.output


def test_the_page_shows_practitioners_the_published_edition_only(database):
    from study.admin.accounts import add_account

    from conftest import open_app_page

    with database.transaction() as session:
        add_organisation_with_answers(session, FOCUS, rows_for(0))
        add_organisations(session, [f"Member {i}" for i in range(1, 6)], start=1)
        researcher = add_account(
            session,
            "rita@example.org",
            role="researcher",
            password="a long secret password",
            actor=OPERATOR,
        )
        practitioner = add_account(
            session,
            "pia@example.org",
            role="practitioner",
            password="a long secret password",
            organisation=FOCUS,
            actor=OPERATOR,
        )
    at = open_app_page(practitioner, "benchmark.py")
    assert not at.exception, at.exception
    assert "No benchmark has been published yet" in at.info[0].value
    assert not at.get("download_button")

    at = open_app_page(researcher, "benchmark.py")
    assert not at.exception, at.exception
    publish = next(b for b in at.button if b.label == "Publish a new edition")
    assert not publish.disabled
    publish.click().run()
    assert not at.exception, at.exception
    assert any("Published benchmark edition 1" in s.value for s in at.success)
    assert next(b for b in at.button if b.label == "Publish a new edition").disabled

    with database.transaction() as session:
        add_organisation_with_answers(session, "Newcomer", rows_for(9))
    at = open_app_page(practitioner, "benchmark.py")
    assert not at.exception, at.exception
    assert at.subheader[0].value == f"{FOCUS} against the benchmark"
    assert any("Benchmark edition 1, published on" in c.value for c in at.caption)
    table = at.dataframe[0].value
    with database.transaction() as session:
        _, frames = edition_frames(session, 1)
    expected = frames.scores[frames.scores["organisation"] != FOCUS]
    expected = (
        expected[expected["scale"] == "challenge_not_work"]
        .groupby("organisation")["score"]
        .mean()
        .mean()
    )
    row = table[table["Scale"] == "Challenge: not seen as work"].iloc[0]
    assert row["Benchmark mean"] == pytest.approx(expected)  # the newcomer is not in it
