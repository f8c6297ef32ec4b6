"""Edit the codes of a stored scheme: add, rename, recolour, redefine, move and merge.

Edits apply to one stored version (a scheme key means its active version) and
each writes an audit event. A code is named by its database id or by
``(scheme_key, code_key)``; a parent by its id, by its key in the same
version, or ``None`` for the top level (see :mod:`study.interviews.coding.schemes_store`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from study.admin.accounts import acting
from study.admin.audit import record_event
from study.admin.permissions import Actor
from study.admin.records import PlainRecord
from study.db.models import CodeRow, CodingRow, MemoRow
from study.errors import AlreadyExists, InvalidInput, NotFound
from study.interviews.coding.schemes_store import (
    CodeInfo,
    CodeRef,
    SchemeRef,
    get_code,
    resolve_code,
    scheme_row,
)

__all__ = [
    "DEFAULT_COLOUR",
    "MergeResult",
    "add_code",
    "merge_codes",
    "move_code",
    "recolour_code",
    "rename_code",
    "update_code",
]

DEFAULT_COLOUR = "#888888"
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
ParentRef = int | str | None


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("A code needs a name.")
    if len(name) > 200:
        raise InvalidInput("A code name can have at most 200 characters.")
    return name


def _clean_colour(colour: str) -> str:
    colour = (colour or "").strip()
    if not _COLOUR.match(colour):
        raise InvalidInput(f"A colour is written #RRGGBB (for example #1F77B4), not {colour!r}.")
    return colour.upper()


def _parent_row(session: Session, scheme_id: int, parent: ParentRef) -> CodeRow | None:
    """The parent named by id or key within scheme version ``scheme_id``; None for top level."""
    if parent is None:
        return None
    if isinstance(parent, bool):
        raise InvalidInput(f"A parent code is named by its id or key, not {parent!r}.")
    if isinstance(parent, int):
        row = resolve_code(session, parent)
    else:
        row = session.scalar(
            select(CodeRow).where(
                CodeRow.scheme_id == scheme_id, CodeRow.key == str(parent).strip()
            )
        )
        if row is None:
            raise NotFound(f"This scheme version has no code {parent!r} to put codes under.")
    if row.scheme_id != scheme_id:
        raise InvalidInput("A code's parent must belong to the same scheme version.")
    if row.merged_into_id is not None:
        raise InvalidInput(f"The code {row.key!r} was merged into another code; choose that one.")
    return row


def _live(code: CodeRow) -> CodeRow:
    if code.merged_into_id is not None:
        raise InvalidInput(
            f"The code {code.key!r} was merged into another code and cannot be "
            "changed or used any more."
        )
    return code


def add_code(
    session: Session,
    scheme: SchemeRef,
    *,
    key: str,
    name: str,
    parent: ParentRef = None,
    colour: str = DEFAULT_COLOUR,
    definition: str = "",
    inclusion: str = "",
    exclusion: str = "",
    examples: list[str] | None = None,
    keywords: dict[str, list[str]] | None = None,
    actor: Actor | int,
) -> CodeInfo:
    """Add a code to a scheme version (a key means its active version), after its siblings.

    ``key`` is lower-case words joined by hyphens (``no-time``), unique in the
    version; ``parent`` is a code id or key in the same version. ``actor`` must hold
    ``edit_codebook`` (researchers; a coder's in-vivo code comes through
    :func:`study.interviews.coding.code_in_vivo`).
    """
    return new_code(
        session,
        scheme,
        key=key,
        name=name,
        parent=parent,
        colour=colour,
        definition=definition,
        inclusion=inclusion,
        exclusion=exclusion,
        examples=examples,
        keywords=keywords,
        actor_id=acting(session, actor, "edit_codebook"),
    )


def new_code(
    session: Session,
    scheme: SchemeRef,
    *,
    key: str,
    name: str,
    parent: ParentRef = None,
    colour: str = DEFAULT_COLOUR,
    definition: str = "",
    inclusion: str = "",
    exclusion: str = "",
    examples: list[str] | None = None,
    keywords: dict[str, list[str]] | None = None,
    actor_id: int | None,
) -> CodeInfo:
    """:func:`add_code` after the caller checked who acts (``actor_id`` for the audit log)."""
    row = scheme_row(session, scheme)
    key = (key or "").strip()
    if not _KEY.match(key):
        raise InvalidInput(
            f"A code key is lower-case letters and digits joined by hyphens "
            f"(for example no-time), not {key!r}."
        )
    if session.scalar(select(CodeRow.id).where(CodeRow.scheme_id == row.id, CodeRow.key == key)):
        raise AlreadyExists(f"Coding scheme {row.key!r} already has a code {key!r}.")
    parent_row = _parent_row(session, row.id, parent)
    position = session.scalar(select(func.max(CodeRow.position)).where(CodeRow.scheme_id == row.id))
    code = CodeRow(
        scheme_id=row.id,
        key=key,
        name=_clean_name(name),
        colour=_clean_colour(colour),
        parent_id=parent_row.id if parent_row is not None else None,
        definition=(definition or "").strip(),
        inclusion=(inclusion or "").strip(),
        exclusion=(exclusion or "").strip(),
        examples=list(examples or []),
        keywords={k: list(v) for k, v in (keywords or {}).items()},
        position=(position if position is not None else -1) + 1,
    )
    session.add(code)
    session.flush()
    record_event(
        session,
        "code.add",
        actor_id=actor_id,
        target=code,
        details={
            "scheme": row.key,
            "version": row.version,
            "key": key,
            "name": code.name,
            "parent": parent_row.key if parent_row else None,
        },
    )
    return get_code(session, code.id)


def update_code(
    session: Session,
    code: CodeRef,
    *,
    name: str | None = None,
    colour: str | None = None,
    definition: str | None = None,
    inclusion: str | None = None,
    exclusion: str | None = None,
    examples: list[str] | None = None,
    keywords: dict[str, list[str]] | None = None,
    actor: Actor | int,
) -> CodeInfo:
    """Change a code's texts or colour (``None`` leaves one as is); one event lists the changes."""
    actor_id = acting(session, actor, "edit_codebook")
    return _update(
        session,
        code,
        "code.update",
        actor_id,
        name=name,
        colour=colour,
        definition=definition,
        inclusion=inclusion,
        exclusion=exclusion,
        examples=examples,
        keywords=keywords,
    )


def _update(
    session: Session,
    code: CodeRef,
    action: str,
    actor_id: int | None,
    *,
    name: str | None = None,
    colour: str | None = None,
    definition: str | None = None,
    inclusion: str | None = None,
    exclusion: str | None = None,
    examples: list[str] | None = None,
    keywords: dict[str, list[str]] | None = None,
) -> CodeInfo:
    row = _live(resolve_code(session, code))
    wanted: dict[str, Any] = {
        "name": None if name is None else _clean_name(name),
        "colour": None if colour is None else _clean_colour(colour),
        "definition": None if definition is None else definition.strip(),
        "inclusion": None if inclusion is None else inclusion.strip(),
        "exclusion": None if exclusion is None else exclusion.strip(),
        "examples": None if examples is None else [str(e) for e in examples],
        "keywords": None if keywords is None else {k: list(v) for k, v in keywords.items()},
    }
    changes = {}
    for attribute, value in wanted.items():
        if value is not None and getattr(row, attribute) != value:
            changes[attribute] = [getattr(row, attribute), value]
            setattr(row, attribute, value)
    if changes:
        record_event(
            session,
            action,
            actor_id=actor_id,
            target=row,
            details={"key": row.key, "changes": changes},
        )
    return get_code(session, row.id)


def rename_code(session: Session, code: CodeRef, name: str, *, actor: Actor | int) -> CodeInfo:
    """Give a code a new name (its key, which codings and exports use, stays)."""
    actor_id = acting(session, actor, "edit_codebook")
    return _update(session, code, "code.rename", actor_id, name=name)


def recolour_code(session: Session, code: CodeRef, colour: str, *, actor: Actor | int) -> CodeInfo:
    """Give a code a new highlight colour (#RRGGBB)."""
    actor_id = acting(session, actor, "edit_codebook")
    return _update(session, code, "code.recolour", actor_id, colour=colour)


def move_code(
    session: Session, code: CodeRef, new_parent: ParentRef, *, actor: Actor | int
) -> CodeInfo:
    """Put a code (with its subcodes) under ``new_parent`` (id or key; ``None``: top level).

    Raises InvalidInput if the new parent is the code itself or one of its
    subcodes, which would make a cycle.
    """
    actor_id = acting(session, actor, "edit_codebook")
    row = _live(resolve_code(session, code))
    parent = _parent_row(session, row.scheme_id, new_parent)
    ancestor = parent
    while ancestor is not None:
        if ancestor.id == row.id:
            raise InvalidInput(
                f"The code {row.key!r} cannot go under itself or one of its subcodes."
            )
        ancestor = session.get(CodeRow, ancestor.parent_id) if ancestor.parent_id else None
    old = session.get(CodeRow, row.parent_id) if row.parent_id is not None else None
    new_id = parent.id if parent is not None else None
    if row.parent_id != new_id:
        row.parent_id = new_id
        siblings = session.scalar(
            select(func.max(CodeRow.position)).where(
                CodeRow.scheme_id == row.scheme_id,
                CodeRow.id != row.id,
                CodeRow.parent_id.is_(None) if new_id is None else CodeRow.parent_id == new_id,
            )
        )
        row.position = max(row.position, (siblings if siblings is not None else -1) + 1)
        record_event(
            session,
            "code.move",
            actor_id=actor_id,
            target=row,
            details={
                "key": row.key,
                "from": old.key if old else None,
                "to": parent.key if parent else None,
            },
        )
    return get_code(session, row.id)


@dataclass(frozen=True)
class MergeResult(PlainRecord):
    """What :func:`merge_codes` did, in numbers of codings, memos and subcodes.

    ``as_dict()`` is also the details of the merge's audit event.
    """

    moved: int
    collapsed: int
    memos_moved: int
    subcodes_moved: int


def merge_codes(
    session: Session, source_code_id: CodeRef, target_code_id: CodeRef, *, actor: Actor | int
) -> MergeResult:
    """Merge one code into another of the same scheme version; the source stays as a marker.

    The source's codings move to the target; a moved coding that duplicates a
    target coding (same transcript, coder and span) is dropped and its memos go
    to the one kept. Memos on the source code move to the target, and its
    subcodes go under the target. The source keeps its row with
    ``merged_into_id`` set, so old audit events and exports still resolve it.

    Returns
    -------
    MergeResult
        Codings moved, codings dropped as duplicates, memos moved, subcodes moved.
    """
    actor_id = acting(session, actor, "edit_codebook")
    source = _live(resolve_code(session, source_code_id))
    target = _live(resolve_code(session, target_code_id))
    if source.id == target.id:
        raise InvalidInput("A code cannot be merged into itself.")
    if source.scheme_id != target.scheme_id:
        raise InvalidInput("Only codes of the same scheme version can be merged.")
    session.flush()
    kept = {
        (c.transcript_id, c.coder_id, c.start, c.end): c.id
        for c in session.scalars(select(CodingRow).where(CodingRow.code_id == target.id))
    }
    moved = collapsed = memos_moved = 0
    for coding in list(session.scalars(select(CodingRow).where(CodingRow.code_id == source.id))):
        twin = kept.get((coding.transcript_id, coding.coder_id, coding.start, coding.end))
        if twin is None:
            coding.code_id = target.id
            kept[(coding.transcript_id, coding.coder_id, coding.start, coding.end)] = coding.id
            moved += 1
            continue
        memos_moved += (
            session.execute(
                update(MemoRow).where(MemoRow.coding_id == coding.id).values(coding_id=twin)
            ).rowcount
            or 0
        )
        session.delete(coding)
        collapsed += 1
    memos_moved += (
        session.execute(
            update(MemoRow).where(MemoRow.code_id == source.id).values(code_id=target.id)
        ).rowcount
        or 0
    )
    subcodes = 0
    for child in list(session.scalars(select(CodeRow).where(CodeRow.parent_id == source.id))):
        # A subcode that is the target takes the source's place instead of becoming its own child.
        child.parent_id = source.parent_id if child.id == target.id else target.id
        subcodes += 1
    source.merged_into_id = target.id
    session.flush()
    result = MergeResult(moved, collapsed, memos_moved, subcodes)
    record_event(
        session,
        "code.merge",
        actor_id=actor_id,
        target=source,
        details={
            "source": source.key,
            "target": target.key,
            "target_id": target.id,
            **result.as_dict(),
        },
    )
    return result
