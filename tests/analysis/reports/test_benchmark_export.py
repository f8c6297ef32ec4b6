"""The benchmark workbook from the database, and the respondent-level scores export."""

from __future__ import annotations

import csv
import math
import zipfile

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_data import benchmark_frames, benchmark_summary
from study.analysis.reports.benchmark_export import export_benchmark
from study.analysis.reports.scores_export import export_scores
from study.db.models import CampaignRow
from study.errors import NotFound
from study.stats import wilson_interval
from study.surveys import store_responses
from study.surveys.tokens import new_token

from benchmark_study import (
    DELTA,
    OTHERS,
    TINY,
    build_benchmark_study,
    workbook_numbers,
    workbook_rows,
)
from comparison_study import ALFA, add_organisation_with_answers

FORMULA_NAME = '=HYPERLINK("http://example.org","click me")'


@pytest.fixture
def study(session):
    campaigns = build_benchmark_study(session)
    session.flush()
    return campaigns


def _tiny_statistics() -> list[float]:
    """Statistics only Tiny Co's 3 respondents give: scale mean and SD, Wilson bounds at n = 3.

    The shares themselves (1/3, 2/3) are left out of this list: pooled shares of other
    sizes (7/21, 2/6) can equal them by coincidence. The Tiny rows are checked for words
    instead of numbers.
    """
    frame = pd.DataFrame(TINY, columns=["nw1", "nw2", "nw3", "nw4"])
    scores = (frame["nw1"] + frame["nw2"] + frame["nw3"] + 6 - frame["nw4"]) / 4
    values = [float(scores.mean()), float(scores.std())]
    for item in frame:
        favourable = int((frame[item] >= 4).sum())
        low, high = wilson_interval(favourable, 3)
        values += [float(low), float(high)]
    return [v for v in values if v not in (0.0, 1.0)]


def _all_text(path) -> str:
    """Every part of the .xlsx file as text: cells, shared strings, charts, properties."""
    with zipfile.ZipFile(path) as xlsx:
        return "\n".join(xlsx.read(name).decode("utf-8", "replace") for name in xlsx.namelist())


@pytest.mark.parametrize("organisation", [None, "Alfa Bank", "Tiny Co"])
def test_a_three_person_organisation_is_hidden_everywhere(session, study, tmp_path, organisation):
    path = export_benchmark(
        session, tmp_path / "b.xlsx", organisation=organisation, viewer=OPERATOR
    )
    hidden = _tiny_statistics()
    assert len(hidden) >= 6
    for sheet, where, number in workbook_numbers(path):
        assert not any(math.isclose(number, h, rel_tol=1e-9) for h in hidden), (sheet, where)
    if organisation != "Alfa Bank":
        participation = {row[0]: row[1] for row in workbook_rows(path, "Participation")}
        assert participation["Tiny Co"] == "fewer than 5 responses"
        summary = [row for row in workbook_rows(path, "Summary") if row[0] == "Tiny Co"]
        assert summary and all(row[3] == "fewer than 5 responses" for row in summary)
        items = [row for row in workbook_rows(path, "Items") if row[0] == "Tiny Co"]
        assert len(items) == 4
        assert all(row[3:7] == (None, "fewer than 5 responses", None, None) for row in items)
    else:
        assert "Tiny Co" not in _all_text(path)


def test_practitioners_version_names_only_their_organisation(session, study, tmp_path):
    path = export_benchmark(
        session, tmp_path / "alfa.xlsx", organisation="alfa bank", viewer=OPERATOR
    )
    text = _all_text(path)
    assert "Alfa Bank" in text
    for other in OTHERS:
        assert other not in text
    organisations = {row[0] for row in workbook_rows(path, "Summary")[1:]}
    assert organisations == {"Alfa Bank"}
    assert [row[0] for row in workbook_rows(path, "Participation")[1:]] == [
        "Alfa Bank",
        "Benchmark",
    ]


def test_researchers_version_lists_every_organisation(session, study, tmp_path):
    path = export_benchmark(session, tmp_path / "all.xlsx", viewer=OPERATOR)
    organisations = [row[0] for row in workbook_rows(path, "Participation")[1:]]
    assert organisations == ["Alfa Bank", *OTHERS]


def test_page_summary_and_workbook_show_the_same_numbers(session, study, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDY_MIN_BENCHMARK_ORGS", "3")  # Alfa has 4 others to compare with
    frames = benchmark_frames(session)
    summary = benchmark_summary(frames, organisation="Alfa Bank", min_group=5)
    row = summary[summary["scale"] == "challenge_not_work"].iloc[0]
    alfa = [(a[0] + a[1] + a[2] + 6 - a[3]) / 4 for a in ALFA]
    assert row["mean"] == pytest.approx(sum(alfa) / len(alfa))
    path = export_benchmark(
        session, tmp_path / "alfa.xlsx", organisation="Alfa Bank", viewer=OPERATOR
    )
    sheet = [r for r in workbook_rows(path, "Summary") if r[1] == "Challenge: not seen as work"][0]
    assert sheet[3] == pytest.approx(row["mean"])
    assert sheet[4] == pytest.approx(row["bench_mean"])


def test_response_rate_comes_from_personal_invitations(session, study, tmp_path):
    path = export_benchmark(session, tmp_path / "all.xlsx", viewer=OPERATOR)
    epsilon = [r for r in workbook_rows(path, "Participation") if r[0] == "Epsilon Software"][0]
    assert epsilon[1:4] == (5, 10, 0.5)
    alfa = [r for r in workbook_rows(path, "Participation") if r[0] == "Alfa Bank"][0]
    assert alfa[2] == "open link" and alfa[4] == 100


def test_minimum_group_size_hides_more_when_raised(session, study, tmp_path):
    path = export_benchmark(session, tmp_path / "all.xlsx", min_group=6, viewer=OPERATOR)
    participation = {row[0]: row[1] for row in workbook_rows(path, "Participation")}
    assert participation["Epsilon Software"] == "fewer than 6 responses"
    assert participation["Alfa Bank"] == 6


def test_a_chosen_campaign_replaces_the_newest_for_its_organisation(session, study, tmp_path):
    old = study["Alfa Bank"]
    first = session.get(CampaignRow, old)
    second = CampaignRow(
        organisation_id=first.organisation_id,
        instrument_id=first.instrument_id,
        name="Alfa Bank 2027",
        mode="open",
        token=new_token(),
    )
    session.add(second)
    session.flush()
    store_responses(
        session,
        campaign_id=second.id,
        answers=pd.DataFrame(
            [(k, i, 1) for k in range(5) for i in ("nw1", "nw2", "nw3")]
            + [(k, "nw4", 5) for k in range(5)],
            columns=["key", "item_id", "value"],
        ),
        responses=pd.DataFrame({"key": range(5), "complete": True, "language": "en"}),
        source="import",
        actor=OPERATOR,
    )
    newest = benchmark_frames(session)
    assert newest.campaigns["Alfa Bank"] == second.id
    scores = newest.scores[
        (newest.scores["organisation"] == "Alfa Bank")
        & (newest.scores["scale"] == "challenge_not_work")
    ]
    assert scores["score"].tolist() == [1.0] * 5
    chosen = benchmark_frames(session, campaign_id=old)
    assert chosen.campaigns["Alfa Bank"] == old
    assert chosen.participation.set_index("organisation").loc["Alfa Bank", "responses"] == 6


def test_formula_like_organisation_name_is_stored_as_text(session, study, tmp_path):
    add_organisation_with_answers(session, FORMULA_NAME, DELTA)
    for organisation in (None, FORMULA_NAME):
        path = export_benchmark(
            session, tmp_path / "f.xlsx", organisation=organisation, viewer=OPERATOR
        )
        wb = load_workbook(path)
        cells = [
            cell
            for ws in wb
            for row in ws.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and "HYPERLINK" in cell.value
        ]
        assert cells, organisation
        for cell in cells:
            assert cell.data_type == "s" and cell.value.startswith("="), cell.coordinate
        with zipfile.ZipFile(path) as xlsx:
            sheets = [n for n in xlsx.namelist() if n.startswith("xl/worksheets/")]
            assert not any("<f>" in xlsx.read(n).decode() for n in sheets)


def test_unknown_or_unsurveyed_organisation_is_one_clear_error(session, study, tmp_path):
    with pytest.raises(NotFound, match="no organisation called 'Nowhere'"):
        export_benchmark(session, tmp_path / "x.xlsx", organisation="Nowhere", viewer=OPERATOR)
    add_organisation(session, "Quiet Ltd", actor=OPERATOR)
    with pytest.raises(NotFound, match="Quiet Ltd has no survey campaign yet"):
        export_benchmark(session, tmp_path / "x.xlsx", organisation="Quiet Ltd", viewer=OPERATOR)


def test_scores_export_reads_back_in_spss_with_labels(session, study, tmp_path):
    rows = export_scores(session, tmp_path / "scores.sav", format="sav", viewer=OPERATOR)
    frame, meta = pyreadstat.read_sav(str(tmp_path / "scores.sav"))
    assert rows == len(frame) == 6 + 7 + 6 + 5 + 3
    labels = meta.column_names_to_labels
    assert labels["organisation"] == "Organisation"
    assert labels["challenge_not_work"] == "Challenge: not seen as work"
    assert labels["sector"] == "Sector of the organisation"
    assert meta.variable_measure["challenge_not_work"] == "scale"
    alfa = frame[frame["organisation"] == "Alfa Bank"]["challenge_not_work"]
    assert sorted(alfa) == sorted((a[0] + a[1] + a[2] + 6 - a[3]) / 4 for a in ALFA)
    assert set(frame["country"]) == {"Denmark"}
    assert frame["use_frequency"].isna().all()  # nobody answered those items


def test_scores_export_csv_and_xlsx_keep_text_inert(session, study, tmp_path):
    add_organisation_with_answers(session, FORMULA_NAME, DELTA)
    export_scores(session, tmp_path / "scores.csv", format="csv", viewer=OPERATOR)
    with open(tmp_path / "scores.csv", encoding="utf-8-sig", newline="") as stream:
        records = list(csv.DictReader(stream))
    assert {r["organisation"] for r in records} >= {"Alfa Bank", "'" + FORMULA_NAME}
    assert float(records[0]["challenge_not_work"]) > 0
    export_scores(session, tmp_path / "scores.xlsx", format="xlsx", viewer=OPERATOR)
    wb = load_workbook(tmp_path / "scores.xlsx")
    names = [c for c in wb["scores"]["B"][1:] if "HYPERLINK" in str(c.value)]
    assert names and all(c.data_type == "s" and c.value == FORMULA_NAME for c in names)
    variables = dict(wb["variables"].iter_rows(min_row=2, values_only=True))
    assert variables["challenge_not_work"] == "Challenge: not seen as work"
