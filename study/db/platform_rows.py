"""The tables of platform exports (Slack, Viva Engage): people, channels and messages, pseudonymised.

Read by :mod:`study.platforms`; :mod:`study.db.models` imports them, so they are part of
every metadata and ``from study.db.models import PlatformMessageRow`` works as for any table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from study.db.base import Base, utcnow

PLATFORMS = ("slack", "viva-engage")


class PlatformImportRow(Base):
    """One import of a platform export (Slack, Viva Engage) into an organisation.

    ``salt_check`` is an HMAC of a fixed text under the study's salt: a later
    import with another salt file would split people in two, so it is refused.
    ``report`` holds what was read, skipped and missing.
    """

    __tablename__ = "platform_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(300), default="")
    salt_check: Mapped[str] = mapped_column(String(64))
    hour_resolution: Mapped[bool] = mapped_column(Boolean, default=False)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PlatformPersonRow(Base):
    """A platform member, pseudonymised: an HMAC, never a name, e-mail or platform id.

    ``level`` is coarse (executive, manager, staff, unknown), derived from the job
    title on import; the title itself is not stored.
    """

    __tablename__ = "platform_person"
    __table_args__ = (UniqueConstraint("organisation_id", "pseudonym"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    pseudonym: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), default="unknown")
    # Listed in the export's member list (not only seen in messages or reactions).
    listed: Mapped[bool] = mapped_column(Boolean, default=True)


class PlatformChannelRow(Base):
    """A conversation space: a channel, private group, DM, or Viva Engage community.

    ``key`` is an HMAC of the platform's id; ``name`` is kept only for public
    channels and communities (a DM's or group DM's name holds people's names).
    """

    __tablename__ = "platform_channel"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")


class PlatformMessageRow(Base):
    """A post or reply, without its text: who, where, when, in which thread, reactions.

    ``source_id`` is the platform's message id (Slack's ``ts``, exact as a string);
    ``parent_source_id`` the message replied to (the thread's parent on Slack).
    ``reactors`` and ``mentions`` are lists of pseudonyms.
    """

    __tablename__ = "platform_message"
    __table_args__ = (UniqueConstraint("channel_id", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("platform_channel.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        ForeignKey("platform_person.id", ondelete="CASCADE"), index=True
    )
    import_id: Mapped[int] = mapped_column(
        ForeignKey("platform_import.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[str] = mapped_column(String(40))
    thread_key: Mapped[str] = mapped_column(String(40))
    parent_source_id: Mapped[str | None] = mapped_column(String(40))
    is_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    posted_at: Mapped[dt.datetime] = mapped_column()
    reactions: Mapped[int] = mapped_column(Integer, default=0)
    reactors: Mapped[list[Any] | None] = mapped_column()
    mentions: Mapped[list[Any] | None] = mapped_column()
    edited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_person.id", ondelete="SET NULL")
    )


class PlatformDocumentRow(Base):
    """A conversation kept as a codable document (``--keep-text``): a pseudonymised transcript."""

    __tablename__ = "platform_document"
    __table_args__ = (UniqueConstraint("channel_id", "thread_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("platform_channel.id", ondelete="CASCADE"))
    thread_key: Mapped[str] = mapped_column(String(40))
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
