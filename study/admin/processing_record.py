"""The record of processing activities (GDPR Art. 30), built from the study as it is now.

:func:`processing_record` reads the study's real configuration and counts: who the data
is about and which tables hold it, the purposes, who can read it (accounts by role,
practitioners by organisation), the retention and freeze dates and what retention
deletes, the safeguards in force (pseudonymous or anonymous study, minimum group
sizes, blind coding, transcript and platform pseudonymisation, password hashing) and
how many records are held. What the study cannot know (the controller, its contact
and data protection officer, processors, transfers) is a line to fill in.
:func:`write_processing_record` writes it as Markdown or Word (``study records``, the
Overview page), both from the same :meth:`ProcessingRecord.sections`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import Actor, Role, require
from study.admin.records import PlainRecord
from study.admin.retention import CATEGORIES, REKEYED, retention_settings
from study.admin.studies import current_study
from study.config import int_setting
from study.db.models import (
    AccountRow,
    CampaignRow,
    CodingRow,
    CodingSchemeRow,
    EventRow,
    InvitationRow,
    MailRecipientRow,
    MailSentRow,
    MemoRow,
    OrganisationRow,
    PlatformMessageRow,
    PlatformPersonRow,
    ResponseRow,
    TranscriptRow,
    TurnRow,
)
from study.errors import InvalidInput

__all__ = [
    "FORMATS",
    "ProcessingRecord",
    "Section",
    "processing_record",
    "processing_record_docx",
    "processing_record_markdown",
    "record_format",
    "write_processing_record",
]

#: File suffix -> format of :func:`write_processing_record`.
FORMATS = {".md": "markdown", ".docx": "docx"}
FILL_IN = "(to fill in)"
#: Coders imported from a REFI-QDA project: accounts that cannot log in.
IMPORTED_CODERS = "%@qdpx.invalid"

PURPOSES = [
    "Research on internal social media: how employees perceive and use their "
    "organisation's internal social media, studied through employee surveys, interviews "
    "and platform activity, and compared across the participating organisations.",
    "Benchmark reports for the participating organisations: each organisation's results "
    "beside those of the others, with small groups hidden.",
]
#: What each role can read (study.admin.permissions), for the recipients table.
ACCESS = {
    Role.ADMIN: "everything, and the accounts",
    Role.RESEARCHER: "all study data of every organisation",
    Role.CODER: "transcripts and codings (only their own codings of a scheme in blind mode)",
    Role.PRACTITIONER: "their organisation's overview and the published benchmark",
}


@dataclass(frozen=True)
class DataCategory(PlainRecord):
    """Whom some personal data is about, what it is, where it lives and how much is held."""

    subjects: str
    data: str
    tables: list[str]
    held: int


@dataclass(frozen=True)
class Recipients(PlainRecord):
    """Accounts that can read study data: a role, in an organisation for practitioners."""

    recipients: str
    organisation: str
    accounts: int
    access: str


@dataclass(frozen=True)
class Section:
    """A part of the written record: a heading, paragraphs, bullets, then maybe a table."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class ProcessingRecord(PlainRecord):
    """The record of processing activities of the study, as plain values."""

    study: str
    description: str
    prepared_on: str
    purposes: list[str]
    categories: list[DataCategory]
    recipients: list[Recipients]
    retention: list[str]
    safeguards: list[str]
    counts: dict[str, int]

    def sections(self) -> list[Section]:
        """The record as the writers lay it out (Markdown and Word alike)."""
        purposes = list(self.purposes)
        if self.description:
            purposes.append(f"This study: {self.description}")
        return [
            Section(
                "Controller",
                paragraphs=[
                    f"Controller (name and address): {FILL_IN}",
                    f"Contact for this study: {FILL_IN}",
                    f"Data protection officer: {FILL_IN}",
                    f"Processors (hosting of the database and the app, e-mail): {FILL_IN}",
                ],
            ),
            Section("Purposes of the processing", bullets=purposes),
            Section(
                "Categories of data subjects and of personal data",
                header=["Data subjects", "Personal data", "Where (tables)", "Held now"],
                rows=[
                    [c.subjects, c.data, ", ".join(c.tables), f"{c.held:,}"]
                    for c in self.categories
                ],
            ),
            Section(
                "Recipients",
                paragraphs=[
                    "Accounts of the study's app that can read personal data (active "
                    "accounts, by role; practitioners by organisation). Nothing is "
                    "disclosed outside the study otherwise."
                ],
                header=["Recipients", "Organisation", "Accounts", "Can read"],
                rows=[
                    [r.recipients, r.organisation, f"{r.accounts:,}", r.access]
                    for r in self.recipients
                ],
            ),
            Section(
                "Transfers to third countries",
                paragraphs=[f"Transfers outside the EU/EEA and their safeguards: {FILL_IN}"],
            ),
            Section("Retention", bullets=self.retention),
            Section("Safeguards in force", bullets=self.safeguards),
            Section(
                "Records held now",
                header=["What", "Count"],
                rows=[[what, f"{n:,}"] for what, n in self.counts.items()],
            ),
        ]


def _count(session: Session, column, *conditions) -> int:
    return int(session.scalar(select(func.count(column)).where(*conditions)) or 0)


def _counts(session: Session) -> dict[str, int]:
    active = AccountRow.deactivated_at.is_(None)
    return {
        "Organisations": _count(session, OrganisationRow.id),
        "Survey campaigns": _count(session, CampaignRow.id),
        "Responses, complete": _count(session, ResponseRow.id, ResponseRow.status == "complete"),
        "Responses in progress": _count(
            session, ResponseRow.id, ResponseRow.status == "in_progress"
        ),
        "Personal invitations": _count(session, InvitationRow.id),
        "E-mail recipients": _count(session, MailRecipientRow.id),
        "E-mails sent (mail log)": _count(session, MailSentRow.id),
        "Transcripts": _count(session, TranscriptRow.id),
        "Transcript turns": _count(session, TurnRow.id),
        "Codings": _count(session, CodingRow.id),
        "Memos": _count(session, MemoRow.id),
        "Platform members": _count(session, PlatformPersonRow.id),
        "Platform messages": _count(session, PlatformMessageRow.id),
        "Accounts (active)": _count(session, AccountRow.id, active),
        "Audit log events": _count(session, EventRow.id),
    }


def _categories(session: Session, counts: dict[str, int]) -> list[DataCategory]:
    return [
        DataCategory(
            "Employees answering surveys",
            "Answers to the survey items, language, consent version, the days started and "
            "submitted (never a time, nothing about the device or address), a code to "
            "resume or withdraw; a personal invitation's single-use token and whether it "
            "was completed.",
            ["response", "answer", "invitation"],
            counts["Responses, complete"] + counts["Responses in progress"],
        ),
        DataCategory(
            "Employees invited by e-mail",
            "E-mail address, language, whether they opted out; the kind and day of each "
            "e-mail sent.",
            ["mail_recipient", "mail_sent"],
            counts["E-mail recipients"],
        ),
        DataCategory(
            "Interviewees (and interviewers)",
            "Interview transcripts (text, speaker turns, the interviewee's role, language "
            "and interview date), and the coded passages and memos that quote them.",
            ["transcript", "turn", "coding", "memo"],
            counts["Transcripts"],
        ),
        DataCategory(
            "Platform users (Slack, Viva Engage)",
            "A keyed pseudonym (never a name, e-mail address or platform id), department, "
            "a coarse job level; per message: the conversation, time, thread and "
            "reactions, and the pseudonyms of those reacting and mentioned; with "
            "--keep-text, conversations as pseudonymised documents.",
            ["platform_person", "platform_message", "platform_channel", "platform_document"],
            counts["Platform members"],
        ),
        DataCategory(
            "Staff working in the app",
            "E-mail address, display name, role, organisation, an argon2id password hash, "
            "login times and failed logins; hashes of login sessions and set-password "
            "links; what each did (the audit log).",
            ["account", "login_session", "password_link", "event"],
            _count(session, AccountRow.id),
        ),
    ]


def _recipients(session: Session) -> list[Recipients]:
    rows = session.execute(
        select(AccountRow.role, OrganisationRow.name, func.count(AccountRow.id))
        .outerjoin(OrganisationRow, OrganisationRow.id == AccountRow.organisation_id)
        .where(AccountRow.deactivated_at.is_(None), AccountRow.email.not_like(IMPORTED_CODERS))
        .group_by(AccountRow.role, OrganisationRow.name)
    ).all()
    by_role: dict[Role, int] = {}
    practitioners: dict[str, int] = {}
    for role, organisation, n in rows:
        role = Role(role)
        if role is Role.PRACTITIONER:
            practitioners[organisation or "(no organisation)"] = int(n)
        else:
            by_role[role] = by_role.get(role, 0) + int(n)
    found = [
        Recipients(f"{role.value.capitalize()}s", "all", by_role.get(role, 0), ACCESS[role])
        for role in (Role.ADMIN, Role.RESEARCHER, Role.CODER)
    ]
    found += [
        Recipients("Practitioners", name, n, ACCESS[Role.PRACTITIONER])
        for name, n in sorted(practitioners.items(), key=lambda item: item[0].casefold())
    ]
    return found


def _retention(session: Session, viewer: Actor) -> list[str]:
    settings = retention_settings(session, viewer=viewer)
    chosen = [c for c in CATEGORIES if c.key in settings.categories]
    lines = [
        f"Retention date: {settings.retention_on}; from then on study retention run "
        "deletes the raw personal data below."
        if settings.retention_on
        else "Retention date: not set yet (study retention set --study-date YYYY-MM-DD); "
        "until then nothing is deleted automatically.",
        f"Analysis freeze date: {settings.freeze_on}; withdrawals are refused after it."
        if settings.freeze_on
        else "Analysis freeze date: not set; respondents may withdraw at any time.",
    ]
    lines += [f"{c.label} ({c.key}): {c.what}" for c in chosen]
    lines += [
        "Kept after the retention date: answers and scores, codings and memos, transcript "
        "texts, platform activity without its keys, and the audit log, as the data "
        "management plan says.",
        "Outside the database, for the researcher to delete: the salt file that keyed the "
        "platform pseudonyms, the raw platform exports and any transcript files kept. A "
        "transcript's text never changes after import, so one imported without "
        "pseudonymisation keeps the names written in it.",
    ]
    return lines


def _safeguards(session: Session, pseudonymous: bool) -> list[str]:
    group = int_setting("STUDY_MIN_GROUP_SIZE")
    pool = int_setting("STUDY_MIN_BENCHMARK_ORGS")
    found = [
        "Pseudonymous study: a personal invitation stays linked to its response after "
        "submission, so a respondent's erasure request can be met."
        if pseudonymous
        else "Anonymous study: a personal invitation is unlinked from its response on "
        f"submission, and responses reach exports only in batches of at least {group} "
        "(all of them once the campaign closes).",
        f"Minimum group size {group} (STUDY_MIN_GROUP_SIZE): results of smaller groups "
        "are hidden in reports, benchmarks and platform measures.",
        f"Benchmarks pool at least {pool} other organisations, and a new published "
        f"edition needs {pool} organisations not in the last one (STUDY_MIN_BENCHMARK_ORGS).",
        "Survey responses hold dates, never times, and nothing about the respondent's "
        "device or address.",
    ]
    blind = sorted(
        set(
            session.scalars(
                select(CodingSchemeRow.key).where(CodingSchemeRow.blind_since.is_not(None))
            )
        )
    )
    found.append(
        "Blind coding in force on the coding schemes " + ", ".join(blind) + "."
        if blind
        else "Blind coding: no coding scheme is in blind mode now."
    )
    imports = [
        bool((details or {}).get("pseudonymised"))
        for details in session.scalars(
            select(EventRow.details).where(EventRow.action == "transcript.import")
        )
    ]
    if imports:
        found.append(
            f"Transcripts: {sum(imports):,} of {len(imports):,} imported were pseudonymised "
            "on import (speakers and listed names replaced by role labels)."
        )
    people = _count(session, PlatformPersonRow.id)
    if people:
        rekeyed = _count(
            session, PlatformPersonRow.id, PlatformPersonRow.pseudonym.startswith(REKEYED)
        )
        found.append(
            "Platform exports: every person id becomes an HMAC-SHA256 under a secret salt "
            "kept outside the database; names, e-mail addresses and person ids are never "
            "stored, message text only as pseudonymised documents when chosen."
            + (
                f" The keys of {rekeyed:,} of {people:,} members were replaced by random "
                "ones at retention."
                if rekeyed
                else ""
            )
        )
    found += [
        "Passwords are stored as argon2id hashes; login sessions and set-password links "
        "only as SHA-256 hashes.",
        "Every change is written to the audit log in the same transaction as the change.",
    ]
    return found


def processing_record(
    session: Session, *, viewer: Actor, today: dt.date | None = None
) -> ProcessingRecord:
    """The record of processing of the study, from its configuration and counts now."""
    viewer = current_actor(session, viewer)
    require(viewer, "manage_participant_data")
    study = current_study(session)
    counts = _counts(session)
    return ProcessingRecord(
        study.name if study else "(no study yet)",
        " ".join((study.description or "").split()) if study else "",
        (today or dt.datetime.now(dt.UTC).date()).isoformat(),
        list(PURPOSES),
        _categories(session, counts),
        _recipients(session),
        _retention(session, viewer),
        _safeguards(session, bool(study and study.pseudonymous)),
        counts,
    )


# --- writing it ---------------------------------------------------------------------

#: What Markdown could read as markup inside a line: emphasis, code, links, HTML, tables
#: (an underscore only at a word's edge: inside one, as in mail_sent, it is a letter).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|~]|(?<!\w)_|_(?!\w))")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _md(text: str) -> str:
    """``text`` as literal Markdown on one line (names people typed stay names)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(_CONTROL.sub("", text).split()))


def processing_record_markdown(record: ProcessingRecord) -> str:
    """The record as a Markdown document."""
    out = [
        f"# Record of processing activities: {_md(record.study)}",
        "",
        f"Prepared on {record.prepared_on} from the study's configuration "
        "(`study records`), under Art. 30 GDPR.",
    ]
    for section in record.sections():
        out += ["", f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            out += [_md(paragraph), ""]
        out += [f"- {_md(bullet)}" for bullet in section.bullets]
        if section.rows:
            out.append("| " + " | ".join(section.header) + " |")
            out.append("|" + "---|" * len(section.header))
            out += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in section.rows]
        while out[-1] == "":
            out.pop()
    return "\n".join(out) + "\n"


def _docx(text: str) -> str:
    # XML cannot hold most control characters; python-docx refuses them.
    return _CONTROL.sub("", text)


def processing_record_docx(record: ProcessingRecord, out: str | Path | BinaryIO) -> None:
    """Write the record as a Word document to a path or a binary stream."""
    from docx import Document  # python-docx is slow to import; only this writer needs it
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.core_properties.title = _docx(f"Record of processing activities: {record.study}")
    document.add_heading(_docx(f"Record of processing activities: {record.study}"), level=0)
    document.add_paragraph(
        f"Prepared on {record.prepared_on} from the study's configuration "
        "(study records), under Art. 30 GDPR."
    ).runs[0].italic = True
    for section in record.sections():
        document.add_heading(section.title, level=1)
        for paragraph in section.paragraphs:
            document.add_paragraph(_docx(paragraph))
        for bullet in section.bullets:
            document.add_paragraph(_docx(bullet), style="List Bullet")
        if section.rows:
            table = document.add_table(rows=1, cols=len(section.header))
            table.style = "Table Grid"
            for cell, title in zip(table.rows[0].cells, section.header):
                cell.text = title
                cell.paragraphs[0].runs[0].bold = True
            for row in section.rows:
                for cell, value in zip(table.add_row().cells, row):
                    cell.text = _docx(value)
    document.save(out)


def record_format(path: str | Path) -> str:
    """ "markdown" or "docx" by the file's suffix; any other is refused in one sentence."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(
            "The record of processing is written as Markdown (.md) or Word (.docx), "
            f"not {suffix or 'a file without a suffix'}."
        )
    return FORMATS[suffix]


def write_processing_record(
    session: Session, out: str | Path, *, viewer: Actor, today: dt.date | None = None
) -> ProcessingRecord:
    """Write the record of processing to ``out``: Markdown (.md) or Word (.docx)."""
    kind = record_format(out)
    record = processing_record(session, viewer=viewer, today=today)
    if kind == "markdown":
        Path(out).write_text(processing_record_markdown(record), encoding="utf-8")
    else:
        processing_record_docx(record, out)
    return record
