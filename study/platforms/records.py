"""The plain records both export readers produce, before pseudonymisation.

Raw ids and names live only in these records, in memory, for the length of one
import; :mod:`study.platforms.store` turns them into pseudonyms before anything
is written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["RawChannel", "RawMessage", "RawPerson", "ReadTally"]


@dataclass
class RawPerson:
    """A member as the export lists them; ``names`` and ``email`` only for cleaning text."""

    raw_id: str
    names: list[str] = field(default_factory=list)
    email: str | None = None
    title: str | None = None
    department: str | None = None
    is_bot: bool = False


@dataclass
class RawChannel:
    """A channel, private group, DM, group DM, or community."""

    raw_id: str
    kind: str
    name: str = ""


@dataclass
class RawMessage:
    """One post or reply (system messages, bots and deleted ones are never made)."""

    channel: str
    source_id: str
    thread_key: str
    parent_source_id: str | None
    is_reply: bool
    author: str
    posted_at: dt.datetime
    text: str = ""
    reactors: list[str] = field(default_factory=list)
    reactions: int = 0
    mentions: list[str] = field(default_factory=list)
    edited_by: str | None = None


@dataclass
class ReadTally:
    """What a reader met: skipped messages by reason, and what the export lacks.

    Listed conversations without messages are kept as channels, not sentences: the
    import names them the way it stores them (a public channel's name may not be kept).
    """

    skipped: Counter[str] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)
    files: int = 0
    without_messages: list[RawChannel] = field(default_factory=list)
