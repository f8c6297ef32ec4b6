"""SPSS-ready exports: one respondent id, first, in responses and scores; user-missing
"Prefer not to say"; formats that fit. Checked with pyreadstat and with PSPP itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from study.admin.permissions import OPERATOR
from study.analysis.reports.scores_export import export_scores
from study.surveys.response_store import export_responses

PSPP = shutil.which("pspp")


def _export(database, folder: Path, formats: tuple[str, ...]) -> Path:
    with database.transaction() as session:
        for fmt in formats:
            export_responses(session, folder / f"responses.{fmt}", format=fmt, viewer=OPERATOR)
            if fmt != "xlsx":  # the scores workbook is tested in test_cli_reports
                export_scores(session, folder / f"scores.{fmt}", format=fmt, viewer=OPERATOR)
    return folder


def test_every_export_starts_with_the_same_respondent_id_and_sav_declares_missing_values(
    demo_database, tmp_path
):
    exports = _export(demo_database, tmp_path, ("sav", "csv", "xlsx"))
    responses, _ = pyreadstat.read_sav(str(exports / "responses.sav"))
    scores, _ = pyreadstat.read_sav(str(exports / "scores.sav"))
    assert responses.columns[0] == scores.columns[0] == "response_id"
    assert set(scores["response_id"]) <= set(responses["response_id"])
    assert responses["response_id"].is_unique and len(scores) > 20
    csv = pd.read_csv(exports / "responses.csv", encoding="utf-8-sig")
    xlsx = openpyxl.load_workbook(exports / "responses.xlsx")["responses"]
    scores_csv = pd.read_csv(exports / "scores.csv", encoding="utf-8-sig")
    assert csv.columns[0] == xlsx.cell(1, 1).value == scores_csv.columns[0] == "response_id"
    assert list(csv["response_id"]) == list(responses["response_id"].astype(int))
    assert [xlsx.cell(r, 1).value for r in range(2, xlsx.max_row + 1)] == list(csv["response_id"])
    # Not the database's ids, which count up as people answer (see study.surveys.anonymity).
    assert responses["response_id"].min() > 10_000
    _, meta = pyreadstat.read_sav(str(exports / "responses.sav"), user_missing=True)
    nosay = {
        v for v, label in meta.variable_value_labels["dept"].items() if label == "Prefer not to say"
    }
    assert nosay and meta.missing_ranges["dept"] == [{"lo": v, "hi": v} for v in nosay]
    formats = meta.original_variable_types
    likert = next(
        name
        for name, labels in meta.variable_value_labels.items()
        if len(labels) == 5 and name != "dept"
    )
    assert formats[likert] == "F1.0" and formats["dept"] == "F1.0"
    assert formats["response_id"].endswith(".0") and formats["instrument_version"] == "F1.0"
    _, scores = pyreadstat.read_sav(str(exports / "scores.sav"))
    assert scores.original_variable_types["response_id"].endswith(".0")
    assert all(
        f == "F8.2"
        for name, f in scores.original_variable_types.items()
        if name.startswith("challenge_")
    )


@pytest.mark.peer
def test_pspp_merges_responses_and_scores_by_the_id_and_treats_prefer_not_to_say_as_missing(
    demo_database, tmp_path
):
    if PSPP is None:
        pytest.skip("PSPP is not installed (Debian package pspp; .ci/run installs it).")
    exports = _export(demo_database, tmp_path, ("sav",))
    syntax = exports / "merge.sps"
    syntax.write_text(
        f"""
GET FILE='{exports / "responses.sav"}'.
SORT CASES BY response_id.
SAVE OUTFILE='{exports / "responses-sorted.sav"}'.
GET FILE='{exports / "scores.sav"}'.
SORT CASES BY response_id.
MATCH FILES /FILE=* /FILE='{exports / "responses-sorted.sav"}' /BY response_id.
SELECT IF NOT SYSMIS(challenge_self_censorship).
FREQUENCIES VARIABLES=dept /FORMAT=NOTABLE /STATISTICS=NONE.
FREQUENCIES VARIABLES=dept.
DESCRIPTIVES VARIABLES=challenge_self_censorship dept.
""",
        encoding="utf-8",
    )
    done = subprocess.run(
        [PSPP, "-O", "format=txt", "-o", str(exports / "out.txt"), str(syntax)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = (exports / "out.txt").read_text(encoding="utf-8")
    assert "Error" not in output, output
    responses, _ = pyreadstat.read_sav(str(exports / "responses.sav"), user_missing=True)
    scores, _ = pyreadstat.read_sav(str(exports / "scores.sav"))
    merged = scores.dropna(subset=["challenge_self_censorship"]).merge(
        responses[["response_id", "dept"]], on="response_id", how="left"
    )
    nosay = merged["dept"].eq(4).sum()
    assert nosay > 0, "the demo has someone who prefers not to say"
    # PSPP's frequency table lists "Prefer not to say" among the missing values (no valid
    # percent), after the merge by the id kept the respondents that have scores.
    lines = output.splitlines()
    missing = next(i for i, line in enumerate(lines) if line.startswith("|Missing"))
    total = next(i for i, line in enumerate(lines) if line.startswith("|Total"))
    row = next(line for line in lines[missing:total] if "Prefer not to say" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1] == str(nosay) and cells[3] == ""
    assert lines[total].split("|")[2].strip() == str(len(merged))
