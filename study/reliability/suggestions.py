"""How far learned suggestions agree with each coder, measured like a coder's agreement.

The model is scored on transcripts it never learned from: the transcripts are split into
folds (``GroupKFold``), and each fold's units get probabilities from a model fitted on the
other folds. A unit counts as suggested from the code's own cut-off, chosen inside that
training (the best F1 on its own held-out transcripts), as in the workbench. Then, per code:

- **precision, recall and F1** against every coder's own coding of the held-out units (a
  unit two coders coded counts twice, once per coder);
- **Krippendorff's alpha between the model and each coder** (nominal, coded or not, on the
  units that coder coded), and their mean, which decides whether the code's suggestions are
  on by default (:data:`study.interviews.learning.ALPHA_FLOOR`, 0.667);
- **the human-human alpha** on the same units, for comparison;
- the same measures for the **keyword suggestions** (a unit counts as suggested when one of
  the code's keywords occurs in it), the baseline the model has to beat.

The macro F1 is the mean F1 over the codes the model learned.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import Actor, require
from study.db.models import AccountRow
from study.errors import InsufficientData, InvalidInput
from study.interviews.coding.schemes_store import scheme_row
from study.interviews.coding.workbench_data import scheme_for_suggestions
from study.interviews.learning.model import MIN_POSITIVES, Features, fit_model, unit_features
from study.interviews.learning.store import (
    ALPHA_FLOOR,
    gather,
    record_quality,
    scope_for,
    sources_of,
    train_suggestions,
)
from study.interviews.learning.units import TrainingSet, covers
from study.interviews.suggestions import LANGUAGES, suggest_passages
from study.interviews.transcripts.speakers import is_interviewer_label
from study.reliability.agreement import krippendorff_alpha

__all__ = ["CodeQuality", "SuggestionQuality", "evaluate_suggestions"]

_Turn = namedtuple("_Turn", "start end speaker")


@dataclass(frozen=True)
class Scores:
    """Precision, recall, F1 and alpha of one way of suggesting one code."""

    precision: float
    recall: float
    f1: float
    alpha: float
    alpha_by_coder: dict[str, float]


@dataclass(frozen=True)
class CodeQuality:
    """One code: the model's and the keywords' agreement with the coders, and the coders' own."""

    code: str
    name: str
    positives: int
    model: Scores | None
    keywords: Scores
    human_alpha: float
    enabled: bool
    reason: str


@dataclass(frozen=True)
class SuggestionQuality:
    """The evaluation of one scheme's learned suggestions (one scope)."""

    scheme: str
    scope: str
    unit: str
    folds: int
    transcripts: int
    units: int
    codes: list[CodeQuality] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        """Mean F1 of the model over the codes it learned."""
        values = [c.model.f1 for c in self.codes if c.model is not None]
        return float(np.mean(values)) if values else math.nan

    @property
    def keyword_macro_f1(self) -> float:
        """Mean F1 of the keyword suggestions over the same codes."""
        values = [c.keywords.f1 for c in self.codes if c.model is not None]
        return float(np.mean(values)) if values else math.nan

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (NaN as None)."""

        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, dict):
                return {k: clean(v) for k, v in value.items()}
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        data = asdict(self)
        data["macro_f1"] = self.macro_f1
        data["keyword_macro_f1"] = self.keyword_macro_f1
        return clean(data)

    def frame(self) -> pd.DataFrame:
        """One row per code, model beside keywords, for the Reliability page."""
        rows = []
        for c in self.codes:
            m = c.model
            rows.append(
                {
                    "code": c.name,
                    "in the workbench": c.reason,
                    "units coded": c.positives,
                    "model F1": m.f1 if m else math.nan,
                    "model α": m.alpha if m else math.nan,
                    "keyword F1": c.keywords.f1,
                    "keyword α": c.keywords.alpha,
                    "coders' α": c.human_alpha,
                    "model precision": m.precision if m else math.nan,
                    "model recall": m.recall if m else math.nan,
                }
            )
        return pd.DataFrame(rows)

    def stored(self) -> dict[str, Any]:
        """What the workbench needs: per code its model alpha."""
        return {
            "codes": {
                c.code: {
                    "alpha": c.model.alpha if c.model else None,
                    "f1": c.model.f1 if c.model else None,
                }
                for c in self.codes
            },
            "folds": self.folds,
            "macro_f1": self.macro_f1,
            "keyword_macro_f1": self.keyword_macro_f1,
        }


def _alpha(pairs: pd.DataFrame) -> float:
    try:
        return krippendorff_alpha(pairs, unit="unit", coder="coder", value="value")
    except (InsufficientData, InvalidInput):
        return math.nan


def _scores(
    predicted: np.ndarray,
    data: TrainingSet,
    y: np.ndarray,
    unit_ids: np.ndarray,
    names: dict[int, str],
) -> Scores:
    """Score unit-level predictions (one per row) against each row's coder."""
    known = (y >= 0) & data.saw
    truth, guess = y[known] == 1, predicted[known]
    tp = int((truth & guess).sum())
    precision = tp / guess.sum() if guess.sum() else math.nan
    recall = tp / truth.sum() if truth.sum() else math.nan
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision and recall and not math.isnan(precision + recall)
        else 0.0
    )
    by_coder = {}
    for coder in np.unique(data.coders[known]):
        mine = known & (data.coders == coder)
        pairs = pd.DataFrame(
            {
                "unit": np.concatenate([unit_ids[mine], unit_ids[mine]]),
                "coder": ["model"] * int(mine.sum()) + ["coder"] * int(mine.sum()),
                "value": np.concatenate([predicted[mine].astype(int), (y[mine] == 1).astype(int)]),
            }
        )
        by_coder[names.get(int(coder), str(int(coder)))] = _alpha(pairs)
    finite = [a for a in by_coder.values() if math.isfinite(a)]
    return Scores(
        float(precision),
        float(recall),
        float(f1),
        float(np.mean(finite)) if finite else math.nan,
        by_coder,
    )


def _human_alpha(data: TrainingSet, y: np.ndarray, unit_ids: np.ndarray) -> float:
    known = (y >= 0) & data.saw
    pairs = pd.DataFrame(
        {
            "unit": unit_ids[known],
            "coder": data.coders[known],
            "value": (y[known] == 1).astype(int),
        }
    )
    return _alpha(pairs)


def _keyword_hits(
    data: TrainingSet, codes: list[Any], sources: dict[int, Any]
) -> dict[str, np.ndarray]:
    """Per code key, whether the code's keywords occur in each row's unit."""
    scheme = scheme_for_suggestions("keywords", codes)
    spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for transcript_id, source in sources.items():
        if source.language not in LANGUAGES:
            continue
        turns = [_Turn(s, e, speaker) for s, e, speaker, withdrawn in source.turns if not withdrawn]
        excluded = {t.speaker for t in turns if is_interviewer_label(t.speaker or "")}
        for found in suggest_passages(
            source.text, turns, scheme, language=source.language, exclude_speakers=excluded
        ):
            spans.setdefault((transcript_id, found.code_id), []).append((found.start, found.end))
    hits = {}
    for code in codes:
        hits[code.key] = np.array(
            [
                any(covers(s, e, u) for s, e in spans.get((u.transcript_id, code.key), ()))
                for u in data.units
            ],
            dtype=bool,
        )
    return hits


def evaluate_suggestions(
    session: Session,
    scheme: str | int,
    *,
    viewer: Actor,
    coder_id: int | None = None,
    folds: int = 5,
    unit: str = "sentence",
    store: bool = True,
) -> SuggestionQuality:
    """Cross-validate a scheme's learned suggestions by transcript, beside the keyword baseline.

    Parameters
    ----------
    coder_id : int, optional
        While the scheme is blind: whose model (default: the viewer's own).
    folds : int
        At most this many folds of transcripts (fewer when there are fewer transcripts).
    store : bool
        Also (re)train the stored model if stale and keep the per-code quality beside it,
        which turns each code's suggestions on or off in the workbench.

    Raises
    ------
    InsufficientData
        Fewer than two coded transcripts: nothing can be held out.
    """
    current = current_actor(session, viewer)
    require(current, "code")
    if coder_id is None:
        coder_id = scope_for(session, scheme, current)
    data, codes = gather(session, scheme, coder_id=coder_id, unit=unit)
    groups = data.groups
    transcripts = np.unique(groups)
    if len(transcripts) < 2:
        raise InsufficientData(
            "Suggestions are measured on transcripts the model did not learn from: "
            "code at least two transcripts first."
        )
    from sklearn.model_selection import GroupKFold

    n_folds = min(folds, len(transcripts))
    features = unit_features([u.text for u in data.units], [u.language for u in data.units])
    predicted = {key: np.zeros(len(data.units), dtype=bool) for key in data.labels}
    for train, test in GroupKFold(n_splits=n_folds).split(data.units, groups=groups):
        model = fit_model(
            Features(features.counts[train]),
            {k: v[train] for k, v in data.labels.items()},
            groups[train],
        )
        probabilities = model.probabilities(Features(features.counts[test]))
        cut = {code.key: code.threshold for code in model.codes}
        for key, values in probabilities.items():
            predicted[key][test] = values >= cut[key]
    unit_index: dict[tuple[int, int, int], int] = {}
    unit_ids = np.array(
        [
            unit_index.setdefault((u.transcript_id, u.start, u.end), len(unit_index))
            for u in data.units
        ]
    )
    names = dict(
        session.execute(
            select(AccountRow.id, AccountRow.email).where(
                AccountRow.id.in_({int(c) for c in data.coders})
            )
        ).all()
    )
    sources = {s.transcript_id: s for s in sources_of(session, set(transcripts.tolist()))}
    keyword = _keyword_hits(data, codes, sources)
    learned = {key for key, y in data.labels.items() if int((y == 1).sum()) >= MIN_POSITIVES}
    results = []
    for code in codes:
        y = data.labels[code.key]
        positives = int(((y == 1) & data.saw).sum())
        model_scores = (
            _scores(predicted[code.key], data, y, unit_ids, names) if code.key in learned else None
        )
        keyword_scores = _scores(keyword[code.key], data, y, unit_ids, names)
        if model_scores is None:
            enabled, reason = (
                False,
                f"off: only {positives} coded unit{'s' if positives != 1 else ''} to learn from",
            )
        elif not math.isfinite(model_scores.alpha):
            enabled, reason = False, "off: too few held-out units to measure agreement"
        elif model_scores.alpha < ALPHA_FLOOR:
            enabled, reason = False, f"off: α = {model_scores.alpha:.2f} is under {ALPHA_FLOOR}"
        else:
            enabled, reason = True, f"on: α = {model_scores.alpha:.2f}"
        results.append(
            CodeQuality(
                code.key,
                code.name,
                positives,
                model_scores,
                keyword_scores,
                _human_alpha(data, y, unit_ids),
                enabled,
                reason,
            )
        )
    scope = "team" if coder_id is None else f"coder:{coder_id}"
    quality = SuggestionQuality(
        scheme_row(session, scheme).key,
        scope,
        unit,
        n_folds,
        len(transcripts),
        len(unit_index),
        results,
    )
    if store:
        info = train_suggestions(
            session, scheme, actor=current, coder_id=coder_id, unit=unit, only_if_stale=True
        )
        record_quality(session, info.id, quality.stored())
    return quality
