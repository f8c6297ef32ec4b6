"""The consensus version of two coders' work: disagreements resolved one by one, audited.

After a reliability report, two coders (or a researcher) go through the
passages where they disagree and decide what the study should use. The
decisions are stored as the codings of a third, *consensus* account
(``Account.is_consensus``; it cannot log in), so the consensus version is
ordinary codings that every report, export and agreement figure can read.

How a transcript's consensus version is built:

1. The first decision on a transcript seeds it with what both coders agree
   on: for every code, the characters both coded (event ``consensus.seed``).
2. Each decision rewrites the consensus coding of one code inside the
   disputed span ``[start, end)`` (one of :func:`study.reliability.units.disagreements`):

   - ``accept_a`` / ``accept_b``: the span as coder A (B) coded it;
   - ``both``: coded wherever either coder coded it;
   - ``neither``: not coded;
   - ``edit``: the researcher's own ``span`` replaces the consensus coding
     from the start of the disputed span or the new span, whichever comes
     first, to the end of whichever ends last.

   Touching or overlapping consensus codings of one code are merged into one.
   Every decision writes a ``consensus.resolve`` event (with the coding
   changes as ``coding.add``/``coding.remove`` events), so the audit log
   shows who decided what.

:func:`preferred_codings` is what reports use: a transcript's consensus
codings when it has any, otherwise every coder's codings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import acting, create_account, current_actor
from study.admin.audit import record_event
from study.admin.permissions import OPERATOR, Actor, can, require
from study.db.models import AccountRow, CodingRow, EventRow, TranscriptRow
from study.db.rows import row_by_id
from study.errors import InvalidInput, PermissionDenied
from study.interviews.coding.codings import add_coding, list_codings, remove_coding
from study.interviews.coding.schemes_store import resolve_code
from study.reliability.report import CoderInfo, CoderRef, coder_info, find_coder
from study.reliability.units import disagreements

__all__ = [
    "CONSENSUS_DOMAIN",
    "DECISIONS",
    "DisagreementItem",
    "Resolution",
    "consensus_coder",
    "consensus_spans",
    "list_disagreements",
    "preferred_codings",
    "resolve_disagreement",
]

CONSENSUS_DOMAIN = "consensus.invalid"  # .invalid: never a deliverable address (RFC 2606)
DECISIONS = ("accept_a", "accept_b", "both", "neither", "edit")

Span = tuple[int, int]


@dataclass(frozen=True)
class DisagreementItem:
    """A span of one transcript where exactly one of two coders applied a code.

    ``coder`` is the e-mail of the coder who applied it; ``decision`` the
    latest consensus decision on exactly this span (None: not resolved yet).
    """

    transcript_id: int
    code_id: int
    code: str
    code_name: str
    start: int
    end: int
    coder: str
    text: str
    decision: str | None


@dataclass(frozen=True)
class Resolution:
    """What one consensus decision did: the consensus coding of the code afterwards."""

    consensus_id: int
    transcript_id: int
    code_id: int
    decision: str
    spans: tuple[Span, ...]
    added: int
    removed: int


def consensus_coder(
    session: Session, coder_a: CoderRef, coder_b: CoderRef, *, actor: Actor | int
) -> CoderInfo:
    """The consensus account of two coders, created (without a password) on first use.

    The pair is unordered: (A, B) and (B, A) share one consensus version.
    """
    actor_id = acting(session, actor, "check_reliability")
    first, second = sorted(
        (find_coder(session, coder_a), find_coder(session, coder_b)), key=lambda a: a.id
    )
    if first.id == second.id:
        raise InvalidInput("A consensus needs two different coders.")
    if first.is_consensus or second.is_consensus:
        raise InvalidInput("Build a consensus from two coders, not from a consensus version.")
    email = f"consensus-{first.id}-{second.id}@{CONSENSUS_DOMAIN}"
    account = session.scalar(select(AccountRow).where(AccountRow.email == email))
    if account is None:
        names = " and ".join(a.display_name or a.email for a in (first, second))
        info = create_account(
            session,
            email,
            role="coder",
            password=None,
            display_name=f"Consensus of {names}",
            actor_id=actor_id,
        )
        account = session.get(AccountRow, info.id)
        account.is_consensus = True
        session.flush()
    return coder_info(account)


def _merge(spans: Sequence[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _clip(spans: Sequence[Span], region: Span) -> list[Span]:
    return _merge([(max(s, region[0]), min(e, region[1])) for s, e in spans])


def _cut(spans: Sequence[Span], region: Span) -> list[Span]:
    kept: list[Span] = []
    for start, end in spans:
        kept.extend(
            piece
            for piece in ((start, min(end, region[0])), (max(start, region[1]), end))
            if piece[1] > piece[0]
        )
    return _merge(kept)


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    return _merge([(max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b])


def _coverage(session: Session, transcript_id: int, coder_id: int, code_id: int) -> list[Span]:
    return _merge(
        [
            tuple(row)
            for row in session.execute(
                select(CodingRow.start, CodingRow.end).where(
                    CodingRow.transcript_id == transcript_id,
                    CodingRow.coder_id == coder_id,
                    CodingRow.code_id == code_id,
                )
            )
        ]
    )


def _events(session: Session, action: str, consensus_id: int, transcript_id: int) -> list[EventRow]:
    rows = session.scalars(
        select(EventRow)
        .where(
            EventRow.action == action,
            EventRow.target_type == "account",
            EventRow.target_id == consensus_id,
        )
        .order_by(EventRow.id)
    )
    return [e for e in rows if (e.details or {}).get("transcript_id") == transcript_id]


def _seed(
    session: Session,
    consensus: AccountRow,
    transcript_id: int,
    a: AccountRow,
    b: AccountRow,
    actor_id: int | None,
) -> None:
    """Start a transcript's consensus version from what both coders agree on (once)."""
    if _events(session, "consensus.seed", consensus.id, transcript_id):
        return
    code_ids = set(
        session.scalars(
            select(CodingRow.code_id).where(
                CodingRow.transcript_id == transcript_id, CodingRow.coder_id == a.id
            )
        )
    )
    code_ids &= set(
        session.scalars(
            select(CodingRow.code_id).where(
                CodingRow.transcript_id == transcript_id, CodingRow.coder_id == b.id
            )
        )
    )
    added = 0
    for code_id in sorted(code_ids):
        agreed = _intersect(
            _coverage(session, transcript_id, a.id, code_id),
            _coverage(session, transcript_id, b.id, code_id),
        )
        existing = set(_coverage(session, transcript_id, consensus.id, code_id))
        for start, end in agreed:
            if (start, end) not in existing:
                _add_consensus_coding(
                    session, transcript_id, consensus.id, code_id, (start, end), actor_id
                )
                added += 1
    record_event(
        session,
        "consensus.seed",
        actor_id=actor_id,
        target=consensus,
        details={
            "transcript_id": transcript_id,
            "coder_a": a.email,
            "coder_b": b.email,
            "codings": added,
        },
    )


def _check_actor(session: Session, actor: Actor) -> None:
    if not can(current_actor(session, actor), "check_reliability"):
        raise PermissionDenied("Only researchers build the consensus version.")


def resolve_disagreement(
    session: Session,
    *,
    transcript_id: int,
    start: int,
    end: int,
    code_id: int,
    decision: str,
    coder_a: CoderRef,
    coder_b: CoderRef,
    span: Span | None = None,
    actor: Actor,
) -> Resolution:
    """Decide one disagreement into the consensus version of coders A and B.

    Parameters
    ----------
    start, end : int
        The disputed span (code points), usually one of :func:`list_disagreements`.
    code_id : int
        The code the coders disagree on.
    decision : {"accept_a", "accept_b", "both", "neither", "edit"}
        See the module docstring.
    span : (int, int), optional
        The edited span, for ``decision="edit"`` only; it must overlap the
        disputed span.

    Returns
    -------
    Resolution
        The consensus coding of the code on the transcript after the decision.
    """
    if decision not in DECISIONS:
        raise InvalidInput(f"Unknown decision {decision!r}; choose one of {', '.join(DECISIONS)}.")
    _check_actor(session, actor)
    actor_id = actor.id
    transcript = row_by_id(session, TranscriptRow, transcript_id, "transcript")
    region = _span(start, end, len(transcript.text), "disputed span")
    if (decision == "edit") != (span is not None):
        raise InvalidInput("Give an edited span with the decision 'edit', and only then.")
    code = resolve_code(session, code_id)
    a, b = find_coder(session, coder_a), find_coder(session, coder_b)
    consensus = session.get(AccountRow, consensus_coder(session, a.id, b.id, actor=actor).id)
    _seed(session, consensus, transcript.id, a, b, actor_id)
    current = _coverage(session, transcript.id, consensus.id, code.id)
    if decision == "edit":
        edited = _span(span[0], span[1], len(transcript.text), "edited span")
        if edited[0] >= region[1] or edited[1] <= region[0]:
            raise InvalidInput("The edited span must overlap the disputed span.")
        hull = (min(region[0], edited[0]), max(region[1], edited[1]))
        wanted = _merge(_cut(current, hull) + [edited])
    else:
        sides = {"accept_a": (a,), "accept_b": (b,), "both": (a, b), "neither": ()}[decision]
        chosen = [
            span for side in sides for span in _coverage(session, transcript.id, side.id, code.id)
        ]
        wanted = _merge(_cut(current, region) + _clip(chosen, region))
    added, removed = _rewrite(session, transcript.id, consensus.id, code.id, wanted, actor_id)
    record_event(
        session,
        "consensus.resolve",
        actor_id=actor_id,
        target=consensus,
        details={
            "transcript_id": transcript.id,
            "code_id": code.id,
            "code": code.key,
            "start": region[0],
            "end": region[1],
            "decision": decision,
            "span": list(span) if span is not None else None,
            "coder_a": a.email,
            "coder_b": b.email,
        },
    )
    return Resolution(consensus.id, transcript.id, code.id, decision, tuple(wanted), added, removed)


def _span(start: Any, end: Any, length: int, what: str) -> Span:
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        raise InvalidInput(f"The {what} needs whole-number offsets.") from None
    if not 0 <= start < end <= length:
        raise InvalidInput(
            f"The {what} must lie inside the transcript (0 to {length}) and "
            f"cover at least one character, not {start} to {end}."
        )
    return start, end


def _rewrite(
    session: Session,
    transcript_id: int,
    consensus_id: int,
    code_id: int,
    wanted: list[Span],
    actor_id: int | None,
) -> tuple[int, int]:
    """Make the consensus codings of one code exactly ``wanted``, touching only what changes."""
    rows = list(
        session.execute(
            select(CodingRow.id, CodingRow.start, CodingRow.end).where(
                CodingRow.transcript_id == transcript_id,
                CodingRow.coder_id == consensus_id,
                CodingRow.code_id == code_id,
            )
        )
    )
    keep = set(wanted)
    removed = 0
    for coding_id, start, end in rows:
        if (start, end) in keep:
            keep.discard((start, end))
        else:
            remove_coding(session, coding_id, actor=actor_id if actor_id is not None else OPERATOR)
            removed += 1
    for span in sorted(keep):
        _add_consensus_coding(session, transcript_id, consensus_id, code_id, span, actor_id)
    return len(keep), removed


def _add_consensus_coding(
    session: Session,
    transcript_id: int,
    consensus_id: int,
    code_id: int,
    span: Span,
    actor_id: int | None,
) -> None:
    """Code ``span`` with the code as the consensus coder, for ``actor_id`` (None: the operator)."""
    start, end = span
    add_coding(
        session,
        transcript_id=transcript_id,
        start=start,
        end=end,
        code_id=code_id,
        coder_id=consensus_id,
        origin="consensus",
        actor=actor_id if actor_id is not None else OPERATOR,
    )


def consensus_spans(
    session: Session, *, transcript_id: int, code_id: int, coder_a: CoderRef, coder_b: CoderRef
) -> list[Span]:
    """The spans the consensus version of coders A and B codes with a code (none yet: [])."""
    a, b = find_coder(session, coder_a), find_coder(session, coder_b)
    pair = session.scalar(
        select(AccountRow).where(
            AccountRow.email == f"consensus-{min(a.id, b.id)}-{max(a.id, b.id)}@{CONSENSUS_DOMAIN}"
        )
    )
    if pair is None:
        return []
    return _coverage(session, transcript_id, pair.id, code_id)


def list_disagreements(
    session: Session,
    *,
    scheme: int | str,
    transcript_id: int,
    coder_a: CoderRef,
    coder_b: CoderRef,
    viewer: Actor,
) -> list[DisagreementItem]:
    """Where two coders differ on one transcript, in text order, with any consensus decision."""
    require(viewer, "check_reliability")
    a, b = find_coder(session, coder_a), find_coder(session, coder_b)
    if a.id == b.id:
        raise InvalidInput("Pick two different coders to compare.")
    transcript = row_by_id(session, TranscriptRow, transcript_id, "transcript")
    frame = list_codings(
        session, scheme=scheme, transcript_id=transcript_id, coder_ids=[a.id, b.id], viewer=viewer
    )
    if frame.empty:
        return []
    by_id = frame.drop_duplicates("code_id").set_index("code_id")
    spans = disagreements(
        frame.assign(code=frame["code_id"].astype(str)), transcript_id, a.email, b.email
    )
    decided: dict[tuple[int, int, int], str] = {}
    pair = session.scalar(
        select(AccountRow).where(
            AccountRow.email == f"consensus-{min(a.id, b.id)}-{max(a.id, b.id)}@{CONSENSUS_DOMAIN}"
        )
    )
    if pair is not None:
        for event in _events(session, "consensus.resolve", pair.id, transcript_id):
            d = event.details
            decided[(d["code_id"], d["start"], d["end"])] = d["decision"]
    items = []
    for found in spans:
        code_id = int(found.code)
        items.append(
            DisagreementItem(
                transcript_id,
                code_id,
                str(by_id.loc[code_id, "code"]),
                str(by_id.loc[code_id, "code_name"]),
                found.start,
                found.end,
                str(found.coder),
                transcript.text[found.start : found.end],
                decided.get((code_id, found.start, found.end)),
            )
        )
    return items


def preferred_codings(
    session: Session,
    *,
    scheme: int | str | None = None,
    transcript_id: int | None = None,
    viewer: Actor,
) -> pd.DataFrame:
    """Codings for reports: a transcript's consensus version where it has one, else everyone's.

    Same columns as :func:`study.interviews.coding.codings.list_codings`, and the same
    blind-coding rule for ``viewer``.
    """
    frame = list_codings(session, scheme=scheme, transcript_id=transcript_id, viewer=viewer)
    consensus_ids = set(
        session.scalars(select(AccountRow.id).where(AccountRow.is_consensus.is_(True)))
    )
    is_consensus = frame["coder_id"].isin(consensus_ids)
    settled = set(frame.loc[is_consensus, "transcript_id"])
    return frame[is_consensus | ~frame["transcript_id"].isin(settled)].reset_index(drop=True)
