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

Importing a project is :mod:`study.exchange.qdpx_import`; every export records the GUID
each row went out under and how it was (:mod:`study.exchange.identities`), so the project
is recognised when it comes back.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import acting, current_actor
from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.admin.studies import current_study
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
from study.exchange import refiqda
from study.exchange.identities import Identities, coding_state, memo_state, stored_code_state
from study.exchange.mapping import (
    COLUMN_VARIABLES,
    IMPORTED_ORGANISATION,
    IMPORTED_USER_DOMAIN,
    ROLE_LINES,
    store_codebook,
)
from study.exchange.places import split_place
from study.exchange.refiqda.code_elements import join_examples
from study.exchange.refiqda.model import derived_guid, iter_codes
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
    #: Per kind of row (sources, codes, codings, memos): added, updated, unchanged, conflicts.
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Each row changed both here and in the file, in a sentence.
    conflicts: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {**asdict(self), "warnings": list(self.warnings), "conflicts": list(self.conflicts)}


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
    session: Session,
    scheme: CodingSchemeRow,
    guid_of: dict[tuple[str, str], str] | None = None,
    code_rows: dict[str, CodeRow] | None = None,
) -> list[refiqda.QdaCode]:
    """The code tree of one scheme version as REFI-QDA codes (merged codes left out).

    ``guid_of`` gets each code's GUID by ``(scheme key, code key)``, ``code_rows`` each
    GUID's code.
    """
    rows = [
        c
        for c in session.scalars(select(CodeRow).where(CodeRow.scheme_id == scheme.id))
        if c.merged_into_id is None
    ]
    made: dict[int, refiqda.QdaCode] = {}
    roots: list[refiqda.QdaCode] = []
    for _depth, code in tree_order(rows):
        made[code.id] = _qda_code(scheme.key, code)
        if guid_of is not None:
            guid_of[(scheme.key, code.key)] = made[code.id].guid
        if code_rows is not None:
            code_rows[made[code.id].guid] = code
        parent = made.get(code.parent_id)
        (parent.children if parent is not None else roots).append(made[code.id])
    return roots


def _qda_code(scheme_key: str, code: CodeRow) -> refiqda.QdaCode:
    return refiqda.QdaCode(
        derived_guid("code", f"{scheme_key}/{code.key}"),
        code.name,
        code.colour,
        refiqda.format_code_description(
            code.definition or "",
            code.inclusion or "",
            code.exclusion or "",
            join_examples([str(e) for e in code.examples or []]),
        ),
    )


def _codebook(
    session: Session, rows: dict[str, CodeRow]
) -> tuple[list[refiqda.QdaCode], dict[tuple[str, str], str]]:
    """Every scheme's newest version (one scheme: its codes at the top) and code GUIDs by key.

    Codes that only older versions (or merges) have still carry codings and
    memos, so they are added at the top level of their scheme.
    """
    guid_of: dict[tuple[str, str], str] = {}
    per_scheme: list[tuple[CodingSchemeRow, list[refiqda.QdaCode]]] = []
    for key in sorted(set(session.scalars(select(CodingSchemeRow.key)))):
        versions = scheme_rows(session, key)
        codes = scheme_codes(session, versions[-1], guid_of, rows)
        for older in reversed(versions):
            for code in session.scalars(
                select(CodeRow)
                .where(CodeRow.scheme_id == older.id)
                .order_by(CodeRow.position, CodeRow.id)
            ):
                if (key, code.key) not in guid_of:
                    extra = _qda_code(key, code)
                    guid_of[(key, code.key)] = extra.guid
                    rows[extra.guid] = code
                    codes.append(extra)
        per_scheme.append((versions[-1], codes))
    if len(per_scheme) == 1:
        return per_scheme[0][1], guid_of
    return [
        refiqda.QdaCode(
            derived_guid("scheme", row.key),
            row.title,
            None,
            str((row.definition or {}).get("description", "")),
            codes,
            is_codable=False,
        )
        for row, codes in per_scheme
    ], guid_of


def build_project(
    session: Session, exchanged: list[tuple[str, str, int, dict[str, Any]]] | None = None
) -> refiqda.QdaProject:
    """The study as a REFI-QDA project: codebook, cases, sources, codings, users and memos.

    ``exchanged`` gets ``(kind, GUID, row id, state)`` of every source, code, coding,
    memo and user written, for :class:`~study.exchange.identities.Identities`.
    """
    exchanged = [] if exchanged is None else exchanged
    study = current_study(session)
    name = study.name if study is not None else "ISM Study"
    code_rows: dict[str, CodeRow] = {}
    codes, code_guid = _codebook(session, code_rows)
    exchanged.extend(
        ("code", guid, code.id, stored_code_state(code)) for guid, code in code_rows.items()
    )
    code_key = {
        code.id: (scheme_key, code.key)
        for code, scheme_key in session.execute(
            select(CodeRow, CodingSchemeRow.key).join(
                CodingSchemeRow, CodingSchemeRow.id == CodeRow.scheme_id
            )
        )
    }
    cases: list[refiqda.QdaCase] = []
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
        cases.append(refiqda.QdaCase(case_guid[org.id], org.name, variables))
    users: dict[int, refiqda.QdaUser] = {}
    sources: list[refiqda.QdaTextSource] = []
    source_guid: dict[int, str] = {}
    coding_guid: dict[int, str] = {}
    for transcript in session.scalars(select(TranscriptRow).order_by(TranscriptRow.id)):
        guid = derived_guid("transcript", f"{transcript.id}/{transcript.text_sha256}")
        source_guid[transcript.id] = guid
        exchanged.append(("source", guid, transcript.id, {"sha": transcript.text_sha256}))
        source = refiqda.QdaTextSource(
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
            exchanged.append(
                (
                    "coding",
                    coding_guid[coding.id],
                    coding.id,
                    coding_state("/".join(code_key[coding.code_id]), coding.start, coding.end),
                )
            )
            source.codings.append(
                refiqda.QdaCoding(
                    coding_guid[coding.id],
                    coding.start,
                    coding.end,
                    code_guid[code_key[coding.code_id]],
                    _user(session, users, coding.coder_id),
                    coding.created_at,
                    transcript.text[coding.start : coding.end],
                    coding.origin if coding.origin in refiqda.EXCHANGED_ORIGINS else "",
                )
            )
        sources.append(source)
    notes = []
    texts = {source.guid: source.text for source in sources}
    # A memo that may quote an interviewee who withdrew stays out until it is reviewed.
    for memo in session.scalars(
        select(MemoRow).where(MemoRow.needs_review.is_(False)).order_by(MemoRow.id)
    ):
        target = (
            source_guid.get(memo.transcript_id)
            or coding_guid.get(memo.coding_id)
            or code_guid.get(code_key.get(memo.code_id))
        )
        author = _user(session, users, memo.author_id) if memo.author_id is not None else None
        # An imported annotation's place, said in its text, goes back where QualCoder keeps it.
        text, start, end = (
            split_place(memo.text, texts[target])
            if memo.transcript_id is not None and target in texts
            else (memo.text, None, None)
        )
        exchanged.append(
            ("memo", derived_guid("memo", f"{name}/{memo.id}"), memo.id, memo_state(memo.text))
        )
        notes.append(
            refiqda.QdaNote(
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
    exchanged.extend(
        ("user", user.guid, account_id, {"name": user.name}) for account_id, user in users.items()
    )
    return refiqda.QdaProject(
        name,
        list(users.values()),
        codes,
        cases,
        sources,
        notes,
        description=study.description if study is not None else "",
    )


def _user(session: Session, users: dict[int, refiqda.QdaUser], account_id: int) -> str:
    if account_id not in users:
        account = session.get(AccountRow, account_id)
        users[account_id] = refiqda.QdaUser(
            derived_guid("user", account.email), account.display_name or account.email
        )
    return users[account_id].guid


def _unique_user_names(session: Session, users: dict[int, refiqda.QdaUser]) -> None:
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
    exchanged: list[tuple[str, str, int, dict[str, Any]]] = []
    project = build_project(session, exchanged)
    refiqda.write_qdpx(project, out, compat=compat)
    # What went out, and how, so the project is recognised when it comes back.
    identities = Identities(session)
    for kind, guid, row_id, state in exchanged:
        identities.remember(kind, guid, row_id, state)
    identities.save()
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
    refiqda.write_codebook(codes, out, format=format, exact=exact)
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
    codes = refiqda.read_codebook(path, warnings=warnings)
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
