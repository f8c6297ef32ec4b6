"""The Reliability page's section on learned suggestions: their agreement with each coder."""

from __future__ import annotations

import math

import streamlit as st

from study.errors import StudyError
from study.interviews.coding import blind_state
from study.interviews.learning import ALPHA_FLOOR, model_info
from study.reliability.suggestions import SuggestionQuality, evaluate_suggestions
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database


def _measure(scheme: str, coder_ids: list[int | None]) -> None:
    results = []
    try:
        for coder_id in coder_ids:
            with database().transaction() as session:
                results.append(
                    evaluate_suggestions(
                        session, scheme, viewer=current_account(), coder_id=coder_id
                    )
                )
    except StudyError as exc:
        st.session_state["rel_suggest_error"] = str(exc)
        return
    st.session_state.pop("rel_suggest_error", None)
    st.session_state[f"rel_suggest_{scheme}"] = results


def _show(quality: SuggestionQuality) -> None:
    coders = {name for c in quality.codes if c.model for name in c.model.alpha_by_coder}
    scope = (
        "All coders' model"
        if quality.scope == "team"
        else f"{next(iter(coders), quality.scope)}'s own model"
    )
    st.markdown(
        f"**{markdown_literal(scope)}**: {quality.transcripts} transcripts, "
        f"{quality.units} {quality.unit}s, {quality.folds} folds by transcript. "
        f"Macro F1: model **{quality.macro_f1:.2f}**, keywords **{quality.keyword_macro_f1:.2f}**."
        if math.isfinite(quality.macro_f1)
        else "No code has enough codings to learn from yet."
    )
    st.dataframe(quality.frame().style.format(precision=2, na_rep=""), hide_index=True)


def suggestion_quality(scheme: str, coder_ids: list[int]) -> None:
    """How far learned suggestions agree with each coder, beside the keyword suggestions."""
    with database().transaction() as session:
        blind = blind_state(session, scheme, viewer=current_account()).blind
    st.header("Learned suggestions, measured like a coder")
    st.caption(
        "A model learned from the coders' codings suggests passages in the workbench. Here it "
        "is scored on transcripts it did not learn from (cross-validated by transcript): "
        f"precision, recall, F1 and Krippendorff's α with each coder. A code's suggestions "
        f"stay off while its α is under {ALPHA_FLOOR}. The keyword suggestions are the baseline."
        + (
            " The scheme is blind: each coder's model learns from their codings only."
            if blind
            else ""
        )
    )
    scopes: list[int | None] = list(coder_ids) if blind else [None]
    stored = None
    if scopes and (scopes[0] is not None or not blind):
        with database().transaction() as session:
            stored = model_info(session, scheme, viewer=current_account(), coder_id=scopes[0])
    if stored is not None:
        st.caption(
            f"Stored model: trained {stored.trained_at:%Y-%m-%d %H:%M} UTC on {stored.codings} "
            f"codings" + (" (codings have changed since)." if stored.stale else ".")
        )
    st.button(
        "Measure the suggestions",
        key="rel_suggest_measure",
        on_click=_measure,
        args=(scheme, scopes),
        help="Trains on all but one fold of transcripts at a time; takes seconds to a minute.",
    )
    if error := st.session_state.get("rel_suggest_error"):
        st.error(error)
    for quality in st.session_state.get(f"rel_suggest_{scheme}", []):
        _show(quality)
