"""The workbench's learned suggestions: what the model proposes here, its switches and thresholds.

Models are (re)trained in a background thread of the app process when the codings they
learn from have changed, and measured at once, so each code's suggestions are on or off by
their agreement with the coders (:data:`study.interviews.learning.ALPHA_FLOOR`). The old
model serves meanwhile. Answers go through the library: an accepted suggestion is a coding
with origin "suggested", a rejected one is stored and teaches the next model.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import streamlit as st

from study.errors import StudyError
from study.interviews.coding import code_passages, undo_last
from study.interviews.coding.workbench_data import PendingSuggestion
from study.interviews.learning import (
    LearnedSuggestion,
    learned_suggestions,
    model_info,
    reject_suggestion,
)
from study.reliability.suggestions import evaluate_suggestions
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database
from study.ui.widgets import coded_all

logger = logging.getLogger(__name__)
PREFIX = "L:"
_RUNNING: dict[tuple[str, int, int | None], threading.Thread] = {}
_LOCK = threading.Lock()


def is_learned(key: str) -> bool:
    """Whether a suggestion key names a learned suggestion (not a keyword one)."""
    return key.startswith(PREFIX)


def _train(url_key: str, scheme_id: int, account: Any) -> None:
    try:
        with database().transaction() as session:
            evaluate_suggestions(session, scheme_id, viewer=account)
    except StudyError:
        pass  # too few codings yet: the next change tries again
    except Exception:  # noqa: BLE001 - a background thread has no page to show it on
        logger.exception("Learning coding suggestions in the background failed")
    finally:
        with _LOCK:
            _RUNNING.pop((url_key, scheme_id, account.id), None)


def refresh(scheme_id: int, account: Any) -> str:
    """Start retraining in the background if the model is missing or stale; say how it stands."""
    with database().transaction() as session:
        info = model_info(session, scheme_id, viewer=account)
    if info is not None and not info.stale and info.quality:
        return f"Learned from {info.codings} codings on {info.trained_at:%Y-%m-%d %H:%M} UTC."
    key = (database().url, scheme_id, account.id)
    with _LOCK:
        if key not in _RUNNING:
            # Not a daemon: the app's shutdown waits for a training to finish rather than
            # stopping it inside the solver.
            thread = threading.Thread(
                target=_train, args=(database().url, scheme_id, account), name="learn-suggestions"
            )
            _RUNNING[key] = thread
            thread.start()
    if info is None:
        return "Learning from the codings in the background; suggestions appear on a later visit."
    return "The codings changed: learning again in the background; the last model serves meanwhile."


def wait(timeout: float = 120.0) -> None:
    """Wait for background trainings to finish (tests, before their database goes)."""
    with _LOCK:
        running = list(_RUNNING.values())
    for thread in running:
        thread.join(timeout)


def pending(
    transcript_id: int, scheme_id: int, account: Any
) -> tuple[list[PendingSuggestion], list[LearnedSuggestion]]:
    """Learned suggestions to show (codes on, above their threshold) and every one found."""
    thresholds = dict(st.session_state.get("wb_thresholds") or {})
    switched = dict(st.session_state.get("wb_learned_on") or {})
    with database().transaction() as session:
        found = learned_suggestions(
            session, transcript_id, scheme_id, viewer=account, thresholds=thresholds or None
        )
    shown = [
        PendingSuggestion(
            f"{PREFIX}{scheme_id}:{s.code_key}:{s.start}:{s.end}",
            s.code_id,
            s.code_name,
            s.colour,
            s.start,
            s.end,
            f"learned, {s.probability:.0%}",
            s.text,
        )
        for s in found
        if switched.get(s.code_key, s.enabled)
    ]
    return shown, found


def reject(transcript_id: int, suggestion: PendingSuggestion, account_id: int) -> None:
    """Store a rejected learned suggestion (not offered again; a negative example)."""
    with database().transaction() as session:
        reject_suggestion(
            session,
            transcript_id=transcript_id,
            code_id=suggestion.code_id,
            start=suggestion.start,
            end=suggestion.end,
            actor=account_id,
        )


def _code_all(transcript_id: int, code_id: int, spans: list[tuple[int, int]]) -> None:
    account = current_account()
    try:
        with database().transaction() as session:
            added, skipped = code_passages(
                session,
                [(transcript_id, s, e) for s, e in spans],
                code_id=code_id,
                coder_id=account.id,
                actor=account.id,
                origin="suggested",
            )
        st.session_state["wb_learned_batch"] = True
        st.session_state["wb_flash"] = (
            "success",
            coded_all(len(added), skipped, "suggested passages"),
        )
    except StudyError as exc:
        st.session_state["wb_flash"] = ("error", str(exc))


def _undo() -> None:
    with database().transaction() as session:
        result = undo_last(session, current_account().id)
    st.session_state.pop("wb_learned_batch", None)
    st.session_state["wb_flash"] = ("success", result.sentence if result else "Nothing to undo.")


def _remember(store: str, key: str) -> None:
    """Keep a code's switch or threshold for the session (its widget goes when the code changes)."""
    values = dict(st.session_state.get(store) or {})
    widget = "wb_learned_on" if store == "wb_learned_on" else "wb_threshold"
    values[key] = st.session_state[f"{widget}:{key}"]
    st.session_state[store] = values


def controls(transcript_id: int, found: list[LearnedSuggestion], status: str) -> None:
    """Per code: on/off with the reason, a threshold slider, and "code all above threshold"."""
    st.caption(status)
    if st.session_state.get("wb_learned_batch"):
        st.button("Undo “code all”", key="wb_learned_undo", icon=":material/undo:", on_click=_undo)
    codes: dict[str, LearnedSuggestion] = {}
    for s in found:
        codes.setdefault(s.code_key, s)
    if not codes:
        st.caption("The model suggests nothing more in this transcript.")
        return
    key = st.selectbox(
        "Learned suggestions of",
        list(codes),
        key="wb_learned_code",
        format_func=lambda k: codes[k].code_name,
    )
    first = codes[key]
    switched = dict(st.session_state.get("wb_learned_on") or {})
    st.toggle(
        "Show this code's suggestions",
        value=switched.get(key, first.enabled),
        key=f"wb_learned_on:{key}",
        help=first.reason,
        on_change=_remember,
        args=("wb_learned_on", key),
    )
    st.caption(markdown_literal(first.reason[0].upper() + first.reason[1:]) + ".")
    thresholds = dict(st.session_state.get("wb_thresholds") or {})
    threshold = st.slider(
        "Threshold (probability)",
        0.05,
        0.95,
        round(float(thresholds.get(key, first.threshold)) * 20) / 20,
        0.05,
        key=f"wb_threshold:{key}",
        on_change=_remember,
        args=("wb_thresholds", key),
        help="Passages the model gives at least this probability are suggested. The "
        "default is the code's cut-off with the best F1 when it was learned.",
    )
    above = [s for s in found if s.code_key == key and s.probability >= threshold]
    with st.container(border=True):
        st.markdown(f"**Preview: {len(above)} passages at {threshold:.0%} or more**")
        for s in above[:5]:
            st.text(f"{s.probability:.0%} · {s.text[:80]}")
        if len(above) > 5:
            st.caption(f"… and {len(above) - 5} more.")
        st.button(
            f"Code all {len(above)}",
            key="wb_learned_code_all",
            disabled=not above,
            on_click=_code_all,
            args=(transcript_id, first.code_id, [(s.start, s.end) for s in above]),
        )
