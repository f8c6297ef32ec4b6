"""`study import transcripts`, `study transcripts list|show`, `study search`, run in-process."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from study.cli import app

from conftest import DATA

FILES = DATA / "transcripts"
runner = CliRunner()


@pytest.fixture
def env(database_url):
    environment = {"STUDY_DATABASE_URL": database_url}
    assert runner.invoke(app, ["org", "add", "Nordlys Bank"], env=environment).exit_code == 0
    return environment


def invoke(env, *args: str):
    return runner.invoke(app, [str(a) for a in args], env=env)


def import_files(env, *names: str, extra: tuple[str, ...] = ()):
    return invoke(
        env,
        "import",
        "transcripts",
        *(FILES / n for n in names),
        "--org",
        "Nordlys Bank",
        "--role",
        "coordinator",
        *extra,
    )


def listed(env) -> list[dict]:
    result = invoke(env, "transcripts", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_import_then_list_as_json_has_exactly_the_documented_fields(env):
    result = import_files(env, "zoom.vtt", "interview-ir.txt")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(
        "Imported zoom into Nordlys Bank: transcript 1, 3 turns, "
    )
    rows = listed(env)
    assert [list(row) for row in rows] == [
        ["id", "name", "organisation", "role", "language", "turns", "characters"]
    ] * 2
    assert [(r["name"], r["role"], r["language"], r["turns"]) for r in rows] == [
        ("interview-ir", "coordinator", "en", 5),
        ("zoom", "coordinator", "en", 3),
    ]
    table = invoke(env, "transcripts", "list", "--org", "Nordlys Bank")
    assert table.exit_code == 0 and "interview-ir" in table.output and "characters" in table.output


def test_one_bad_file_imports_nothing_and_names_the_file(env):
    result = import_files(env, "zoom.vtt", "corrupt.docx", "teams.vtt")
    assert result.exit_code == 1
    assert result.output.startswith("Error: corrupt.docx: the file is not a readable Word")
    assert "Traceback" not in result.output
    assert listed(env) == []


def test_show_as_json_gives_text_and_turns_with_offsets_and_times(env):
    assert import_files(env, "zoom.vtt").exit_code == 0
    result = invoke(env, "transcripts", "show", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"text", "turns"} <= set(data)
    assert [list(turn) for turn in data["turns"]] == [
        ["speaker", "start", "end", "started_at", "ended_at"]
    ] * 3
    first = data["turns"][0]
    assert (
        data["text"][first["start"] : first["end"]]
        == "Welcome, and thank you for joining. Could you describe your role?"
    )
    assert (first["speaker"], first["started_at"], first["ended_at"]) == ("Mette Holm", 1.0, 6.0)


def test_show_as_text_prints_speaker_turns_with_times(env):
    assert import_files(env, "zoom.vtt").exit_code == 0
    result = invoke(env, "transcripts", "show", "1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "zoom (Nordlys Bank, coordinator, en)",
        "",
        "[00:01] Mette Holm: Welcome, and thank you for joining. Could you describe your role?",
    ]
    missing = invoke(env, "transcripts", "show", "42")
    assert missing.exit_code == 1 and "no transcript with id 42" in missing.output


def test_pseudonymise_with_a_name_list_file(env, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Peter Dahl\n\n", encoding="utf-8")
    result = import_files(
        env,
        "zoom.vtt",
        extra=("--pseudonymise", "--name-list", names, "--interviewers", "Mette Holm"),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(invoke(env, "transcripts", "show", "1", "--format", "json").output)
    assert [t["speaker"] for t in data["turns"]] == ["Interviewer", "Coordinator", "Interviewer"]
    assert "Mette" not in data["text"] and "Peter" not in data["text"]


def test_names_without_pseudonymise_is_an_error(env):
    result = import_files(env, "zoom.vtt", extra=("--names", "Anna,Bo"))
    assert result.exit_code == 1
    assert "only used when pseudonymising" in result.output
    assert listed(env) == []


def test_search_json_hits_have_exactly_the_documented_fields(env):
    assert import_files(env, "teams.vtt", "zoom.vtt").exit_code == 0
    result = invoke(env, "search", "network", "--format", "json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert [list(hit) for hit in hits] == [
        [
            "transcript_id",
            "transcript",
            "organisation",
            "role",
            "speaker",
            "start",
            "end",
            "left",
            "match",
            "right",
        ]
    ] * 2
    teams = hits[0]
    assert (
        teams["transcript"],
        teams["speaker"],
        teams["left"],
        teams["match"],
        teams["right"],
    ) == (
        "teams",
        "Sofie Lund",
        "nks for taking the time today 🙂 shall we start? How did the ",
        "network",
        " start in your company?",
    )
    data = json.loads(
        invoke(env, "transcripts", "show", teams["transcript_id"], "--format", "json").output
    )
    assert data["text"][teams["start"] : teams["end"]] == "network"


def test_search_filters_limit_and_table(env):
    assert import_files(env, "teams.vtt", "zoom.vtt").exit_code == 0
    only_peter = invoke(env, "search", "network", "--speaker", "Peter Dahl", "--format", "json")
    assert [h["transcript"] for h in json.loads(only_peter.output)] == ["zoom"]
    assert (
        json.loads(
            invoke(env, "search", "network", "--role", "executive", "--format", "json").output
        )
        == []
    )
    first = invoke(env, "search", "network", "--limit", "1", "--format", "json")
    assert len(json.loads(first.output)) == 1
    table = invoke(env, "search", "network", "--org", "Nordlys Bank")
    assert table.exit_code == 0
    assert table.output.split("\n")[0].split() == [
        "transcript_id",
        "transcript",
        "speaker",
        "start",
        "left",
        "match",
        "right",
    ]
    empty = invoke(env, "search", "***")
    assert empty.exit_code == 1 and empty.output.startswith("Error: The search has no words")
