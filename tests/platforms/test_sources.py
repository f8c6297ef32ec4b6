"""Reading platform exports: hostile files end in one InvalidFile sentence (issue 20, 9).

A Slack ``users.json`` nested 100,000 deep ended in a RecursionError traceback; text
full of unterminated mentions made the mention search quadratic.
"""

from __future__ import annotations

import shutil
import time

import pytest
from typer.testing import CliRunner

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.errors import InvalidFile
from study.platforms.slack import CHANNEL_REFERENCE, MENTION
from study.platforms.store import open_export

from conftest import DATA, import_platform

SLACK = DATA / "platforms" / "slack-nordlys"
VIVA = DATA / "platforms" / "viva-fjordbank-a"
DEEP = 100_000


def _slack_with(tmp_path, member: str, text: str):
    export = tmp_path / "slack"
    shutil.copytree(SLACK, export)
    (export / member).write_text(text, encoding="utf-8")
    return export


@pytest.mark.parametrize("member", ["users.json", "channels.json", "general/2024-01-08.json"])
@pytest.mark.parametrize(
    "nesting", ["[" * DEEP + "]" * DEEP, '{"a": ' * DEEP + "1" + "}" * DEEP, "[" * DEEP]
)
def test_json_nested_100000_deep_is_one_invalid_file_sentence(tmp_path, member, nesting):
    export = _slack_with(tmp_path, member, nesting)
    with pytest.raises(InvalidFile, match=r"slack/.*: the file nests JSON .* too deeply"):
        reader = open_export(export, "slack")
        list(reader.messages())


def test_cli_import_of_a_deeply_nested_export_says_one_sentence(database, tmp_path):
    with database.transaction() as session:
        add_organisation(session, "Nordlys", actor=OPERATOR)
    export = _slack_with(tmp_path, "users.json", "[" * DEEP + "]" * DEEP)
    result = CliRunner().invoke(
        app,
        ["import", "platform", str(export), "--org", "Nordlys", "--format", "slack"],
        env={
            "STUDY_DATABASE_URL": database.url,
            "STUDY_PLATFORM_SALT_FILE": str(tmp_path / "salt.key"),
        },
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: slack/users.json: the file nests JSON")
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_mention_search_stays_linear_on_unterminated_mentions():
    text = "<@U1|" * 20_000 + "<#C1|" * 20_000
    started = time.perf_counter()
    assert MENTION.findall(text) == [] and CHANNEL_REFERENCE.findall(text) == []
    assert time.perf_counter() - started < 2  # quadratic before: about 15 s


def test_viva_export_with_deep_or_hostile_bodies_imports(session, tmp_path):
    export = tmp_path / "viva"
    shutil.copytree(VIVA, export)
    messages = (export / "Messages.csv").read_text(encoding="utf-8").splitlines()
    hostile = "[[user:" * 20_000 + "<" * 20_000 + "[" * DEEP
    fields = messages[1].split(",")
    fields[13] = hostile  # body
    messages.append(",".join(["5999", "", "5999", *fields[3:]]))
    (export / "Messages.csv").write_text("\n".join(messages) + "\n", encoding="utf-8")
    started = time.perf_counter()
    report = import_platform(
        session, export, "Fjordbank", "viva-engage", tmp_path / "salt.key", keep_text=True
    )
    assert report.messages_added == 5
    assert time.perf_counter() - started < 20
