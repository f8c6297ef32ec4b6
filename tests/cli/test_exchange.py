"""`study icr`, `study export qdpx|codebook` and `study import qdpx|codebook`, run in-process."""

from __future__ import annotations

import json

import pytest
import xmlschema
from typer.testing import CliRunner

from study.cli import app

from conftest import DATA as TEST_DATA
from icr_study import CODE, SCHEME, build_icr_study

DATA = TEST_DATA / "refiqda"
runner = CliRunner()


def invoke(database, *args: str):
    return runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": database.url})


@pytest.fixture
def study(database):
    with database.transaction() as session:
        return build_icr_study(session)


def test_icr_json_gives_alpha_kappa_and_ci_per_code(database, study):
    result = invoke(
        database,
        "icr",
        "--scheme",
        SCHEME,
        "--unit",
        "turn",
        "--coders",
        "Ana,ben@demo.example",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["coders"] == ["ana@demo.example", "ben@demo.example"]
    assert report["unit"] == "turn"
    row = next(r for r in report["codes"] if r["code"] == CODE)
    # Hand computation in tests/test_reliability_db.py (8 of 10 turns agree).
    assert row["alpha"] == pytest.approx(1 - 19 * 4 / (2 * 12 * 8))
    assert row["kappa"] == pytest.approx(0.28 / 0.48)
    assert row["units"] == 10 and row["verdict"] == "unreliable"
    assert row["ci_low"] <= row["alpha"] <= row["ci_high"]
    unused = next(r for r in report["codes"] if r["code"] == "facilitator")
    assert unused["alpha"] is None and unused["verdict"] == "undefined"
    assert report["codes"][-1]["code"] == "(all codes)"
    assert "Krippendorff, 2004" in report["method"]


def test_icr_table_shows_every_code_and_the_method(database, study):
    result = invoke(database, "icr", "--scheme", SCHEME, "--unit", "character")
    assert result.exit_code == 0, result.output
    assert "not-work-related" in result.output and "(all codes)" in result.output
    assert "unreliable" in result.output and "reliable" in result.output
    assert "every character (code point) of the transcripts is a unit" in result.output


def test_icr_with_an_unknown_coder_is_one_error_line(database, study):
    result = invoke(database, "icr", "--scheme", SCHEME, "--unit", "turn", "--coders", "Ana,Zoe")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: There is no coder 'Zoe'; `study user list` shows the accounts."
    )
    bad_unit = invoke(database, "icr", "--scheme", SCHEME, "--unit", "word")
    assert bad_unit.exit_code == 2


def test_export_then_import_into_another_database_and_list_the_codings(
    database, study, tmp_path, empty_database_url
):
    exported = invoke(database, "export", "qdpx", "--out", str(tmp_path / "study.qdpx"))
    assert exported.exit_code == 0, exported.output
    assert "1 sources, 10 codes, 10 codings, 2 users, 1 cases, 0 notes" in exported.output
    env = {"STUDY_DATABASE_URL": empty_database_url}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    imported = runner.invoke(
        app, ["import", "qdpx", str(tmp_path / "study.qdpx"), "--scheme-key", SCHEME], env=env
    )
    assert imported.exit_code == 0, imported.output
    assert f"into scheme {SCHEME} version 1, 10 codings, 2 users" in imported.output
    listed = runner.invoke(app, ["codings", "list", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == 10
    assert {r["coder"] for r in rows} == {"ana@qdpx.invalid", "ben@qdpx.invalid"}
    assert "Slowly. People said posting there is not real work." in {r["text"] for r in rows}
    icr = runner.invoke(
        app, ["icr", "--scheme", SCHEME, "--unit", "turn", "--format", "json"], env=env
    )
    row = next(r for r in json.loads(icr.output)["codes"] if r["code"] == CODE)
    assert row["alpha"] == pytest.approx(1 - 19 * 4 / (2 * 12 * 8))


def test_codebook_export_is_valid_and_imports_as_a_new_scheme(database, study, tmp_path):
    out = tmp_path / "challenges.qdc"
    result = invoke(database, "export", "codebook", "--scheme", SCHEME, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out}: 10 codes."
    xmlschema.XMLSchema(str(DATA / "Codebook.xsd")).validate(str(out))
    imported = invoke(database, "import", "codebook", str(out))
    assert imported.exit_code == 0, imported.output
    assert imported.output.strip() == "Imported scheme challenges version 1 with 10 codes."
    again = invoke(database, "import", "codebook", str(out))
    assert again.output.strip() == "Already imported: scheme challenges version 1 with 10 codes."


def test_maxqda_import_lists_its_warnings(database):
    result = invoke(database, "import", "qdpx", str(DATA / "maxqda24-export.qdpx"))
    assert result.exit_code == 0, result.output
    assert "Imported 10 sources, 307 codes" in result.output
    assert "Warning: 2 sets were not imported: 'ICLS 2024', 'ICLS 2025'." in result.output


def test_an_invalid_project_is_refused_with_one_line(database, tmp_path):
    path = tmp_path / "broken.qdpx"
    path.write_bytes(b"not a zip")
    result = invoke(database, "import", "qdpx", str(path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "broken.qdpx" in result.output
    assert "Traceback" not in result.output


def test_codebook_export_as_csv_for_taguette_and_qdpx_for_qualcoder(database, study, tmp_path):
    out = tmp_path / "challenges.csv"
    result = invoke(
        database, "export", "codebook", "--scheme", SCHEME, "--format", "csv", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote {out}: 10 codes."
    assert out.read_bytes().startswith(b"tag,description\r\n")
    imported = invoke(database, "import", "codebook", str(out), "--scheme-key", "from-csv")
    assert imported.exit_code == 0, imported.output
    assert "scheme from-csv version 1 with 10 codes" in imported.output
    project = tmp_path / "qualcoder.qdpx"
    result = invoke(database, "export", "qdpx", "--compat", "qualcoder", "--out", str(project))
    assert result.exit_code == 0, result.output
    bad = invoke(database, "export", "qdpx", "--compat", "nvivo", "--out", str(project))
    assert bad.exit_code == 2 and "qualcoder" in bad.output


def test_taguette_codebook_import_names_the_empty_sets(database):
    result = invoke(database, "import", "codebook", str(DATA / "taguette-codebook.qdc"))
    assert result.exit_code == 0, result.output
    assert "Warning: The file has an empty <Sets/> element (Taguette writes one" in result.output
