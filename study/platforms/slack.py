"""Read a Slack workspace export: members, conversations and messages, streaming.

Layout: ``users.json`` (``org_users.json`` on Enterprise Grid), ``channels.json``
(public), ``groups.json`` (private channels), ``dms.json`` and ``mpims.json`` (direct
and group messages) when the export includes them, and one folder per conversation
holding one ``YYYY-MM-DD.json`` file per day (a JSON array of messages).

What counts: a message of type "message" with no subtype, or subtype
``thread_broadcast`` or ``file_share``, and no ``bot_id``. Other subtypes (joins,
topic changes, ``tombstone`` for a deleted parent, ...) are skipped and counted.
``ts`` is a string and is kept exactly: it is the message's identity, and
``thread_ts == ts`` marks a thread's parent. Mentions are ``<@U…>`` in the text;
reactions are ``[{name, count, users}]``; an edit is ``edited: {user, ts}``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from study.errors import InvalidFile
from study.platforms.records import RawChannel, RawMessage, RawPerson, ReadTally
from study.platforms.sources import ExportSource

__all__ = ["CHANNEL_REFERENCE", "MENTION", "SlackExport"]

POST_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
DELETED_SUBTYPES = frozenset({"tombstone", "message_deleted"})
BOT_SUBTYPES = frozenset({"bot_message", "bot_add", "bot_remove"})
#: ``[^<>]``, not ``[^>]``: text full of "<@U1|" without a ">" stays linear to search.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
#: A channel named in a message: ``<#C024GENRL|general>``.
CHANNEL_REFERENCE = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")
DAY_FILE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.json$")
#: (file, kind, what the report says when it is absent)
CONVERSATION_LISTS = (
    ("channels.json", "public", "public channels (channels.json)"),
    ("groups.json", "private", "private channels (groups.json)"),
    ("dms.json", "dm", "direct messages (dms.json)"),
    ("mpims.json", "group-dm", "group direct messages (mpims.json)"),
)


def _timestamp(ts: str) -> dt.datetime:
    seconds, _, fraction = ts.partition(".")
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC) + dt.timedelta(
        microseconds=int((fraction + "000000")[:6]) if fraction else 0
    )


class SlackExport:
    """A Slack export opened for reading; ``people`` and ``channels`` are read on opening."""

    platform = "slack"

    def __init__(self, source: ExportSource) -> None:
        self.source = source
        self.tally = ReadTally()
        users = source.find("users.json") or source.find("org_users.json")
        if users is None:
            raise InvalidFile(
                "this is not a Slack export: it has no users.json (or org_users.json)",
                path=source.name,
            )
        self.people = [self._person(entry, source.label(users)) for entry in self._list(users)]
        self.channels: list[RawChannel] = []
        self._folders: dict[str, RawChannel] = {}
        found_list = False
        for filename, kind, absent in CONVERSATION_LISTS:
            member = source.find(filename)
            if member is None:
                self.tally.missing.append(absent)
                continue
            found_list = True
            for entry in self._list(member):
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise InvalidFile('each conversation needs an "id"', path=source.label(member))
                channel = RawChannel(
                    entry["id"], kind, str(entry.get("name") or "") if kind == "public" else ""
                )
                self.channels.append(channel)
                # Folders are named after channels (and group DMs); DMs after their id.
                self._folders[str(entry.get("name") or entry["id"])] = channel
                self._folders.setdefault(entry["id"], channel)
        if not found_list:
            raise InvalidFile(
                "this is not a Slack export: it has no channels.json", path=source.name
            )
        self._days = self._day_files()

    def _list(self, member: str) -> list[Any]:
        data = self.source.read_json(member)
        if not isinstance(data, list):
            raise InvalidFile("the file must hold a JSON list", path=self.source.label(member))
        return data

    @staticmethod
    def _person(entry: Any, label: str) -> RawPerson:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise InvalidFile('each member needs an "id"', path=label)
        profile = entry.get("profile") if isinstance(entry.get("profile"), dict) else {}
        names = [
            n
            for n in (
                entry.get("name"),
                entry.get("real_name"),
                profile.get("real_name"),
                profile.get("display_name"),
                profile.get("first_name")
                and profile.get("last_name")
                and f"{profile['first_name']} {profile['last_name']}",
            )
            if isinstance(n, str) and n.strip()
        ]
        return RawPerson(
            entry["id"],
            names=names,
            email=profile.get("email"),
            title=profile.get("title") or None,
            department=profile.get("department") or entry.get("department") or None,
            is_bot=bool(entry.get("is_bot")) or entry["id"] == "USLACKBOT",
        )

    def _day_files(self) -> list[tuple[RawChannel, str]]:
        days: list[tuple[RawChannel, str]] = []
        seen: set[str] = set()
        for member in sorted(self.source.files()):
            folder, _, filename = member.rpartition("/")
            if not folder or "/" in folder or not DAY_FILE.match(filename):
                continue
            channel = self._folders.get(folder)
            if channel is None:
                self.tally.skipped["a folder no conversation list names"] += 1
                continue
            seen.add(channel.raw_id)
            days.append((channel, member))
        self.tally.without_messages = [c for c in self.channels if c.raw_id not in seen]
        return days

    def units(self) -> int:
        """How many steps :meth:`messages` takes (day files), for a progress bar."""
        return len(self._days)

    def messages(self, progress=None) -> Iterator[RawMessage]:
        """Every post and reply, day file by day file, in folder and date order."""
        for done, (channel, member) in enumerate(self._days, start=1):
            entries = self.source.read_json(member)
            if not isinstance(entries, list):
                raise InvalidFile(
                    "a day file must hold a JSON list of messages", path=self.source.label(member)
                )
            self.tally.files += 1
            for entry in entries:
                message = self._message(entry, channel, member)
                if message is not None:
                    yield message
            if progress is not None:
                progress(done, len(self._days))

    def _message(self, entry: Any, channel: RawChannel, member: str) -> RawMessage | None:
        if not isinstance(entry, dict) or not isinstance(entry.get("ts"), str):
            raise InvalidFile('each message needs a "ts" string', path=self.source.label(member))
        if entry.get("type", "message") != "message":
            self.tally.skipped[f"not a message ({entry.get('type')})"] += 1
            return None
        subtype = entry.get("subtype")
        if subtype in DELETED_SUBTYPES:
            self.tally.skipped["deleted"] += 1
            return None
        if entry.get("bot_id") or subtype in BOT_SUBTYPES:
            self.tally.skipped["bots"] += 1
            return None
        if subtype not in POST_SUBTYPES:
            self.tally.skipped[f"system: {subtype}"] += 1
            return None
        user = entry.get("user")
        if not isinstance(user, str) or not user:
            self.tally.skipped["no author"] += 1
            return None
        ts = entry["ts"]
        try:
            posted = _timestamp(ts)
        except (ValueError, OverflowError, OSError):
            raise InvalidFile(
                f"the message time {ts!r} is not a Slack timestamp", path=self.source.label(member)
            ) from None
        thread = entry.get("thread_ts") if isinstance(entry.get("thread_ts"), str) else None
        is_reply = thread is not None and thread != ts
        text = entry.get("text") if isinstance(entry.get("text"), str) else ""
        reactors: list[str] = []
        count = 0
        for reaction in entry.get("reactions") or []:
            if isinstance(reaction, dict):
                users = [u for u in reaction.get("users") or [] if isinstance(u, str)]
                reactors += users
                given = reaction.get("count")
                count += given if isinstance(given, int) and given >= 0 else len(users)
        edited = entry.get("edited") if isinstance(entry.get("edited"), dict) else None
        return RawMessage(
            channel=channel.raw_id,
            source_id=ts,
            thread_key=thread or ts,
            parent_source_id=thread if is_reply else None,
            is_reply=is_reply,
            author=user,
            posted_at=posted,
            text=text,
            reactors=reactors,
            reactions=count,
            mentions=MENTION.findall(text),
            edited_by=edited.get("user") if edited else None,
        )
