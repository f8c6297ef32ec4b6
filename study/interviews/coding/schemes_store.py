"""Coding schemes in the database: each loaded version is kept, codes are looked up by id or key.

A scheme file (see :mod:`study.interviews.schemes`) is stored as one ``CodingSchemeRow``
per (key, version) with its codes. Loading the same key and version again
changes nothing; a new version gets a new row and fresh codes, so codings made
with the old version keep pointing at the definitions they were made with.

Two ways to name things, used throughout :mod:`study.interviews.coding`:

- a **scheme** (``SchemeRef``) is a database id (``int``, one version) or a
  scheme key (``str``). Where one version is needed (listing and editing
  codes), a key means its *active* version, the newest; where codings are
  counted or retrieved, a key means *all* its versions, codes matched by key.
- a **code** (``CodeRef``) is a database id (``int``) or a pair
  ``(scheme_key, code_key)`` resolved in the scheme's active version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.accounts import acting, current_actor
from study.admin.audit import record_event
from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.db.models import CodeRow, CodingSchemeRow
from study.db.rows import row_by_id
from study.errors import AlreadyExists, InvalidInput, NotFound
from study.interviews.schemes import CodingScheme, load_scheme

__all__ = [
    "CodeInfo",
    "CodeRef",
    "SchemeInfo",
    "SchemeRef",
    "active_scheme",
    "code_info",
    "get_code",
    "get_scheme",
    "list_codes",
    "list_schemes",
    "load_scheme_into_db",
    "resolve_code",
    "scheme_row",
    "scheme_rows",
    "scheme_version_ids",
    "tree_order",
]

SchemeRef = int | str
CodeRef = int | tuple[str, str]


@dataclass(frozen=True)
class SchemeInfo(PlainRecord):
    """One stored version of a coding scheme.

    ``active`` is true for the newest version of its key. ``created`` is true
    only in the answer of :func:`load_scheme_into_db` when that call stored it.
    """

    id: int
    key: str
    version: str
    title: str
    description: str
    code_count: int
    active: bool
    created: bool = False


@dataclass(frozen=True)
class CodeInfo(PlainRecord):
    """A code as pages, exports and the CLI show it (``scheme`` and ``parent`` are keys)."""

    id: int
    scheme_id: int
    scheme: str
    version: str
    key: str
    name: str
    parent_id: int | None
    parent: str | None
    colour: str
    definition: str
    inclusion: str
    exclusion: str
    examples: list[str] = field(default_factory=list)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    position: int = 0
    depth: int = 0
    merged_into_id: int | None = None


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    # "1.10" is newer than "1.9": compare numeric parts as numbers.
    parts = re.findall(r"\d+|[A-Za-z]+", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p.lower()) for p in parts)


def scheme_rows(session: Session, key: str) -> list[CodingSchemeRow]:
    """All stored versions of scheme ``key``, oldest first (empty when none)."""
    rows = list(session.scalars(select(CodingSchemeRow).where(CodingSchemeRow.key == key)))
    return sorted(rows, key=lambda row: (_version_key(row.version), row.id))


def _active_row(session: Session, key: str) -> CodingSchemeRow:
    rows = scheme_rows(session, key)
    if not rows:
        raise NotFound(f"There is no coding scheme {key!r}; `study codes load FILE` loads one.")
    return rows[-1]


def scheme_row(session: Session, scheme: SchemeRef) -> CodingSchemeRow:
    """The one version ``scheme`` names: that id, or the active version of that key."""
    if isinstance(scheme, bool) or not isinstance(scheme, (int, str)):
        raise InvalidInput(f"A scheme is named by its id or key, not {scheme!r}.")
    if isinstance(scheme, int):
        return row_by_id(session, CodingSchemeRow, scheme, "coding scheme")
    return _active_row(session, scheme.strip())


def scheme_version_ids(session: Session, scheme: SchemeRef) -> list[int]:
    """The version ids whose codings count for ``scheme``: that id, or every version of that key."""
    if isinstance(scheme, str):
        rows = scheme_rows(session, scheme.strip())
        if not rows:
            raise NotFound(
                f"There is no coding scheme {scheme!r}; `study codes list` shows "
                "the codes of the loaded schemes."
            )
        return [row.id for row in rows]
    return [scheme_row(session, scheme).id]


def _scheme_info(session: Session, row: CodingSchemeRow, *, created: bool = False) -> SchemeInfo:
    active = _active_row(session, row.key).id == row.id
    definition = row.definition or {}
    return SchemeInfo(
        row.id,
        row.key,
        row.version,
        row.title,
        str(definition.get("description", "")),
        session.scalar(
            select(func.count(CodeRow.id)).where(
                CodeRow.scheme_id == row.id, CodeRow.merged_into_id.is_(None)
            )
        )
        or 0,
        active,
        created,
    )


def load_scheme_into_db(
    session: Session, scheme_or_path: CodingScheme | str | Path, *, actor: Actor | int
) -> SchemeInfo:
    """Store a scheme version with its codes; loading the same key and version again is a no-op.

    Parameters
    ----------
    scheme_or_path : study.interviews.schemes.CodingScheme or path
        A validated scheme, or the path of a scheme YAML file.

    Returns
    -------
    SchemeInfo
        The stored version; ``created`` tells whether this call stored it.

    Raises
    ------
    InvalidFile
        If the file is not a valid scheme.
    AlreadyExists
        If the same key and version is stored with different content (the
        file changed without a new version number).
    """
    actor_id = acting(session, actor, "edit_codebook")
    scheme = (
        scheme_or_path if isinstance(scheme_or_path, CodingScheme) else load_scheme(scheme_or_path)
    )
    definition = scheme.model_dump(mode="json")
    existing = session.scalar(
        select(CodingSchemeRow).where(
            CodingSchemeRow.key == scheme.id, CodingSchemeRow.version == scheme.version
        )
    )
    if existing is not None:
        if existing.definition != definition:
            raise AlreadyExists(
                f"Version {scheme.version} of coding scheme {scheme.id!r} is already loaded with "
                "different content; give the changed file a new version number."
            )
        return _scheme_info(session, existing)
    row = CodingSchemeRow(
        key=scheme.id, version=scheme.version, title=scheme.title, definition=definition
    )
    session.add(row)
    session.flush()
    by_key: dict[str, CodeRow] = {}
    for position, model in enumerate(scheme.codes):
        code = CodeRow(
            scheme_id=row.id,
            key=model.id,
            name=model.name,
            colour=model.colour,
            definition=model.definition,
            inclusion=model.inclusion,
            exclusion=model.exclusion,
            examples=list(model.examples),
            keywords={k: list(v) for k, v in model.keywords.items()},
            position=position,
        )
        session.add(code)
        by_key[model.id] = code
    session.flush()
    for model in scheme.codes:
        if model.parent is not None:
            by_key[model.id].parent_id = by_key[model.parent].id
    session.flush()
    record_event(
        session,
        "scheme.load",
        actor_id=actor_id,
        target=row,
        details={"key": row.key, "version": row.version, "codes": len(scheme.codes)},
    )
    return _scheme_info(session, row, created=True)


def list_schemes(session: Session, *, viewer: Actor) -> list[SchemeInfo]:
    """Every stored scheme version, by key and then oldest version first."""
    require(current_actor(session, viewer), "code")
    keys = sorted(set(session.scalars(select(CodingSchemeRow.key))))
    return [_scheme_info(session, row) for key in keys for row in scheme_rows(session, key)]


def active_scheme(session: Session, key: str, *, viewer: Actor) -> SchemeInfo:
    """The newest stored version of scheme ``key`` (versions compare numerically: 1.10 > 1.9)."""
    require(current_actor(session, viewer), "code")
    return _scheme_info(session, _active_row(session, key))


def get_scheme(session: Session, scheme: SchemeRef) -> SchemeInfo:
    """The version ``scheme`` names: a database id, or a key (its active version)."""
    return _scheme_info(session, scheme_row(session, scheme))


def resolve_code(session: Session, code: CodeRef) -> CodeRow:
    """The ORM row of ``code`` (an id, or ``(scheme_key, code_key)`` in the active version).

    For library modules of :mod:`study.interviews.coding`; pages get :class:`CodeInfo`.
    """
    if isinstance(code, bool):
        raise InvalidInput(f"A code is named by its id or (scheme key, code key), not {code!r}.")
    if isinstance(code, int):
        return row_by_id(session, CodeRow, code, "code")
    if isinstance(code, (tuple, list)) and len(code) == 2 and all(isinstance(p, str) for p in code):
        scheme = _active_row(session, code[0].strip())
        row = session.scalar(
            select(CodeRow).where(CodeRow.scheme_id == scheme.id, CodeRow.key == code[1].strip())
        )
        if row is None:
            raise NotFound(
                f"Coding scheme {scheme.key!r} (version {scheme.version}) has no "
                f"code {code[1]!r}; `study codes list` shows the codes."
            )
        return row
    raise InvalidInput(f"A code is named by its id or (scheme key, code key), not {code!r}.")


def tree_order(codes: list[CodeRow]) -> list[tuple[int, CodeRow]]:
    """``(depth, code)`` depth first, siblings by position: the order to show a code tree."""
    children: dict[int | None, list[CodeRow]] = {}
    ids = {code.id for code in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        children.setdefault(parent, []).append(code)
    ordered: list[tuple[int, CodeRow]] = []

    def visit(parent: int | None, depth: int) -> None:
        for child in sorted(children.get(parent, []), key=lambda c: (c.position, c.id)):
            ordered.append((depth, child))
            visit(child.id, depth + 1)

    visit(None, 0)
    return ordered


def code_info(session: Session, code: CodeRow, depth: int = 0) -> CodeInfo:
    """The :class:`CodeInfo` of an ORM code row."""
    parent = session.get(CodeRow, code.parent_id) if code.parent_id is not None else None
    return CodeInfo(
        code.id,
        code.scheme_id,
        code.scheme.key,
        code.scheme.version,
        code.key,
        code.name,
        code.parent_id,
        parent.key if parent is not None else None,
        code.colour,
        code.definition,
        code.inclusion,
        code.exclusion,
        list(code.examples or []),
        dict(code.keywords or {}),
        code.position,
        depth,
        code.merged_into_id,
    )


def get_code(session: Session, code: CodeRef) -> CodeInfo:
    """The code named by an id or ``(scheme_key, code_key)`` (active version)."""
    row = resolve_code(session, code)
    depth = 0
    parent_id = row.parent_id
    while parent_id is not None and depth < 100:
        depth += 1
        parent_id = session.get(CodeRow, parent_id).parent_id
    return code_info(session, row, depth)


def list_codes(
    session: Session,
    scheme: SchemeRef | None = None,
    *,
    include_merged: bool = False,
    viewer: Actor,
) -> list[CodeInfo]:
    """The codes of one scheme version (a key means its active version), or of every active scheme.

    Codes come in tree order (depth first, siblings in file order); codes
    merged into another are left out unless ``include_merged``.
    """
    require(current_actor(session, viewer), "code")
    if scheme is None:
        keys = sorted(set(session.scalars(select(CodingSchemeRow.key))))
        rows = [_active_row(session, key) for key in keys]
    else:
        rows = [scheme_row(session, scheme)]
    found: list[CodeInfo] = []
    for row in rows:
        codes = list(session.scalars(select(CodeRow).where(CodeRow.scheme_id == row.id)))
        for depth, code in tree_order(codes):
            if include_merged or code.merged_into_id is None:
                found.append(code_info(session, code, depth))
    return found
