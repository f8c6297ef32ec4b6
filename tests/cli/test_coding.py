"""`study codes`, `study codings` and `study export codings|segments`, in-process on real databases."""

from __future__ import annotations

import csv
import io
import json

from docx import Document
from typer.testing import CliRunner

from study.cli import app

from coding_study import CODING, code_passage, seed_tiny_study

runner = CliRunner()


def invoke(database, *args: str):
    return runner.invoke(app, list(args), env={"STUDY_DATABASE_URL": database.url})


def _codes(database, scheme="tiny") -> list[dict]:
    result = invoke(database, "codes", "list", "--scheme", scheme, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _seed_codings(database) -> int:
    with database.transaction() as session:
        transcript, ana, ben = seed_tiny_study(session)
        code_passage(session, transcript, "busy all day 😀", ("tiny", "no-time"), ana)
        code_passage(session, transcript, "afraid of being judged", ("tiny", "fear"), ben)
    return transcript


def test_codes_load_is_idempotent_and_list_json_has_the_documented_fields(database):
    first = invoke(database, "codes", "load", str(CODING / "tiny-1.0.yaml"))
    assert first.exit_code == 0 and "Loaded scheme tiny version 1.0 with 4 codes" in first.output
    again = invoke(database, "codes", "load", str(CODING / "tiny-1.0.yaml"))
    assert again.exit_code == 0 and "already loaded" in again.output
    rows = _codes(database)
    assert {"id", "name", "parent", "scheme"} <= set(rows[0])
    assert [(r["id"], r["parent"], r["scheme"]) for r in rows] == [
        ("barriers", None, "tiny"),
        ("no-time", "barriers", "tiny"),
        ("fear", "barriers", "tiny"),
        ("benefits", None, "tiny"),
    ]
    table = invoke(database, "codes", "list")
    assert table.exit_code == 0 and "Fear of judgement" in table.output
    broken = invoke(database, "codes", "load", str(CODING / "missing.yaml"))
    assert broken.exit_code == 1 and broken.output.startswith("Error:")


def test_code_editing_commands_change_the_tree(database):
    assert invoke(database, "codes", "load", str(CODING / "tiny-1.0.yaml")).exit_code == 0
    steps = [
        (
            "codes",
            "add",
            "tiny",
            "no-budget",
            "No budget",
            "--parent",
            "barriers",
            "--colour",
            "#123456",
        ),
        ("codes", "rename", "tiny", "no-budget", "No money"),
        ("codes", "recolour", "tiny", "no-budget", "#654321"),
        ("codes", "move", "tiny", "no-budget", "--top"),
        ("codes", "move", "tiny", "fear", "--parent", "benefits"),
        ("codes", "merge", "tiny", "no-time", "barriers"),
    ]
    for step in steps:
        result = invoke(database, *step)
        assert result.exit_code == 0, (step, result.output)
    rows = {r["id"]: r for r in _codes(database)}
    assert set(rows) == {"barriers", "fear", "benefits", "no-budget"}
    assert rows["no-budget"]["name"] == "No money" and rows["no-budget"]["parent"] is None
    assert rows["no-budget"]["colour"] == "#654321"
    assert rows["fear"]["parent"] == "benefits"
    neither = invoke(database, "codes", "move", "tiny", "fear")
    assert neither.exit_code == 1 and "--parent KEY or --top" in neither.output
    cycle = invoke(database, "codes", "move", "tiny", "benefits", "--parent", "fear")
    assert cycle.exit_code == 1 and "Error:" in cycle.output


def test_codings_list_json_has_exactly_the_documented_fields(database):
    transcript = _seed_codings(database)
    result = invoke(
        database, "codings", "list", "--transcript", str(transcript), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [set(r) for r in rows] == [
        {"id", "transcript", "code", "coder", "start", "end", "text"}
    ] * 2
    assert [(r["transcript"], r["code"], r["coder"], r["text"]) for r in rows] == [
        (transcript, "no-time", "ana@example.org", "busy all day 😀"),
        (transcript, "fear", "ben@example.org", "afraid of being judged"),
    ]
    mine = invoke(database, "codings", "list", "--coder", "ben@example.org", "--format", "json")
    assert [r["code"] for r in json.loads(mine.output)] == ["fear"]
    assert (
        invoke(
            database, "codings", "list", "--transcript", "999", "--format", "json"
        ).output.strip()
        == "[]"
    )


def test_export_commands_write_codings_and_segments_files(database, tmp_path):
    _seed_codings(database)
    codings = tmp_path / "codings.csv"
    result = invoke(database, "export", "codings", "--format", "csv", "--out", str(codings))
    assert result.exit_code == 0 and "Wrote 2 codings" in result.output, result.output
    rows = list(csv.DictReader(io.StringIO(codings.read_text(encoding="utf-8-sig"))))
    assert [r["text"] for r in rows] == ["busy all day 😀", "afraid of being judged"]
    segments = tmp_path / "barriers.docx"
    result = invoke(
        database,
        "export",
        "segments",
        "--code",
        "barriers",
        "--scheme",
        "tiny",
        "--format",
        "docx",
        "--out",
        str(segments),
    )
    assert result.exit_code == 0 and "Wrote 2 passages" in result.output, result.output
    quotes = [p.text for p in Document(str(segments)).paragraphs if p.style.name == "Quote"]
    assert quotes == ["busy all day 😀", "afraid of being judged"]
    unknown = invoke(
        database, "export", "segments", "--code", "nope", "--out", str(tmp_path / "x.xlsx")
    )
    assert unknown.exit_code == 1 and "Error:" in unknown.output
