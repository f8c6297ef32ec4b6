"""The whole domain as SQLAlchemy 2.x typed ORM classes.

Offsets (turns, codings) count Unicode code points into the transcript's
stored text, which is immutable once imported. Survey responses store dates,
never times, and nothing about the respondent's device or address.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from study.db.base import Base, utcnow

# The platform tables live in their own module; importing them here registers them with the
# metadata, and they are exported with the rest.
from study.db.platform_rows import (
    PLATFORMS,
    PlatformChannelRow,
    PlatformDocumentRow,
    PlatformImportRow,
    PlatformMessageRow,
    PlatformPersonRow,
)

__all__ = [
    "CAMPAIGN_MODES",
    "INTERVIEWEE_ROLES",
    "PLATFORMS",
    "ROLES",
    "AccountRow",
    "AnswerRow",
    "Base",
    "BenchmarkEditionRow",
    "CampaignRow",
    "CodeRow",
    "CodingRow",
    "CodingSchemeRow",
    "EventRow",
    "ExchangeIdentityRow",
    "InstrumentRow",
    "InvitationRow",
    "LoginSessionRow",
    "MailRecipientRow",
    "MailSentRow",
    "MemoRow",
    "OrganisationRow",
    "PasswordLinkRow",
    "PlatformChannelRow",
    "PlatformDocumentRow",
    "PlatformImportRow",
    "PlatformMessageRow",
    "PlatformPersonRow",
    "ResponseRow",
    "StudyRow",
    "SuggestionModelRow",
    "SuggestionRejectionRow",
    "TranscriptRow",
    "TurnRow",
    "utcnow",
]

ROLES = ("admin", "researcher", "coder", "practitioner")
INTERVIEWEE_ROLES = ("coordinator", "executive", "employee", "other")
CAMPAIGN_MODES = ("open", "personal")


class StudyRow(Base):
    """A research study spanning several organisations."""

    __tablename__ = "study"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    pseudonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The key of the respondent numbers in exports (never exported; see
    # study.surveys.exporting.respondent_numbers). None: a study from before 0008.
    export_secret: Mapped[str | None] = mapped_column(
        String(64), default=lambda: secrets.token_hex(32)
    )
    # Participants' rights (study.admin.rights, study.admin.retention): withdrawals are
    # refused after the analysis freeze date; on the retention date the raw personal
    # data of the categories in retention_delete (all of them when empty) is deleted.
    freeze_on: Mapped[dt.date | None] = mapped_column(Date)
    retention_on: Mapped[dt.date | None] = mapped_column(Date)
    retention_delete: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")

    organisations: Mapped[list[OrganisationRow]] = relationship(
        back_populates="study", cascade="all, delete-orphan", passive_deletes=True
    )


class OrganisationRow(Base):
    """An organisation taking part in the study (a REFI-QDA case)."""

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("study_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(100))
    size_band: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(100))
    headcount: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    study: Mapped[StudyRow] = relationship(back_populates="organisations")


class AccountRow(Base):
    """A person (or imported coder) who works in the app; the role decides what they see."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'researcher', 'coder', 'practitioner')", name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    # None means the account cannot log in (e.g. a coder imported from a .qdpx file).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    is_consensus: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    # Set when an admin deactivates the account: it can no longer log in, its sessions end.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginSessionRow(Base):
    """A staff login that lasts across tabs, reloads and replicas (one browser cookie).

    Only SHA-256 hashes of the secrets are stored: ``token_hash`` of the session id the
    browser's HttpOnly cookie carries (NULL until the browser has taken it), and
    ``handoff_hash`` of the one-time code the page hands the browser to fetch the cookie.
    """

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_expires_at: Mapped[dt.datetime | None] = mapped_column()
    method: Mapped[str] = mapped_column(String(20), default="password")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    ended_at: Mapped[dt.datetime | None] = mapped_column()


class PasswordLinkRow(Base):
    """A one-time set-password link (an invitation or a reset); only its hash is stored."""

    __tablename__ = "password_link"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column()


class InstrumentRow(Base):
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


class CampaignRow(Base):
    """A survey round in one organisation with one instrument version."""

    __tablename__ = "campaign"
    __table_args__ = (CheckConstraint("mode IN ('open', 'personal')", name="mode"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(20))
    # The open link's token; personal campaigns keep theirs on Invitation.
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    headcount: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[dt.datetime | None] = mapped_column()
    closes_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[OrganisationRow] = relationship()
    instrument: Mapped[InstrumentRow] = relationship()


class InvitationRow(Base):
    """A single-use personal survey token."""

    __tablename__ = "invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # Linked while the survey is in progress; unlinked on submission unless the
    # study is pseudonymous (then kept for erasure requests).
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    # Completed yes/no only: a date would match the response's submission date.
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MailRecipientRow(Base):
    """An e-mail address invited to a personal campaign, with its own invitation token.

    Never linked to a response: reminders read only the invitation's completed
    yes/no. ``opted_out`` stops every further e-mail to the address.
    """

    __tablename__ = "mail_recipient"
    __table_args__ = (UniqueConstraint("campaign_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), unique=True
    )
    email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(10))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MailSentRow(Base):
    """What was sent to a recipient: an invitation or a reminder, on a day."""

    __tablename__ = "mail_sent"
    __table_args__ = (CheckConstraint("kind IN ('invitation', 'reminder')", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("mail_recipient.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    sent_on: Mapped[dt.date] = mapped_column(Date)


class ResponseRow(Base):
    """One respondent's answers to one campaign, complete or in progress."""

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint("status IN ('in_progress', 'complete')", name="status"),
        # counts a campaign's complete responses not yet released, per submission
        Index("ix_response_release", "campaign_id", "released", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    language: Mapped[str] = mapped_column(String(10), default="en")
    current_page: Mapped[int] = mapped_column(Integer, default=0)
    resume_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    consent_version: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20), default="link")
    external_id: Mapped[str | None] = mapped_column(String(200))
    # Dates only: anonymity forbids finer timestamps.
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    # In exports and analyses (see study.surveys.anonymity): set for a whole batch of
    # at least the minimum group size at once; imports are released when stored.
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    # Fixes this respondent's order of randomised items (study.surveys.logic); None for
    # imported responses and those started before 0009, which saw the file's order.
    order_seed: Mapped[int | None] = mapped_column(Integer)

    answers: Mapped[list[AnswerRow]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class AnswerRow(Base):
    """The answer to one item; numbers for likert/number/single choice, text for free text."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    value_number: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    value_choices: Mapped[list[Any] | None] = mapped_column()

    response: Mapped[ResponseRow] = relationship(back_populates="answers")


class TranscriptRow(Base):
    """An interview transcript: immutable NFC text with '\\n' line endings."""

    __tablename__ = "transcript"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    interviewee_role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10), default="en")
    interview_date: Mapped[dt.date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    source_filename: Mapped[str | None] = mapped_column(String(300))
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[OrganisationRow] = relationship()
    turns: Mapped[list[TurnRow]] = relationship(
        back_populates="transcript",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TurnRow.position",
    )


class TurnRow(Base):
    """A speaker turn: code-point offsets into the transcript text, optional timestamps."""

    __tablename__ = "turn"
    __table_args__ = (CheckConstraint('start >= 0 AND "end" >= start', name="span"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float | None] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float)
    # The interviewee withdrew: the turn's text is redacted and its speaker erased.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    transcript: Mapped[TranscriptRow] = relationship(back_populates="turns")


class CodingSchemeRow(Base):
    """A version of a coding scheme (codebook) loaded into the study."""

    __tablename__ = "coding_scheme"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Blind coding: while set, a coder sees only their own codings of this scheme.
    blind_since: Mapped[dt.datetime | None] = mapped_column()

    codes: Mapped[list[CodeRow]] = relationship(
        back_populates="scheme",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CodeRow.position",
    )


class CodeRow(Base):
    """A code in a scheme: hierarchy, colour, definition, inclusion and exclusion."""

    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("scheme_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(
        ForeignKey("coding_scheme.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="SET NULL"))
    colour: Mapped[str] = mapped_column(String(7), default="#888888")
    definition: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the code was merged into another; its codings moved there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="SET NULL"))

    scheme: Mapped[CodingSchemeRow] = relationship(back_populates="codes")


class CodingRow(Base):
    """A code applied by a coder to a span [start, end) of a transcript (code points)."""

    __tablename__ = "coding"
    __table_args__ = (CheckConstraint('start >= 0 AND "end" > start', name="span"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    # The coded text at the time of coding, kept to verify offsets on export.
    snippet: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SuggestionModelRow(Base):
    """A scheme's learned coding suggestions: classifier weights and what they were learned from.

    ``scope`` is "team" (every coder's codings) or "coder:<id>" (one coder's, while the
    scheme is blind). ``weights`` holds numeric arrays only (numpy's ``.npz``, read without
    pickle); ``learned_from`` the digest and counts of the codings and rejections used;
    ``quality`` the last cross-validated evaluation per code.
    """

    __tablename__ = "suggestion_model"
    __table_args__ = (UniqueConstraint("scheme_id", "scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("coding_scheme.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(10), default="sentence")
    learned_from: Mapped[dict[str, Any]] = mapped_column(default=dict)
    weights: Mapped[bytes] = mapped_column(LargeBinary)
    quality: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trained_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class SuggestionRejectionRow(Base):
    """A suggestion a coder turned down: not offered again, and a negative example to learn from."""

    __tablename__ = "suggestion_rejection"
    __table_args__ = (
        UniqueConstraint(
            "transcript_id",
            "code_id",
            "coder_id",
            "start",
            "end",
            name="uq_suggestion_rejection_once",
        ),
        CheckConstraint('start >= 0 AND "end" > start', name="span"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MemoRow(Base):
    """A researcher's note on exactly one transcript, code or coding."""

    __tablename__ = "memo"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN transcript_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN code_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN coding_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    transcript_id: Mapped[int | None] = mapped_column(
        ForeignKey("transcript.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("code.id", ondelete="CASCADE"), index=True
    )
    coding_id: Mapped[int | None] = mapped_column(
        ForeignKey("coding.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Set when the memo may quote an interviewee who withdrew, until a researcher reviews it.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ExchangeIdentityRow(Base):
    """A REFI-QDA GUID a study row was exchanged under, and the row as it was then.

    Written on every .qdpx export and import, so a project that comes back is matched
    to what the study holds (``kind`` is source, code, coding, memo or user) and each
    difference is known to be a change made in the other program (the row is still as
    ``base`` says) or here as well (a conflict).
    """

    __tablename__ = "exchange_identity"
    __table_args__ = (
        UniqueConstraint("kind", "guid"),
        Index("ix_exchange_identity_row", "kind", "row_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    guid: Mapped[str] = mapped_column(String(36))
    row_id: Mapped[int] = mapped_column(Integer)
    base: Mapped[dict[str, Any]] = mapped_column(default=dict)
    exchanged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EventRow(Base):
    """The audit log: who did what, when, on what."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target_type: Mapped[str | None] = mapped_column(String(50))
    target_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class BenchmarkEditionRow(Base):
    """A published, frozen benchmark: which responses it holds, fixed when published.

    Practitioners see only editions, so two downloads never differ by one
    organisation (a new edition needs several new organisations).
    """

    __tablename__ = "benchmark_edition"
    __table_args__ = (UniqueConstraint("instrument", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instrument: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    instrument_label: Mapped[str] = mapped_column(String(300), default="")
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL")
    )
    # One entry per organisation: organisation_id, campaign_id, responses, invitations,
    # headcount (as they were when published).
    organisations: Mapped[list[Any]] = mapped_column(default=list)
    response_ids: Mapped[list[Any]] = mapped_column(default=list)
