"""Import a platform export: pseudonymise, store messages without text, report what was read.

The import reads the export as a stream (a batch of messages at a time) and
writes in the caller's transaction, so a bad file anywhere (a malformed day
file, a CSV with missing columns, a truncated ZIP) raises
:class:`~study.errors.InvalidFile` and the rollback leaves the database as it
was. Raw ids, names and e-mail addresses never reach the database: people
become HMAC pseudonyms (:mod:`study.platforms.pseudonyms`), channels an HMAC of
their id and, unless ``keep_channel_names``, a pseudonym for their name too
("#anna-farewell" names a person as well as any name does), and message text is
dropped unless ``keep_text``, in which case each conversation (a thread) becomes a
pseudonymised transcript the coding workbench can code. A message already stored
(same conversation, same id) is skipped, so re-importing an overlapping export adds
only what is new.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import acting
from study.admin.audit import record_event
from study.admin.organisations import organisation_row
from study.admin.permissions import Actor
from study.admin.records import PlainRecord
from study.db.models import (
    PLATFORMS,
    OrganisationRow,
    PlatformChannelRow,
    PlatformDocumentRow,
    PlatformImportRow,
    PlatformMessageRow,
    PlatformPersonRow,
)
from study.errors import InvalidFile, InvalidInput
from study.interviews.transcripts.language import detect_language
from study.interviews.transcripts.store import store_parsed_transcript
from study.interviews.transcripts.transcript import TurnDraft, compose_transcript
from study.platforms import slack, viva
from study.platforms.pseudonyms import (
    Pseudonymiser,
    SaltFile,
    TextCleaner,
    channel_label,
    leader_levels,
    level_of,
    load_salt,
    person_label,
)
from study.platforms.records import RawMessage
from study.platforms.sources import ExportSource

__all__ = ["PlatformImportReport", "import_platform_export", "open_export", "platform_imports"]

BATCH = 5_000
PLATFORM_LABELS = {"slack": "Slack", "viva-engage": "Viva Engage"}
Progress = Callable[[int, int], None]


@dataclass
class PlatformImportReport(PlainRecord):
    """What an import read, added, skipped and found missing."""

    organisation: str
    platform: str
    source: str
    messages_read: int = 0
    messages_added: int = 0
    already_stored: int = 0
    people: int = 0
    people_added: int = 0
    channels: int = 0
    channels_added: int = 0
    documents_added: int = 0
    first_message: str | None = None
    last_message: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    salt_file: str = ""
    salt_created: bool = False
    hour_resolution: bool = False

    def lines(self) -> list[str]:
        """The report as sentences for the CLI and the page."""
        out = [
            f"Read {self.messages_read:,} messages from {self.people:,} people in "
            f"{self.channels:,} conversations ({self.first_message or '-'} to "
            f"{self.last_message or '-'}); added {self.messages_added:,} new messages, "
            f"{self.people_added:,} new people, {self.documents_added:,} documents."
        ]
        if self.already_stored:
            out.append(f"{self.already_stored:,} messages were already stored (skipped).")
        if self.skipped:
            out.append(
                "Skipped: "
                + ", ".join(f"{reason} {count:,}" for reason, count in sorted(self.skipped.items()))
                + "."
            )
        for missing in self.missing:
            out.append(f"Missing: {missing}.")
        return out


def open_export(path: str | os.PathLike[str], platform: str):
    """Open ``path`` (ZIP or folder) as a Slack or Viva Engage export; raise InvalidFile if not."""
    if platform not in PLATFORMS:
        raise InvalidInput(f"The format must be one of {', '.join(PLATFORMS)}, not {platform!r}.")
    marker = "users.json" if platform == "slack" else "Messages.csv"
    source = ExportSource(path, marker=marker, what=f"{PLATFORM_LABELS[platform]} export")
    try:
        if platform == "slack":
            if (
                source.find("users.json") is None
                and source.find("org_users.json") is None
                and source.find("Messages.csv") is not None
            ):
                raise InvalidFile(
                    "this is a Viva Engage export, not a Slack export (use --format viva-engage)",
                    path=source.name,
                )
            return slack.SlackExport(source)
        if source.find("Messages.csv") is None and source.find("users.json") is not None:
            raise InvalidFile(
                "this is a Slack export, not a Viva Engage export (use --format slack)",
                path=source.name,
            )
        return viva.VivaEngageExport(source)
    except BaseException:
        source.close()
        raise


def import_platform_export(
    session: Session,
    path: str | os.PathLike[str],
    *,
    organisation: str,
    platform: str,
    salt_file: str | os.PathLike[str] | None = None,
    keep_text: bool = False,
    keep_channel_names: bool = False,
    hour_resolution: bool = False,
    progress: Progress | None = None,
    actor: Actor | int,
) -> PlatformImportReport:
    """Import a Slack or Viva Engage export (a ZIP or a folder) into an organisation.

    Parameters
    ----------
    session : Session
        The transaction to write in; on an error nothing of the import remains.
    path : path-like
        The export: a ZIP file or an unpacked folder.
    organisation : str
        The organisation the platform belongs to.
    platform : str
        "slack" or "viva-engage".
    salt_file : path-like, optional
        The salt that pseudonymises people (``STUDY_PLATFORM_SALT_FILE`` by default);
        created on first use (``salt_created`` in the report: warn the user).
    keep_text : bool
        Keep each conversation's text as a pseudonymised transcript to code.
    keep_channel_names : bool
        Store public channels' names as they are; by default each becomes
        "channel-" plus six digits of its HMAC, in the database, in kept text and in
        document names (private channels' names are never stored).
    hour_resolution : bool
        Store message times rounded down to the hour.
    progress : callable, optional
        Called as ``progress(done, total)`` while messages are read.

    Raises
    ------
    InvalidFile
        The export is not of this format, or a file in it is malformed.
    NotFound
        The organisation does not exist.
    InvalidInput
        The salt file differs from the one used for the organisation before.
    """
    actor_id = acting(session, actor, "analyse")
    org = organisation_row(session, organisation)
    export = open_export(path, platform)
    salt: SaltFile | None = None
    try:
        salt = load_salt(salt_file)
        report = _Importer(
            session,
            org,
            export,
            salt,
            keep_text=keep_text,
            keep_channel_names=keep_channel_names,
            hour_resolution=hour_resolution,
            actor_id=actor_id,
        ).run(progress)
    except BaseException:
        if salt is not None and salt.created:
            salt.path.unlink(missing_ok=True)  # nothing was imported with it
        raise
    finally:
        export.source.close()
    return report


class _Importer:
    """One import's state: the pseudonymiser, ids already stored, the batch being built."""

    def __init__(
        self,
        session: Session,
        org: OrganisationRow,
        export,
        salt: SaltFile,
        *,
        keep_text: bool,
        keep_channel_names: bool,
        hour_resolution: bool,
        actor_id: int | None,
    ) -> None:
        self.session = session
        self.org = org
        self.export = export
        self.salt = salt
        self.keep_text = keep_text
        self.keep_channel_names = keep_channel_names
        self.hour_resolution = hour_resolution
        self.actor_id = actor_id
        self.pseudonym = Pseudonymiser(salt.salt, export.platform)
        self.report = PlatformImportReport(
            organisation=org.name,
            platform=export.platform,
            source=export.source.name,
            salt_file=str(salt.path),
            salt_created=salt.created,
            hour_resolution=hour_resolution,
        )
        self.people: dict[str, int] = {}
        self.channels: dict[str, int] = {}
        self.channel_rows: dict[str, PlatformChannelRow] = {}
        self.stored: dict[int, set[str]] = {}
        self.added: dict[int, set[str]] = {}
        self.bots: set[str] = set()
        self.seen_people: set[int] = set()
        self.seen_channels: set[int] = set()
        self.threads: dict[tuple[str, str], list[RawMessage]] = {}
        self.cleaner: TextCleaner | None = None
        self.names: dict[str, str] = {}  # name, user name or e-mail -> label (keep_text only)
        self.ids: dict[str, str] = {}  # raw person id -> label (keep_text only)
        # Short conversations say little about their language: the export's text decides then.
        self.sample = ""

    def run(self, progress: Progress | None) -> PlatformImportReport:
        self._check_salt()
        run = PlatformImportRow(
            organisation_id=self.org.id,
            platform=self.export.platform,
            source_name=self.export.source.name[:300],
            salt_check=self.salt.check,
            hour_resolution=self.hour_resolution,
            imported_by_id=self.actor_id,
        )
        self.session.add(run)
        self.session.flush()
        self.import_id = run.id
        self._store_people()
        for channel in self.export.channels:
            self._channel_id(channel.raw_id)
        if self.keep_text:
            self.cleaner = TextCleaner(
                self.names,
                ids=self.ids,
                channels={}
                if self.keep_channel_names
                else {
                    c.name: self.channel_rows[c.raw_id].name for c in self.export.channels if c.name
                },
            )
        batch: list[dict[str, Any]] = []
        first = last = None
        current = None
        for message in self.export.messages(progress):
            if message.author in self.bots:
                self.export.tally.skipped["bots"] += 1
                continue
            if self.export.platform == "slack" and message.channel != current:
                self._flush_channel_state()
                current = message.channel
            self.report.messages_read += 1
            row = self._row(message)
            first = message.posted_at if first is None or message.posted_at < first else first
            last = message.posted_at if last is None or message.posted_at > last else last
            if row is not None:
                batch.append(row)
                if len(batch) >= BATCH:
                    self._insert(batch)
                    batch = []
        self._insert(batch)
        self._flush_channel_state()
        tally = self.export.tally
        self.report.skipped = dict(sorted(tally.skipped.items()))
        self.report.missing = list(tally.missing) + [
            f"{self._shown(c.raw_id)}: listed, but the export has no messages folder for it"
            for c in tally.without_messages
        ]
        self.report.people = len(self.seen_people)
        self.report.channels = len(self.seen_channels)
        self.report.first_message = first.date().isoformat() if first else None
        self.report.last_message = last.date().isoformat() if last else None
        summary = self.report.as_dict()
        summary.pop("salt_file")
        run.report = summary
        record_event(
            self.session,
            "platform.import",
            actor_id=self.actor_id,
            target=run,
            details={
                "organisation": self.org.name,
                "platform": self.export.platform,
                "messages_added": self.report.messages_added,
                "keep_text": self.keep_text,
            },
        )
        return self.report

    def _check_salt(self) -> None:
        earlier = set(
            self.session.scalars(
                select(PlatformImportRow.salt_check).where(
                    PlatformImportRow.organisation_id == self.org.id
                )
            )
        )
        if earlier and self.salt.check not in earlier:
            raise InvalidInput(
                f"{self.org.name}'s earlier platform imports used another salt "
                f"file than {self.salt.path}; use that one, or the same people "
                "would get other pseudonyms."
            )

    def _store_people(self) -> None:
        existing = {
            p.pseudonym: p
            for p in self.session.scalars(
                select(PlatformPersonRow).where(PlatformPersonRow.organisation_id == self.org.id)
            )
        }
        levels = leader_levels()
        for person in self.export.people:
            if person.is_bot:
                self.bots.add(person.raw_id)
                continue
            pseudonym = self.pseudonym(person.raw_id)
            department = " ".join((person.department or "").split())[:200] or None
            level = level_of(person.title, levels)
            row = existing.get(pseudonym)
            if row is None:
                row = PlatformPersonRow(
                    organisation_id=self.org.id,
                    pseudonym=pseudonym,
                    department=department,
                    level=level,
                    listed=True,
                )
                self.session.add(row)
                existing[pseudonym] = row
                self.report.people_added += 1
            else:
                row.listed = True
                row.department = department or row.department
                row.level = level if level != "unknown" else row.level
            if self.keep_text:
                label = person_label(pseudonym)
                self.ids[person.raw_id] = label
                for name in person.names + ([person.email] if person.email else []):
                    self.names[name] = label
        self.session.flush()
        self.people = {pseudonym: row.id for pseudonym, row in existing.items()}

    def _person_id(self, raw_id: str) -> int:
        pseudonym = self.pseudonym(raw_id)
        found = self.people.get(pseudonym)
        if found is None:
            row = PlatformPersonRow(
                organisation_id=self.org.id, pseudonym=pseudonym, listed=False, level="unknown"
            )
            self.session.add(row)
            self.session.flush()
            found = self.people[pseudonym] = row.id
            self.report.people_added += 1
        return found

    def _channel_id(self, raw_id: str) -> int:
        found = self.channels.get(raw_id)
        if found is not None:
            return found
        channel = next((c for c in self.export.channels if c.raw_id == raw_id), None)
        key = self.pseudonym("channel:" + raw_id)
        name = channel.name if channel else ""
        if name and not self.keep_channel_names:
            name = channel_label(key)
        row = self.session.scalar(
            select(PlatformChannelRow).where(
                PlatformChannelRow.organisation_id == self.org.id, PlatformChannelRow.key == key
            )
        )
        if row is None:
            row = PlatformChannelRow(
                organisation_id=self.org.id,
                key=key,
                kind=channel.kind if channel else "unlisted",
                name=name[:200],
            )
            self.session.add(row)
            self.session.flush()
            self.report.channels_added += 1
        elif name and row.name != name[:200]:
            row.name = name[:200]  # this import's choice (kept or pseudonymised) holds
        self.channels[raw_id] = row.id
        self.channel_rows[raw_id] = row
        return row.id

    def _stored_ids(self, channel_id: int) -> set[str]:
        found = self.stored.get(channel_id)
        if found is None:
            found = self.stored[channel_id] = set(
                self.session.scalars(
                    select(PlatformMessageRow.source_id).where(
                        PlatformMessageRow.channel_id == channel_id
                    )
                )
            )
        return found

    def _row(self, message: RawMessage) -> dict[str, Any] | None:
        channel_id = self._channel_id(message.channel)
        person_id = self._person_id(message.author)
        self.seen_people.add(person_id)
        self.seen_channels.add(channel_id)
        stored = self._stored_ids(channel_id)
        if message.source_id in stored:
            self.report.already_stored += 1
            return None
        added = self.added.setdefault(channel_id, set())
        if message.source_id in added:
            self.export.tally.skipped["duplicate rows"] += 1
            self.report.messages_read -= 1  # counted once
            return None
        added.add(message.source_id)
        if self.keep_text and message.text.strip():
            self.threads.setdefault((message.channel, message.thread_key), []).append(message)
            if len(self.sample) < 20_000:
                self.sample += message.text + "\n"
        posted = message.posted_at
        if self.hour_resolution:
            posted = posted.replace(minute=0, second=0, microsecond=0)
        reactors = [self.pseudonym(r) for r in dict.fromkeys(message.reactors)]
        mentions = [self.pseudonym(m) for m in dict.fromkeys(message.mentions)]
        return {
            "organisation_id": self.org.id,
            "channel_id": channel_id,
            "person_id": person_id,
            "import_id": self.import_id,
            "source_id": message.source_id[:40],
            "thread_key": message.thread_key[:40],
            "parent_source_id": message.parent_source_id[:40] if message.parent_source_id else None,
            "is_reply": message.is_reply,
            "posted_at": posted,
            "reactions": message.reactions,
            "reactors": reactors or None,
            "mentions": mentions or None,
            "edited_by_id": self._person_id(message.edited_by) if message.edited_by else None,
        }

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            # Core, not ORM bulk: the ORM splits a batch wherever a JSON value is None
            self.session.execute(PlatformMessageRow.__table__.insert(), rows)
            self.report.messages_added += len(rows)

    def _flush_channel_state(self) -> None:
        """Write the finished conversations of the channel just read; forget its ids."""
        if self.export.platform == "slack":
            self.stored.clear()
            self.added.clear()
        if self.threads:
            self._store_documents()
            self.threads.clear()

    def _store_documents(self) -> None:
        for (raw_channel, thread), messages in self.threads.items():
            channel_id = self.channels[raw_channel]
            if (
                self.session.scalar(
                    select(PlatformDocumentRow.id).where(
                        PlatformDocumentRow.channel_id == channel_id,
                        PlatformDocumentRow.thread_key == thread[:40],
                    )
                )
                is not None
            ):
                continue  # documented by an earlier import; stored text never changes
            messages.sort(key=lambda m: (m.posted_at, m.source_id))
            drafts = [
                TurnDraft(person_label(self.pseudonym(m.author)), [self._clean(m.text)])
                for m in messages
            ]
            where = self._shown(raw_channel, document=True)
            name = (
                f"{PLATFORM_LABELS[self.export.platform]} {where} "
                f"{messages[0].posted_at.date().isoformat()} "
                f"{self.pseudonym('thread:' + raw_channel + ':' + thread)[:6]}"
            )
            parsed = compose_transcript(name, drafts)
            if not parsed.turns:
                continue
            language = detect_language(parsed.text) or detect_language(self.sample)
            parsed = compose_transcript(name, drafts, detected_language=language)
            info = store_parsed_transcript(
                self.session,
                parsed,
                organisation=self.org,
                role="other",
                name=name,
                source_filename=self.export.source.name[:300],
                pseudonymised=True,
                actor_id=self.actor_id,
            )
            self.session.add(
                PlatformDocumentRow(
                    channel_id=channel_id, thread_key=thread[:40], transcript_id=info.id
                )
            )
            self.report.documents_added += 1

    def _shown(self, raw_channel: str, *, document: bool = False) -> str:
        """How reports and document names show a channel: "#name" (stored name) or its kind."""
        row = self.channel_rows[raw_channel]
        if row.name:
            return f"#{row.name}"
        if document:
            return row.kind
        return {
            "private": "a private channel",
            "dm": "a direct message",
            "group-dm": "a group direct message",
        }.get(row.kind, "a conversation")

    def _clean(self, text: str) -> str:
        module = slack if self.export.platform == "slack" else viva
        text = module.MENTION.sub(lambda m: "@" + person_label(self.pseudonym(m.group(1))), text)
        if module is slack:
            text = slack.CHANNEL_REFERENCE.sub(lambda m: self._channel_reference(m.group(1)), text)
        return self.cleaner(text) if self.cleaner is not None else text

    def _channel_reference(self, raw_id: str) -> str:
        row = self.channel_rows.get(raw_id)
        return f"#{row.name}" if row is not None and row.name else "#channel"


def platform_imports(session: Session, *, organisation: str | None = None) -> list[dict[str, Any]]:
    """The imports so far (newest first): organisation, platform, date and report."""
    query = (
        select(PlatformImportRow, OrganisationRow.name)
        .join(OrganisationRow, OrganisationRow.id == PlatformImportRow.organisation_id)
        .order_by(PlatformImportRow.id.desc())
    )
    if organisation:
        query = query.where(
            PlatformImportRow.organisation_id == organisation_row(session, organisation).id
        )
    return [
        {
            "id": run.id,
            "organisation": name,
            "platform": run.platform,
            "source": run.source_name,
            "imported_at": run.created_at.isoformat(),
            **{k: run.report.get(k) for k in ("messages_added", "first_message", "last_message")},
        }
        for run, name in session.execute(query)
    ]
