"""The whole domain as SQLAlchemy 2.x typed ORM classes.

Offsets (turns, codings) count Unicode code points into the transcript's
stored text, which is immutable once imported. Survey responses store dates,
never times, and nothing about the respondent's device or address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey,
                        Integer, MetaData, String, Text, UniqueConstraint, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("admin", "researcher", "coder", "practitioner")
INTERVIEWEE_ROLES = ("coordinator", "executive", "employee", "other")
CAMPAIGN_MODES = ("open", "personal")


def utcnow() -> dt.datetime:
    """Current time in UTC, timezone-aware (stored as UTC on every backend)."""
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class Base(DeclarativeBase):
    """Declarative base carrying the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON,
                           dt.datetime: UTCDateTime()}


class Study(Base):
    """A research study spanning several organisations."""

    __tablename__ = "study"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    pseudonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="study", cascade="all, delete-orphan", passive_deletes=True)


class Organisation(Base):
    """An organisation taking part in the study (a REFI-QDA case)."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("study_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[Optional[str]] = mapped_column(String(100))
    size_band: Mapped[Optional[str]] = mapped_column(String(50))
    country: Mapped[Optional[str]] = mapped_column(String(100))
    headcount: Mapped[Optional[int]] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    study: Mapped[Study] = relationship(back_populates="organisations")


class Account(Base):
    """A person (or imported coder) who works in the app; the role decides what they see."""

    __tablename__ = "account"
    __table_args__ = (CheckConstraint("role IN ('admin', 'researcher', 'coder', 'practitioner')",
                                      name="role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # None means the account cannot log in (e.g. a coder imported from a .qdpx file).
    password_hash: Mapped[Optional[str]] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    is_consensus: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column()
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Instrument(Base):
    """One version of a survey instrument or interview guide, stored as loaded."""

    __tablename__ = "instrument"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(30), default="survey")
    definition: Mapped[dict[str, Any]] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    """A survey round in one organisation with one instrument version."""

    __tablename__ = "campaign"
    __table_args__ = (CheckConstraint("mode IN ('open', 'personal')", name="mode"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(20))
    # The open link's token; personal campaigns keep theirs on Invitation.
    token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    headcount: Mapped[Optional[int]] = mapped_column(Integer)
    opens_at: Mapped[Optional[dt.datetime]] = mapped_column()
    closes_at: Mapped[Optional[dt.datetime]] = mapped_column()
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    instrument: Mapped[Instrument] = relationship()


class Invitation(Base):
    """A single-use personal survey token."""

    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"),
                                             index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # Linked while the survey is in progress; unlinked on submission unless the
    # study is pseudonymous (then kept for erasure requests).
    response_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("response.id", ondelete="SET NULL"))
    used_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Response(Base):
    """One respondent's answers to one campaign, complete or in progress."""

    __tablename__ = "response"
    __table_args__ = (CheckConstraint("status IN ('in_progress', 'complete')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"),
                                             index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    language: Mapped[str] = mapped_column(String(10), default="en")
    current_page: Mapped[int] = mapped_column(Integer, default=0)
    resume_code: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    consent_version: Mapped[Optional[str]] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20), default="link")
    external_id: Mapped[Optional[str]] = mapped_column(String(200))
    # Dates only: anonymity forbids finer timestamps.
    started_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    submitted_on: Mapped[Optional[dt.date]] = mapped_column(Date)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True)


class Answer(Base):
    """The answer to one item; numbers for likert/number/single choice, text for free text."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    value_number: Mapped[Optional[float]] = mapped_column(Float)
    value_text: Mapped[Optional[str]] = mapped_column(Text)
    value_choices: Mapped[Optional[list[Any]]] = mapped_column()

    response: Mapped[Response] = relationship(back_populates="answers")


class Transcript(Base):
    """An interview transcript: immutable NFC text with '\\n' line endings."""

    __tablename__ = "transcript"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    interviewee_role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10), default="en")
    interview_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    source_filename: Mapped[Optional[str]] = mapped_column(String(300))
    imported_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    turns: Mapped[list[Turn]] = relationship(
        back_populates="transcript", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Turn.position")


class Turn(Base):
    """A speaker turn: code-point offsets into the transcript text, optional timestamps."""

    __tablename__ = "turn"
    __table_args__ = (CheckConstraint('start >= 0 AND "end" >= start', name="span"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[Optional[float]] = mapped_column(Float)
    ended_at: Mapped[Optional[float]] = mapped_column(Float)

    transcript: Mapped[Transcript] = relationship(back_populates="turns")


class CodingScheme(Base):
    """A version of a coding scheme (codebook) loaded into the study."""

    __tablename__ = "coding_scheme"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    codes: Mapped[list[Code]] = relationship(
        back_populates="scheme", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Code.position")


class Code(Base):
    """A code in a scheme: hierarchy, colour, definition, inclusion and exclusion."""

    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("scheme_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("coding_scheme.id", ondelete="CASCADE"),
                                           index=True)
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("code.id", ondelete="SET NULL"))
    colour: Mapped[str] = mapped_column(String(7), default="#888888")
    definition: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the code was merged into another; its codings moved there.
    merged_into_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("code.id", ondelete="SET NULL"))

    scheme: Mapped[CodingScheme] = relationship(back_populates="codes")


class Coding(Base):
    """A code applied by a coder to a span [start, end) of a transcript (code points)."""

    __tablename__ = "coding"
    __table_args__ = (CheckConstraint('start >= 0 AND "end" > start', name="span"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    # The coded text at the time of coding, kept to verify offsets on export.
    snippet: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Memo(Base):
    """A researcher's note on exactly one transcript, code or coding."""

    __tablename__ = "memo"
    __table_args__ = (CheckConstraint(
        "(CASE WHEN transcript_id IS NULL THEN 0 ELSE 1 END"
        " + CASE WHEN code_id IS NULL THEN 0 ELSE 1 END"
        " + CASE WHEN coding_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_target"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    transcript_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[Optional[int]] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"),
                                                   index=True)
    coding_id: Mapped[Optional[int]] = mapped_column(ForeignKey("coding.id", ondelete="CASCADE"),
                                                     index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Event(Base):
    """The audit log: who did what, when, on what."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target_type: Mapped[Optional[str]] = mapped_column(String(50))
    target_id: Mapped[Optional[int]] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
