"""Pseudonymised platform imports keep no identifying text (issue 20, 5).

A channel named after a person ("anna-jensen-farewell") was stored and, with
--keep-text, became part of transcript names in the audit log, `study transcripts
list` and the .qdpx export; a raw user id written in plain message text survived.
Channel names are now pseudonymised unless kept on purpose, and every known id,
handle and name is replaced wherever it stands in kept text.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import EventRow, PlatformChannelRow, PlatformImportRow, TranscriptRow
from study.platforms.pseudonyms import TextCleaner

from conftest import DATA, import_platform

SLACK = DATA / "platforms" / "slack-nordlys"
VIVA = DATA / "platforms" / "viva-fjordbank-a"
CHANNEL = "anna-jensen-farewell"
#: A post naming people every way a Slack user can: raw ids, mentions, handles, names.
IDENTIFYING = (
    "Farvel U024ANNA1! Tak fra <@U024BOHA2> og <@U024CARL3|carla.berg>, "
    "@anna.jensen, @anna, @Carla, dan.holm og DAN HOLM (U024DANH4), "
    "hilsen Eva Lund <eva.lund@nordlys.dk>"
)
SLACK_RAW = (
    "U024ANNA1",
    "U024BOHA2",
    "U024CARL3",
    "U024DANH4",
    "anna.jensen",
    "@anna",
    "carla.berg",
    "@Carla",
    "dan.holm",
    "DAN HOLM",
    "Eva Lund",
    "eva.lund",
    "Anna",
    "anna-jensen",
    "general",
    "ledergruppe",
)


@pytest.fixture
def slack_export(tmp_path):
    """The Nordlys Slack export with #general renamed after a person and one post naming people."""
    export = tmp_path / "slack"
    shutil.copytree(SLACK, export)
    channels = json.loads((export / "channels.json").read_text(encoding="utf-8"))
    channels[0]["name"] = CHANNEL
    (export / "channels.json").write_text(json.dumps(channels), encoding="utf-8")
    (export / "general").rename(export / CHANNEL)
    day = export / CHANNEL / "2024-01-09.json"
    messages = json.loads(day.read_text(encoding="utf-8"))
    messages.append(
        {
            "type": "message",
            "user": "U024EVAL5",
            "text": IDENTIFYING,
            "ts": "1704812400.009900",
            "thread_ts": "1704812400.009900",
        }
    )
    day.write_text(json.dumps(messages, ensure_ascii=False), encoding="utf-8")
    return export


def _stored_text(session) -> str:
    """Channel names, transcript names and texts, audit details and import reports, as one text."""
    parts = list(session.scalars(select(PlatformChannelRow.name)))
    for transcript in session.scalars(select(TranscriptRow)):
        parts += [transcript.name, transcript.text, *(t.speaker for t in transcript.turns)]
    parts += [json.dumps(d, ensure_ascii=False) for d in session.scalars(select(EventRow.details))]
    parts += [
        json.dumps(r, ensure_ascii=False) for r in session.scalars(select(PlatformImportRow.report))
    ]
    return "\n".join(p for p in parts if p)


def test_channel_names_are_pseudonymised_by_default(session, slack_export, tmp_path):
    report = import_platform(
        session, slack_export, "Nordlys", "slack", tmp_path / "salt.key", keep_text=True
    )
    session.flush()
    stored = _stored_text(session)
    for raw in (CHANNEL, "general", "random", "anna"):
        assert raw not in stored.casefold(), raw
    assert not any(raw in line for line in report.lines() for raw in (CHANNEL, "random"))
    names = list(session.scalars(select(TranscriptRow.name)))
    assert names and all(name.startswith("Slack ") for name in names)
    # Channels stay told apart: each public channel has its own pseudonym.
    public = set(
        session.scalars(select(PlatformChannelRow.name).where(PlatformChannelRow.kind == "public"))
    )
    assert len(public) == 2 and all(name.startswith("channel-") for name in public)


@pytest.fixture
def kept_names(session, slack_export, tmp_path):
    """The session after importing the export with its text and channel names kept."""
    import_platform(
        session,
        slack_export,
        "Nordlys",
        "slack",
        tmp_path / "salt.key",
        keep_text=True,
        keep_channel_names=True,
    )
    session.flush()
    return session


def test_channel_names_are_kept_only_when_asked(kept_names):
    session = kept_names
    assert set(
        session.scalars(select(PlatformChannelRow.name).where(PlatformChannelRow.kind == "public"))
    ) == {CHANNEL, "random"}
    assert any(f"#{CHANNEL}" in name for name in session.scalars(select(TranscriptRow.name)))
    # Private channels' names are never kept.
    assert "ledergruppe" not in _stored_text(session)


def test_every_known_id_handle_and_name_is_replaced_in_kept_text(kept_names):
    session = kept_names
    text = session.scalar(select(TranscriptRow.text).where(TranscriptRow.text.contains("Farvel")))
    assert text is not None
    for raw in SLACK_RAW[:-3]:
        assert raw.casefold() not in text.casefold(), (raw, text)
    assert text.count("Member ") >= 8 and "[e-mail]" in text and "hilsen" in text


def test_viva_group_names_and_user_ids_in_text_are_replaced(session, tmp_path):
    export = tmp_path / "viva"
    shutil.copytree(VIVA, export)
    groups = (export / "Groups.csv").read_text(encoding="utf-8")
    (export / "Groups.csv").write_text(
        groups.replace("Hele banken", "Mette Nielsens hjørne"), encoding="utf-8"
    )
    with open(export / "Messages.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows.append(
        {
            **rows[0],
            "id": "5099",
            "thread_id": "5099",
            "replied_to_id": "",
            "body": "Spørg user:2003 eller @Sofie, eller 1000000123 (Sofie Dahl)",
            "created_at": "2024-03-06 08:00:00 UTC",
        }
    )
    with open(export / "Users.csv", "a", encoding="utf-8", newline="") as handle:
        handle.write(
            "1000000123,Lars Vig,lars.vig@fjordbank.dk,Rådgiver,Aarhus,Kundeservice,,,active\n"
        )
    with open(export / "Messages.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    import_platform(
        session, export, "Fjordbank", "viva-engage", tmp_path / "salt.key", keep_text=True
    )
    session.flush()
    stored = _stored_text(session)
    for raw in ("Mette", "Nielsen", "hjørne", "Sofie", "Hele banken"):
        assert raw not in stored, raw
    for raw in ("2003", "1000000123"):  # an id, not the same digits inside a hex pseudonym
        assert not re.search(rf"(?<![0-9a-f]){raw}(?![0-9a-f])", stored), raw
    assert "Spørg" in stored


def test_text_cleaner_replaces_ids_handles_and_names():
    clean = TextCleaner(
        {"Anna Jensen": "Member a", "anna.jensen": "Member a"},
        ids={"U024ANNA1": "Member a", "2001": "Member b"},
    )
    assert (
        clean("U024ANNA1, @anna.jensen, @anna og ANNA JENSEN")
        == "Member a, @Member a, @Member a og Member a"
    )
    # A short numeric id is replaced where it stands as an id, not as a year or a count.
    assert clean("user:2001 skrev i 2001") == "Member b skrev i 2001"


def _cli_export(slack_export, tmp_path):
    archive = tmp_path / "nordlys.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in slack_export.rglob("*"):
            handle.write(path, path.relative_to(slack_export).as_posix())
    return archive


def test_cli_keeps_channel_names_out_of_transcripts_list_and_qdpx(database, slack_export, tmp_path):
    runner = CliRunner()
    env = {
        "STUDY_DATABASE_URL": database.url,
        "STUDY_PLATFORM_SALT_FILE": str(tmp_path / "salt.key"),
    }
    with database.transaction() as session:
        add_organisation(session, "Nordlys", actor=OPERATOR)
        add_organisation(session, "Fjordvik", actor=OPERATOR)
    archive = _cli_export(slack_export, tmp_path)
    import_args = ["import", "platform", str(archive), "--format", "slack", "--keep-text"]
    result = runner.invoke(app, [*import_args, "--org", "Nordlys"], env=env)
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["transcripts", "list", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    out = tmp_path / "study.qdpx"
    exported = runner.invoke(app, ["export", "qdpx", "--out", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(out) as handle:
        qdpx = "\n".join(handle.read(n).decode("utf-8", "replace") for n in handle.namelist())
    for shown in (result.output, listed.output, qdpx):
        for raw in (CHANNEL, "#general", "#random", "U024ANNA1", "Eva Lund"):
            assert raw not in shown, raw
    kept = runner.invoke(app, [*import_args, "--org", "Fjordvik", "--keep-channel-names"], env=env)
    assert kept.exit_code == 0, kept.output
    listed = runner.invoke(app, ["transcripts", "list", "--format", "json"], env=env)
    assert f"#{CHANNEL}" in listed.output
