"""The `study` CLI, run in-process against real databases."""

from __future__ import annotations

import json

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from study.cli import app

runner = CliRunner()


def invoke(*args: str, input: str | None = None, env: dict | None = None):
    return runner.invoke(app, list(args), input=input, env=env)


def _all_command_paths(command, prefix: tuple[str, ...] = ()):
    yield prefix
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _all_command_paths(sub, prefix + (name,))


def test_every_command_has_help():
    paths = list(_all_command_paths(get_command(app)))
    assert ("org", "list") in paths and ("user", "add") in paths and ("serve",) in paths
    for path in paths:
        result = invoke(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_init_is_idempotent_and_shows_the_admin_password_once(empty_database_url):
    env = {"STUDY_DATABASE_URL": empty_database_url}
    first = invoke("init", env=env)
    assert first.exit_code == 0, first.output
    assert (
        "Database created" in first.output and "Admin login: admin@study.local / " in first.output
    )
    second = invoke("init", env=env)
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output and "Admin login" not in second.output


def test_demo_then_org_list_json_shows_ten_organisations(database_url):
    env = {"STUDY_DATABASE_URL": database_url}
    first = invoke("demo", env=env)
    assert (
        first.exit_code == 0 and "Published benchmark edition 1 (10 organisations)" in first.output
    ), first.output  # so a practitioner's Benchmark page has something to show
    again = invoke("demo", env=env)
    assert again.exit_code == 0 and "already loaded" in again.output
    editions = invoke("benchmark", "editions", "--format", "json", env=env)
    assert editions.exit_code == 0 and len(json.loads(editions.output)) == 1, editions.output
    result = invoke("org", "list", "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 10
    assert {"id", "name", "sector", "size_band", "country"} <= set(rows[0])
    assert "Nordlys Bank" in {r["name"] for r in rows}


def test_org_add_then_list_as_table(database_url):
    env = {"STUDY_DATABASE_URL": database_url}
    result = invoke(
        "org",
        "add",
        "Acme A/S",
        "--sector",
        "Retail",
        "--size-band",
        "50-249",
        "--country",
        "Denmark",
        env=env,
    )
    assert result.exit_code == 0, result.output
    table = invoke("org", "list", env=env)
    assert "Acme A/S" in table.output and "Retail" in table.output
    duplicate = invoke("org", "add", "Acme A/S", env=env)
    assert duplicate.exit_code == 1
    assert duplicate.output.strip() == "Error: The organisation 'Acme A/S' already exists."


def test_user_add_reads_the_password_from_stdin_and_can_log_in(database):
    env = {"STUDY_DATABASE_URL": database.url}
    add = "user add rita@example.org --role researcher --password-stdin".split()
    result = invoke(*add, input="a long secret password\n", env=env)
    assert result.exit_code == 0, result.output
    from study.admin.login import log_in

    assert log_in(database, "rita@example.org", "a long secret password").role == "researcher"
    listed = json.loads(invoke("user", "list", "--format", "json", env=env).output)
    assert [r["email"] for r in listed] == ["rita@example.org"]


def test_user_add_prompts_for_a_confirmed_password(database):
    env = {"STUDY_DATABASE_URL": database.url}
    add = "user add c@example.org --role coder".split()
    result = invoke(*add, input="another secret pw\nanother secret pw\n", env=env)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "url, expected",
    [
        ("foo://bar", "Error: Unsupported database 'foo' in STUDY_DATABASE_URL"),
        (
            "postgresql://nobody@127.0.0.1:1/none",
            "Error: Cannot use the database postgresql://nobody@127.0.0.1:1/none",
        ),
    ],
)
def test_bad_database_url_gives_one_error_line(url, expected):
    result = invoke("org", "list", env={"STUDY_DATABASE_URL": url})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.output


def test_corrupt_sqlite_file_gives_one_error_line(tmp_path):
    path = tmp_path / "study.db"
    path.write_bytes(b"garbage" * 1000)
    result = invoke("init", env={"STUDY_DATABASE_URL": f"sqlite:///{path}"})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: Cannot use the database sqlite:///{path}: file is not a database."
    ]


def test_commands_on_an_unmigrated_database_ask_for_init(empty_database_url):
    result = invoke("org", "list", env={"STUDY_DATABASE_URL": empty_database_url})
    assert result.exit_code == 1
    assert "run `study init`" in result.output
