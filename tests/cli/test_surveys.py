"""`study instruments`, `study campaign`, `study import responses`, `study export responses`."""

from __future__ import annotations

import csv
import json

import pyreadstat
from openpyxl import load_workbook
from typer.testing import CliRunner

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app

from conftest import DATA

runner = CliRunner()


def invoke(database, *args, input=None):
    return runner.invoke(
        app,
        list(args),
        input=input,
        env={"STUDY_DATABASE_URL": database.url, "STUDY_BASE_URL": "https://survey.example.org"},
    )


def test_instruments_show_json_has_the_documented_fields(database):
    listed = invoke(database, "instruments", "list", "--format", "json")
    assert {r["id"] for r in json.loads(listed.output)} >= {
        "ism-adoption-survey",
        "coordinator-interview-guide",
        "executive-interview-guide",
    }
    shown = json.loads(
        invoke(database, "instruments", "show", "ism-adoption-survey", "--format", "json").output
    )
    assert shown["id"] == "ism-adoption-survey" and shown["languages"] == ["en", "da"]
    item = next(i for i in shown["items"] if i["id"] == "nw4")
    assert {"id", "type", "text", "scale", "reverse", "points", "required"} <= set(item)
    assert item["reverse"] is True and set(item["text"]) == {"en", "da"}
    choice = next(i for i in shown["items"] if i["type"] == "single_choice")
    assert choice["options"]


def test_instruments_validate_names_file_line_and_field(database, tmp_path):
    good = invoke(database, "instruments", "validate", "instruments/ism-adoption-survey.yaml")
    assert good.exit_code == 0 and "valid survey" in good.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (DATA / "surveys" / "team-survey.yaml").read_text().replace("points: 5", "points: 6", 1)
    )
    result = invoke(database, "instruments", "validate", str(broken))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {broken}, line ") and "points" in result.output


def test_interview_guide_prints_as_docx(database, tmp_path):
    from docx import Document

    out = tmp_path / "guide.docx"
    result = invoke(
        database,
        "instruments",
        "guide",
        "coordinator-interview-guide",
        "--out",
        str(out),
        "--language",
        "da",
    )
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert "koordinator" in text.lower()


def test_campaign_create_prints_links_and_list_counts(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    create = ["campaign", "create", "--org", "Nordlys Bank", "--instrument", "ism-adoption-survey"]
    result = invoke(database, *create, "--invitations", "3", "--closes", "2030-01-31")
    assert result.exit_code == 0, result.output
    links = [line for line in result.output.splitlines() if line.startswith("https://")]
    assert len(links) == 3 and all(
        link.startswith("https://survey.example.org/survey?t=") for link in links
    )
    open_link = invoke(database, *create, "--headcount", "10")
    assert "survey?t=" in open_link.output
    rows = json.loads(invoke(database, "campaign", "list", "--format", "json").output)
    personal = next(r for r in rows if r["mode"] == "personal")
    assert (personal["invitations"], personal["completed"], personal["closes_at"]) == (
        3,
        0,
        "2030-01-31",
    )
    closed = invoke(database, "campaign", "close", str(personal["id"]))
    assert closed.exit_code == 0
    rows = json.loads(invoke(database, "campaign", "list", "--format", "json").output)
    assert next(r for r in rows if r["id"] == personal["id"])["status"] == "closed"


def _write_plain_csv(path, rows):
    """A plain export with every item column; the given rows fill uf1, nw1, nw4, open_barriers."""
    from study.surveys.instruments import load_instruments

    items = [i.id for i in load_instruments()["ism-adoption-survey"].all_items()]
    given = ["uf1", "nw1", "nw4", "open_barriers"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent_id", *items])
        for key, *values in rows:
            answers = dict(zip(given, values))
            writer.writerow([key, *[answers.get(item, "") for item in items]])


def _import_responses(database, source):
    """`study import responses` of a plain CSV export into Nordlys Bank."""
    args = ["import", "responses", str(source), "--instrument", "ism-adoption-survey"]
    return invoke(database, *args, "--org", "Nordlys Bank", "--format", "csv")


def test_import_then_export_responses_keeps_labels_and_text_safe(database, tmp_path):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    source = tmp_path / "export.csv"
    _write_plain_csv(
        source,
        [["r1", 5, 4, 2, '=HYPERLINK("http://x","click")'], ["r2", 3, 2, 5, "Svært at finde ting"]],
    )
    result = _import_responses(database, source)
    assert result.exit_code == 0, result.output
    assert "Imported 2 responses" in result.output

    sav = tmp_path / "responses.sav"
    assert (
        invoke(database, "export", "responses", "--format", "sav", "--out", str(sav)).exit_code == 0
    )
    frame, meta = pyreadstat.read_sav(str(sav))
    assert sorted(frame["uf1"]) == [3, 5]
    assert meta.column_names_to_labels["uf1"] == "How often do you read posts on the platform?"
    assert meta.variable_value_labels["uf1"][5.0] == "Daily"

    xlsx = tmp_path / "responses.xlsx"
    assert (
        invoke(database, "export", "responses", "--format", "xlsx", "--out", str(xlsx)).exit_code
        == 0
    )
    cells = [
        c
        for row in load_workbook(xlsx).worksheets[0].iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    assert '=HYPERLINK("http://x","click")' in {c.value for c in cells}  # exactly as typed


def test_import_with_unknown_columns_stores_nothing(database, tmp_path):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    source = tmp_path / "bad.csv"
    source.write_text("respondent_id,uf1,not_an_item,also_not\nr1,5,1,2\n")
    result = _import_responses(database, source)
    assert result.exit_code == 1
    assert "not_an_item" in result.output and "also_not" in result.output
    rows = json.loads(invoke(database, "campaign", "list", "--format", "json").output)
    assert rows == []
