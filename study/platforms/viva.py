"""Read a Viva Engage (Yammer) network data export: Messages.csv, Users.csv, Groups.csv.

``Topics.csv``, ``Files.csv`` and ``MessageVersions.csv`` are read when present.
Booleans are "true"/"false"; a thread starter has ``thread_id == id``; private
conversations list their ``participants`` as ``user:1,user:2``; mentions are
``[[user:123]]`` in the body. Overlapping exports repeat rows: they are merged by
``id`` (the first one read counts). Newer exports add columns (``parent_id``,
``title``, ``html_body``, ``message_type``); both layouts are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from collections.abc import Iterator

from study.errors import InvalidFile
from study.platforms.records import RawChannel, RawMessage, RawPerson, ReadTally
from study.platforms.sources import ExportSource

__all__ = ["MENTION", "VivaEngageExport"]

MENTION = re.compile(r"\[\[user:(\d+)\]\]")
MESSAGE_COLUMNS = ("id", "thread_id", "sender_id", "created_at")
USER_COLUMNS = ("id",)
GROUP_COLUMNS = ("id", "name")
SYSTEM_TYPES = frozenset({"system"})
ALL_COMPANY = "all-company"
_TAGS = re.compile(r"<[^>]+>")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _time(value: str) -> dt.datetime:
    value = value.strip().replace(" UTC", "+00:00")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


class VivaEngageExport:
    """A Viva Engage export opened for reading; people and groups are read on opening."""

    platform = "viva-engage"

    def __init__(self, source: ExportSource) -> None:
        self.source = source
        self.tally = ReadTally()
        self._messages = source.find("Messages.csv")
        if self._messages is None:
            raise InvalidFile(
                "this is not a Viva Engage export: it has no Messages.csv", path=source.name
            )
        self.people = [self._person(row) for row in self._rows("Users.csv", USER_COLUMNS)]
        self.channels = [
            RawChannel(
                row["id"],
                "private" if _true(row.get("private")) else "public",
                row["name"] if not _true(row.get("private")) else "",
            )
            for row in self._rows("Groups.csv", GROUP_COLUMNS)
        ]
        self._known_groups = {c.raw_id for c in self.channels}
        self._edits = {
            row["message_id"]: (
                row.get("edited_by_id") or row.get("sender_id") or row.get("user_id") or None
            )
            for row in self._rows("MessageVersions.csv", ("message_id",), required=False)
        }
        for optional in ("Topics.csv", "Files.csv"):
            if source.find(optional) is None:
                self.tally.missing.append(f"{optional} (not needed for the measures)")

    def _rows(
        self, name: str, columns: tuple[str, ...], *, required: bool = True
    ) -> Iterator[dict[str, str]]:
        member = self.source.find(name)
        if member is None:
            if required:
                raise InvalidFile(f"the export has no {name}", path=self.source.name)
            self.tally.missing.append(f"{name} (edits are not known)")
            return
        yield from self._read_csv(member, columns)

    def _read_csv(self, member: str, columns: tuple[str, ...]) -> Iterator[dict[str, str]]:
        label = self.source.label(member)
        with self.source.open_text(member) as handle:
            reader = csv.DictReader(handle)
            try:
                header = reader.fieldnames or []
            except (csv.Error, UnicodeDecodeError) as error:
                raise InvalidFile(f"the file is not readable CSV ({error})", path=label) from None
            absent = [c for c in columns if c not in header]
            if absent:
                raise InvalidFile(
                    f"the file misses the column{'s' if len(absent) > 1 else ''} "
                    f"{', '.join(absent)}",
                    path=label,
                )
            try:
                for row in reader:
                    if None in row or any(row.get(c) is None for c in columns):
                        raise InvalidFile(
                            "a row has a different number of fields than the header",
                            path=label,
                            line=reader.line_num,
                        )
                    yield row
            except (csv.Error, UnicodeDecodeError) as error:
                raise InvalidFile(
                    f"the file is not readable CSV ({error})", path=label, line=reader.line_num
                ) from None

    @staticmethod
    def _person(row: dict[str, str]) -> RawPerson:
        names = [row["name"]] if row.get("name", "").strip() else []
        return RawPerson(
            row["id"],
            names=names,
            email=row.get("email") or None,
            title=row.get("job_title") or None,
            department=row.get("department") or None,
            is_bot=(row.get("type") or "user").lower() not in ("user", ""),
        )

    def units(self) -> int:
        """Bytes of Messages.csv, for a progress bar."""
        return max(self.source.size(self._messages), 1)

    def messages(self, progress=None) -> Iterator[RawMessage]:
        """Every post and reply of Messages.csv, duplicates (by id) dropped."""
        seen: set[str] = set()
        total = self.units()
        label = self.source.label(self._messages)
        self.tally.files += 1
        done = 0
        for number, row in enumerate(self._read_csv(self._messages, MESSAGE_COLUMNS), start=1):
            if row["id"] in seen:
                self.tally.skipped["duplicate rows"] += 1
                continue
            seen.add(row["id"])
            if row.get("deleted_at") or row.get("deleted_by_id"):
                self.tally.skipped["deleted"] += 1
                continue
            if (row.get("sender_type") or "user").lower() != "user":
                self.tally.skipped["bots"] += 1
                continue
            if (row.get("message_type") or "").lower() in SYSTEM_TYPES:
                self.tally.skipped["system: system"] += 1
                continue
            try:
                posted = _time(row["created_at"])
            except ValueError:
                raise InvalidFile(
                    f"created_at {row['created_at']!r} is not a date and time",
                    path=label,
                    line=number + 1,
                ) from None
            parent = row.get("replied_to_id") or row.get("parent_id") or None
            is_reply = row["thread_id"] != row["id"]
            body = row.get("body") or _TAGS.sub(" ", row.get("html_body") or "")
            if _true(row.get("in_private_conversation")):
                channel, kind = (
                    f"conversation:{row.get('conversation_id') or row['thread_id']}",
                    "private-conversation",
                )
            else:
                channel, kind = row.get("group_id") or ALL_COMPANY, None
            if channel not in self._known_groups:
                self._known_groups.add(channel)
                self.channels.append(
                    RawChannel(
                        channel,
                        kind or ("public" if channel == ALL_COMPANY else "unlisted"),
                        "All Company" if channel == ALL_COMPANY else "",
                    )
                )
            if progress is not None:
                done += sum(len(v) + 1 for v in row.values() if isinstance(v, str))
                if number % 2000 == 0:
                    progress(min(done, total), total)
            yield RawMessage(
                channel=channel,
                source_id=row["id"],
                thread_key=row["thread_id"],
                parent_source_id=parent if is_reply else None,
                is_reply=is_reply,
                author=row["sender_id"],
                posted_at=posted,
                text=body,
                mentions=MENTION.findall(body),
                edited_by=self._edits.get(row["id"]),
            )
        if progress is not None:
            progress(total, total)
