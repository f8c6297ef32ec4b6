"""Learned suggestions in the study: train, keep, offer, accept and reject.

One model per scheme and **scope**: "team" learns from every coder's codings; while the
scheme is blind each coder gets a model of their own ("coder:<id>"), learned from their
codings and rejections only, so a suggestion never shows what another coder did. A model is
**stale** when the codings or rejections it would learn from have changed since it was
trained (the digest in ``learned_from`` differs); it is then retrained (``study suggest
train``, or in the background from the workbench) and its old version serves meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.identity import acting
from study.admin.permissions import Actor, require
from study.db.models import (
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    SuggestionModelRow,
    SuggestionRejectionRow,
    TranscriptRow,
    TurnRow,
    utcnow,
)
from study.errors import InvalidInput, NotFound
from study.interviews.coding.codings import CodingInfo, add_coding
from study.interviews.coding.schemes_store import SchemeRef, scheme_row, scheme_version_ids
from study.interviews.learning.model import LearnedModel, fit_model, unit_features
from study.interviews.learning.units import (
    UNIT_KINDS,
    Coded,
    Rejected,
    Source,
    TrainingSet,
    covers,
    learning_digest,
    training_set,
    transcript_units,
)

__all__ = [
    "ALPHA_FLOOR",
    "DEFAULT_THRESHOLD",
    "LearnedSuggestion",
    "ModelInfo",
    "accept_suggestion",
    "gather",
    "learned_suggestions",
    "model_info",
    "record_quality",
    "reject_suggestion",
    "scope_for",
    "sources_of",
    "train_every_scope",
    "train_suggestions",
]

#: Krippendorff's floor for tentative conclusions: a code's suggestions stay off below it.
ALPHA_FLOOR = 0.667
#: The cut-off of a code whose best one could not be measured (a slider changes any).
DEFAULT_THRESHOLD = 0.5
TEAM = "team"


def _scope(coder_id: int | None) -> str:
    return TEAM if coder_id is None else f"coder:{coder_id}"


def scope_for(session: Session, scheme: SchemeRef, viewer: Actor) -> int | None:
    """Whose model serves ``viewer``: None (the team's) or, while the scheme is blind, their id."""
    row = scheme_row(session, scheme)
    if row.blind_since is None:
        return None
    current = current_actor(session, viewer)
    if current.id is None:
        raise InvalidInput(
            f"The scheme {row.key!r} is in blind mode, so suggestions are learned per coder: "
            "name the coder (--coder EMAIL)."
        )
    return int(current.id)


@dataclass(frozen=True)
class ModelInfo:
    """A stored model: what it learned from, when, and how well it agrees with the coders."""

    id: int
    scheme: str
    version: str
    scope: str
    unit: str
    trained_at: Any
    seconds: float
    codings: int
    rejections: int
    transcripts: int
    units: int
    codes: list[str]
    too_few: dict[str, int]
    stale: bool
    quality: dict[str, Any] = field(default_factory=dict)


def _scheme_codes(session: Session, scheme: SchemeRef) -> tuple[CodingSchemeRow, list[CodeRow]]:
    """The scheme's active version and its codes (merged ones left out)."""
    row = scheme_row(session, scheme)
    codes = [code for code in row.codes if code.merged_into_id is None]
    return row, codes


def sources_of(session: Session, transcript_ids: set[int]) -> list[Source]:
    """The transcripts as the model reads them (text, language, turns), by id."""
    if not transcript_ids:
        return []
    transcripts = session.execute(
        select(TranscriptRow.id, TranscriptRow.text, TranscriptRow.language).where(
            TranscriptRow.id.in_(transcript_ids)
        )
    ).all()
    turns: dict[int, list[tuple[int, int, str, bool]]] = {}
    for t in session.execute(
        select(
            TurnRow.transcript_id, TurnRow.start, TurnRow.end, TurnRow.speaker, TurnRow.withdrawn
        )
        .where(TurnRow.transcript_id.in_(transcript_ids))
        .order_by(TurnRow.transcript_id, TurnRow.position)
    ):
        turns.setdefault(t.transcript_id, []).append((t.start, t.end, t.speaker, bool(t.withdrawn)))
    return [
        Source(t.id, t.text, (t.language or "en").lower()[:2], tuple(turns.get(t.id, ())))
        for t in sorted(transcripts)
    ]


def _inputs(
    session: Session, scheme: SchemeRef, coder_id: int | None
) -> tuple[list[CodeRow], list[Coded], list[Rejected]]:
    """A scheme's codes (active version) and, by code key, every version's codings and
    rejections in one scope: what its model learns from."""
    row, codes = _scheme_codes(session, scheme)
    versions = scheme_version_ids(session, row.key)
    key_of = dict(
        session.execute(
            select(CodeRow.id, CodeRow.key).where(CodeRow.scheme_id.in_(versions))
        ).all()
    )
    query = select(
        CodingRow.transcript_id,
        CodingRow.code_id,
        CodingRow.coder_id,
        CodingRow.start,
        CodingRow.end,
    ).where(CodingRow.code_id.in_(key_of))
    rejected_query = select(
        SuggestionRejectionRow.transcript_id,
        SuggestionRejectionRow.code_id,
        SuggestionRejectionRow.coder_id,
        SuggestionRejectionRow.start,
        SuggestionRejectionRow.end,
    ).where(SuggestionRejectionRow.code_id.in_(key_of))
    if coder_id is not None:
        query = query.where(CodingRow.coder_id == coder_id)
        rejected_query = rejected_query.where(SuggestionRejectionRow.coder_id == coder_id)
    codings = [Coded(t, key_of[c], k, s, e) for t, c, k, s, e in session.execute(query)]
    rejections = [
        Rejected(t, key_of[c], k, s, e) for t, c, k, s, e in session.execute(rejected_query)
    ]
    return codes, codings, rejections


def gather(
    session: Session, scheme: SchemeRef, *, coder_id: int | None = None, unit: str = "sentence"
) -> tuple[TrainingSet, list[CodeRow]]:
    """The training rows of a scheme (every version's codings, by code key) for one scope."""
    if unit not in UNIT_KINDS:
        raise InvalidInput(f"Suggestions use sentences or turns as units, not {unit!r}.")
    codes, codings, rejections = _inputs(session, scheme, coder_id)
    sources = sources_of(
        session, {c.transcript_id for c in codings} | {r.transcript_id for r in rejections}
    )
    keys = [code.key for code in codes]
    return training_set(sources, keys, codings, rejections, unit=unit), codes


def _is_stale(session: Session, stored: SuggestionModelRow, coder_id: int | None) -> bool:
    """Whether the codings or rejections a stored model learned from have changed (SQL only)."""
    codes, codings, rejections = _inputs(session, stored.scheme_id, coder_id)
    digest = learning_digest([c.key for c in codes], codings, rejections, stored.unit)
    return stored.learned_from.get("digest") != digest


def _stored(session: Session, scheme_id: int, scope: str) -> SuggestionModelRow | None:
    return session.scalar(
        select(SuggestionModelRow).where(
            SuggestionModelRow.scheme_id == scheme_id, SuggestionModelRow.scope == scope
        )
    )


def _info(session: Session, row: SuggestionModelRow, *, stale: bool) -> ModelInfo:
    scheme = session.get(CodingSchemeRow, row.scheme_id)
    learned = row.learned_from
    return ModelInfo(
        row.id,
        scheme.key,
        scheme.version,
        row.scope,
        row.unit,
        row.trained_at,
        row.seconds,
        learned.get("codings", 0),
        learned.get("rejections", 0),
        learned.get("transcripts", 0),
        learned.get("units", 0),
        list(learned.get("codes", [])),
        dict(learned.get("too_few", {})),
        stale,
        dict(row.quality or {}),
    )


def fit_training_set(data: TrainingSet, *, calibrate: bool = True) -> LearnedModel:
    """Fit the model of a training set (the step ``train_suggestions`` times)."""
    features = unit_features([u.text for u in data.units], [u.language for u in data.units])
    return fit_model(features, data.labels, data.groups, calibrate=calibrate)


def train_suggestions(
    session: Session,
    scheme: SchemeRef,
    *,
    actor: Actor | int,
    coder_id: int | None = None,
    unit: str = "sentence",
    only_if_stale: bool = False,
) -> ModelInfo:
    """Learn a scheme's suggestions from its codings and store the model.

    Parameters
    ----------
    coder_id : int, optional
        While the scheme is blind: whose model (default: the acting coder's own). A coder
        may train only their own; a researcher or the operator any coder's. Ignored (the
        team's model) while the scheme is not blind.
    only_if_stale : bool
        Keep a model whose codings, rejections and unit are unchanged instead of refitting it.
    """
    current = current_actor(session, actor)
    require(current, "code")
    row = scheme_row(session, scheme)
    if row.blind_since is not None:
        coder_id = coder_id if coder_id is not None else current.id
        if coder_id is None:
            scope_for(session, row.id, current)  # raises: a blind scheme needs a coder
        if current.id is not None and coder_id != current.id:
            acting(session, current, "see_others_codings_when_blind")
    else:
        coder_id = None
    scope = _scope(coder_id)
    data, codes = gather(session, row.id, coder_id=coder_id, unit=unit)
    stored = _stored(session, row.id, scope)
    if only_if_stale and stored is not None and stored.learned_from.get("digest") == data.digest:
        return _info(session, stored, stale=False)
    started = time.perf_counter()
    model = fit_training_set(data)
    seconds = time.perf_counter() - started
    fitted = [code.key for code in model.codes]
    positives = {key: int((y == 1).sum()) for key, y in data.labels.items()}
    learned = {
        "digest": data.digest,
        "codings": data.codings,
        "rejections": data.rejections,
        "transcripts": data.transcripts,
        "units": len(data.units),
        "codes": fitted,
        "too_few": {key: n for key, n in positives.items() if key not in fitted},
    }
    values = {
        "unit": unit,
        "learned_from": learned,
        "weights": model.to_bytes(),
        "quality": {},
        "trained_at": utcnow(),
        "seconds": round(seconds, 3),
    }
    if stored is None:
        stored = SuggestionModelRow(scheme_id=row.id, scope=scope, **values)
        try:
            with session.begin_nested():
                session.add(stored)
        except IntegrityError:  # trained at the same moment elsewhere: take that row
            stored = _stored(session, row.id, scope)
    if stored is not None:
        for name, value in values.items():
            setattr(stored, name, value)
    session.flush()
    return _info(session, stored, stale=False)


def train_every_scope(
    session: Session, scheme: SchemeRef, *, actor: Actor | int, unit: str = "sentence"
) -> list[ModelInfo]:
    """Train the team's model, or while the scheme is blind one model per coder who coded it."""
    row = scheme_row(session, scheme)
    if row.blind_since is None:
        return [train_suggestions(session, row.id, actor=actor, unit=unit)]
    versions = scheme_version_ids(session, row.key)
    coders = session.scalars(
        select(CodingRow.coder_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .where(CodeRow.scheme_id.in_(versions))
        .distinct()
        .order_by(CodingRow.coder_id)
    ).all()
    return [
        train_suggestions(session, row.id, actor=actor, coder_id=int(c), unit=unit) for c in coders
    ]


def model_info(
    session: Session, scheme: SchemeRef, *, viewer: Actor, coder_id: int | None = None
) -> ModelInfo | None:
    """The model serving ``viewer`` (or a named coder's, blind), with whether it is stale."""
    require(current_actor(session, viewer), "code")
    row = scheme_row(session, scheme)
    if row.blind_since is None:
        coder_id = None
    elif coder_id is None:
        coder_id = scope_for(session, row.id, viewer)
    stored = _stored(session, row.id, _scope(coder_id))
    if stored is None:
        return None
    return _info(session, stored, stale=_is_stale(session, stored, coder_id))


def record_quality(session: Session, model_id: int, quality: dict[str, Any]) -> None:
    """Keep a model's measured quality (per code) beside it; the workbench reads it."""
    row = session.get(SuggestionModelRow, model_id)
    if row is None:
        raise NotFound("That suggestion model no longer exists; train it again.")
    row.quality = quality
    session.flush()


@dataclass(frozen=True)
class LearnedSuggestion:
    """A unit a coder would likely code with ``code_key``, and why it is on or off."""

    code_id: int
    code_key: str
    code_name: str
    colour: str
    start: int
    end: int
    text: str
    probability: float
    enabled: bool
    reason: str
    #: The code's own cut-off (best F1 on held-out transcripts when it was learned).
    threshold: float = DEFAULT_THRESHOLD


def _code_state(quality: dict[str, Any], key: str) -> tuple[bool, str]:
    """Whether a code's suggestions are on by default, and the reason in a sentence."""
    measured = (quality.get("codes") or {}).get(key)
    if not measured:
        return False, "off: its agreement with the coders has not been measured yet"
    alpha = measured.get("alpha")
    if alpha is None or not np.isfinite(alpha):
        return False, "off: too few held-out units to measure its agreement with the coders"
    if alpha < ALPHA_FLOOR:
        return False, f"off: it agrees with the coders at α = {alpha:.2f}, under {ALPHA_FLOOR}"
    return True, f"on: it agrees with the coders at α = {alpha:.2f}"


def _answered(
    session: Session, transcript_id: int, coder_id: int, version_ids: list[int]
) -> dict[str, list[tuple[int, int]]]:
    """Per code key, the spans a coder coded or rejected in a transcript: not suggested again."""
    coded = (
        select(CodeRow.key, CodingRow.start, CodingRow.end)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .where(
            CodingRow.transcript_id == transcript_id,
            CodingRow.coder_id == coder_id,
            CodeRow.scheme_id.in_(version_ids),
        )
    )
    rejected = (
        select(CodeRow.key, SuggestionRejectionRow.start, SuggestionRejectionRow.end)
        .join(CodeRow, CodeRow.id == SuggestionRejectionRow.code_id)
        .where(
            SuggestionRejectionRow.transcript_id == transcript_id,
            SuggestionRejectionRow.coder_id == coder_id,
        )
    )
    spans: dict[str, list[tuple[int, int]]] = {}
    for key, start, end in session.execute(union_all(coded, rejected)):
        spans.setdefault(key, []).append((start, end))
    return spans


def learned_suggestions(
    session: Session,
    transcript_id: int,
    scheme: SchemeRef,
    *,
    viewer: Actor,
    thresholds: dict[str, float] | None = None,
) -> list[LearnedSuggestion]:
    """The units of a transcript the viewer's model would code, in text order.

    Units the viewer already coded with the code, or whose suggestion they rejected, are
    left out. Each suggestion says whether its code is on by default (model alpha at least
    :data:`ALPHA_FLOOR`) and why; ``thresholds`` (code key -> probability) override each
    code's learned cut-off.
    """
    current = current_actor(session, viewer)
    require(current, "read_transcripts")
    require(current, "code")
    row, codes = _scheme_codes(session, scheme)
    coder_id = scope_for(session, row.id, current)
    stored = _stored(session, row.id, _scope(coder_id))
    if stored is None:
        return []
    transcript = session.get(TranscriptRow, transcript_id)
    if transcript is None:
        raise NotFound(f"No transcript with id {transcript_id}.")
    model = LearnedModel.from_bytes(stored.weights)
    source = sources_of(session, {transcript_id})[0]
    units = transcript_units(source, stored.unit)
    if not units or not model.codes:
        return []
    probabilities = model.probabilities(
        unit_features([u.text for u in units], [u.language for u in units])
    )
    by_key = {code.key: code for code in codes}
    own = (
        _answered(session, transcript_id, int(current.id), scheme_version_ids(session, row.key))
        if current.id is not None
        else {}
    )
    thresholds = thresholds or {}
    learned_cut = {code.key: code.threshold for code in model.codes}
    found = []
    for key, values in probabilities.items():
        code = by_key.get(key)
        if code is None:
            continue
        enabled, reason = _code_state(stored.quality, key)
        limit = thresholds.get(key, learned_cut[key])
        for u, p in zip(units, values, strict=True):
            if p < limit or any(covers(s, e, u) for s, e in own.get(key, ())):
                continue
            found.append(
                LearnedSuggestion(
                    code.id,
                    key,
                    code.name,
                    code.colour,
                    u.start,
                    u.end,
                    u.text,
                    float(p),
                    enabled,
                    reason,
                    learned_cut[key],
                )
            )
    found.sort(key=lambda s: (s.start, -s.probability))
    return found


def accept_suggestion(
    session: Session, suggestion: LearnedSuggestion, *, transcript_id: int, actor: Actor | int
) -> CodingInfo:
    """Make a suggestion the coder's own coding, its origin recorded as "suggested"."""
    current = current_actor(session, actor)
    if current.id is None:
        raise InvalidInput(
            "Accepting a suggestion makes a coding of your own: act as a coder (--as)."
        )
    return add_coding(
        session,
        transcript_id=transcript_id,
        start=suggestion.start,
        end=suggestion.end,
        code_id=suggestion.code_id,
        coder_id=int(current.id),
        origin="suggested",
        actor=current,
    )


def reject_suggestion(
    session: Session,
    *,
    transcript_id: int,
    code_id: int,
    start: int,
    end: int,
    actor: Actor | int,
) -> None:
    """Turn a suggestion down: it is not offered again and teaches the next model. Idempotent."""
    coder_id = acting(session, actor, "code")
    if coder_id is None:
        raise InvalidInput("Rejecting a suggestion is a coder's answer: act as a coder (--as).")
    if session.get(CodeRow, code_id) is None:
        raise NotFound(f"No code with id {code_id}.")
    transcript = session.get(TranscriptRow, transcript_id)
    if transcript is None:
        raise NotFound(f"No transcript with id {transcript_id}.")
    if not 0 <= start < end <= len(transcript.text):
        raise InvalidInput(f"The span {start}-{end} is not inside transcript {transcript_id}.")
    exists = session.scalar(
        select(SuggestionRejectionRow.id).where(
            SuggestionRejectionRow.transcript_id == transcript_id,
            SuggestionRejectionRow.code_id == code_id,
            SuggestionRejectionRow.coder_id == coder_id,
            SuggestionRejectionRow.start == start,
            SuggestionRejectionRow.end == end,
        )
    )
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                SuggestionRejectionRow(
                    transcript_id=transcript_id,
                    code_id=code_id,
                    coder_id=coder_id,
                    start=start,
                    end=end,
                )
            )
    except IntegrityError:  # the same rejection at the same moment in another tab
        pass
