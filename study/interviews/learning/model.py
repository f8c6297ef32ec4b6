"""A classifier per code learned from codings: features, fitting, scoring and storage as arrays.

Everything runs on the machine with scikit-learn; no weights are downloaded.

- **Features.** Each unit (a sentence or a turn) becomes two hashed bags: Snowball-stemmed
  words with their bigrams (English or Danish, by the transcript's language) and character
  3-5-grams within word boundaries, which catch inflections and compounds the stemmer
  misses ("ledelsesbeslutning"). Counts are damped (1 + log tf), weighted by inverse
  document frequency learned from the training units, and each row is scaled to length 1.
- **Classifiers.** One logistic regression per code (one-vs-rest), with class weights
  balancing a rare code's few positive units against the many negative ones.
- **Calibration.** Balanced weights push probabilities up, so each code's scores are mapped
  to probabilities by Platt scaling fitted on scores the classifier gave to units of
  transcripts it did not see (cross-validated by transcript).
- **Storage.** A model is a handful of numeric arrays written with
  :func:`numpy.savez_compressed` and read back with ``allow_pickle=False``: nothing
  stored in the database is ever executed. Hashing needs no vocabulary, and only the
  weights of features seen in training are kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from study.errors import InvalidInput

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "MIN_POSITIVES",
    "CodeModel",
    "Features",
    "LearnedModel",
    "fit_model",
    "unit_features",
]

#: A code needs at least this many positive units before a classifier is fitted for it.
MIN_POSITIVES = 3
_WORD_FEATURES = 1 << 18
_CHAR_FEATURES = 1 << 18
_WORD = re.compile(r"\w+")
_STEMMERS = {"en": "english", "da": "danish"}
# Regularisation of the per-code logistic regressions (inverse strength).
_C = 4.0


@lru_cache(maxsize=len(_STEMMERS))
def _stem(language: str):
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(_STEMMERS.get(language, "english")).stem


@lru_cache(maxsize=1)
def _vectorisers():
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(
        analyzer="word",
        token_pattern=r"\S+",
        ngram_range=(1, 2),
        lowercase=False,
        n_features=_WORD_FEATURES,
        alternate_sign=False,
        norm=None,
    )
    chars = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=_CHAR_FEATURES,
        alternate_sign=False,
        norm=None,
    )
    return words, chars


_STEMS: dict[tuple[str, str], str] = {}


def _stemmed(text: str, language: str) -> str:
    """The text's words, case-folded and stemmed (each distinct word stemmed once per process)."""
    stems = _STEMS
    words = []
    for word in _WORD.findall(text.casefold()):
        key = (language, word)
        found = stems.get(key)
        if found is None:
            if len(stems) > 200_000:
                stems.clear()
            found = stems[key] = _stem(language)(word)
        words.append(found)
    return " ".join(words)


@dataclass(frozen=True)
class Features:
    """Damped term counts of some units (rows) over the hashed feature space (columns)."""

    counts: csr_matrix


def unit_features(texts: Sequence[str], languages: Sequence[str]) -> Features:
    """The damped, unweighted features of units, one row per text."""
    from scipy.sparse import hstack

    words, chars = _vectorisers()
    stemmed = [_stemmed(text, language) for text, language in zip(texts, languages, strict=True)]
    counts = hstack(
        [words.transform(stemmed), chars.transform([t.casefold() for t in texts])], format="csr"
    )
    counts.data = 1.0 + np.log(counts.data)
    return Features(counts)


def _weighted(features: Features, idf: np.ndarray) -> csr_matrix:
    from sklearn.preprocessing import normalize

    return normalize(features.counts.multiply(idf).tocsr())


def _idf(features: Features) -> np.ndarray:
    """Smoothed inverse document frequency per column (zero for columns never seen)."""
    n = features.counts.shape[0]
    df = np.bincount(features.counts.indices, minlength=features.counts.shape[1])
    idf = np.zeros(features.counts.shape[1], dtype=np.float64)
    seen = df > 0
    idf[seen] = np.log((1 + n) / (1 + df[seen])) + 1.0
    return idf


@dataclass(frozen=True)
class CodeModel:
    """One code's classifier: sparse weights, intercept and its Platt calibration."""

    key: str
    index: np.ndarray
    weight: np.ndarray
    intercept: float
    platt_a: float
    platt_b: float
    calibrated: bool
    positives: int
    #: The probability from which the code is suggested: the one that gave the best F1 on
    #: held-out transcripts during training (0.5 when it could not be measured).
    threshold: float = 0.5

    def probabilities(self, rows: csr_matrix) -> np.ndarray:
        """Calibrated probability that a coder would apply this code to each row."""
        scores = rows[:, self.index] @ self.weight + self.intercept
        return 1.0 / (1.0 + np.exp(-(self.platt_a * np.asarray(scores).ravel() + self.platt_b)))


@dataclass(frozen=True)
class LearnedModel:
    """The classifiers of one scheme's codes and the weighting they were learned with."""

    idf_index: np.ndarray
    idf_value: np.ndarray
    codes: tuple[CodeModel, ...]
    units: int

    def _idf(self) -> np.ndarray:
        idf = np.zeros(_WORD_FEATURES + _CHAR_FEATURES)
        idf[self.idf_index] = self.idf_value
        return idf

    def probabilities(self, features: Features) -> dict[str, np.ndarray]:
        """Per code key, the calibrated probabilities of each unit (row of ``features``)."""
        rows = _weighted(features, self._idf()).tocsc()
        return {code.key: code.probabilities(rows) for code in self.codes}

    def to_bytes(self) -> bytes:
        """The model as compressed numeric arrays (no pickled objects)."""
        arrays: dict[str, np.ndarray] = {
            "idf_index": self.idf_index.astype(np.int32),
            "idf_value": self.idf_value.astype(np.float32),
            "units": np.array([self.units], dtype=np.int64),
            "keys": np.array([code.key for code in self.codes], dtype=np.str_),
            "scalars": np.array(
                [
                    [
                        c.intercept,
                        c.platt_a,
                        c.platt_b,
                        float(c.calibrated),
                        c.positives,
                        c.threshold,
                    ]
                    for c in self.codes
                ],
                dtype=np.float64,
            ).reshape(len(self.codes), 6),
            "offsets": np.cumsum([0] + [len(c.index) for c in self.codes]).astype(np.int64),
        }
        arrays["index"] = np.concatenate([c.index for c in self.codes] or [np.empty(0)]).astype(
            np.int32
        )
        arrays["weight"] = np.concatenate([c.weight for c in self.codes] or [np.empty(0)]).astype(
            np.float32
        )
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LearnedModel:
        """Read a model written by :meth:`to_bytes`; refuses anything that is not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            offsets = arrays["offsets"]
            codes = tuple(
                CodeModel(
                    str(key),
                    arrays["index"][offsets[i] : offsets[i + 1]].astype(np.int64),
                    arrays["weight"][offsets[i] : offsets[i + 1]].astype(np.float64),
                    float(scalars[0]),
                    float(scalars[1]),
                    float(scalars[2]),
                    bool(scalars[3]),
                    int(scalars[4]),
                    float(scalars[5]),
                )
                for i, (key, scalars) in enumerate(
                    zip(arrays["keys"], arrays["scalars"], strict=True)
                )
            )
            return cls(
                arrays["idf_index"].astype(np.int64),
                arrays["idf_value"].astype(np.float64),
                codes,
                int(arrays["units"][0]),
            )
        except (ValueError, KeyError, OSError, IndexError, EOFError, zipfile.BadZipFile) as exc:
            raise InvalidInput("The stored suggestion model is damaged; train it again.") from exc


def _platt(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float] | None:
    """Platt scaling of held-out scores: (a, b) with p = 1 / (1 + exp(-(a s + b)))."""
    from sklearn.linear_model import LogisticRegression

    if labels.min() == labels.max():
        return None
    fitted = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), labels)
    return float(fitted.coef_[0, 0]), float(fitted.intercept_[0])


def _best_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The probability cut-off with the highest F1 on held-out rows (ties: the higher one)."""
    order = np.argsort(-probabilities, kind="stable")
    ranked, truth = probabilities[order], labels[order] == 1
    tp = np.cumsum(truth)
    f1 = 2 * tp / (np.arange(1, len(ranked) + 1) + truth.sum())
    # only cut between distinct probabilities
    last = np.r_[ranked[1:] != ranked[:-1], True]
    f1 = np.where(last, f1, -1.0)
    best = int(np.argmax(f1))
    return float(min(max(ranked[best], 0.05), 0.95))


def _classifier():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=_C, class_weight="balanced", solver="liblinear", dual=True)


def _held_out_scores(rows: csr_matrix, labels: np.ndarray, groups: np.ndarray) -> np.ndarray | None:
    """Each row's score from a classifier fitted without its transcript (3 folds), if possible."""
    from sklearn.model_selection import GroupKFold

    positive_groups = np.unique(groups[labels == 1])
    if len(positive_groups) < 2 or len(np.unique(groups)) < 3:
        return None
    scores = np.zeros(len(labels))
    for train, test in GroupKFold(n_splits=3).split(rows, labels, groups):
        if labels[train].min() == labels[train].max():
            return None
        scores[test] = _classifier().fit(rows[train], labels[train]).decision_function(rows[test])
    return scores


def fit_model(
    features: Features,
    labels: dict[str, np.ndarray],
    groups: np.ndarray,
    *,
    calibrate: bool = True,
) -> LearnedModel:
    """Fit one calibrated classifier per code.

    Parameters
    ----------
    features : Features
        The training rows (a unit as one coder saw it: a unit coded by two coders is two rows).
    labels : dict of code key -> array
        Per row 1 (the coder applied the code), 0 (did not, or rejected a suggestion of it)
        or -1 (unknown: not a training row for this code).
    groups : array
        Each row's transcript, so calibration never scores a transcript it learned from.
    calibrate : bool
        False skips Platt scaling (inside cross-validation, where only the ranking counts).

    Codes with fewer than :data:`MIN_POSITIVES` positive rows get no classifier.
    """
    idf = _idf(features)
    # Fit on the columns that occur in training only (a few ten thousand of the 2^19 hashed
    # ones): the solver's work grows with the number of columns.
    columns = np.flatnonzero(idf)
    rows = _weighted(features, idf)[:, columns]
    codes = []
    for key, y in labels.items():
        known = y >= 0
        positives = int((y == 1).sum())
        if positives < MIN_POSITIVES or positives == int(known.sum()):
            continue
        x, target, group = rows[known], y[known], groups[known]
        fitted = _classifier().fit(x, target)
        weight = fitted.coef_.ravel()
        nonzero = np.flatnonzero(weight)
        used, weight = columns[nonzero], weight[nonzero]
        platt, threshold = None, 0.5
        if calibrate:
            held_out = _held_out_scores(x, target, group)
            if held_out is not None:
                platt = _platt(held_out, target)
            if platt is not None:
                probabilities = 1.0 / (1.0 + np.exp(-(platt[0] * held_out + platt[1])))
                threshold = _best_threshold(probabilities, target)
        a, b = platt if platt is not None else (1.0, 0.0)
        codes.append(
            CodeModel(
                key,
                used,
                weight,
                float(fitted.intercept_[0]),
                a,
                b,
                platt is not None,
                positives,
                threshold,
            )
        )
    return LearnedModel(columns, idf[columns], tuple(codes), int(features.counts.shape[0]))
