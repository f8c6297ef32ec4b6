"""What each retention category holds, counts and deletes (:mod:`study.admin.retention` runs them).

Each category's function counts the rows that still hold its data on a day, or, with
``apply``, deletes (or replaces) that data and says how much; what is due is always a
condition on those rows, so a second run finds nothing left.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import String, and_, bindparam, cast, func, literal, not_, or_, select, update
from sqlalchemy.orm import Session

from study.db.models import (
    CampaignRow,
    InvitationRow,
    MailRecipientRow,
    MailSentRow,
    PlatformChannelRow,
    PlatformImportRow,
    PlatformMessageRow,
    PlatformPersonRow,
    ResponseRow,
    TranscriptRow,
    TurnRow,
)

__all__ = [
    "ERASED_DOMAIN",
    "REKEYED",
    "ROLE_SPEAKERS",
    "RUNS",
    "Day",
    "day_for",
    "is_role_speaker",
    "retention_notes",
]

#: Speaker labels (casefolded, without a trailing number) that name a role, not a person:
#: those transcript files use (study.interviews.transcripts.speakers) and those
#: pseudonymisation writes ("Executive 2", "Person 1"). A test keeps the two in step.
ROLE_SPEAKERS = frozenset(
    (
        "i r q a int iv interviewer interviewers interviewee respondent informant moderator "
        "facilitator researcher speaker participant coordinator executive employee person "
        "intervieweren interviewperson informanten respondenten deltager forsker spørger svar "
        "koordinator ukendt unknown"
    ).split()
)
_NUMBERED = re.compile(r"[ \t]*\d+$")
#: A platform conversation's speaker ("Member" and six digits of the member's key).
_MEMBER = re.compile(r"member [0-9a-f]{6}")
SPEAKER_LABEL = "Speaker"
#: Starts every pseudonym or key replaced at retention (an HMAC is hex digits only).
REKEYED = "r-"
#: Where an erased recipient's address goes: RFC 2606 reserves ".invalid".
ERASED_DOMAIN = "@retention.invalid"
BATCH = 5_000


def is_role_speaker(speaker: str) -> bool:
    """Whether a turn's speaker is a role label (I, Interviewer 2, Member 1a2b3c), not a name."""
    key = " ".join(speaker.split()).casefold()
    return bool(_MEMBER.fullmatch(key)) or _NUMBERED.sub("", key) in ROLE_SPEAKERS


@dataclass(frozen=True)
class Day:
    """The day a plan or run is for, and the moment campaigns count as closed at."""

    today: dt.date
    now: dt.datetime

    def closed_campaigns(self):
        return select(CampaignRow.id).where(
            or_(CampaignRow.closed_at.is_not(None), CampaignRow.closes_at <= self.now)
        )


_RECIPIENT = MailRecipientRow.__table__
_SENT = MailSentRow.__table__
_RESPONSE = ResponseRow.__table__
_INVITATION = InvitationRow.__table__
_TURN = TurnRow.__table__
_PERSON = PlatformPersonRow.__table__
_CHANNEL = PlatformChannelRow.__table__
_IMPORT = PlatformImportRow.__table__
_MESSAGE = PlatformMessageRow.__table__
_PLACEHOLDER = literal("erased-") + cast(_RECIPIENT.c.id, String) + literal(ERASED_DOMAIN)


def _count(session: Session, table, condition) -> int:
    return int(session.scalar(select(func.count()).select_from(table).where(condition)))


def _invitation_emails(session: Session, day: Day, apply: bool) -> int:
    due = and_(
        _RECIPIENT.c.campaign_id.in_(day.closed_campaigns()), _RECIPIENT.c.email != _PLACEHOLDER
    )
    if not apply:
        return _count(session, _RECIPIENT, due)
    return session.execute(update(_RECIPIENT).where(due).values(email=_PLACEHOLDER)).rowcount


def _mail_log(session: Session, day: Day, apply: bool) -> int:
    due = _SENT.c.recipient_id.in_(
        select(_RECIPIENT.c.id).where(_RECIPIENT.c.campaign_id.in_(day.closed_campaigns()))
    )
    if not apply:
        return _count(session, _SENT, due)
    return session.execute(_SENT.delete().where(due)).rowcount


def _resume_codes(session: Session, day: Day, apply: bool) -> int:
    closed = day.closed_campaigns()
    codes = and_(
        _RESPONSE.c.resume_code.is_not(None),
        or_(_RESPONSE.c.status == "complete", _RESPONSE.c.campaign_id.in_(closed)),
    )
    # A completed invitation no longer opens its response; an open campaign's
    # invitation in progress is how its respondent continues.
    links = and_(
        _INVITATION.c.response_id.is_not(None),
        or_(_INVITATION.c.completed.is_(True), _INVITATION.c.campaign_id.in_(closed)),
    )
    if not apply:
        return _count(session, _RESPONSE, codes) + _count(session, _INVITATION, links)
    return (
        session.execute(update(_RESPONSE).where(codes).values(resume_code=None)).rowcount
        + session.execute(update(_INVITATION).where(links).values(response_id=None)).rowcount
    )


def _named_speakers(session: Session) -> list[tuple[int, str, str, int]]:
    """(transcript, name, new label, turns) for every speaker that is a name."""
    rows = session.execute(
        select(_TURN.c.transcript_id, _TURN.c.speaker, func.min(_TURN.c.position), func.count())
        .where(_TURN.c.speaker != "", _TURN.c.withdrawn.is_(False))
        .group_by(_TURN.c.transcript_id, _TURN.c.speaker)
    ).all()
    speakers: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for transcript_id, speaker, first, turns in rows:
        speakers[transcript_id].append((first, speaker, turns))
    renamed = []
    for transcript_id, found in sorted(speakers.items()):
        used = {" ".join(s.split()).casefold() for _, s, _ in found if is_role_speaker(s)}
        if SPEAKER_LABEL.casefold() in used:
            used.add(f"{SPEAKER_LABEL} 1".casefold())  # "Speaker" is the first speaker
        number = 0
        for _, speaker, turns in sorted(found):
            if is_role_speaker(speaker):
                continue
            number += 1
            while f"{SPEAKER_LABEL} {number}".casefold() in used:
                number += 1
            renamed.append((transcript_id, speaker, f"{SPEAKER_LABEL} {number}", turns))
    return renamed


def _speaker_names(session: Session, day: Day, apply: bool) -> int:
    renamed = _named_speakers(session)
    if apply and renamed:
        session.execute(
            update(_TURN)
            .where(
                _TURN.c.transcript_id == bindparam("transcript"),
                _TURN.c.speaker == bindparam("name"),
                _TURN.c.withdrawn.is_(False),
            )
            .values(speaker=bindparam("label")),
            [{"transcript": t, "name": name, "label": label} for t, name, label, _ in renamed],
        )
    return sum(turns for *_, turns in renamed)


def _rekeyed() -> str:
    return REKEYED + secrets.token_hex(16)


def _platform_keys(session: Session, day: Day, apply: bool) -> int:
    people = session.execute(
        select(_PERSON.c.id, _PERSON.c.organisation_id, _PERSON.c.pseudonym).where(
            not_(_PERSON.c.pseudonym.startswith(REKEYED))
        )
    ).all()
    channels = session.execute(
        select(_CHANNEL.c.id).where(not_(_CHANNEL.c.key.startswith(REKEYED)))
    ).all()
    checks = _IMPORT.c.salt_check != ""
    if not apply:
        return len(people) + len(channels) + _count(session, _IMPORT, checks)
    new_key: dict[tuple[int, str], str] = {}
    for _, organisation_id, pseudonym in people:
        new_key[organisation_id, pseudonym] = _rekeyed()
    if people:
        session.execute(
            update(_PERSON)
            .where(_PERSON.c.id == bindparam("row"))
            .values(pseudonym=bindparam("key")),
            [{"row": row, "key": new_key[org, old]} for row, org, old in people],
        )
    if channels:
        session.execute(
            update(_CHANNEL).where(_CHANNEL.c.id == bindparam("row")).values(key=bindparam("key")),
            [{"row": row, "key": _rekeyed()} for (row,) in channels],
        )
    _rekey_message_lists(session, {org for _, org, _ in people}, new_key)
    cleared = session.execute(update(_IMPORT).where(checks).values(salt_check="")).rowcount
    return len(people) + len(channels) + cleared


def _rekey_message_lists(
    session: Session, organisations: set[int], new_key: dict[tuple[int, str], str]
) -> None:
    """Give the reactors and mentions of the organisations' messages the members' new keys.

    A member seen only in reactions or mentions has no person row: they get a new random
    key too, the same one wherever they occur.
    """

    def rekey(organisation_id: int, keys: list | None) -> list | None:
        if not keys or all(str(key).startswith(REKEYED) for key in keys):
            return None
        return [
            key
            if str(key).startswith(REKEYED)
            else new_key.setdefault((organisation_id, key), _rekeyed())
            for key in keys
        ]

    last = 0
    while organisations:
        rows = session.execute(
            select(
                _MESSAGE.c.id, _MESSAGE.c.organisation_id, _MESSAGE.c.reactors, _MESSAGE.c.mentions
            )
            .where(_MESSAGE.c.organisation_id.in_(sorted(organisations)), _MESSAGE.c.id > last)
            .order_by(_MESSAGE.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        for column in ("reactors", "mentions"):
            # Only lists that change are written: a message without one keeps its NULL.
            changed = [
                {"row": row.id, "keys": keys}
                for row in rows
                if (keys := rekey(row.organisation_id, getattr(row, column))) is not None
            ]
            if changed:
                session.execute(
                    update(_MESSAGE)
                    .where(_MESSAGE.c.id == bindparam("row"))
                    .values({column: bindparam("keys", type_=_MESSAGE.c[column].type)}),
                    changed,
                )


RUNS: dict[str, Callable[[Session, Day, bool], int]] = {
    "invitation_emails": _invitation_emails,
    "mail_log": _mail_log,
    "speaker_names": _speaker_names,
    "platform_keys": _platform_keys,
    "resume_codes": _resume_codes,
}


def retention_notes(session: Session, day: Day, categories: list[str]) -> list[str]:
    """What the categories leave for now, or cannot reach, as sentences."""
    notes = []
    still_open = select(CampaignRow.id).where(CampaignRow.id.not_in(day.closed_campaigns()))
    if {"invitation_emails", "mail_log"} & set(categories):
        waiting = _count(session, _RECIPIENT, _RECIPIENT.c.campaign_id.in_(still_open))
        if waiting:
            notes.append(
                f"{waiting:,} e-mail recipients of campaigns not yet closed keep their "
                "addresses and mail log, for reminders; run again once the campaigns close."
            )
    if "resume_codes" in categories:
        in_progress = _count(
            session,
            _RESPONSE,
            and_(_RESPONSE.c.status == "in_progress", _RESPONSE.c.campaign_id.in_(still_open)),
        )
        if in_progress:
            notes.append(
                f"{in_progress:,} responses in progress in open campaigns keep their resume "
                "codes and invitation links, to be finished; run again once the campaigns close."
            )
    if "speaker_names" in categories:
        renamed = _named_speakers(session)
        transcripts = {t for t, *_ in renamed}
        texts = dict(
            session.execute(
                select(TranscriptRow.id, TranscriptRow.text).where(
                    TranscriptRow.id.in_(sorted(transcripts))
                )
            ).all()
        )
        named = {t for t, name, *_ in renamed if f"{name}: " in texts.get(t, "")}
        if named:
            notes.append(
                f"{len(named):,} transcripts also name their speakers in their text, which "
                "never changes after import (codings point into it): erase those "
                "interviewees, or import the transcripts again pseudonymised."
            )
    if "platform_keys" in categories and session.scalar(select(func.count(_IMPORT.c.id))):
        notes.append(
            "The salt file the platform pseudonyms were made with (STUDY_PLATFORM_SALT_FILE "
            "or the import's --salt-file) and the raw platform exports are on your disk, "
            "outside the database: delete them yourself."
        )
    return notes


def day_for(today: dt.date | None) -> Day:
    if today is None:
        now = dt.datetime.now(dt.UTC)
        return Day(now.date(), now)
    return Day(today, dt.datetime.combine(today, dt.time.min, dt.UTC))
