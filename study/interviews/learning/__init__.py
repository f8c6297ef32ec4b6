"""Coding suggestions learned from the team's own codings, entirely on this machine.

:mod:`~study.interviews.learning.units` turns transcripts and codings into training rows,
:mod:`~study.interviews.learning.model` fits and stores one calibrated classifier per code,
:mod:`~study.interviews.learning.store` keeps models in the study and offers, accepts and
rejects suggestions. How far the suggestions agree with each coder is measured in
:mod:`study.reliability.suggestions`.
"""

from study.interviews.learning.store import (
    ALPHA_FLOOR,
    DEFAULT_THRESHOLD,
    LearnedSuggestion,
    ModelInfo,
    accept_suggestion,
    learned_suggestions,
    model_info,
    reject_suggestion,
    train_every_scope,
    train_suggestions,
)

__all__ = [
    "ALPHA_FLOOR",
    "DEFAULT_THRESHOLD",
    "LearnedSuggestion",
    "ModelInfo",
    "accept_suggestion",
    "learned_suggestions",
    "model_info",
    "reject_suggestion",
    "train_every_scope",
    "train_suggestions",
]
