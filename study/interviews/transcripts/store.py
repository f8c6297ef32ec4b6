"""Store interview transcripts: import a file, list them, read one back with its turns.

A stored transcript's text is immutable (NFC, ``"\\n"`` line endings) and turn
offsets are code points into it, so codings made later stay valid. An import
checks everything before writing anything: a bad file raises
:class:`~study.errors.InvalidFile` and adds no row. Several files imported in
one transaction (the CLI, the upload page) are all-or-nothing, because the
caller's transaction rolls back on the first error.

Import cost is linear in the number of turns, and every file is parsed before
anything is written (:func:`import_transcripts`), so SQLite's write lock is held
only for the short bulk insert, never while a large file is being parsed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from study.admin.accounts import acting, current_actor
from study.admin.audit import record_event
from study.admin.organisations import organisation_row
from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.config import int_setting
from study.db.models import (
    INTERVIEWEE_ROLES,
    OrganisationRow,
    PlatformDocumentRow,
    TranscriptRow,
    TurnRow,
)
from study.errors import AlreadyExists, FileTooLarge, InvalidInput, NotFound
from study.interviews.search import MAX_TURNS_PER_TRANSCRIPT, index_turns
from study.interviews.transcripts.parsing import parse_transcript
from study.interviews.transcripts.pseudonymise import pseudonymise as pseudonymise_transcript
from study.interviews.transcripts.transcript import ParsedTranscript

__all__ = [
    "LANGUAGES",
    "TranscriptInfo",
    "check_upload_size",
    "import_transcript",
    "import_transcripts",
    "list_transcripts",
    "move_transcript",
    "read_transcript_file",
    "store_parsed_transcript",
    "transcript_json",
]

LANGUAGES = ("en", "da")
DEFAULT_LANGUAGE = "en"
#: What interviewees are called in a pseudonymised transcript.
ROLE_LABELS = {
    "coordinator": "Coordinator",
    "executive": "Executive",
    "employee": "Employee",
    "other": "Interviewee",
}


@dataclass(frozen=True)
class TranscriptInfo(PlainRecord):
    """A stored transcript as lists show it; ``characters`` counts code points of its text."""

    id: int
    name: str
    organisation: str
    role: str
    language: str
    turns: int
    characters: int


def check_upload_size(size: int, filename: str) -> None:
    """Raise FileTooLarge if ``size`` bytes exceed STUDY_MAX_UPLOAD_MB."""
    limit_mb = int_setting("STUDY_MAX_UPLOAD_MB")
    if size > limit_mb * 1024 * 1024:
        raise FileTooLarge(
            f"the file is {size / 1_048_576:.1f} MB, more than the {limit_mb} MB "
            "limit (STUDY_MAX_UPLOAD_MB)",
            path=PurePosixPath(filename).name,
        )


def _check_role(role: str) -> str:
    if role not in INTERVIEWEE_ROLES:
        raise InvalidInput(
            f"The interviewee's role must be one of {', '.join(INTERVIEWEE_ROLES)}, not {role!r}."
        )
    return role


def _check_language(language: str | None) -> str | None:
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"The language must be one of {', '.join(LANGUAGES)}, not {language!r}.")
    return language


def read_transcript_file(
    data: bytes,
    filename: str,
    *,
    role: str,
    pseudonymise: bool = False,
    names: Sequence[str] = (),
    interviewers: Sequence[str] = (),
) -> ParsedTranscript:
    """Parse (and optionally pseudonymise) a transcript file without storing it.

    Raises FileTooLarge over STUDY_MAX_UPLOAD_MB and InvalidFile for files
    that are not readable transcripts. ``names`` (replaced wherever they
    occur) and ``interviewers`` (speakers labelled "Interviewer" rather than
    by ``role``) need ``pseudonymise=True``.
    """
    _check_role(role)
    names = [name.strip() for name in names if name and name.strip()]
    interviewers = [name.strip() for name in interviewers if name and name.strip()]
    if (names or interviewers) and not pseudonymise:
        raise InvalidInput(
            "Names to replace are only used when pseudonymising; ask for pseudonymisation as well."
        )
    check_upload_size(len(data), filename)
    parsed = parse_transcript(data, filename)
    if pseudonymise:
        parsed = pseudonymise_transcript(
            parsed, role=ROLE_LABELS[role], names=names, interviewers=interviewers
        )
    return parsed


def import_transcript(
    session: Session,
    data: bytes,
    filename: str,
    *,
    organisation: str,
    role: str,
    language: str | None = None,
    interview_date: dt.date | None = None,
    name: str | None = None,
    pseudonymise: bool = False,
    names: Sequence[str] = (),
    interviewers: Sequence[str] = (),
    actor: Actor | int,
) -> TranscriptInfo:
    """Parse a transcript file (.txt, .docx, .vtt, .srt) and store it with its turns.

    Parameters
    ----------
    data, filename : bytes, str
        The file's content and name (the extension picks the format).
    organisation : str
        Name of the organisation the interview was held in.
    role : str
        The interviewee's role: coordinator, executive, employee or other.
    language : str, optional
        "en" or "da"; by default the language detected in the text, else "en".
    interview_date : datetime.date, optional
    name : str, optional
        Defaults to the file name without its extension.
    pseudonymise : bool
        Replace speakers' names by role labels (Interviewer, Coordinator, ...)
        and replace ``names`` wherever they occur, before anything is stored.
        Speakers named in ``interviewers`` become "Interviewer" (needed when
        the file names the interviewer, as Teams and Zoom files do).
    actor : AccountInfo, account id or OPERATOR
        Who imports (required; ``manage_transcripts``: researchers), for the audit log.

    Raises
    ------
    InvalidFile
        The file is not a readable transcript (nothing is stored).
    FileTooLarge
        The file is over STUDY_MAX_UPLOAD_MB.
    AlreadyExists
        The organisation already has a transcript with exactly this text.
    """
    return import_transcripts(
        session,
        [(data, filename)],
        organisation=organisation,
        role=role,
        language=language,
        interview_date=interview_date,
        name=name,
        pseudonymise=pseudonymise,
        names=names,
        interviewers=interviewers,
        actor=actor,
    )[0]


def import_transcripts(
    session: Session,
    files: Sequence[tuple[bytes, str]],
    *,
    organisation: str,
    role: str,
    language: str | None = None,
    interview_date: dt.date | None = None,
    name: str | None = None,
    pseudonymise: bool = False,
    names: Sequence[str] = (),
    interviewers: Sequence[str] = (),
    actor: Actor | int,
) -> list[TranscriptInfo]:
    """Import several transcript files, all or none: parse every one, then store them all.

    ``files`` holds (content, file name) pairs; the other parameters are those
    of :func:`import_transcript` and apply to every file. Parsing (the slow
    part) writes nothing, so the database's write lock is taken only for the
    bulk inserts at the end.
    """
    actor_id = acting(session, actor, "manage_transcripts")
    _check_role(role)
    _check_language(language)
    org = organisation_row(session, organisation)
    parsed = [
        read_transcript_file(
            data,
            filename,
            role=role,
            pseudonymise=pseudonymise,
            names=names,
            interviewers=interviewers,
        )
        for data, filename in files
    ]
    return [
        store_parsed_transcript(
            session,
            transcript,
            organisation=org,
            role=role,
            language=language,
            interview_date=interview_date,
            name=name,
            source_filename=PurePosixPath(filename.replace("\\", "/")).name,
            pseudonymised=pseudonymise,
            actor_id=actor_id,
        )
        for transcript, (_, filename) in zip(parsed, files)
    ]


def store_parsed_transcript(
    session: Session,
    parsed: ParsedTranscript,
    *,
    organisation: OrganisationRow | str,
    role: str,
    language: str | None = None,
    interview_date: dt.date | None = None,
    name: str | None = None,
    source_filename: str | None = None,
    pseudonymised: bool = False,
    actor_id: int | None = None,
) -> TranscriptInfo:
    """Store an already parsed transcript (text, turns, search index, audit event).

    Other importers (e.g. of REFI-QDA projects) call this so that every
    transcript is stored and indexed the same way.
    """
    _check_role(role)
    _check_language(language)
    org = (
        organisation
        if isinstance(organisation, OrganisationRow)
        else organisation_row(session, organisation)
    )
    text = parsed.text
    _check_text_and_turns(parsed)
    name = " ".join((name if name is not None else parsed.name).split())
    if not name or len(name) > 300:
        raise InvalidInput("A transcript needs a name of 1 to 300 characters.")
    if interview_date is not None and not isinstance(interview_date, dt.date):
        raise InvalidInput("The interview date must be a date.")
    language = language or parsed.detected_language or DEFAULT_LANGUAGE
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = session.scalar(
        select(TranscriptRow).where(
            TranscriptRow.organisation_id == org.id, TranscriptRow.text_sha256 == digest
        )
    )
    if existing is not None:
        raise AlreadyExists(
            f"{org.name} already has this transcript, as {existing.name!r} (id {existing.id})."
        )
    transcript = TranscriptRow(
        organisation_id=org.id,
        name=name,
        interviewee_role=role,
        language=language,
        interview_date=interview_date,
        text=text,
        text_sha256=digest,
        source_filename=source_filename,
        imported_by_id=actor_id,
    )
    session.add(transcript)
    session.flush()
    # One bulk INSERT, not an ORM object per turn: 100,000 turns in about a second.
    session.execute(
        insert(TurnRow),
        [
            {
                "transcript_id": transcript.id,
                "position": position,
                "speaker": turn.speaker or "",
                "start": turn.start,
                "end": turn.end,
                "started_at": turn.started_at,
                "ended_at": turn.ended_at,
            }
            for position, turn in enumerate(parsed.turns)
        ],
    )
    stored = session.execute(
        select(TurnRow.id, TurnRow.position, TurnRow.start, TurnRow.end)
        .where(TurnRow.transcript_id == transcript.id)
        .order_by(TurnRow.position)
    ).all()
    index_turns(session, transcript.id, text, [tuple(row) for row in stored])
    record_event(
        session,
        "transcript.import",
        actor_id=actor_id,
        target=transcript,
        details={
            "name": name,
            "organisation": org.name,
            "role": role,
            "language": language,
            "turns": len(parsed.turns),
            "characters": len(text),
            "source_filename": source_filename,
            "pseudonymised": pseudonymised,
            "text_sha256": digest,
        },
    )
    return TranscriptInfo(
        transcript.id, name, org.name, role, language, len(parsed.turns), len(text)
    )


def _check_text_and_turns(parsed: ParsedTranscript) -> None:
    """Refuse text or turns that would break offsets later (parse_transcript never makes them)."""
    text = parsed.text
    if not text or not parsed.turns:
        raise InvalidInput("A transcript needs text and at least one turn.")
    if "\r" in text or not unicodedata.is_normalized("NFC", text):
        raise InvalidInput("Transcript text must be NFC-normalised with \\n line endings.")
    if "\x00" in text:
        raise InvalidInput("Transcript text must not contain NUL characters.")
    if len(parsed.turns) > MAX_TURNS_PER_TRANSCRIPT:
        raise InvalidInput(f"A transcript may have at most {MAX_TURNS_PER_TRANSCRIPT:,} turns.")
    previous_end = 0
    for turn in parsed.turns:
        if not previous_end <= turn.start <= turn.end <= len(text):
            raise InvalidInput("Turns must lie inside the text, in order, without overlapping.")
        if turn.speaker is not None and len(turn.speaker) > 200:
            raise InvalidInput("A speaker's name may be at most 200 characters long.")
        previous_end = turn.end


def list_transcripts(
    session: Session, *, organisation: str | None = None, viewer: Actor
) -> list[TranscriptInfo]:
    """All transcripts (of one organisation, if named), by organisation and name."""
    require(current_actor(session, viewer), "read_transcripts")
    turns = (
        select(func.count(TurnRow.id))
        .where(TurnRow.transcript_id == TranscriptRow.id)
        .correlate(TranscriptRow)
        .scalar_subquery()
    )
    query = select(
        TranscriptRow.id,
        TranscriptRow.name,
        OrganisationRow.name,
        TranscriptRow.interviewee_role,
        TranscriptRow.language,
        turns,
        func.length(TranscriptRow.text),
    ).join(OrganisationRow, OrganisationRow.id == TranscriptRow.organisation_id)
    if organisation:
        org = organisation_row(session, organisation)
        query = query.where(TranscriptRow.organisation_id == org.id)
    infos = [TranscriptInfo(*row) for row in session.execute(query)]
    # Sorted here, not in SQL: collations differ between SQLite and PostgreSQL.
    return sorted(infos, key=lambda i: (i.organisation.casefold(), i.name.casefold(), i.id))


def _transcript(session: Session, transcript_id: int) -> TranscriptRow:
    """The transcript with that id, or NotFound pointing to the list."""
    transcript = (
        session.get(TranscriptRow, transcript_id) if isinstance(transcript_id, int) else None
    )
    if transcript is None:
        raise NotFound(
            f"There is no transcript with id {transcript_id!r}; "
            "`study transcripts list` shows them."
        )
    return transcript


def move_transcript(
    session: Session, transcript_id: int, organisation: str, *, actor: Actor | int
) -> TranscriptInfo:
    """Give a transcript another organisation (an imported source that went to "Imported",
    say); its text, turns, codings and memos stay as they are."""
    actor_id = acting(session, actor, "manage_transcripts")
    transcript = _transcript(session, transcript_id)
    org = organisation_row(session, organisation)
    if org.id != transcript.organisation_id:
        if session.scalar(
            select(PlatformDocumentRow.id).where(PlatformDocumentRow.transcript_id == transcript.id)
        ):
            raise InvalidInput(
                f"{transcript.name!r} is a conversation of an imported platform export, "
                "which belongs to the organisation it was imported for."
            )
        existing = session.scalar(
            select(TranscriptRow).where(
                TranscriptRow.organisation_id == org.id,
                TranscriptRow.text_sha256 == transcript.text_sha256,
            )
        )
        if existing is not None:
            raise AlreadyExists(
                f"{org.name} already has this transcript, as {existing.name!r} (id {existing.id})."
            )
        record_event(
            session,
            "transcript.move",
            actor_id=actor_id,
            target=transcript,
            details={"from": transcript.organisation.name, "to": org.name},
        )
        transcript.organisation_id = org.id
        session.flush()
        session.expire(transcript, ["organisation"])
    return next(
        i
        for i in list_transcripts(session, organisation=org.name, viewer=actor)
        if i.id == transcript.id
    )


def transcript_json(session: Session, transcript_id: int, *, viewer: Actor) -> dict[str, Any]:
    """A transcript with its text and turns (speaker, start, end, started_at, ended_at).

    ``speaker`` is None where the file named no speaker; ``started_at`` and
    ``ended_at`` are seconds from the start of the recording, where known.
    """
    require(current_actor(session, viewer), "read_transcripts")
    transcript = _transcript(session, transcript_id)
    return {
        "id": transcript.id,
        "name": transcript.name,
        "organisation": transcript.organisation.name,
        "role": transcript.interviewee_role,
        "language": transcript.language,
        "interview_date": transcript.interview_date.isoformat()
        if transcript.interview_date
        else None,
        "source_filename": transcript.source_filename,
        "text_sha256": transcript.text_sha256,
        "characters": len(transcript.text),
        "text": transcript.text,
        "turns": [
            {
                "speaker": turn.speaker or None,
                "start": turn.start,
                "end": turn.end,
                "started_at": turn.started_at,
                "ended_at": turn.ended_at,
            }
            for turn in transcript.turns
        ],
    }
