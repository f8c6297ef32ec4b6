"""Survey invitations and reminders by e-mail, through SMTP (``STUDY_SMTP_URL``).

A personal campaign's recipients are imported from a CSV file (``email`` and an
optional ``language`` column); each address gets one of the campaign's personal
invitations. What was sent is recorded per recipient (kind and day), never with
a response: a reminder goes to the recipients whose invitation is not completed
(a yes/no on the invitation), and never to an address that opted out. Messages
come from the instrument's ``invitation`` and ``reminder`` templates, in the
recipient's language, or in every language of the instrument when none is known.

Sending talks to the SMTP server between short transactions (one per message),
so a slow server never holds the database's write lock.
"""

from __future__ import annotations

import csv
import io
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import case, exists, func, insert, select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.identity import acting, current_actor
from study.admin.permissions import Actor, require
from study.config import int_setting, setting
from study.db import Database
from study.db.models import (
    CampaignRow,
    InvitationRow,
    MailRecipientRow,
    MailSentRow,
    OrganisationRow,
)
from study.errors import ConfigError, InvalidFile, InvalidInput, InvalidToken, NotFound
from study.surveys.campaigns import campaign_status
from study.surveys.instrument_store import stored_instrument
from study.surveys.instruments import Instrument
from study.surveys.responding import today
from study.surveys.tokens import check_token, new_token, survey_link

# Deliberately plain: one @, no spaces, no line breaks (which would inject headers).
_ADDRESS = re.compile(r"^[^@\s<>,;\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
MAX_RECIPIENTS = 100_000


@dataclass(frozen=True)
class RecipientImport:
    """Outcome of a recipients import."""

    added: int
    already: int


@dataclass(frozen=True)
class Outgoing:
    """One message to send (or that a dry run would send)."""

    recipient_id: int
    to: str
    subject: str
    body: str
    opt_out: str


@dataclass
class MailReport:
    """What a send did: messages sent (or planned, in a dry run) and failed addresses."""

    kind: str
    dry_run: bool
    messages: list[Outgoing] = field(default_factory=list)
    sent: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the CLI and the page."""
        noun = "reminder" if self.kind == "reminder" else "invitation"
        if self.dry_run:
            return f"Dry run: would send {len(self.messages)} {noun} e-mails (nothing sent)."
        text = f"Sent {self.sent} {noun} e-mails."
        if self.failed:
            text += f" {len(self.failed)} failed: {', '.join(sorted(self.failed))}."
        return text


def _personal_campaign(session: Session, campaign_id: int) -> CampaignRow:
    campaign = session.get(CampaignRow, campaign_id)
    if campaign is None:
        raise NotFound(f"There is no campaign {campaign_id}; `study campaign list` shows them.")
    if campaign.mode != "personal":
        raise InvalidInput(
            f"Campaign {campaign_id} has an open link; e-mail needs a campaign "
            "with personal invitations (`study campaign create --invitations N`)."
        )
    return campaign


def import_recipients(
    session: Session,
    campaign_id: int,
    data: bytes | str,
    *,
    filename: str = "recipients.csv",
    actor: Actor | int,
) -> RecipientImport:
    """Add the addresses of a CSV file (``email``, optional ``language``) to a campaign.

    Each new address gets an unused personal invitation of the campaign (new ones are
    created when there are too few). Addresses already in the campaign are skipped.
    The whole file is refused, naming the line, when one address or language is wrong.
    """
    actor_id = acting(session, actor, "run_surveys")
    campaign = _personal_campaign(session, campaign_id)
    instrument = stored_instrument(session, campaign.instrument_id).model
    rows = _read_recipients(data, filename, instrument)
    known = set(
        session.scalars(
            select(func.lower(MailRecipientRow.email)).where(
                MailRecipientRow.campaign_id == campaign_id
            )
        )
    )
    new = [(email, language) for email, language in rows if email.lower() not in known]
    taken = select(MailRecipientRow.id).where(MailRecipientRow.invitation_id == InvitationRow.id)
    free = list(
        session.scalars(
            select(InvitationRow.id)
            .where(
                InvitationRow.campaign_id == campaign_id,
                InvitationRow.response_id.is_(None),
                InvitationRow.completed.is_(False),
                ~exists(taken),
            )
            .order_by(InvitationRow.id)
            .limit(len(new))
        )
    )
    if len(free) < len(new):
        tokens = [new_token() for _ in range(len(new) - len(free))]
        session.execute(
            insert(InvitationRow),
            [{"campaign_id": campaign_id, "token": token} for token in tokens],
        )
        free += list(
            session.scalars(
                select(InvitationRow.id)
                .where(InvitationRow.token.in_(tokens))
                .order_by(InvitationRow.id)
            )
        )
    if new:
        session.execute(
            insert(MailRecipientRow),
            [
                {
                    "campaign_id": campaign_id,
                    "invitation_id": invitation_id,
                    "email": email,
                    "language": language,
                    "opted_out": False,
                }
                for invitation_id, (email, language) in zip(free, new, strict=True)
            ],
        )
    record_event(
        session,
        "campaign.recipients",
        actor_id=actor_id,
        target=campaign,
        details={"added": len(new), "already": len(rows) - len(new)},
    )
    return RecipientImport(added=len(new), already=len(rows) - len(new))


def _read_recipients(
    data: bytes | str, filename: str, instrument: Instrument
) -> list[tuple[str, str | None]]:
    if isinstance(data, bytes):
        limit = int_setting("STUDY_MAX_UPLOAD_MB") * 1024 * 1024
        if len(data) > limit:
            raise InvalidFile(
                f"The file is larger than {limit // (1024 * 1024)} MB.", path=filename
            )
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidFile(
                "The file is not UTF-8 text; save it as CSV UTF-8.", path=filename
            ) from None
    reader = csv.reader(io.StringIO(data))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if "email" not in header:
        raise InvalidFile(
            "The first line needs an 'email' column (and optionally 'language').",
            path=filename,
            line=1,
        )
    at, lang_at = header.index("email"), header.index("language") if "language" in header else None
    rows: dict[str, tuple[str, str | None]] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        email = cells[at].strip() if at < len(cells) else ""
        if not _ADDRESS.match(email):
            raise InvalidFile(
                f"{email[:80]!r} is not an e-mail address.", path=filename, line=line, field="email"
            )
        language = (
            cells[lang_at].strip().lower() or None
            if lang_at is not None and lang_at < len(cells)
            else None
        )
        if language is not None and language not in instrument.languages:
            raise InvalidFile(
                f"Language {language[:20]!r} is not one of the survey's languages "
                f"({', '.join(instrument.languages)}).",
                path=filename,
                line=line,
                field="language",
            )
        rows.setdefault(email.lower(), (email, language))
        if len(rows) > MAX_RECIPIENTS:
            raise InvalidFile(f"More than {MAX_RECIPIENTS:,} recipients.", path=filename)
    return list(rows.values())


def recipient_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Recipients, those who opted out, invitations and reminders sent (for the page)."""
    recipients = select(MailRecipientRow.id).where(MailRecipientRow.campaign_id == campaign_id)
    sent = dict(
        session.execute(
            select(MailSentRow.kind, func.count(MailSentRow.id))
            .where(MailSentRow.recipient_id.in_(recipients))
            .group_by(MailSentRow.kind)
        ).all()
    )
    total, opted = session.execute(
        select(
            func.count(MailRecipientRow.id),
            func.coalesce(func.sum(case((MailRecipientRow.opted_out.is_(True), 1), else_=0)), 0),
        ).where(MailRecipientRow.campaign_id == campaign_id)
    ).one()
    return {
        "recipients": int(total),
        "opted_out": int(opted),
        "invitations_sent": int(sent.get("invitation", 0)),
        "reminders_sent": int(sent.get("reminder", 0)),
    }


def opt_out(session: Session, token: str) -> bool:
    """Stop every further e-mail to the recipient of invitation ``token``; True if one was found."""
    token = check_token(token)
    recipient = session.scalar(
        select(MailRecipientRow)
        .join(InvitationRow, InvitationRow.id == MailRecipientRow.invitation_id)
        .where(InvitationRow.token == token)
    )
    if recipient is None:
        raise InvalidToken("This link does not belong to an e-mail invitation.")
    recipient.opted_out = True
    return True


def opt_out_link(token: str) -> str:
    """The opt-out address put in every message (the survey page handles it)."""
    return survey_link(token) + "&optout=1"


def withdraw_link(token: str, language: str | None = None) -> str:
    """The address where an invited employee sees or withdraws their answers (the survey page
    handles it: :mod:`study.web.rights`)."""
    return survey_link(token, language=language) + "&withdraw=1"


#: Said in every invitation and reminder, after the instrument's own text, unless that text
#: already places ``{withdraw}`` itself.
WITHDRAWAL_LINE = {
    "en": "Changed your mind after answering? Withdraw your answers here: {withdraw}",
    "da": "Fortryder du, efter du har svaret? Træk dine svar tilbage her: {withdraw}",
}


def _with_withdrawal(body: str, language: str) -> str:
    if "{withdraw}" in body:
        return body
    return f"{body.rstrip()}\n\n{WITHDRAWAL_LINE.get(language, WITHDRAWAL_LINE['en'])}"


def plan_mail(
    session: Session, campaign_id: int, *, viewer: Actor, reminder: bool = False
) -> list[Outgoing]:
    """The messages a send would deliver now (``run_surveys``: researchers)."""
    require(current_actor(session, viewer), "run_surveys")
    return _plan(session, campaign_id, reminder=reminder)


def _plan(session: Session, campaign_id: int, *, reminder: bool = False) -> list[Outgoing]:
    """The messages a send would deliver now.

    Invitations: recipients who never got one. Reminders: recipients who got an
    invitation and whose invitation is not completed. Never an opted-out address.
    """
    campaign = _personal_campaign(session, campaign_id)
    if campaign_status(campaign) != "open":
        raise InvalidInput(f"Campaign {campaign_id} is not open; no e-mail is sent for it.")
    kind = "reminder" if reminder else "invitation"
    instrument = stored_instrument(session, campaign.instrument_id).model
    template = instrument.reminder if reminder else instrument.invitation
    if template is None:
        raise InvalidInput(
            f"Instrument {instrument.id} v{instrument.version} has no {kind} "
            f"e-mail text; add '{kind}' (subject and body per language) to "
            "its YAML file and give it a new version."
        )
    organisation = session.scalar(
        select(OrganisationRow.name).where(OrganisationRow.id == campaign.organisation_id)
    )
    got_invitation = exists(
        select(MailSentRow.id).where(
            MailSentRow.recipient_id == MailRecipientRow.id, MailSentRow.kind == "invitation"
        )
    )
    query = (
        select(
            MailRecipientRow.id,
            MailRecipientRow.email,
            MailRecipientRow.language,
            InvitationRow.token,
        )
        .join(InvitationRow, InvitationRow.id == MailRecipientRow.invitation_id)
        .where(MailRecipientRow.campaign_id == campaign_id, MailRecipientRow.opted_out.is_(False))
        .order_by(MailRecipientRow.id)
    )
    if reminder:
        query = query.where(got_invitation, InvitationRow.completed.is_(False))
    else:
        query = query.where(~got_invitation)
    messages = []
    for recipient_id, email, language, token in session.execute(query):
        languages = [language] if language else list(instrument.languages)
        values = {
            "link": survey_link(token, language=language),
            "opt_out": opt_out_link(token),
            "withdraw": withdraw_link(token, language),
            "organisation": organisation,
        }
        subject = " / ".join(
            template.subject[lang].format(**values, title=instrument.title[lang])
            for lang in languages
        )
        body = "\n\n-----\n\n".join(
            _with_withdrawal(template.body[lang], lang).format(
                **values, title=instrument.title[lang]
            )
            for lang in languages
        )
        messages.append(Outgoing(recipient_id, email, subject, body, values["opt_out"]))
    return messages


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send, parsed from STUDY_SMTP_URL."""

    host: str
    port: int
    ssl: bool
    starttls: bool
    username: str | None
    password: str | None = field(repr=False)  # never in a log or a message
    sender: str

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """Parse ``smtp://user:password@host:587?starttls=1&from=study@example.org``."""
        if not url:
            raise ConfigError(
                "STUDY_SMTP_URL is not set; set it to e.g. "
                "smtp://user@mail.example.org:587?starttls=1 to send e-mail."
            )
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError(
                "STUDY_SMTP_URL must look like smtp://user@host:587?starttls=1 (or smtps://...)."
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        username = unquote(parts.username) if parts.username else None
        sender = query.get("from") or (
            username if username and "@" in username else f"ism-study@{parts.hostname}"
        )
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise ConfigError("STUDY_SMTP_URL has a port that is not a number.") from None
        if any(ord(c) < 32 or ord(c) == 127 for c in sender):
            raise ConfigError(
                "STUDY_SMTP_URL's sender (from=) must be one e-mail address without line breaks."
            )
        return cls(
            parts.hostname,
            port,
            parts.scheme == "smtps",
            query.get("starttls", "0").lower() in ("1", "true", "yes"),
            username,
            unquote(parts.password) if parts.password else None,
            sender,
        )

    def connect(self) -> smtplib.SMTP:
        """An open, logged-in connection; ConfigError naming host and port when it fails."""
        try:
            if self.ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=30)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=30)
                if self.starttls:
                    client.starttls()
            if self.username and self.password:
                client.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(
                f"Cannot send e-mail through {self.host}:{self.port}: {reason[:200]}."
            ) from None
        return client


def _message(server: SmtpServer, outgoing: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = server.sender
    message["To"] = outgoing.to
    # A header is one line: a name stored before names were checked (issue 20) must not
    # crash the send or add a header.
    message["Subject"] = " ".join(outgoing.subject.split())
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    message["List-Unsubscribe"] = f"<{outgoing.opt_out}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(outgoing.body)
    return message


def send_campaign_mail(
    database: Database,
    campaign_id: int,
    *,
    reminder: bool = False,
    dry_run: bool = False,
    actor: Actor | int,
    smtp_url: str | None = None,
    per_minute: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> MailReport:
    """Send a campaign's invitations (or reminders) through SMTP, at most ``per_minute``.

    ``dry_run`` plans the messages and sends and records nothing. Each message sent
    is recorded in its own short transaction; an address the server refuses is
    reported and can be retried by sending again.
    """
    kind = "reminder" if reminder else "invitation"
    with database.transaction() as session:
        actor_id = acting(session, actor, "run_surveys")
        messages = _plan(session, campaign_id, reminder=reminder)
    report = MailReport(kind=kind, dry_run=dry_run, messages=messages)
    if dry_run or not messages:
        return report
    server = SmtpServer.from_url(smtp_url if smtp_url is not None else setting("STUDY_SMTP_URL"))
    interval = 60.0 / (per_minute or int_setting("STUDY_MAIL_PER_MINUTE"))
    client = server.connect()
    next_at = time.monotonic()
    try:
        for outgoing in messages:
            wait = next_at - time.monotonic()
            if wait > 0:
                sleep(wait)
            next_at = max(next_at, time.monotonic()) + interval
            try:
                client.send_message(_message(server, outgoing))
            except smtplib.SMTPRecipientsRefused as exc:
                report.failed[outgoing.to] = str(next(iter(exc.recipients.values()), ""))
                continue
            except smtplib.SMTPException as exc:
                report.failed[outgoing.to] = str(exc)[:200]
                continue
            with database.transaction() as session:
                session.execute(
                    insert(MailSentRow).values(
                        recipient_id=outgoing.recipient_id, kind=kind, sent_on=today()
                    )
                )
            report.sent += 1
    finally:
        try:
            client.quit()
        except smtplib.SMTPException:
            pass
    with database.transaction() as session:
        record_event(
            session,
            f"campaign.mail.{kind}",
            actor_id=actor_id,
            target=session.get(CampaignRow, campaign_id),
            details={"sent": report.sent, "failed": len(report.failed)},
        )
    return report
