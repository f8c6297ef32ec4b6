"""`study import platform` and `study platform measures`, in-process: privacy and bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import JSON, String, Text, func, select
from typer.testing import CliRunner

from study.cli import app
from study.db import Database
from study.db.models import Base, PlatformImportRow, PlatformMessageRow, PlatformPersonRow

from conftest import DATA

EXPORTS = DATA / "platforms"
SLACK = EXPORTS / "slack-nordlys"
VIVA_A = EXPORTS / "viva-fjordbank-a"
VIVA_B = EXPORTS / "viva-fjordbank-b"
runner = CliRunner()


def raw_values() -> set[str]:
    """Every person id, name, user name and e-mail address in the test exports."""
    values: set[str] = set()
    for user in json.loads((SLACK / "users.json").read_text(encoding="utf-8")):
        values.add(user["id"])
        values.add(user["name"])
        profile = user.get("profile", {})
        values.update(
            v for k, v in profile.items() if k in ("real_name", "display_name", "email") and v
        )
        values.add(user["real_name"])
    for export in (VIVA_A, VIVA_B):
        with open(export / "Users.csv", encoding="utf-8") as handle:
            for user in csv.DictReader(handle):
                values.update(
                    {f"user:{user['id']}", f"[[user:{user['id']}]]", user["name"], user["email"]}
                )
    values.update({"Ledelsesforum Sofie", "ledergruppe-anna-carla", "G024LEDER"})
    # Short display names ("Bo", "Eva") are ordinary words; check them where they stand alone.
    return {v for v in values if len(v) > 3} - {
        "Slackbot",
        "slackbot",
        "USLACKBOT",
        "Deploy Bot",
        "deploybot",
    }


@pytest.fixture
def env(demo_database, tmp_path):
    url = str(demo_database.engine.url.render_as_string(hide_password=False))
    return {"STUDY_DATABASE_URL": url, "STUDY_PLATFORM_SALT_FILE": str(tmp_path / "salt.key")}


def invoke(env, *args):
    return runner.invoke(app, [str(a) for a in args], env=env)


def database_text(url: str) -> str:
    """Every value of every text or JSON column of every table, as one string."""
    database = Database(url)
    parts = []
    try:
        with database.transaction() as session:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
                if columns:
                    for values in session.execute(select(*columns)):
                        parts.extend(
                            json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
                            for v in values
                            if v is not None
                        )
    finally:
        database.dispose()
    return "\n".join(parts)


def archive_text(path: Path) -> str:
    with zipfile.ZipFile(path) as handle:
        return "\n".join(handle.read(name).decode("utf-8", "replace") for name in handle.namelist())


def test_no_raw_id_name_or_email_reaches_the_database_or_any_export(env, tmp_path):
    salt_warning = invoke(
        env,
        "import",
        "platform",
        SLACK,
        "--org",
        "Havnegade Kommune",
        "--format",
        "slack",
        "--keep-text",
    )
    assert salt_warning.exit_code == 0, salt_warning.output
    assert "Warning: A new salt file was created" in salt_warning.stderr
    assert "Read 11 messages from 5 people" in salt_warning.stdout
    for export in (VIVA_A, VIVA_B):
        result = invoke(
            env,
            "import",
            "platform",
            export,
            "--org",
            "Solbakken Hospital",
            "--format",
            "viva-engage",
            "--keep-text",
        )
        assert result.exit_code == 0, result.output
        assert "Warning" not in result.stderr  # the salt exists now
    raw = raw_values()
    assert {"U024ANNA1", "Anna Jensen", "anna.jensen@nordlys.dk", "Jonas Krogh", "user:2002"} <= raw
    stored = database_text(env["STUDY_DATABASE_URL"])
    assert "Husk mødet" in stored  # the kept Danish text is there, pseudonymised
    assert sorted(v for v in raw if v.casefold() in stored.casefold()) == []
    exports = {}
    for name, args in (
        ("study.qdpx", ("export", "qdpx")),
        ("benchmark.xlsx", ("export", "benchmark")),
        ("codings.xlsx", ("export", "codings", "--format", "xlsx")),
    ):
        result = invoke(env, *args, "--out", tmp_path / name)
        assert result.exit_code == 0, result.output
        exports[name] = archive_text(tmp_path / name)
    assert "Member " in exports["study.qdpx"]  # the conversations travel as sources
    activity = {
        row[0]: row
        for row in load_workbook(tmp_path / "benchmark.xlsx")["Activity"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert activity["Havnegade Kommune"][1:3] == (6, 5)  # members, active members
    assert activity["Havnegade Kommune"][10] == "fewer than 5 leaders"  # two leaders' replies
    assert set(activity["Solbakken Hospital"][1:]) == {"fewer than 5 members"}  # four members
    for fmt in ("json", "csv", "table"):
        result = invoke(env, "platform", "measures", "--format", fmt)
        assert result.exit_code == 0, result.output
        exports[f"measures.{fmt}"] = result.stdout
    transcripts = invoke(env, "transcripts", "list", "--format", "json")
    exports["transcripts"] = transcripts.stdout
    for name, text in exports.items():
        assert sorted(v for v in raw if v.casefold() in text.casefold()) == [], name


def test_measures_as_json_and_csv_for_one_organisation(env):
    invoke(env, "import", "platform", SLACK, "--org", "Havnegade Kommune", "--format", "slack")
    result = invoke(env, "platform", "measures", "--org", "Havnegade Kommune", "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["organisation"], r["department"]) for r in rows] == [("Havnegade Kommune", None)]
    assert rows[0]["lurker_share"] == pytest.approx(1 / 6)
    assert rows[0]["reciprocity"] == pytest.approx(0.4)
    frame = list(
        csv.DictReader(io.StringIO(invoke(env, "platform", "measures", "--format", "csv").stdout))
    )
    mine = [row for row in frame if row["organisation"] == "Havnegade Kommune"]
    assert [row["members"] for row in mine] == ["6"]
    assert len({row["organisation"] for row in frame}) == 6  # and the demo's five
    table = invoke(env, "platform", "measures", "--format", "table").stdout
    assert "lurker_share" in table and "Havnegade Kommune" in table


def counts(url: str) -> tuple[int, int, int]:
    database = Database(url)
    try:
        with database.transaction() as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model))
                for model in (PlatformImportRow, PlatformMessageRow, PlatformPersonRow)
            )
    finally:
        database.dispose()


def _truncated_zip(tmp_path: Path) -> Path:
    path = tmp_path / "slack.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as handle:
        for member in SLACK.rglob("*.json"):
            handle.write(member, member.relative_to(SLACK).as_posix())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _malformed_day(tmp_path: Path) -> Path:
    folder = tmp_path / "slack-export"
    shutil.copytree(SLACK, folder)
    (folder / "general" / "2024-01-09.json").write_text(
        '[{"type": "message", "ts": "1"},', encoding="utf-8"
    )
    return folder


def _missing_columns(tmp_path: Path) -> Path:
    folder = tmp_path / "viva-export"
    shutil.copytree(VIVA_A, folder)
    lines = (folder / "Messages.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    keep = [i for i, name in enumerate(header) if name not in ("sender_id", "created_at")]
    rows = list(csv.reader(lines))
    with open(folder / "Messages.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[r[i] for i in keep] for r in rows])
    return folder


@pytest.mark.parametrize(
    "make, fmt, expected",
    [
        (
            lambda tmp: SLACK,
            "viva-engage",
            "Error: slack-nordlys: this is a Slack export, not a Viva Engage export",
        ),
        (
            _truncated_zip,
            "slack",
            "Error: slack.zip: the file is not a Slack export (it is not a zip file)",
        ),
        (
            _malformed_day,
            "slack",
            "Error: slack-export/general/2024-01-09.json, line 1: the file is not valid JSON",
        ),
        (
            _missing_columns,
            "viva-engage",
            "Error: viva-export/Messages.csv: the file misses the columns sender_id, created_at",
        ),
    ],
    ids=["wrong-format", "truncated-zip", "malformed-json", "missing-columns"],
)
def test_bad_input_is_one_error_line_exit_1_and_nothing_written(env, tmp_path, make, fmt, expected):
    before = counts(env["STUDY_DATABASE_URL"])
    result = invoke(
        env, "import", "platform", make(tmp_path), "--org", "Havnegade Kommune", "--format", fmt
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert counts(env["STUDY_DATABASE_URL"]) == before
    assert not Path(env["STUDY_PLATFORM_SALT_FILE"]).exists()
