"""Coding workbench: a transcript beside its code tree; select text, click a code, done.

The transcript and the tree are drawn by the span selector component
(study/ui/components): it draws a new coding at once and sends the change,
which :func:`study.interviews.coding.workbench_actions.run_actions` applies through
:mod:`study.interviews.coding` (permissions, audit log, undo); the rerun then
draws what was stored. Session state holds ids and UI choices only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import streamlit as st

from study.admin.permissions import can, sees_others_codings
from study.errors import StudyError
from study.interviews.coding import (
    add_coding,
    add_memo,
    blind_state,
    list_codes,
    list_codings,
    list_memos,
    list_schemes,
    recode,
    remove_coding,
)
from study.interviews.coding.span_view import build_span_view
from study.interviews.coding.workbench_actions import WorkbenchTarget, run_actions
from study.interviews.coding.workbench_data import (
    code_tree,
    coding_marks,
    pending_suggestions,
    scheme_for_suggestions,
    suggestion_marks,
    view_version,
)
from study.interviews.suggestions import LANGUAGES, suggest_passages
from study.interviews.transcripts.speakers import is_interviewer_label
from study.interviews.transcripts.store import TranscriptInfo
from study.ui import learned_suggestions
from study.ui.components.span_selector import span_selector
from study.ui.components.transcript_source import (
    TranscriptText,
    load_transcript,
    transcript_choices,
)
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import code_choice, scheme_choice

LABELS = {
    "code_turn": "Select turn",
    "accept": "Accept",
    "reject": "Reject",
    "suggested": "Suggested",
    "memo": "A memo is written on this coding",
    "code_turn_help": "Select this whole turn, then click a code",
    "codes": "Codes",
    "in_vivo": "In vivo",
    "in_vivo_help": "A new code named with the selected words, applied to them",
    "undo": "Undo",
    "undo_help": "Undo your last coding action (Ctrl+Z)",
    "hint": "Select text, then click a code or press 1-9. Click a coding to focus it: "
    "drag its edges to adjust, Delete removes it.",
    "hint_selected": "Click a code (or press its number) to code the selection.",
    "count_help": "Codings shown in this transcript",
    "star_help": "Favourite: the first nine favourites get the keys 1-9",
    "handle_help": "Drag to move this edge of the coding",
    "new_code": "New code",
}
SELECTOR_KEY = "wb_selector"
QUOTE_LIMIT = 600
#: Set by other pages (Search) to open a transcript at a passage:
#: {"organisation", "transcript_id", "start", "end"}.
GOTO_KEY = "wb_goto"


@dataclass(frozen=True)
class Context:
    """What a callback needs to act on what the coder saw in the previous run."""

    account_id: int
    transcript: TranscriptText
    scheme_id: int
    version: str
    code_names: dict[int, str]
    pending: dict[str, Any] = field(default_factory=dict)


def _flash(kind: str, message: str) -> None:
    st.session_state["wb_flash"] = (kind, message)


# -- actions: each goes through study.interviews.coding in its own transaction ---------


def _on_action(ctx: Context) -> None:
    """The span selector sent actions: codings made in the browser, a coding opened, ..."""
    payload = st.session_state.get(SELECTOR_KEY) or {}
    actions = (payload.get("action") or {}).get("actions") or []
    done = st.session_state.setdefault("wb_done", [])
    target = WorkbenchTarget(
        ctx.account_id, ctx.transcript.id, ctx.scheme_id, ctx.transcript.text, ctx.code_names
    )
    outcome = run_actions(database(), target, actions, done)
    if outcome.messages:
        errors = [text for kind, text in outcome.messages if kind == "error"]
        if errors:
            _flash("error", " ".join(errors))
        else:
            _flash("success", outcome.messages[-1][1])
    if outcome.open_coding is not None:
        st.session_state["wb_coding"] = outcome.open_coding
    for action in actions:
        if isinstance(action, dict) and action.get("type") in ("accept", "reject"):
            _answer_suggestion(ctx, str(action.get("ref")), accept=action["type"] == "accept")


def _answer_suggestion(ctx: Context, key: str, *, accept: bool) -> None:
    suggestion = ctx.pending.get(key)
    if suggestion is None:
        return
    learned = learned_suggestions.is_learned(key)
    try:
        if accept:
            with database().transaction() as session:
                add_coding(
                    session,
                    transcript_id=ctx.transcript.id,
                    start=suggestion.start,
                    end=suggestion.end,
                    code_id=suggestion.code_id,
                    coder_id=ctx.account_id,
                    origin="suggested" if learned else "suggestion",
                    actor=ctx.account_id,
                )
            _flash("success", f"Coded with {suggestion.code_name}.")
        else:
            if learned:
                learned_suggestions.reject(ctx.transcript.id, suggestion, ctx.account_id)
            rejected = set(st.session_state.get("wb_rejected") or [])
            st.session_state["wb_rejected"] = sorted(rejected | {key})
    except StudyError as exc:
        _flash("error", str(exc))


def _on_remove(ctx: Context, coding_id: int) -> None:
    try:
        with database().transaction() as session:
            remove_coding(session, coding_id, actor=ctx.account_id)
        st.session_state.pop("wb_coding", None)
        _flash("success", "Coding removed.")
    except StudyError as exc:
        _flash("error", str(exc))


def _on_recode(ctx: Context, coding_id: int) -> None:
    new_code = st.session_state.get("wb_recode")
    if new_code is None:
        return
    try:
        with database().transaction() as session:
            info = recode(session, coding_id, int(new_code), actor=ctx.account_id)
        _flash("success", f"Recoded as {info.code_name}.")
    except StudyError as exc:
        _flash("error", str(exc))


def _on_memo(ctx: Context, field_key: str, **target: int) -> None:
    text = (st.session_state.get(field_key) or "").strip()
    if not text:
        return
    try:
        with database().transaction() as session:
            add_memo(session, text=text, actor=ctx.account_id, **target)
        st.session_state[field_key] = ""
        _flash("success", "Memo saved.")
    except StudyError as exc:
        _flash("error", str(exc))


# -- cached, read-only pieces ------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner=False)
def _view(version: str, _transcript: TranscriptText, _marks: tuple) -> dict[str, Any]:
    """The span selector's data; one object per version, so reruns send identical data."""
    view = build_span_view(_transcript.text, _transcript.turns, _marks, version=version)
    view["labels"] = LABELS
    return view


@st.cache_resource(max_entries=16, show_spinner="Finding passages that match code keywords…")
def _suggestions(
    transcript_key: str, scheme_id: int, language: str, _transcript: TranscriptText, _codes: tuple
) -> list:
    excluded = {t.speaker for t in _transcript.turns if is_interviewer_label(t.speaker or "")}
    scheme = scheme_for_suggestions(str(scheme_id), _codes)
    return suggest_passages(
        _transcript.text, _transcript.turns, scheme, language=language, exclude_speakers=excluded
    )


# -- page --------------------------------------------------------------------


def _goto(choices: list[TranscriptInfo]) -> dict[str, Any] | None:
    """Apply a request from another page to open a transcript at a passage (once)."""
    goto = st.session_state.pop(GOTO_KEY, None)
    if not goto:
        return st.session_state.get("wb_reveal")
    found = next((c for c in choices if c.id == int(goto["transcript_id"])), None)
    if found is None:
        return None
    st.session_state["wb_org"] = found.organisation
    st.session_state[f"wb_transcript:{found.organisation}"] = found.id
    reveal = {"transcript_id": found.id, "start": int(goto["start"]), "end": int(goto["end"])}
    st.session_state["wb_reveal"] = reveal
    return reveal


def _choose(account) -> tuple[TranscriptInfo, int, bool, bool, bool] | None:
    """The transcript, scheme and view switches the coder chose (or None when there is nothing)."""
    with errors_shown(stop=True), database().transaction() as session:
        choices = transcript_choices(session, account)
        schemes = [s for s in list_schemes(session, viewer=current_account()) if s.active]
    if not choices:
        st.info(
            "No transcripts yet. A researcher imports interviews on the Transcripts page "
            "or with `study import transcripts FILE...`."
        )
        return None
    if not schemes:
        st.info(
            "No coding scheme is loaded. A researcher loads one with "
            "`study codes load coding_schemes/ism-adoption-challenges.yaml`."
        )
        return None
    _goto(choices)
    organisations = sorted({c.organisation for c in choices})
    top = st.columns([2, 3, 3, 1.7], vertical_alignment="bottom")
    organisation = top[0].selectbox("Organisation", organisations, key="wb_org")
    in_org = {c.id: c for c in choices if c.organisation == organisation}
    # One transcript box per organisation: a box shared by all kept showing the
    # first organisation's transcript after the organisation changed.
    transcript_id = top[1].selectbox(
        "Transcript",
        list(in_org),
        key=f"wb_transcript:{organisation}",
        format_func=lambda i: f"{in_org[i].name} ({in_org[i].role}, {in_org[i].language})",
    )
    scheme_id = scheme_choice(top[2], schemes, "wb_scheme")
    with errors_shown(stop=True), database().transaction() as session:
        blind = blind_state(session, scheme_id, viewer=current_account()).blind
    locked = blind and not sees_others_codings(account)
    with top[3]:
        others = st.toggle(
            "All coders",
            key="wb_others",
            disabled=locked,
            help="Show other coders' codings too. While a researcher keeps the "
            "scheme in blind mode, coders see only their own.",
        )
        suggest = st.toggle(
            "Suggestions",
            key="wb_suggest",
            help="Mark sentences that contain a code's keywords; you accept or reject each one.",
        )
        learned = st.toggle(
            "Learned",
            key="wb_learned",
            help="Mark passages a model learned from the team's codings would code "
            "(Tab: next, Enter: accept, Backspace: reject).",
        )
    return in_org[transcript_id], scheme_id, others and not locked, (suggest, learned), blind


def render() -> None:
    """Show the chosen transcript with its codings beside the code tree and the coding panel."""
    account = current_account()
    st.title("Coding workbench")
    chosen = _choose(account)
    if chosen is None:
        return
    info, scheme_id, others, (suggest, learned), blind = chosen
    transcript_id = info.id
    with errors_shown(stop=True), database().transaction() as session:
        transcript = load_transcript(session, info, account)
        # viewer: blind mode is enforced by the library, whatever the toggle says
        codings = list_codings(
            session,
            transcript_id=transcript_id,
            viewer=account,
            coder_ids=None if others else [account.id],
        )
        codes = list_codes(session, scheme_id, viewer=current_account())
        scheme_title = next(
            (s.title for s in list_schemes(session, viewer=current_account()) if s.id == scheme_id),
            "",
        )
        colours = {c.id: c.colour for c in list_codes(session, viewer=current_account())}
        colours.update({c.id: c.colour for c in codes})
        memos_on = list_memos(
            session,
            transcript_id=transcript_id,
            include_codings=True,
            viewer=account,
            author_ids=None if others else [account.id],
        )
    marks = coding_marks(
        codings,
        colours,
        me=account.id,
        named=others,
        with_memos={m.coding_id for m in memos_on if m.coding_id is not None},
    )
    pending = []
    if suggest:
        language = transcript.language if transcript.language in LANGUAGES else "en"
        found = _suggestions(
            f"{transcript.id}:{transcript.sha256}", scheme_id, language, transcript, tuple(codes)
        )
        pending = pending_suggestions(
            found,
            {c.key: c for c in codes},
            scheme_id=scheme_id,
            rejected=set(st.session_state.get("wb_rejected") or []),
            codings=codings,
            me=account.id,
        )
        marks = marks + suggestion_marks(pending)
    learned_state = None
    if learned:
        with errors_shown(stop=True):
            status = learned_suggestions.refresh(scheme_id, account)
            shown, found = learned_suggestions.pending(transcript_id, scheme_id, account)
        rejected = set(st.session_state.get("wb_rejected") or [])
        shown = [p for p in shown if p.key not in rejected]
        pending = pending + shown
        marks = marks + suggestion_marks(shown)
        learned_state = (found, status)
    version = view_version(transcript.id, transcript.sha256, marks)
    view = _view(version, transcript, tuple(marks))
    ctx = Context(
        account.id,
        transcript,
        scheme_id,
        version,
        {c.id: c.name for c in codes},
        {p.key: p for p in pending},
    )
    reveal = st.session_state.get("wb_reveal")
    data = {
        **view,
        "tree": code_tree(codes, scheme_id=scheme_id, title=scheme_title),
        "done": list(st.session_state.get("wb_done") or []),
        "reveal": (
            {"start": reveal["start"], "end": reveal["end"]}
            if reveal and reveal["transcript_id"] == transcript.id
            else None
        ),
    }

    if blind:
        st.caption(
            ":material/visibility_off: Blind coding: "
            + (
                "you see only your own codings until a researcher lifts blind mode."
                if not sees_others_codings(account)
                else "coders see only their own codings of this scheme (Codebook page)."
            )
        )
    left, right = st.columns([4, 1], gap="small")
    with left:
        span_selector(data, key=SELECTOR_KEY, on_action=partial(_on_action, ctx))
        st.caption(
            f"{len(transcript.turns)} turns · {len(codings)} codings shown · "
            "select text and click a code (or press 1-9) · Ctrl+Z undoes"
        )
    with right:
        flash = st.session_state.pop("wb_flash", None)
        if flash:
            getattr(st, flash[0])(flash[1])
        tab_code, tab_suggest, tab_memos = st.tabs(["Coding", "Suggestions", "Memos"])
        with tab_code:
            _coding_panel(ctx, account, codes, codings, memos_on)
        with tab_suggest:
            if learned_state is not None:
                learned_suggestions.controls(transcript_id, *learned_state)
            _suggestion_panel(ctx, pending, suggest or learned)
        with tab_memos:
            _memo_panel(ctx, codes, memos_on)


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + " …"


def _memo_form(ctx: Context, label: str, **target: int) -> None:
    """A memo box and its "Add memo" button for one target (``coding_id=``, ``code_id=`` ...)."""
    (name,) = target
    kind = name.removesuffix("_id")
    st.text_area(label, key=f"wb_memo_{kind}", height=80)
    st.button(
        "Add memo",
        key=f"wb_add_{kind}_memo",
        on_click=_on_memo,
        args=(ctx, f"wb_memo_{kind}"),
        kwargs=target,
    )


def _coding_panel(ctx: Context, account, codes: list, codings, memos: list) -> None:
    codes_by_id = {c.id: c for c in codes}
    labels = {
        int(i): f"{name} · “{text[:40]}”"
        for i, name, text in zip(codings["id"], codings["code_name"], codings["text"])
    }
    if st.session_state.get("wb_coding") not in labels:
        st.session_state.pop("wb_coding", None)
    coding_id = st.selectbox(
        "Open a coding",
        list(labels),
        key="wb_coding",
        index=None,
        placeholder="Click a chip beside the text, or choose",
        format_func=labels.get,
    )
    if coding_id is None:
        return
    row = next(codings[codings["id"] == coding_id].itertuples(index=False))
    mine = int(row.coder_id) == account.id
    st.text(_quote(str(row.text)))
    st.caption(
        f"{markdown_literal(row.code_name)} · coded by {markdown_literal(row.coder_name)}"
        f" · {row.origin}"
    )
    may_change = mine or can(account, "change_others_codings")
    code_choice(
        st,
        "Recode as",
        codes_by_id,
        key="wb_recode",
        placeholder="Choose another code",
        options=[c for c in codes_by_id if c != int(row.code_id)],
        disabled=not may_change,
    )
    # One button a row: the panel is narrow on a laptop (two side by side cut
    # "Remove coding" to "Re…").
    st.button(
        "Recode",
        width="stretch",
        disabled=not may_change,
        on_click=_on_recode,
        args=(ctx, coding_id),
    )
    st.button(
        "Remove coding",
        icon=":material/delete:",
        width="stretch",
        disabled=not may_change,
        on_click=_on_remove,
        args=(ctx, coding_id),
    )
    _memo_list([m for m in memos if m.coding_id == coding_id])
    _memo_form(ctx, "Memo on this coding", coding_id=coding_id)


def _suggestion_panel(ctx: Context, pending: list, enabled: bool) -> None:
    if not enabled:
        st.caption(
            "Switch on “Suggestions” above to see sentences that contain a code's "
            "keywords, or “Learned” for passages a model learned from the team's codings "
            "would code. Nothing is coded until you accept it."
        )
        return
    if not pending:
        st.caption("No open suggestions for this scheme.")
        return
    st.caption(
        f"{len(pending)} open suggestions; accepted ones become your codings. Rejected "
        "keyword suggestions are hidden for this session, rejected learned ones for good."
    )
    for suggestion in pending[:12]:
        with st.container(border=True):
            how = (
                suggestion.keyword
                if learned_suggestions.is_learned(suggestion.key)
                else f"keyword “{suggestion.keyword}”"
            )
            st.caption(f"{markdown_literal(suggestion.code_name)} · {markdown_literal(how)}")
            st.text(_quote(suggestion.sentence))
            for column, label, accept in zip(st.columns(2), ("Accept", "Reject"), (True, False)):
                column.button(
                    label,
                    key=f"wb_{label.lower()}_{suggestion.key}",
                    width="stretch",
                    on_click=_answer_suggestion,
                    args=(ctx, suggestion.key),
                    kwargs={"accept": accept},
                )


def _memo_list(memos: list) -> None:
    for memo in memos:
        st.caption(
            f"{markdown_literal(memo.author or 'unknown')} · {memo.updated_at:%Y-%m-%d %H:%M}"
        )
        st.text(memo.text)


def _memo_panel(ctx: Context, codes: list, memos: list) -> None:
    st.markdown("**Memos on this transcript**")
    _memo_list([m for m in memos if m.transcript_id == ctx.transcript.id])
    _memo_form(ctx, "New memo on the transcript", transcript_id=ctx.transcript.id)
    st.divider()
    codes_by_id = {c.id: c for c in codes}
    code_id = code_choice(
        st, "Memos on a code", codes_by_id, key="wb_memo_code_id", placeholder="Choose a code"
    )
    if code_id is None:
        return
    with errors_shown(), database().transaction() as session:
        author_ids = None if st.session_state.get("wb_others") else [ctx.account_id]
        _memo_list(
            list_memos(session, code_id=code_id, author_ids=author_ids, viewer=current_account())
        )
    _memo_form(ctx, "New memo on the code", code_id=code_id)


render()
