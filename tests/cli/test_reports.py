"""`study export benchmark` and `study export scores`, run in-process on both backends."""

from __future__ import annotations

import zipfile

import pyreadstat
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from study.cli import app

from benchmark_study import OTHERS, build_benchmark_study

runner = CliRunner()


@pytest.fixture
def study_url(database):
    with database.transaction() as session:
        campaigns = build_benchmark_study(session)
    return database.url, campaigns


def run(url: str, *args: str):
    return runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": url})


def _text(path) -> str:
    with zipfile.ZipFile(path) as xlsx:
        return "\n".join(xlsx.read(n).decode("utf-8", "replace") for n in xlsx.namelist())


def test_benchmark_with_org_names_only_that_organisation(study_url, tmp_path):
    url, _ = study_url
    out = tmp_path / "alfa.xlsx"
    result = run(url, "export", "benchmark", "--out", str(out), "--org", "Alfa Bank")
    assert result.exit_code == 0, result.output
    assert "Alfa Bank against the benchmark" in result.output
    text = _text(out)
    assert "Alfa Bank" in text
    assert not [name for name in OTHERS if name in text]


def test_benchmark_for_researchers_with_a_larger_minimum_group(study_url, tmp_path):
    url, _ = study_url
    out = tmp_path / "all.xlsx"
    result = run(url, "export", "benchmark", "--out", str(out), "--min-group", "6")
    assert result.exit_code == 0, result.output
    participation = {
        row[0]: row[1] for row in load_workbook(out)["Participation"].iter_rows(values_only=True)
    }
    assert participation["Alfa Bank"] == 6
    assert participation["Epsilon Software"] == "fewer than 6 responses"
    assert participation["Tiny Co"] == "fewer than 6 responses"


def test_benchmark_with_a_campaign(study_url, tmp_path):
    url, campaigns = study_url
    out = tmp_path / "c.xlsx"
    result = run(
        url,
        "export",
        "benchmark",
        "--out",
        str(out),
        "--campaign",
        str(campaigns["Beta Kommune"]),
        "--org",
        "Beta Kommune",
    )
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out)["Participation"].iter_rows(values_only=True))
    assert rows[1][:2] == ("Beta Kommune", 7)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--out", "x.csv"], "give --out a name ending in .xlsx"),
        (["--out", "x.xlsx", "--org", "Nowhere"], "There is no organisation called 'Nowhere'"),
        (["--out", "x.xlsx", "--campaign", "999"], "There is no campaign 999"),
    ],
)
def test_benchmark_mistakes_are_one_line_errors(study_url, tmp_path, monkeypatch, args, message):
    url, _ = study_url
    monkeypatch.chdir(tmp_path)
    result = run(url, "export", "benchmark", *args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


def test_scores_as_sav_read_back_with_labels(study_url, tmp_path):
    url, _ = study_url
    out = tmp_path / "scores.sav"
    result = run(url, "export", "scores", "--format", "sav", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Wrote 27 respondents' scale scores" in result.output
    frame, meta = pyreadstat.read_sav(str(out))
    assert len(frame) == 27
    assert meta.column_names_to_labels["challenge_self_censorship"] == "Challenge: self-censorship"
    lead = "response_id organisation sector size_band country campaign instrument_version"
    assert list(frame.columns[:7]) == lead.split()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_scores_in_csv_and_xlsx(study_url, tmp_path, fmt):
    url, _ = study_url
    out = tmp_path / f"scores.{fmt}"
    result = run(url, "export", "scores", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_scores_format_must_be_known(study_url, tmp_path):
    url, _ = study_url
    result = run(url, "export", "scores", "--format", "pdf", "--out", str(tmp_path / "x"))
    assert result.exit_code != 0
    assert "pdf" in result.output
