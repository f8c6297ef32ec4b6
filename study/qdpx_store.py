"""Store what a REFI-QDA file brings: a codebook as a scheme version, a text source as a transcript.

Used by :mod:`study.qdpx_exchange`. Codes from other programs have names but
no keys, so keys are made from the names (``"Self-censorship"`` ->
``self-censorship``, a number appended when two codes would share one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.audit import record_event
from study.coding.codes import DEFAULT_COLOUR
from study.coding.schemes_store import scheme_rows, tree_order
from study.db.models import INTERVIEWEE_ROLES, Code, CodingScheme, Organisation, Transcript
from study.errors import InvalidInput, InvalidFile
from study.refiqda import QdaCode, parse_code_description
from study.refiqda.model import normalise_colour
from study.transcripts.parsing import parse_transcript
from study.transcripts.store import LANGUAGES, store_parsed_transcript
from study.transcripts.transcript import ParsedTranscript, Turn

__all__ = ["ROLE_LINES", "StoredCodebook", "key_from_name", "parse_source_description",
           "store_codebook", "store_source"]

#: Lines of a source description that carry a transcript's fields (export and import).
ROLE_LINES = {"role": "Interviewee role", "language": "Language", "date": "Interview date"}
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


@dataclass
class StoredCodebook:
    """The scheme version a codebook became, and the code id of every REFI-QDA code GUID."""

    key: str
    version: str
    scheme_id: int
    code_ids: dict[str, int]
    created: bool
    warnings: list[str] = field(default_factory=list)


def _flatten(codes: list[QdaCode], parent: int | None = None,
             out: list[tuple[QdaCode, int | None]] | None = None
             ) -> list[tuple[QdaCode, int | None]]:
    """Codes depth first with the index of their parent in the result."""
    out = [] if out is None else out
    for code in codes:
        out.append((code, parent))
        _flatten(code.children, len(out) - 1, out)
    return out


def _fields(code: QdaCode) -> tuple[str, str, str, str, tuple[str, ...]]:
    parts = parse_code_description(code.description or "")
    colour = normalise_colour(code.color) or DEFAULT_COLOUR
    return (code.name.strip()[:200], colour, parts.definition, parts.inclusion, parts.exclusion,
            tuple(e for e in [parts.example] if e))


def _stored_signature(session: Session, scheme: CodingScheme) -> tuple[list[tuple], list[int]]:
    rows = list(session.scalars(select(Code).where(Code.scheme_id == scheme.id)))
    ordered = tree_order(rows)
    index = {code.id: i for i, (_depth, code) in enumerate(ordered)}
    signature = [(code.name, code.colour.upper(), code.definition, code.inclusion, code.exclusion,
                  tuple(code.examples or []), index.get(code.parent_id)) for _d, code in ordered]
    return signature, [code.id for _d, code in ordered]


def store_codebook(session: Session, codes: list[QdaCode], *, key: str | None, title: str,
                   actor_id: int | None = None, origin: str = "") -> StoredCodebook:
    """Store a REFI-QDA code tree as a scheme version (or find the identical stored one).

    ``key`` defaults to one made from ``title``. If a stored version of the key
    has exactly these codes (names, colours, descriptions, hierarchy), it is
    used; otherwise a new version is stored, numbered after the highest.
    """
    if not codes:
        raise InvalidFile("The codebook has no codes.", path=origin or None)
    key = (key or "").strip() or key_from_name(title, fallback="imported-codebook")
    if not _KEY.match(key) or len(key) > _MAX_KEY:
        raise InvalidInput(f"A scheme key uses lower-case letters, digits and hyphens "
                           f"(like imc-integration), not {key!r}.")
    flat = _flatten(codes)
    signature = [(*_fields(code), parent) for code, parent in flat]
    warnings = [f"The name of code '{code.name[:60]}…' is longer than 200 characters and was "
                "shortened." for code, _ in flat if len(code.name.strip()) > 200]
    versions = scheme_rows(session, key)
    for version in reversed(versions):
        stored, ids = _stored_signature(session, version)
        if stored == signature:
            return StoredCodebook(key, version.version, version.id,
                                  {code.guid: ids[i] for i, (code, _) in enumerate(flat)}, False,
                                  warnings)
    numbers = [int(m.group()) for v in versions if (m := re.match(r"\d+", v.version))]
    version = str(max(numbers, default=0) + 1)
    scheme = CodingScheme(key=key, version=version, title=title.strip()[:300] or key,
                          definition={"description": f"Imported from {origin}" if origin else "",
                                      "origin": "REFI-QDA"})
    session.add(scheme)
    session.flush()
    rows: list[Code] = []
    taken: set[str] = set()
    for position, ((name, colour, definition, inclusion, exclusion, examples), parent) in \
            enumerate((s[:5] + (s[5],), s[6]) for s in signature):
        code_key = base = key_from_name(name)
        n = 1
        while code_key in taken:
            n += 1
            code_key = f"{base}-{n}"
        taken.add(code_key)
        row = Code(scheme_id=scheme.id, key=code_key, name=name, colour=colour,
                   definition=definition, inclusion=inclusion, exclusion=exclusion,
                   examples=list(examples), keywords={}, position=position,
                   parent_id=rows[parent].id if parent is not None else None)
        session.add(row)
        session.flush()
        rows.append(row)
    record_event(session, "scheme.import", actor_id=actor_id, target=scheme,
                 details={"key": key, "version": version, "codes": len(rows), "file": origin})
    return StoredCodebook(key, version, scheme.id,
                          {code.guid: rows[i].id for i, (code, _) in enumerate(flat)}, True,
                          warnings)


def parse_source_description(text: str) -> tuple[dict[str, str], str]:
    """Split a source description into the transcript fields ISM Study wrote and the rest.

    Examples
    --------
    >>> parse_source_description("Interviewee role: coordinator\\nLanguage: da\\nHeld online.")
    ({'role': 'coordinator', 'language': 'da'}, 'Held online.')
    """
    labels = {label.lower(): key for key, label in ROLE_LINES.items()}
    fields: dict[str, str] = {}
    lines = (text or "").strip().split("\n")
    while lines:
        label, sep, value = lines[0].partition(":")
        if not sep or label.strip().lower() not in labels:
            break
        fields[labels[label.strip().lower()]] = value.strip()
        lines.pop(0)
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


def store_source(session: Session, name: str, text: str, organisation: Organisation,
                 fields: dict[str, str], *, actor_id: int | None = None
                 ) -> tuple[Transcript, bool]:
    """The transcript a text source is: the stored one with the same text, or a new one.

    Returns the transcript and whether it was created. Turns come from
    :func:`_turns`; role, language and date from ``fields`` where valid.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = session.scalar(select(Transcript).where(
        Transcript.organisation_id == organisation.id, Transcript.text_sha256 == digest))
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
        session, ParsedTranscript(name, text, turns), organisation=organisation,
        role=role if role in INTERVIEWEE_ROLES else "other",
        language=language if language in LANGUAGES else None, interview_date=date, name=name,
        source_filename=f"{name[:290]}.txt", actor_id=actor_id)
    return session.get(Transcript, info.id), True
