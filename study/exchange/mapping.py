"""Store what a REFI-QDA file brings: codebook, text sources, users and cases as study records.

Used by :mod:`study.exchange.qdpx` (whose docstring states the import rules). Codes from other programs have names but
no keys, so keys are made from the names (``"Self-censorship"`` ->
``self-censorship``, a number appended when two codes would share one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.accounts import create_account
from study.admin.audit import record_event
from study.admin.organisations import create_organisation
from study.db.models import (
    INTERVIEWEE_ROLES,
    AccountRow,
    CodeRow,
    CodingSchemeRow,
    OrganisationRow,
    TranscriptRow,
)
from study.errors import InvalidFile, InvalidInput, NotFound
from study.exchange.refiqda import QdaCase, QdaCode, parse_code_description
from study.exchange.refiqda.code_elements import split_examples
from study.exchange.refiqda.model import normalise_colour
from study.interviews.coding.codes import DEFAULT_COLOUR
from study.interviews.coding.schemes_store import scheme_rows, tree_order
from study.interviews.transcripts.language import detect_language
from study.interviews.transcripts.parsing import parse_transcript
from study.interviews.transcripts.store import LANGUAGES, store_parsed_transcript
from study.interviews.transcripts.transcript import ParsedTranscript, Turn

__all__ = [
    "COLUMN_VARIABLES",
    "IMPORTED_ORGANISATION",
    "IMPORTED_USER_DOMAIN",
    "ROLE_LINES",
    "UNKNOWN_CODER",
    "StoredCodebook",
    "case_organisation",
    "code_fields",
    "coder_account",
    "free_key",
    "key_from_name",
    "named_organisation",
    "parse_source_description",
    "source_field",
    "store_codebook",
    "store_source",
]

IMPORTED_ORGANISATION = "Imported"
IMPORTED_USER_DOMAIN = "qdpx.invalid"  # .invalid is never deliverable (RFC 2606)
UNKNOWN_CODER = ("unknown-coder@qdpx.invalid", "Unknown coder")
# Case variable (lower case, spaces) -> Organisation column; others go to attributes.
_CASE_COLUMNS = {
    "sector": "sector",
    "size band": "size_band",
    "country": "country",
    "headcount": "headcount",
}
#: Organisation column -> the case variable an export names it.
COLUMN_VARIABLES = {
    "sector": "Sector",
    "size_band": "Size band",
    "country": "Country",
    "headcount": "Headcount",
}

#: Lines of a source description that carry a transcript's fields (export and import).
#: "Organisation" survives peers that drop case links (QualCoder exports none).
ROLE_LINES = {
    "role": "Interviewee role",
    "language": "Language",
    "date": "Interview date",
    "organisation": "Organisation",
}
# A peer's source variable (or description line) name -> the transcript field it gives.
_SOURCE_VARIABLES = {
    "interviewee role": "role",
    "role": "role",
    "rolle": "role",
    "language": "language",
    "sprog": "language",
    "lang": "language",
    "interview date": "date",
    "date": "date",
    "dato": "date",
    "organisation": "organisation",
    "organization": "organisation",
    "case": "organisation",
}
_LANGUAGE_NAMES = {"english": "en", "engelsk": "en", "danish": "da", "dansk": "da"}
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_KEY = 100


def key_from_name(name: str, *, fallback: str = "code", max_length: int = 90) -> str:
    """A lower-case key with hyphens made from a name (accents dropped).

    Examples
    --------
    >>> key_from_name("Self-censorship & fear (Madsen 2017)")
    'self-censorship-fear-madsen-2017'
    >>> key_from_name("Ledelsesopbakning på ISM")
    'ledelsesopbakning-pa-ism'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:max_length].strip("-")
    return key or fallback


def free_key(name: str, taken: Collection[str]) -> str:
    """:func:`key_from_name`, with ``-2``, ``-3``, ... added until it is none of ``taken``.

    Examples
    --------
    >>> free_key("No time", {"no-time", "no-time-2"})
    'no-time-3'
    """
    key = base = key_from_name(name)
    n = 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


@dataclass
class StoredCodebook:
    """The scheme version a codebook became, and the code id of every REFI-QDA code GUID."""

    key: str
    version: str
    scheme_id: int
    code_ids: dict[str, int]
    created: bool
    warnings: list[str] = field(default_factory=list)


def _flatten(
    codes: list[QdaCode],
    parent: int | None = None,
    out: list[tuple[QdaCode, int | None]] | None = None,
) -> list[tuple[QdaCode, int | None]]:
    """Codes depth first with the index of their parent in the result."""
    out = [] if out is None else out
    for code in codes:
        out.append((code, parent))
        _flatten(code.children, len(out) - 1, out)
    return out


def code_fields(code: QdaCode) -> tuple[str, str, str, str, str, tuple[str, ...]]:
    """Name, colour, definition, inclusion, exclusion and examples of a file's code, as stored."""
    parts = parse_code_description(code.description or "")
    colour = normalise_colour(code.color) or DEFAULT_COLOUR
    return (
        code.name.strip()[:200],
        colour,
        parts.definition,
        parts.inclusion,
        parts.exclusion,
        tuple(split_examples(parts.example)),
    )


def _stored_signature(session: Session, scheme: CodingSchemeRow) -> tuple[list[tuple], list[int]]:
    rows = list(session.scalars(select(CodeRow).where(CodeRow.scheme_id == scheme.id)))
    ordered = tree_order(rows)
    index = {code.id: i for i, (_depth, code) in enumerate(ordered)}
    signature = [
        (
            code.name,
            code.colour.upper(),
            code.definition,
            code.inclusion,
            code.exclusion,
            tuple(code.examples or []),
            index.get(code.parent_id),
        )
        for _d, code in ordered
    ]
    return signature, [code.id for _d, code in ordered]


def store_codebook(
    session: Session,
    codes: list[QdaCode],
    *,
    key: str | None,
    title: str,
    actor_id: int | None = None,
    origin: str = "",
) -> StoredCodebook:
    """Store a REFI-QDA code tree as a scheme version (or find the identical stored one).

    ``key`` defaults to one made from ``title``. If a stored version of the key
    has exactly these codes (names, colours, descriptions, hierarchy), it is
    used; otherwise a new version is stored, numbered after the highest.
    """
    if not codes:
        raise InvalidFile("The codebook has no codes.", path=origin or None)
    key = (key or "").strip() or key_from_name(title, fallback="imported-codebook")
    if not _KEY.match(key) or len(key) > _MAX_KEY:
        raise InvalidInput(
            f"A scheme key uses lower-case letters, digits and hyphens "
            f"(like imc-integration), not {key!r}."
        )
    flat = _flatten(codes)
    signature = [(*code_fields(code), parent) for code, parent in flat]
    warnings = [
        f"The name of code '{code.name[:60]}…' is longer than 200 characters and was shortened."
        for code, _ in flat
        if len(code.name.strip()) > 200
    ]
    versions = scheme_rows(session, key)
    for version in reversed(versions):
        stored, ids = _stored_signature(session, version)
        if stored == signature:
            return StoredCodebook(
                key,
                version.version,
                version.id,
                {code.guid: ids[i] for i, (code, _) in enumerate(flat)},
                False,
                warnings,
            )
    numbers = [int(m.group()) for v in versions if (m := re.match(r"\d+", v.version))]
    version = str(max(numbers, default=0) + 1)
    scheme = CodingSchemeRow(
        key=key,
        version=version,
        title=title.strip()[:300] or key,
        definition={
            "description": f"Imported from {origin}" if origin else "",
            "origin": "REFI-QDA",
        },
    )
    session.add(scheme)
    session.flush()
    rows: list[CodeRow] = []
    taken: set[str] = set()
    for position, ((name, colour, definition, inclusion, exclusion, examples), parent) in enumerate(
        (s[:5] + (s[5],), s[6]) for s in signature
    ):
        code_key = free_key(name, taken)
        taken.add(code_key)
        row = CodeRow(
            scheme_id=scheme.id,
            key=code_key,
            name=name,
            colour=colour,
            definition=definition,
            inclusion=inclusion,
            exclusion=exclusion,
            examples=list(examples),
            keywords={},
            position=position,
            parent_id=rows[parent].id if parent is not None else None,
        )
        session.add(row)
        session.flush()
        rows.append(row)
    record_event(
        session,
        "scheme.import",
        actor_id=actor_id,
        target=scheme,
        details={"key": key, "version": version, "codes": len(rows), "file": origin},
    )
    return StoredCodebook(
        key,
        version,
        scheme.id,
        {code.guid: rows[i].id for i, (code, _) in enumerate(flat)},
        True,
        warnings,
    )


def source_field(variable: str) -> str | None:
    """The transcript field a peer's source variable gives ("Sprog" -> "language"), or None."""
    return _SOURCE_VARIABLES.get(" ".join(str(variable).lower().replace("_", " ").split()))


def parse_source_description(
    text: str, variables: dict[str, str] | None = None
) -> tuple[dict[str, str], str]:
    """Split a source description into transcript fields and the rest.

    Fields come from leading ``Label: value`` lines (as ISM Study writes them)
    and, where those do not give one, from the source's ``variables`` (a peer's
    document variables such as "Language" or "Role"). Languages are given as
    codes ("da"), also when the peer names them ("Danish", "dansk").

    Examples
    --------
    >>> parse_source_description("Interviewee role: coordinator\\nLanguage: da\\nHeld online.")
    ({'role': 'coordinator', 'language': 'da'}, 'Held online.')
    >>> parse_source_description("Held online.", {"Sprog": "Dansk", "Role": "ISM coordinator"})
    ({'language': 'da', 'role': 'coordinator'}, 'Held online.')
    """
    fields: dict[str, str] = {}
    lines = (text or "").strip().split("\n")
    while lines:
        label, sep, value = lines[0].partition(":")
        key = _SOURCE_VARIABLES.get(" ".join(label.lower().split())) if sep else None
        if key is None:
            break
        fields[key] = value.strip()
        lines.pop(0)
    for name, value in (variables or {}).items():
        key = source_field(name)
        if key is not None and key not in fields and str(value).strip():
            fields[key] = str(value).strip()
    if "language" in fields:
        language = fields["language"].strip().lower()
        fields["language"] = _LANGUAGE_NAMES.get(language, language.split("-")[0])
    if "role" in fields:
        role = fields["role"].strip().lower()
        fields["role"] = next((r for r in INTERVIEWEE_ROLES if r in role.split()), role)
    return fields, "\n".join(lines).strip()


def _turns(text: str) -> list[Turn]:
    """Speaker turns if the text is laid out as ISM Study lays transcripts out, else paragraphs."""
    try:
        parsed = parse_transcript(text.encode("utf-8"), "source.txt")
    except InvalidInput:
        parsed = None
    if parsed is not None and parsed.text == text:
        return parsed.turns
    turns = []
    for match in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        stripped = match.group().strip()
        if stripped:
            start = match.start() + match.group().index(stripped)
            turns.append(Turn(None, start, start + len(stripped)))
    return turns


def store_source(
    session: Session,
    name: str,
    text: str,
    organisation: OrganisationRow,
    fields: dict[str, str],
    *,
    actor_id: int | None = None,
) -> tuple[TranscriptRow, bool]:
    """The transcript a text source is: the stored one with the same text, or a new one.

    Returns the transcript and whether it was created. Turns come from
    :func:`_turns`; role, language and date from ``fields`` where valid.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = session.scalar(
        select(TranscriptRow).where(
            TranscriptRow.organisation_id == organisation.id, TranscriptRow.text_sha256 == digest
        )
    )
    if existing is not None:
        return existing, False
    name = " ".join(name.split())[:300] or "Untitled source"
    turns = _turns(text)
    if not turns:
        raise InvalidFile(f"Source '{name}' holds no text.")
    role = fields.get("role", "").lower()
    language = fields.get("language", "").lower()
    try:
        date = dt.date.fromisoformat(fields.get("date", ""))
    except ValueError:
        date = None
    info = store_parsed_transcript(
        session,
        # no language named by the peer: detected from the text, as a transcript import does
        ParsedTranscript(name, text, turns, detected_language=detect_language(text)),
        organisation=organisation,
        role=role if role in INTERVIEWEE_ROLES else "other",
        language=language if language in LANGUAGES else None,
        interview_date=date,
        name=name,
        source_filename=f"{name[:290]}.txt",
        actor_id=actor_id,
    )
    return session.get(TranscriptRow, info.id), True


def coder_account(
    session: Session,
    name: str,
    actor_id: int | None,
    email: str | None = None,
    *,
    mapped_to: str | None = None,
) -> int:
    """The account an imported user is: an imported coder, never an existing account.

    A project names its users as it likes, so a user called like an existing
    account ("admin@example.org", or its display name) must not get that
    account's codings: imported users become coder accounts of their own under
    ``@qdpx.invalid`` (reused by unique display name on a later import), and an
    existing account is used only when the importer maps the user to it
    (``mapped_to``, an e-mail).
    """
    name = (name or "").strip() or "Unnamed coder"
    if mapped_to is not None:
        found = session.scalar(
            select(AccountRow.id).where(func.lower(AccountRow.email) == mapped_to.strip().lower())
        )
        if found is None:
            raise NotFound(
                f"The project's user {name!r} is mapped to {mapped_to!r}, "
                "which is no account; `study user list` shows them."
            )
        return found
    if email is not None:
        found = session.scalar(select(AccountRow.id).where(AccountRow.email == email))
        if found is not None:
            return found
    else:
        named = list(
            session.scalars(
                select(AccountRow.id).where(
                    func.lower(AccountRow.display_name) == name.casefold(),
                    AccountRow.email.endswith(f"@{IMPORTED_USER_DOMAIN}"),
                    AccountRow.is_consensus.is_(False),
                )
            )
        )
        if len(named) == 1:
            return named[0]
        email = _free_email(session, name)
    info = create_account(
        session, email, role="coder", password=None, display_name=name[:200], actor_id=actor_id
    )
    return info.id


def _free_email(session: Session, name: str) -> str:
    local = (
        key_from_name(name, fallback="", max_length=60)
        or "coder-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    )
    email, n = f"{local}@{IMPORTED_USER_DOMAIN}", 1
    while session.scalar(select(AccountRow.id).where(AccountRow.email == email)) is not None:
        n += 1
        email = f"{local}-{n}@{IMPORTED_USER_DOMAIN}"
    return email


def case_organisation(
    session: Session, case: QdaCase, warnings: list[str], actor_id: int | None
) -> OrganisationRow:
    """The organisation a case is, created with its variables or completed from them."""
    name = case.name.strip()[:200] or "Unnamed case"
    org = named_organisation(session, name, actor_id)
    attributes = dict(org.attributes or {})
    conflicts = []
    for variable, value in case.variables.items():
        value = str(value).strip()
        column = _CASE_COLUMNS.get(re.sub(r"[\s_]+", " ", variable.strip().lower()))
        if column == "headcount":
            value = int(value) if value.isdigit() and int(value) > 0 else value
            if isinstance(value, str):
                column = None
        limit = {"sector": 100, "size_band": 50, "country": 100}.get(column or "", 0)
        if column is not None and (not limit or len(value) <= limit):
            current = getattr(org, column)
            if current in (None, ""):
                setattr(org, column, value)
            elif current != value:
                conflicts.append(variable)
        elif attributes.get(variable, value) != value:
            conflicts.append(variable)
        else:
            attributes[variable] = value
    if case.description and "description" not in attributes:
        attributes["description"] = case.description
    org.attributes = attributes
    if conflicts:
        warnings.append(
            f"Organisation '{name}' already had other values for "
            f"{', '.join(conflicts)}; the stored values were kept."
        )
    return org


def named_organisation(session: Session, name: str, actor_id: int | None) -> OrganisationRow:
    """The organisation called ``name``, created (without variables) if missing."""
    org = session.scalar(select(OrganisationRow).where(OrganisationRow.name == name))
    if org is None:
        info = create_organisation(session, name, actor_id=actor_id)
        org = session.get(OrganisationRow, info.id)
    return org
