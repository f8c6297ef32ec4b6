"""Retrieve what was coded: passages of a code, code frequencies and code co-occurrence.

A scheme given by key pools all its stored versions, matching codes by key,
so codings made before a new version was loaded still count; a scheme id
counts one version only (see :mod:`study.interviews.coding.schemes_store`).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Iterable
from itertools import combinations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.organisations import organisation_row
from study.admin.permissions import Actor
from study.admin.studies import current_study
from study.db.models import (
    INTERVIEWEE_ROLES,
    AccountRow,
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    MemoRow,
    OrganisationRow,
    PlatformDocumentRow,
    TranscriptRow,
    TurnRow,
)
from study.errors import InvalidInput, NotFound
from study.interviews.coding.blind import visible_condition
from study.interviews.coding.codings import select_codings
from study.interviews.coding.schemes_store import (
    CodeRef,
    SchemeRef,
    resolve_code,
    scheme_rows,
    scheme_version_ids,
    tree_order,
)

__all__ = [
    "COOCCURRENCE_MODES",
    "SEGMENT_COLUMNS",
    "code_frequency_matrix",
    "coded_segments",
    "cooccurrence_matrix",
]

SEGMENT_COLUMNS = (
    "coding_id",
    "transcript_id",
    "transcript",
    "organisation",
    "role",
    "coder_id",
    "coder",
    "coder_name",
    "scheme",
    "code",
    "code_name",
    "start",
    "end",
    "text",
    "speaker",
    "turn_text",
    "origin",
    "memos",
)
COOCCURRENCE_MODES = ("overlap", "turn")


def _versions_codes(session: Session, version_ids: Iterable[int]) -> list[list[CodeRow]]:
    return [
        list(session.scalars(select(CodeRow).where(CodeRow.scheme_id == vid)))
        for vid in version_ids
    ]


def _with_descendants(codes: list[CodeRow], root: CodeRow) -> list[CodeRow]:
    """``root`` and every code below it, in tree order."""
    below = [code for _, code in tree_order(codes)]
    found = [root]
    ids = {root.id}
    for code in below:
        if code.parent_id in ids and code.id not in ids:
            found.append(code)
            ids.add(code.id)
    return found


def _segment_codes(
    session: Session,
    code_id: CodeRef | None,
    scheme: SchemeRef | None,
    code_key: str | None,
    include_subcodes: bool,
) -> list[CodeRow]:
    """The codes whose codings a segment retrieval returns, in display order."""
    if (code_id is None) == (code_key is None):
        raise InvalidInput(
            "Name the code by its id or by its key (with the scheme), not both or neither."
        )
    if code_id is not None:
        root = resolve_code(session, code_id)
        if not include_subcodes:
            return [root]
        siblings = list(session.scalars(select(CodeRow).where(CodeRow.scheme_id == root.scheme_id)))
        return _with_descendants(siblings, root)
    key = str(code_key).strip()
    if scheme is None:
        holders = sorted(
            set(
                session.scalars(
                    select(CodingSchemeRow.key)
                    .join(CodeRow, CodeRow.scheme_id == CodingSchemeRow.id)
                    .where(CodeRow.key == key)
                )
            )
        )
        if not holders:
            raise NotFound(f"No coding scheme has a code {key!r}; `study codes list` shows them.")
        if len(holders) > 1:
            raise InvalidInput(
                f"The code {key!r} exists in the schemes {', '.join(holders)}; name the scheme."
            )
        scheme = holders[0]
    found: list[CodeRow] = []
    for codes in reversed(_versions_codes(session, scheme_version_ids(session, scheme))):
        root = next((c for c in codes if c.key == key), None)
        if root is not None:
            found.extend(_with_descendants(codes, root) if include_subcodes else [root])
    if not found:
        raise NotFound(f"Coding scheme {scheme!r} has no code {key!r}.")
    return found


def _overlapping_turns(
    turns: list[TurnRow], ends: list[int], start: int, end: int
) -> list[TurnRow]:
    """The turns (sorted by start, ``ends`` their ends) sharing a code point with [start, end)."""
    hit = []
    for turn in turns[bisect.bisect_right(ends, start) :]:
        if turn.start >= end:
            break
        if turn.end > start:
            hit.append(turn)
    return hit


def _turn_context(
    text: str, turns: list[TurnRow], ends: list[int], start: int, end: int
) -> tuple[str, str]:
    """Speaker(s) and text of the turns a span overlaps ("" when it overlaps none)."""
    hit = _overlapping_turns(turns, ends, start, end)
    if not hit:
        return "", ""
    speakers = list(dict.fromkeys(turn.speaker for turn in hit))
    return " / ".join(speakers), text[hit[0].start : hit[-1].end]


def _turns_by_transcript(
    session: Session, transcript_ids: Collection[int]
) -> dict[int, tuple[list[TurnRow], list[int]]]:
    """Each transcript's turns sorted by start, with their ends (for bisecting)."""
    turns: dict[int, list[TurnRow]] = defaultdict(list)
    if transcript_ids:
        for turn in session.scalars(
            select(TurnRow)
            .where(TurnRow.transcript_id.in_(transcript_ids))
            .order_by(TurnRow.transcript_id, TurnRow.start)
        ):
            turns[turn.transcript_id].append(turn)
    return defaultdict(
        lambda: ([], []), {tid: (found, [t.end for t in found]) for tid, found in turns.items()}
    )


def _coding_memos(session: Session, coding_ids: list[int], viewer: Actor) -> dict[int, list[str]]:
    """Memos on these codings as "Author: text", oldest first (what a viewer may see; not
    those that may quote an interviewee who withdrew, until reviewed)."""
    if not coding_ids:
        return {}
    query = (
        select(MemoRow.coding_id, AccountRow.display_name, AccountRow.email, MemoRow.text)
        .outerjoin(AccountRow, AccountRow.id == MemoRow.author_id)
        .where(MemoRow.coding_id.in_(coding_ids), MemoRow.needs_review.is_(False))
        .order_by(MemoRow.created_at, MemoRow.id)
    )
    code_of_memo = (
        select(CodingRow.code_id).where(CodingRow.id == MemoRow.coding_id).scalar_subquery()
    )
    query = query.where(visible_condition(session, viewer, MemoRow.author_id, code_of_memo))
    found: dict[int, list[str]] = defaultdict(list)
    for coding_id, name, email, text in session.execute(query):
        found[coding_id].append(f"{name or email or 'unknown'}: {text}")
    return found


def coded_segments(
    session: Session,
    *,
    code_id: CodeRef | None = None,
    scheme: SchemeRef | None = None,
    code_key: str | None = None,
    include_subcodes: bool = True,
    organisation: str | None = None,
    role: str | None = None,
    coder_ids: Collection[int] | None = None,
    viewer: Actor,
    interviews_only: bool = False,
) -> pd.DataFrame:
    """The passages coded with a code (and its subcodes), with the turn around each.

    Parameters
    ----------
    code_id : int or (scheme_key, code_key), optional
        One stored code (its version's subcodes with ``include_subcodes``).
    scheme, code_key : optional
        Instead of ``code_id``: the code of that key in every version of the
        scheme (``scheme`` may be left out when only one scheme has the key).
    organisation : str, optional
        Only transcripts of this organisation (by name).
    role : str, optional
        Only interviews with this interviewee role ("coordinator", ...).
    coder_ids : collection of int, optional
        Only these coders' codings.
    viewer : AccountInfo or OPERATOR
        Who is looking (required); a coder sees no other coder's codings of a
        scheme in blind mode (:mod:`study.interviews.coding.blind`).
    interviews_only : bool
        Leave out platform conversations kept as documents (``--keep-text``).

    Returns
    -------
    pandas.DataFrame
        One row per coding with :data:`SEGMENT_COLUMNS`: ``text`` is the coded
        passage, ``speaker`` and ``turn_text`` the speaker turn(s) it lies in
        (``""`` where it lies in none), ``memos`` the memos on the coding
        ("Author: text", one a line). Rows come by code in tree order, then
        organisation, transcript, start and coder.
    """
    codes = _segment_codes(session, code_id, scheme, code_key, include_subcodes)
    order = {code.id: i for i, code in enumerate(codes)}
    query = select_codings(
        CodingRow,
        TranscriptRow.name,
        OrganisationRow.name,
        TranscriptRow.interviewee_role,
        AccountRow.email,
        AccountRow.display_name,
        CodingSchemeRow.key,
        CodeRow.key,
        CodeRow.name,
    ).where(CodingRow.code_id.in_(list(order)))
    if organisation is not None:
        query = query.where(OrganisationRow.id == organisation_row(session, organisation).id)
    if role is not None:
        if role not in INTERVIEWEE_ROLES:
            raise InvalidInput(
                f"Unknown interviewee role {role!r}; choose one of {', '.join(INTERVIEWEE_ROLES)}."
            )
        query = query.where(TranscriptRow.interviewee_role == role)
    if coder_ids is not None:
        query = query.where(CodingRow.coder_id.in_([int(c) for c in coder_ids]))
    query = query.where(visible_condition(session, viewer))
    if interviews_only:
        query = query.where(_is_interview())
    found = session.execute(query).all()
    transcript_ids = {row[0].transcript_id for row in found}
    texts = dict(
        session.execute(
            select(TranscriptRow.id, TranscriptRow.text).where(TranscriptRow.id.in_(transcript_ids))
        ).all()
    )
    turns = _turns_by_transcript(session, transcript_ids)
    memos = _coding_memos(session, [row[0].id for row in found], viewer)
    rows = []
    for coding, transcript, org, interviewee, email, display, scheme_key, key, name in found:
        speaker, turn_text = _turn_context(
            texts[coding.transcript_id], *turns[coding.transcript_id], coding.start, coding.end
        )
        rows.append(
            (
                coding.id,
                coding.transcript_id,
                transcript,
                org,
                interviewee,
                coding.coder_id,
                email,
                display or email,
                scheme_key,
                key,
                name,
                coding.start,
                coding.end,
                coding.snippet,
                speaker,
                turn_text,
                coding.origin,
                "\n".join(memos.get(coding.id, [])),
                order[coding.code_id],
            )
        )
    frame = pd.DataFrame(rows, columns=[*SEGMENT_COLUMNS, "_order"])
    frame = (
        frame.sort_values(["_order", "organisation", "transcript", "start", "coder"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    for column in ("coding_id", "transcript_id", "coder_id", "start", "end"):
        frame[column] = frame[column].astype("int64")
    return frame


def _scheme_keys(
    session: Session, scheme: SchemeRef
) -> tuple[list[int], list[str], dict[int, list[str]]]:
    """Version ids, code keys in display order, and each code's key with its ancestors' keys."""
    if isinstance(scheme, str):
        versions = [row.id for row in scheme_rows(session, scheme.strip())]
        if not versions:
            scheme_version_ids(session, scheme)  # raises NotFound with the usual sentence
    else:
        versions = scheme_version_ids(session, scheme)
    keys: list[str] = []
    lineage: dict[int, list[str]] = {}
    for codes in reversed(_versions_codes(session, versions)):  # newest version first
        by_id = {code.id: code for code in codes}
        for _, code in tree_order(codes):
            if code.merged_into_id is None and code.key not in keys:
                keys.append(code.key)
        for code in codes:
            chain, parent = [code.key], code.parent_id
            while parent is not None and parent in by_id and len(chain) < 100:
                chain.append(by_id[parent].key)
                parent = by_id[parent].parent_id
            lineage[code.id] = chain
    return versions, keys, lineage


def _is_interview():
    """Not a platform conversation kept as a document (``study import platform --keep-text``)."""
    return TranscriptRow.id.not_in(select(PlatformDocumentRow.transcript_id))


def _scheme_codings(
    session: Session,
    versions: list[int],
    coder_ids: Collection[int] | None,
    viewer: Actor,
    interviews_only: bool = False,
) -> list[tuple]:
    query = (
        select(
            CodingRow.id,
            CodingRow.transcript_id,
            CodingRow.coder_id,
            CodingRow.code_id,
            CodeRow.key,
            CodingRow.start,
            CodingRow.end,
            OrganisationRow.name,
        )
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(TranscriptRow, TranscriptRow.id == CodingRow.transcript_id)
        .join(OrganisationRow, OrganisationRow.id == TranscriptRow.organisation_id)
        .where(CodeRow.scheme_id.in_(versions))
        .where(visible_condition(session, viewer))
    )
    if interviews_only:
        query = query.where(_is_interview())
    if coder_ids is not None:
        query = query.where(CodingRow.coder_id.in_([int(c) for c in coder_ids]))
        return [tuple(row) for row in session.execute(query)]
    rows = [tuple(row) for row in session.execute(query)]
    # Reports use a transcript's consensus version where one exists (issue: consensus workflow).
    consensus = set(session.scalars(select(AccountRow.id).where(AccountRow.is_consensus.is_(True))))
    settled = {row[1] for row in rows if row[2] in consensus}
    return [row for row in rows if row[1] not in settled or row[2] in consensus]


def code_frequency_matrix(
    session: Session,
    *,
    scheme: SchemeRef,
    viewer: Actor,
    coder_ids: Collection[int] | None = None,
    include_subcodes: bool = False,
    interviews_only: bool = False,
) -> pd.DataFrame:
    """How often each code was applied in each organisation: codings and transcripts.

    Parameters
    ----------
    scheme : int or str
        A scheme version id, or a scheme key (all its versions, codes by key).
    viewer : AccountInfo or OPERATOR
        Who is looking (required): on a scheme in blind mode a coder's counts are
        of their own codings only (:mod:`study.interviews.coding.blind`).
    coder_ids : collection of int, optional
        Count only these coders' codings. By default every coder's (that the
        viewer may see), except that a transcript with a consensus version counts
        only that version.
    include_subcodes : bool
        Count a subcode's codings for its parent codes too (each coding once).
    interviews_only : bool
        Leave out platform conversations kept as documents (``--keep-text``).

    Returns
    -------
    pandas.DataFrame
        Rows: code keys in tree order (index name ``code``). Columns: a
        MultiIndex (``measure``, ``organisation``) where ``measure`` is
        ``"codings"`` (number of codings) or ``"transcripts"`` (number of
        distinct transcripts with at least one coding), and every organisation
        of the study, by name. ``matrix["codings"]`` is the codes x
        organisations table of codings. Counts are whole numbers; codings of
        several coders on the same passage each count.
    """
    versions, keys, lineage = _scheme_keys(session, scheme)
    study = current_study(session)
    organisations = (
        sorted(
            session.scalars(
                select(OrganisationRow.name).where(OrganisationRow.study_id == study.id)
            )
        )
        if study is not None
        else []
    )
    records = []
    for coding_id, transcript_id, _, code_id, key, _, _, org in _scheme_codings(
        session, versions, coder_ids, viewer, interviews_only
    ):
        for counted in lineage[code_id] if include_subcodes else [key]:
            records.append((counted, org, coding_id, transcript_id))
    long = pd.DataFrame(records, columns=["code", "organisation", "coding", "transcript"])
    columns = pd.MultiIndex.from_product(
        [["codings", "transcripts"], organisations], names=["measure", "organisation"]
    )
    if long.empty:
        return pd.DataFrame(0, index=pd.Index(keys, name="code"), columns=columns, dtype="int64")
    counted = (
        long.groupby(["code", "organisation"])[["coding", "transcript"]]
        .nunique()
        .rename(columns={"coding": "codings", "transcript": "transcripts"})
        .unstack("organisation")
    )
    counted.columns = counted.columns.set_names(["measure", "organisation"])
    matrix = counted.reindex(index=pd.Index(keys, name="code"), columns=columns, fill_value=0)
    return matrix.fillna(0).astype("int64")


def cooccurrence_matrix(
    session: Session,
    *,
    scheme: SchemeRef,
    viewer: Actor,
    mode: str = "overlap",
    coder_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """How often two codes of a scheme were applied together, by one coder.

    Parameters
    ----------
    scheme : int or str
        A scheme version id, or a scheme key (all its versions, codes by key).
    mode : {"overlap", "turn"}
        ``"overlap"``: two codings co-occur when their spans share at least one
        code point. ``"turn"``: two codes co-occur in a speaker turn when the
        coder applied both to passages overlapping that turn.
    viewer : AccountInfo or OPERATOR
        Who is looking (required): on a scheme in blind mode a coder's matrix is
        of their own codings only.
    coder_ids : collection of int, optional
        Use only these coders' codings.

    Returns
    -------
    pandas.DataFrame
        A symmetric codes x codes matrix of whole numbers (code keys in tree
        order). Codings of different coders never co-occur with each other.

    Notes
    -----
    With ``mode="overlap"`` cell (a, b), a != b, counts the pairs of
    overlapping codings of a and b (same transcript and coder); the diagonal
    holds the number of codings of each code. With ``mode="turn"`` the unit
    is a (coder, turn) and, with X the binary units x codes matrix, the
    result is XᵀX: cell (a, b) counts the units with both codes and the
    diagonal the units with the code. Subcodes are not rolled up into parents.
    """
    if mode not in COOCCURRENCE_MODES:
        raise InvalidInput(f"Unknown co-occurrence mode {mode!r}; choose overlap or turn.")
    versions, keys, _ = _scheme_keys(session, scheme)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    codings = _scheme_codings(session, versions, coder_ids, viewer)
    if mode == "overlap":
        groups: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        for row in codings:
            groups[(row[1], row[2])].append(row)
            counts[(row[4], row[4])] += 1
        for group in groups.values():
            group.sort(key=lambda r: (r[5], r[6]))
            active: list[tuple] = []
            for row in group:
                active = [a for a in active if a[6] > row[5]]
                for other in active:
                    if other[4] != row[4]:
                        counts[(other[4], row[4])] += 1
                        counts[(row[4], other[4])] += 1
                active.append(row)
    else:
        turns = _turns_by_transcript(session, {row[1] for row in codings})
        units: dict[tuple[int, int], set[str]] = defaultdict(set)
        for _, transcript_id, coder_id, _, key, start, end, _ in codings:
            for turn in _overlapping_turns(*turns[transcript_id], start, end):
                units[(coder_id, turn.id)].add(key)
        for present in units.values():
            for key in present:
                counts[(key, key)] += 1
            for a, b in combinations(sorted(present), 2):
                counts[(a, b)] += 1
                counts[(b, a)] += 1
    matrix = pd.DataFrame(
        0, index=pd.Index(keys, name="code"), columns=pd.Index(keys, name="code"), dtype="int64"
    )
    for (a, b), n in counts.items():
        if a in matrix.index and b in matrix.columns:
            matrix.loc[a, b] = n
    return matrix
