"""REFI-QDA exchange of the whole study: the database to a .qdpx project or .qdc codebook and back.

:mod:`study.exchange.refiqda` reads and writes the files; this module maps between
them and the database.

What goes where (export, and the reverse on import):

- coding schemes -> the codebook. One scheme's codes are the top-level codes;
  with several schemes each becomes a non-codable parent code named by its
  title. A code's definition, inclusion and exclusion criteria and examples
  go into its description (:func:`study.exchange.refiqda.format_code_description`);
  several examples as a ``- `` list, read back as several
  (:func:`~study.exchange.refiqda.code_elements.join_examples`).
- organisations -> cases, with the variables Sector, Size band, Country,
  Headcount and every entry of ``Organisation.attributes``.
- transcripts -> text sources (``sources/<GUID>.txt``, UTF-8), linked to their
  organisation's case; the source description carries interviewee role,
  language, interview date and organisation as ``Key: value`` lines.
  ``compat="qualcoder"`` also links them to cases the way QualCoder reads.
- codings -> selections with their coding, positions in code points, the
  creating user being the coder; accounts that coded or wrote memos -> users.
- memos -> notes on their transcript, code or coding, and a copy where peers
  read memos (see :mod:`study.exchange.refiqda.writer`); a transcript memo that
  states its place (an imported annotation) becomes a note anchored there again.
- the study's description -> the project's ``Description`` (QualCoder's project memo).

Import rules:

- users who own an imported coding or memo become coder accounts without a
  password, which cannot log in, under ``<name>@qdpx.invalid`` (``.invalid`` is
  never deliverable), unless ``coders`` maps them to an existing account; users
  who coded nothing and wrote nothing get no account (the summary names them).
- the project's memo (its ``Description``, QualCoder's project memo) becomes the
  study's description, or is added to it (with a warning) when it holds another.
- an annotation (a note on a passage of a source) becomes a memo on the
  transcript whose text ends with the passage's place ("(On “…”, characters
  120–135.)"), since a memo has no place of its own; so does a memo on an
  uncoded passage.
- the codebook becomes a scheme version whose key comes from the project name
  (or ``scheme_key``); importing the same codebook again reuses that version,
  a different one becomes the next version.
- a source belongs to the organisation of its (first) case, else to the one
  its description or variables name ("Organisation: ..."); sources without
  either go to an organisation called "Imported". Role and language come from
  the description's lines or the source's variables ("Language", "Role").
- a source identical to a transcript already stored (same organisation, name
  and text) is that transcript; codings already stored are not duplicated.
- what cannot be stored is listed in ``ImportSummary.warnings``, with the
  warnings of the reader (pictures, PDFs, audio, sets, moved positions).
- everything happens in the caller's transaction: an invalid archive is
  refused before anything is written, and any later failure rolls back.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import acting, current_actor
from study.admin.audit import record_event
from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.admin.studies import current_study, ensure_study
from study.db.models import (
    AccountRow,
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    MemoRow,
    OrganisationRow,
    PlatformDocumentRow,
    TranscriptRow,
)
from study.errors import InvalidInput
from study.exchange.mapping import (
    COLUMN_VARIABLES,
    IMPORTED_ORGANISATION,
    IMPORTED_USER_DOMAIN,
    ROLE_LINES,
    UNKNOWN_CODER,
    case_organisation,
    coder_account,
    named_organisation,
    parse_source_description,
    source_field,
    store_codebook,
    store_source,
)
from study.exchange.refiqda import (
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaTextSource,
    QdaUser,
    format_code_description,
    read_codebook,
    read_qdpx,
    write_codebook,
    write_qdpx,
)
from study.exchange.refiqda.code_elements import join_examples
from study.exchange.refiqda.model import derived_guid, iter_codes
from study.interviews.coding.memos import write_memo
from study.interviews.coding.schemes_store import SchemeRef, scheme_row, scheme_rows, tree_order

__all__ = [
    "IMPORTED_ORGANISATION",
    "IMPORTED_USER_DOMAIN",
    "CodebookSummary",
    "ExportSummary",
    "ImportSummary",
    "build_project",
    "export_codebook",
    "export_qdpx",
    "import_codebook",
    "import_qdpx",
    "scheme_codes",
]


@dataclass(frozen=True)
class ExportSummary(PlainRecord):
    """What an export wrote."""

    sources: int
    codes: int
    codings: int
    users: int
    cases: int
    notes: int


@dataclass(frozen=True)
class ImportSummary(ExportSummary):
    """What an import stored (the same counts), and every warning about what it could not
    store as given."""

    warnings: tuple[str, ...] = ()
    scheme: str | None = None
    scheme_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {**asdict(self), "warnings": list(self.warnings)}


@dataclass(frozen=True)
class CodebookSummary:
    """The scheme version a codebook import stored (or found already stored)."""

    scheme: str
    version: str
    scheme_id: int
    codes: int
    created: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {**asdict(self), "warnings": list(self.warnings)}


# -- export -------------------------------------------------------------------------------


def scheme_codes(
    session: Session, scheme: CodingSchemeRow, guid_of: dict[tuple[str, str], str] | None = None
) -> list[QdaCode]:
    """The code tree of one scheme version as REFI-QDA codes (merged codes left out)."""
    rows = [
        c
        for c in session.scalars(select(CodeRow).where(CodeRow.scheme_id == scheme.id))
        if c.merged_into_id is None
    ]
    made: dict[int, QdaCode] = {}
    roots: list[QdaCode] = []
    for _depth, code in tree_order(rows):
        made[code.id] = _qda_code(scheme.key, code)
        if guid_of is not None:
            guid_of[(scheme.key, code.key)] = made[code.id].guid
        parent = made.get(code.parent_id)
        (parent.children if parent is not None else roots).append(made[code.id])
    return roots


def _qda_code(scheme_key: str, code: CodeRow) -> QdaCode:
    return QdaCode(
        derived_guid("code", f"{scheme_key}/{code.key}"),
        code.name,
        code.colour,
        format_code_description(
            code.definition or "",
            code.inclusion or "",
            code.exclusion or "",
            join_examples([str(e) for e in code.examples or []]),
        ),
    )


def _codebook(session: Session) -> tuple[list[QdaCode], dict[tuple[str, str], str]]:
    """Every scheme's newest version (one scheme: its codes at the top) and code GUIDs by key.

    Codes that only older versions (or merges) have still carry codings and
    memos, so they are added at the top level of their scheme.
    """
    guid_of: dict[tuple[str, str], str] = {}
    per_scheme: list[tuple[CodingSchemeRow, list[QdaCode]]] = []
    for key in sorted(set(session.scalars(select(CodingSchemeRow.key)))):
        versions = scheme_rows(session, key)
        codes = scheme_codes(session, versions[-1], guid_of)
        for older in reversed(versions):
            for code in session.scalars(
                select(CodeRow)
                .where(CodeRow.scheme_id == older.id)
                .order_by(CodeRow.position, CodeRow.id)
            ):
                if (key, code.key) not in guid_of:
                    extra = _qda_code(key, code)
                    guid_of[(key, code.key)] = extra.guid
                    codes.append(extra)
        per_scheme.append((versions[-1], codes))
    if len(per_scheme) == 1:
        return per_scheme[0][1], guid_of
    return [
        QdaCode(
            derived_guid("scheme", row.key),
            row.title,
            None,
            str((row.definition or {}).get("description", "")),
            codes,
            is_codable=False,
        )
        for row, codes in per_scheme
    ], guid_of


def build_project(session: Session) -> QdaProject:
    """The study as a REFI-QDA project: codebook, cases, sources, codings, users and memos."""
    study = current_study(session)
    name = study.name if study is not None else "ISM Study"
    codes, code_guid = _codebook(session)
    code_key = {
        code.id: (scheme_key, code.key)
        for code, scheme_key in session.execute(
            select(CodeRow, CodingSchemeRow.key).join(
                CodingSchemeRow, CodingSchemeRow.id == CodeRow.scheme_id
            )
        )
    }
    cases: list[QdaCase] = []
    case_guid: dict[int, str] = {}
    for org in session.scalars(select(OrganisationRow).order_by(OrganisationRow.name)):
        case_guid[org.id] = derived_guid("case", f"{name}/{org.name}")
        variables = {
            COLUMN_VARIABLES[column]: str(getattr(org, column))
            for column in COLUMN_VARIABLES
            if getattr(org, column) not in (None, "")
        }
        variables.update(
            {
                str(k): str(v)
                for k, v in (org.attributes or {}).items()
                if v is not None and str(k) not in variables
            }
        )
        cases.append(QdaCase(case_guid[org.id], org.name, variables))
    users: dict[int, QdaUser] = {}
    sources: list[QdaTextSource] = []
    source_guid: dict[int, str] = {}
    coding_guid: dict[int, str] = {}
    for transcript in session.scalars(select(TranscriptRow).order_by(TranscriptRow.id)):
        guid = derived_guid("transcript", f"{transcript.id}/{transcript.text_sha256}")
        source_guid[transcript.id] = guid
        source = QdaTextSource(
            guid,
            transcript.name,
            transcript.text,
            [case_guid[transcript.organisation_id]],
            notes=_source_description(transcript, session),
        )
        for coding in session.scalars(
            select(CodingRow)
            .where(CodingRow.transcript_id == transcript.id)
            .order_by(CodingRow.start, CodingRow.end, CodingRow.id)
        ):
            coding_guid[coding.id] = derived_guid("coding", f"{guid}/{coding.id}")
            source.codings.append(
                QdaCoding(
                    coding_guid[coding.id],
                    coding.start,
                    coding.end,
                    code_guid[code_key[coding.code_id]],
                    _user(session, users, coding.coder_id),
                    coding.created_at,
                    transcript.text[coding.start : coding.end],
                )
            )
        sources.append(source)
    notes = []
    texts = {source.guid: source.text for source in sources}
    for memo in session.scalars(select(MemoRow).order_by(MemoRow.id)):
        target = (
            source_guid.get(memo.transcript_id)
            or coding_guid.get(memo.coding_id)
            or code_guid.get(code_key.get(memo.code_id))
        )
        author = _user(session, users, memo.author_id) if memo.author_id is not None else None
        # An imported annotation's place, said in its text, goes back where QualCoder keeps it.
        text, start, end = (
            _split_place(memo.text, texts[target])
            if memo.transcript_id is not None and target in texts
            else (memo.text, None, None)
        )
        notes.append(
            QdaNote(
                derived_guid("memo", f"{name}/{memo.id}"),
                text,
                target,
                author,
                memo.created_at,
                start,
                end,
            )
        )
    _unique_user_names(session, users)
    return QdaProject(
        name,
        list(users.values()),
        codes,
        cases,
        sources,
        notes,
        description=study.description if study is not None else "",
    )


def _user(session: Session, users: dict[int, QdaUser], account_id: int) -> str:
    if account_id not in users:
        account = session.get(AccountRow, account_id)
        users[account_id] = QdaUser(
            derived_guid("user", account.email), account.display_name or account.email
        )
    return users[account_id].guid


def _unique_user_names(session: Session, users: dict[int, QdaUser]) -> None:
    # Other programs show coders by name: two coders called "Ana" must not merge there.
    taken = [u.name.casefold() for u in users.values()]
    for account_id, user in users.items():
        if taken.count(user.name.casefold()) > 1:
            user.name = session.get(AccountRow, account_id).email


def _source_description(transcript: TranscriptRow, session: Session) -> str:
    organisation = session.get(OrganisationRow, transcript.organisation_id)
    organisation = organisation.name if organisation is not None else None
    values = {
        "role": transcript.interviewee_role,
        "language": transcript.language,
        "date": transcript.interview_date.isoformat() if transcript.interview_date else None,
        "organisation": organisation,
    }
    lines = [f"{label}: {values[key]}" for key, label in ROLE_LINES.items() if values[key]]
    if (
        session.scalar(
            select(PlatformDocumentRow.id).where(PlatformDocumentRow.transcript_id == transcript.id)
        )
        is not None
    ):
        lines.append("source: platform conversation (pseudonymised export)")
    return "\n".join(lines)


def export_qdpx(
    session: Session,
    out: str | os.PathLike[str] | BinaryIO,
    *,
    compat: str | None = None,
    viewer: Actor,
) -> ExportSummary:
    """Write the study as a REFI-QDA project (.qdpx) to a path or a binary file object.

    ``compat="qualcoder"`` also writes QualCoder's form of case links.
    """
    require(current_actor(session, viewer), "exchange_projects")
    project = build_project(session)
    write_qdpx(project, out, compat=compat)
    return ExportSummary(
        len(project.sources),
        sum(1 for _ in iter_codes(project.codes)),
        sum(len(s.codings) for s in project.sources),
        len(project.users),
        len(project.cases),
        len(project.notes),
    )


def export_codebook(
    session: Session,
    scheme: SchemeRef,
    out: str | os.PathLike[str] | BinaryIO,
    *,
    format: str = "qdc",
    exact: bool = False,
    viewer: Actor,
) -> int:
    """Write one scheme version (a key means its newest) as a codebook; returns the code count.

    ``format`` is ``"qdc"`` (REFI-QDA) or ``"csv"`` (Taguette's ``tag``, ``description``);
    ``exact`` writes a CSV's cells as they are (:data:`study.cells.EXACT_CSV_RISK`).
    """
    require(current_actor(session, viewer), "exchange_projects")
    codes = scheme_codes(session, scheme_row(session, scheme))
    write_codebook(codes, out, format=format, exact=exact)
    return sum(1 for _ in iter_codes(codes))


# -- import -------------------------------------------------------------------------------


def import_codebook(
    session: Session,
    path: str | os.PathLike[str] | BinaryIO,
    *,
    scheme_key: str | None = None,
    actor: Actor | int,
) -> CodebookSummary:
    """Store the codes of a .qdc codebook (or of a .qdpx project) as a coding scheme version.

    The key is ``scheme_key`` or made from the file name; a codebook identical
    to a stored version of that key is that version.
    """
    actor_id = acting(session, actor, "exchange_projects")
    warnings: list[str] = []
    codes = read_codebook(path, warnings=warnings)
    stem = Path(str(getattr(path, "name", path))).stem
    stored = store_codebook(
        session,
        codes,
        key=scheme_key,
        title=stem or "Imported codebook",
        actor_id=actor_id,
        origin=str(getattr(path, "name", path)),
    )
    return CodebookSummary(
        stored.key,
        stored.version,
        stored.scheme_id,
        len(stored.code_ids),
        stored.created,
        tuple(warnings + stored.warnings),
    )


def import_qdpx(
    session: Session,
    path: str | os.PathLike[str] | BinaryIO,
    *,
    actor: Actor | int,
    scheme_key: str | None = None,
    name: str | None = None,
    coders: Mapping[str, str] | None = None,
) -> ImportSummary:
    """Import a REFI-QDA project: sources, codebook, users, cases, codings and memos.

    See the module docstring for the rules. ``name`` is the file name as the
    user knows it (for messages about an upload). The project's users become
    imported coder accounts, never existing accounts, unless ``coders`` maps a
    user (by name or GUID) to an existing account's e-mail.

    Raises
    ------
    InvalidFile
        If the archive is not a valid REFI-QDA project; nothing is stored.
    """
    actor_id = acting(session, actor, "exchange_projects")
    project = read_qdpx(path, name=name)
    warnings = list(project.warnings)
    study = ensure_study(session, name=project.name or "Imported study", actor_id=actor_id)
    _keep_project_memo(session, study, project.description, warnings, actor_id)
    scheme = None
    code_ids: dict[str, int] = {}
    if project.codes:
        scheme = store_codebook(
            session,
            project.codes,
            key=scheme_key,
            title=project.name or "Imported codebook",
            actor_id=actor_id,
            origin=name or str(getattr(path, "name", path)),
        )
        code_ids = scheme.code_ids
        warnings.extend(scheme.warnings)
    coders = dict(coders or {})
    unknown = set(coders) - {u.guid for u in project.users} - {u.name for u in project.users}
    if unknown:
        raise InvalidInput(
            f"The project has no user {sorted(unknown)[0]!r} to map; its users "
            f"are {', '.join(repr(u.name) for u in project.users) or 'none'}."
        )
    accounts = _Accounts(session, project.users, coders, actor_id)
    organisations = {
        case.guid: case_organisation(session, case, warnings, actor_id) for case in project.cases
    }
    transcripts: dict[str, int] = {}
    coding_ids: dict[str, int] = {}
    counts = {"codings": 0, "notes": 0, "duplicates": 0, "unknown": 0, "empty": 0}
    for source in project.sources:
        if len(source.case_guids) > 1:
            warnings.append(
                f"Source '{source.name}' belongs to {len(source.case_guids)} cases; "
                "it was stored with the first one only."
            )
        metadata, rest = parse_source_description(source.notes, source.variables)
        named = metadata.get("organisation", "").strip()[:200]
        org = (
            organisations.get(source.case_guids[0]) if source.case_guids else None
        ) or named_organisation(session, named or IMPORTED_ORGANISATION, actor_id)
        transcript, created = store_source(
            session, source.name, source.text, org, metadata, actor_id=actor_id
        )
        transcripts[source.guid] = transcript.id
        if not created:
            warnings.append(
                f"Source '{source.name}' was already stored; its codings were "
                "added to that transcript."
            )
        if rest:
            _add_memo(session, rest, transcript_id=transcript.id, author_id=None)
            counts["notes"] += 1
        for coding in source.codings:
            if coding.end <= coding.start:
                counts["empty"] += 1
                continue
            coder = accounts.get(coding.creating_user_guid)
            if coder is None:
                counts["unknown"] += 1
                coder = coder_account(session, UNKNOWN_CODER[1], actor_id, UNKNOWN_CODER[0])
            coding_ids[coding.guid] = _add_coding(
                session, transcript, coding, code_ids, coder, counts, actor_id
            )
    if counts["unknown"]:
        warnings.append(
            f"{counts['unknown']} codings name no known user; they were stored "
            f"as coded by '{UNKNOWN_CODER[1]}'."
        )
    if counts["empty"]:
        warnings.append(f"{counts['empty']} codings select no text at all and were not imported.")
    if counts["duplicates"]:
        warnings.append(
            f"{counts['duplicates']} codings were already stored and were not added again."
        )
    unused = sorted(
        {
            name
            for source in project.sources
            for name in source.variables
            if source_field(name) is None
        }
    )
    if unused:
        warnings.append(
            f"Source variables ISM Study does not keep were not imported: "
            f"{', '.join(repr(n) for n in unused[:5])}"
            + (f" and {len(unused) - 5} more." if len(unused) > 5 else ".")
        )
    _import_notes(
        session,
        project.notes,
        transcripts,
        code_ids,
        coding_ids,
        accounts,
        counts,
        warnings,
        actor_id,
    )
    idle = [user.name for user in project.users if user.guid not in accounts.made]
    if idle:
        warnings.append(
            f"{len(idle)} users of the project coded nothing and wrote no memo that was "
            f"imported, so no account was made for them: "
            f"{', '.join(repr(n) for n in idle[:5])}"
            + (f" and {len(idle) - 5} more." if len(idle) > 5 else ".")
        )
    summary = ImportSummary(
        len(transcripts),
        len(code_ids),
        counts["codings"],
        len(set(accounts.made.values())),
        len(organisations),
        counts["notes"],
        tuple(warnings),
        scheme.key if scheme else None,
        scheme.version if scheme else None,
    )
    record_event(
        session,
        "qdpx.import",
        actor_id=actor_id,
        details={**summary.as_dict(), "file": name or str(getattr(path, "name", path))},
    )
    return summary


class _Accounts:
    """The account of each project user, made when the user is first found coding or writing.

    Users who coded nothing and wrote no memo that is imported get no account; those who
    do become imported coder accounts without a password (:func:`coder_account`), which
    cannot log in, unless ``coders`` maps them to an existing account.
    """

    def __init__(
        self,
        session: Session,
        users: list[QdaUser],
        coders: Mapping[str, str],
        actor_id: int | None,
    ) -> None:
        self.session = session
        self.users = {user.guid: user for user in users}
        self.coders = coders
        self.actor_id = actor_id
        self.made: dict[str, int] = {}

    def get(self, guid: str | None) -> int | None:
        user = self.users.get(guid or "")
        if user is None:
            return None
        if user.guid not in self.made:
            self.made[user.guid] = coder_account(
                self.session,
                user.name,
                self.actor_id,
                mapped_to=self.coders.get(user.guid, self.coders.get(user.name)),
            )
        return self.made[user.guid]


def _keep_project_memo(
    session: Session, study: Any, memo: str, warnings: list[str], actor_id: int | None
) -> None:
    """A project's own memo (QualCoder's project memo, a project ``Description``) as the
    study's description: memos belong to a transcript, code or coding, none to the study."""
    memo = (memo or "").strip()
    current = (study.description or "").strip()
    if not memo or memo in current:
        return
    study.description = f"{current}\n\n{memo}" if current else memo
    if current:
        shown = memo[:60] + ("…" if len(memo) > 60 else "")
        warnings.append(
            f"The project's memo ('{shown}') was added to the study's description, "
            "after the description it had."
        )
    record_event(
        session,
        "study.description",
        actor_id=actor_id,
        target=study,
        details={"added": memo[:500], "origin": "qdpx"},
    )


_PLACE_QUOTE_CHARS = 60
_PLACE = re.compile(r"\n\n\(On “(?P<quote>.*)”, characters (?P<start>\d+)–(?P<end>\d+)\.\)\Z", re.S)


def _with_place(text: str, transcript_text: str, start: int, end: int) -> str:
    """A memo's text with the passage it is about (an annotation's place) said at its end.

    Examples
    --------
    >>> _with_place("Check this.", "Only when the boss is away.", 5, 9)
    'Check this.\\n\\n(On “when”, characters 5–9.)'
    >>> _split_place("Check this.\\n\\n(On “when”, characters 5–9.)", "Only when the boss is away.")
    ('Check this.', 5, 9)
    """
    quote = " ".join(transcript_text[start:end].split())
    if len(quote) > _PLACE_QUOTE_CHARS:
        quote = quote[: _PLACE_QUOTE_CHARS - 1] + "…"
    return f"{text.strip()}\n\n(On “{quote}”, characters {start}–{end}.)"


def _split_place(text: str, transcript_text: str) -> tuple[str, int | None, int | None]:
    """Undo :func:`_with_place`: the memo's own text and its place (None when it has none)."""
    match = _PLACE.search(text)
    if match is None:
        return text, None, None
    start, end = int(match.group("start")), int(match.group("end"))
    rest = text[: match.start()]
    if (
        not 0 <= start <= end <= len(transcript_text)
        or _with_place(rest, transcript_text, start, end) != text.strip()
    ):
        return text, None, None
    return rest, start, end


def _add_coding(
    session: Session,
    transcript: TranscriptRow,
    coding: QdaCoding,
    code_ids: dict[str, int],
    coder: int,
    counts: dict[str, int],
    actor_id: int | None,
) -> int | None:
    start, end = coding.start, coding.end
    code_id = code_ids[coding.code_guid]
    existing = session.scalar(
        select(CodingRow.id).where(
            CodingRow.transcript_id == transcript.id,
            CodingRow.code_id == code_id,
            CodingRow.coder_id == coder,
            CodingRow.start == start,
            CodingRow.end == end,
        )
    )
    if existing is not None:
        counts["duplicates"] += 1
        return existing
    # Stored directly rather than through add_coding, to keep the other program's creation time.
    row = CodingRow(
        transcript_id=transcript.id,
        code_id=code_id,
        coder_id=coder,
        start=start,
        end=end,
        snippet=transcript.text[start:end],
        origin="import",
        created_at=coding.creation_datetime or dt.datetime.now(dt.UTC),
    )
    session.add(row)
    record_event(
        session,
        "coding.add",
        actor_id=actor_id,
        target=row,
        details={
            "transcript_id": transcript.id,
            "code_id": code_id,
            "coder_id": coder,
            "start": start,
            "end": end,
            "origin": "import",
        },
    )
    counts["codings"] += 1
    return row.id


def _import_notes(
    session: Session,
    notes: list[QdaNote],
    transcripts: dict[str, int],
    code_ids: dict[str, int],
    coding_ids: dict[str, int | None],
    accounts: _Accounts,
    counts: dict[str, int],
    warnings: list[str],
    actor_id: int | None,
) -> None:
    unplaced: list[str] = []
    for note in notes:
        target = note.target_guid or ""
        where = (
            {"transcript_id": transcripts[target]}
            if target in transcripts
            else {"coding_id": coding_ids[target]}
            if coding_ids.get(target)
            else {"code_id": code_ids[target]}
            if target in code_ids
            else None
        )
        if where is None or not note.text.strip():
            unplaced.append(note.text.strip().split("\n", 1)[0][:40] or note.guid)
            continue
        text = note.text
        if "transcript_id" in where and note.start is not None and note.end is not None:
            # A memo has no place of its own: an annotation's place is said in its text.
            transcript = session.get(TranscriptRow, where["transcript_id"])
            text = _with_place(note.text, transcript.text, note.start, note.end)
        _add_memo(
            session,
            text,
            author_id=accounts.get(note.creating_user_guid),
            created=note.created,
            **where,
        )
        counts["notes"] += 1
    if unplaced:
        shown = ", ".join(f"'{t}'" for t in unplaced[:5])
        warnings.append(
            f"{len(unplaced)} notes are about the whole project, a case or "
            f"nothing, or are empty, and were not imported: {shown}"
            + (f" and {len(unplaced) - 5} more." if len(unplaced) > 5 else ".")
        )


def _add_memo(
    session: Session,
    text: str,
    *,
    author_id: int | None,
    created: dt.datetime | None = None,
    **target: int,
) -> None:
    memo = write_memo(session, text=text, author_id=author_id, **target)
    if created is not None:  # keep when the note was written in the other program
        row = session.get(MemoRow, memo.id)
        row.created_at = row.updated_at = created
