"""Reliability page: agreement per code, how it was computed, and the consensus workflow."""

from __future__ import annotations

import math
from functools import partial

import pandas as pd
import streamlit as st

from study.admin.accounts import AccountInfo
from study.errors import StudyError
from study.interviews.coding.schemes_store import list_schemes
from study.interviews.transcripts.store import list_transcripts, transcript_json
from study.reliability.consensus import DECISIONS, list_disagreements, resolve_disagreement
from study.reliability.report import (
    RELIABLE,
    TENTATIVE,
    ReliabilityReport,
    codings_stamp,
    reliability_report,
    scheme_coders,
)
from study.reliability.units import UNITS
from study.ui.components.consensus_view import consensus_view
from study.ui.components.span_selector import span_selector
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown
from study.ui.suggestion_quality import suggestion_quality

CONTEXT_CHARS = 200
VERDICT_LABELS = {
    "reliable": "✅ reliable",
    "tentative": "⚠️ tentative",
    "unreliable": "❌ unreliable",
    "undefined": "– undefined",
}
DECISION_LABELS = {
    "accept_a": "accepted {a}",
    "accept_b": "accepted {b}",
    "both": "kept both",
    "neither": "kept neither",
    "edit": "edited span",
}


@st.cache_data(show_spinner="Computing agreement…", max_entries=20)
def _report(
    url: str,
    scheme: str,
    unit: str,
    coders: tuple[str, ...],
    transcripts: tuple[int, ...] | None,
    stamp: tuple[int, int],
    viewer: AccountInfo,
) -> ReliabilityReport:
    """The report, cached until the codings change (``stamp``), per viewer."""
    with database().transaction() as session:
        return reliability_report(
            session,
            scheme=scheme,
            unit=unit,
            coders=list(coders),
            transcripts=list(transcripts) if transcripts else None,
            viewer=viewer,
        )


def _stamp() -> tuple[int, int]:
    with errors_shown(stop=True), database().transaction() as session:
        return codings_stamp(session)


def _number(value: float, digits: int = 3) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _show_report(report: ReliabilityReport) -> None:
    table = report.table
    shown = pd.DataFrame(
        {
            "Code": table["code_name"].astype(str).map(markdown_literal),
            "Alpha": table["alpha"].map(_number),
            "95% CI": [
                f"{_number(lo)} to {_number(hi)}" if not math.isnan(lo) else ""
                for lo, hi in zip(table["ci_low"], table["ci_high"])
            ],
            "Kappa": table["kappa"].map(_number),
            "% agreement": table["percent_agreement"].map(lambda v: _number(100 * v, 1)),
            "Units": table["units"],
            "Verdict": table["verdict"].map(VERDICT_LABELS),
        }
    )
    # A static table: every figure is in the page text (and in the DOM for tests).
    st.table(shown, hide_index=True)
    st.caption(
        f"Thresholds (Krippendorff, 2004): alpha ≥ {RELIABLE:.3f} reliable, "
        f"≥ {TENTATIVE:.3f} tentative (tentative conclusions only), below that "
        "unreliable. Blank where a number is undefined."
    )
    with st.expander("How these numbers were computed"):
        st.markdown(markdown_literal(report.method))


def _step(key: str, delta: int) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + delta


def _disagreement_view(
    scheme: str, report: ReliabilityReport, names: dict[str, str], transcript_names: dict[int, str]
) -> None:
    st.header("Disagreements and consensus")
    if len(report.coders) < 2 or not report.transcripts:
        return
    left, middle, right = st.columns(3)
    coder_a = left.selectbox("Coder A", report.coders, index=0, format_func=names.get)
    others = [c for c in report.coders if c != coder_a]
    coder_b = middle.selectbox("Coder B", others, index=0, format_func=names.get)
    transcript = right.selectbox(
        "Transcript", report.transcripts, format_func=lambda t: transcript_names.get(t, str(t))
    )
    with errors_shown(stop=True), database().transaction() as session:
        items = list_disagreements(
            session,
            scheme=scheme,
            transcript_id=transcript,
            coder_a=coder_a,
            coder_b=coder_b,
            viewer=current_account(),
        )
        text = transcript_json(session, int(transcript), viewer=current_account())["text"]
    message = st.session_state.pop("consensus_message", None)
    if message:
        st.success(message)
    problem = st.session_state.pop("consensus_error", None)
    if problem:
        st.error(problem)
    if not items:
        st.success(
            f"{markdown_literal(names[coder_a])} and {markdown_literal(names[coder_b])} "
            "agree everywhere on this transcript."
        )
        return
    key = f"disagreement:{scheme}:{transcript}:{coder_a}:{coder_b}"
    # Callbacks move the index before the page runs, so the buttons match what is shown.
    index = max(0, min(st.session_state.get(key, 0), len(items) - 1))
    st.session_state[key] = index
    back, position, forward = st.columns([1, 2, 1])
    back.button(
        "Previous disagreement",
        disabled=index == 0,
        width="stretch",
        on_click=_step,
        args=(key, -1),
    )
    forward.button(
        "Next disagreement",
        disabled=index >= len(items) - 1,
        width="stretch",
        on_click=_step,
        args=(key, 1),
    )
    item = items[index]
    resolved = sum(1 for i in items if i.decision)
    position.markdown(f"**Disagreement {index + 1} of {len(items)}** ({resolved} resolved)")
    # Names are shown in Markdown (captions, labels): escaped, so they render as typed.
    who_a, who_b = markdown_literal(names[coder_a]), markdown_literal(names[coder_b])
    code_name = markdown_literal(item.code_name)
    status = (
        DECISION_LABELS[item.decision].format(a=who_a, b=who_b)
        if item.decision
        else "not resolved yet"
    )
    st.subheader(code_name)
    st.caption(f"Characters {item.start} to {item.end}; consensus: {status}")
    with errors_shown(stop=True), database().transaction() as session:
        view = consensus_view(
            session,
            item,
            coder_a,
            coder_b,
            names={coder_a: names[coder_a], coder_b: names[coder_b]},
            viewer=current_account(),
            context=CONTEXT_CHARS,
        )
    st.caption(
        "Dotted: each coder's spans of this code, named in the chips beside the text. "
        "Solid: the consensus span; click it and drag its edges to adjust, and the "
        "edited span is saved. Or decide with the buttons below."
    )
    span_selector(
        view,
        key=f"consensus-view:{key}:{index}",
        on_action=partial(
            _on_drag, f"consensus-view:{key}:{index}", item, coder_a, coder_b, key, len(items)
        ),
    )
    col_a, col_b = st.columns(2)
    for column, coder, label in ((col_a, coder_a, who_a), (col_b, coder_b, who_b)):
        column.markdown(f"**{label}**")
        if item.coder == coder:
            column.info(f"Coded this passage as {code_name}.", icon=":material/check:")
        else:
            column.warning(f"Did not code this passage as {code_name}.", icon=":material/remove:")
    st.markdown("**Consensus version**")
    buttons = st.columns(4)
    labels = {
        "accept_a": f"Accept {who_a}",
        "accept_b": f"Accept {who_b}",
        "both": "Both",
        "neither": "Neither",
    }
    for column, decision in zip(buttons, DECISIONS[:4]):
        column.button(
            labels[decision],
            key=f"decide-{decision}",
            width="stretch",
            on_click=_resolve,
            args=(item, decision, coder_a, coder_b, None, labels[decision], key, len(items)),
        )
    with st.expander("Type the consensus span's offsets instead"):
        with st.form("edit-span"):
            start_col, end_col = st.columns(2)
            start = start_col.number_input(
                "Start", min_value=0, max_value=len(text), value=item.start, step=1
            )
            end = end_col.number_input(
                "End", min_value=0, max_value=len(text), value=item.end, step=1
            )
            if st.form_submit_button("Save edited span"):
                _resolve(
                    item,
                    "edit",
                    coder_a,
                    coder_b,
                    (int(start), int(end)),
                    "Edited span",
                    key,
                    len(items),
                )
                st.rerun()


def _on_drag(view_key: str, item, coder_a: str, coder_b: str, key: str, count: int) -> None:
    """The consensus span was dragged in the text: save it as an edited span (once per drag)."""
    payload = st.session_state.get(view_key) or {}
    done = st.session_state.setdefault("consensus_done", [])
    for action in (payload.get("action") or {}).get("actions") or []:
        action_id = str(action.get("id") or "")
        if not action_id or action_id in done:
            continue
        done.append(action_id)
        if action.get("type") == "span":
            _resolve(
                item,
                "edit",
                coder_a,
                coder_b,
                (action.get("start"), action.get("end")),
                "Dragged span",
                key,
                count,
            )
    del done[:-200]


def _resolve(
    item,
    decision: str,
    coder_a: str,
    coder_b: str,
    span: tuple[int, int] | None,
    label: str,
    key: str,
    count: int,
) -> None:
    """Save a decision, then move to the next disagreement (a callback: runs before the page)."""
    try:
        with database().transaction() as session:
            result = resolve_disagreement(
                session,
                transcript_id=item.transcript_id,
                start=item.start,
                end=item.end,
                code_id=item.code_id,
                decision=decision,
                span=span,
                coder_a=coder_a,
                coder_b=coder_b,
                actor=current_account(),
            )
    except StudyError as exc:
        st.session_state["consensus_error"] = str(exc)
        return
    spans = len(result.spans)
    st.session_state["consensus_message"] = (
        f"{label}: saved. The consensus version now codes "
        f"{markdown_literal(item.code_name)} on {spans} "
        f"passage{'s' if spans != 1 else ''} of this transcript."
    )
    if st.session_state.get(key, 0) < count - 1:
        _step(key, 1)


def render() -> None:
    """Pick scheme, coders, transcripts and unit; show agreement, then resolve disagreements."""
    st.title("Reliability")
    with errors_shown(stop=True), database().transaction() as session:
        schemes = {s.key: s.title for s in list_schemes(session, viewer=current_account())}
        transcript_names = {
            t.id: f"{t.name} ({t.organisation})"
            for t in list_transcripts(session, viewer=current_account())
        }
    if not schemes:
        st.info("Load a coding scheme and code some transcripts first.")
        return
    scheme = st.selectbox("Coding scheme", list(schemes), format_func=lambda k: schemes[k])
    with errors_shown(stop=True), database().transaction() as session:
        coders = scheme_coders(session, scheme, viewer=current_account())
    names = {c.email: c.label for c in coders}
    default = [c.email for c in coders if not c.is_consensus][:2]
    chosen = st.multiselect("Coders", list(names), default=default, format_func=names.get)
    left, right = st.columns(2)
    unit = left.selectbox(
        "Unit",
        UNITS,
        index=UNITS.index("sentence"),
        help="What one unit of agreement is: every character, sentence, "
        "speaker turn, or whole transcript.",
    )
    picked = right.multiselect(
        "Transcripts (all coded ones when empty)",
        list(transcript_names),
        format_func=transcript_names.get,
    )
    if len(chosen) < 2:
        st.info("Pick at least two coders who coded with this scheme.")
        return
    with errors_shown(stop=True):
        report = _report(
            database().url,
            scheme,
            unit,
            tuple(chosen),
            tuple(picked) if picked else None,
            _stamp(),
            current_account(),
        )
    st.caption(
        (":material/visibility_off: " if "yes" in report.blind[:20] else ":material/visibility: ")
        + report.blind
    )
    st.caption(
        f"{len(report.transcripts)} transcripts, coders: "
        f"{', '.join(markdown_literal(str(names.get(c, c))) for c in report.coders)}"
    )
    _show_report(report)
    ids = {c.email: c.id for c in coders}
    suggestion_quality(scheme, [ids[c] for c in chosen if c in ids])
    _disagreement_view(scheme, report, names, transcript_names)


render()
