"""Coding workbench: select any passage of a transcript with the mouse and apply codes to it.

The transcript is drawn by the span selector component (study/ui/components);
every change goes through :mod:`study.interviews.coding`, which checks permissions and
writes the audit log. Session state holds ids and UI choices only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import streamlit as st

from study.errors import StudyError
from study.interviews.coding import (add_coding, add_memo, code_turn, list_codes, list_codings,
                                     list_memos, list_schemes, recode, remove_coding)
from study.interviews.suggestions import LANGUAGES, suggest_passages
from study.interviews.transcripts.store import TranscriptInfo
from study.ui.components.span_selector import span_selector
from study.ui.components.span_view import build_span_view, tidy_span
from study.ui.components.transcript_source import (TranscriptText, load_transcript,
                                                   transcript_choices)
from study.ui.components.workbench_data import (INTERVIEWER_NAMES, coder_label, coding_marks,
                                                pending_suggestions, scheme_for_suggestions,
                                                suggestion_marks, view_version)
from study.ui.state import current_account, database, errors_shown

LABELS = {"code_turn": "Code turn", "accept": "Accept", "reject": "Reject",
          "suggested": "Suggested",
          "code_turn_help": "Apply the chosen codes to this whole turn (or select it)"}
SELECTOR_KEY = "wb_selector"
QUOTE_LIMIT = 600


@dataclass(frozen=True)
class Context:
    """What a callback needs to act on what the coder saw in the previous run."""

    account_id: int
    transcript: TranscriptText
    scheme_id: int
    version: str
    code_names: dict[int, str]
    pending: dict[str, Any] = field(default_factory=dict)


# -- state ------------------------------------------------------------------

def _flash(kind: str, message: str) -> None:
    st.session_state["wb_flash"] = (kind, message)


def _selection(ctx: Context) -> dict[str, int] | None:
    """The coder's current selection, if it belongs to the transcript as it is drawn now."""
    chosen = st.session_state.get("wb_selection")
    if chosen and chosen.get("version") == ctx.version:
        return chosen
    return None


def _select(ctx: Context, start: int, end: int, *, turn: int | None = None) -> None:
    start, end = tidy_span(ctx.transcript.text, start, end)
    if end <= start:
        st.session_state.pop("wb_selection", None)
        return
    st.session_state["wb_selection"] = {"version": ctx.version, "start": start, "end": end,
                                        "turn": turn}


# -- actions: each goes through study.interviews.coding in its own transaction ---------

def _apply(ctx: Context, start: int, end: int, code_ids: list[int], *,
           turn: int | None = None, origin: str = "manual") -> None:
    done, problems = [], []
    for code_id in code_ids:
        try:
            with database().transaction() as session:
                if turn is not None:
                    code_turn(session, transcript_id=ctx.transcript.id, code_id=code_id,
                              coder_id=ctx.account_id, position=turn, origin=origin,
                              actor_id=ctx.account_id)
                else:
                    add_coding(session, transcript_id=ctx.transcript.id, start=start, end=end,
                               code_id=code_id, coder_id=ctx.account_id, origin=origin,
                               actor_id=ctx.account_id)
            done.append(ctx.code_names.get(code_id, str(code_id)))
        except StudyError as exc:
            problems.append(f"{ctx.code_names.get(code_id, code_id)}: {exc}")
    if problems:
        _flash("error", " ".join(problems))
    elif done:
        _flash("success", f"Coded with {', '.join(done)}.")
    if done:  # the drawn transcript changes, which drops the selection in the browser too
        st.session_state.pop("wb_selection", None)


def _on_apply(ctx: Context) -> None:
    chosen = _selection(ctx)
    codes = list(st.session_state.get("wb_codes") or [])
    if chosen is None or not codes:
        _flash("warning", "Select a passage and choose at least one code first.")
        return
    _apply(ctx, chosen["start"], chosen["end"], codes, turn=chosen.get("turn"))


def _on_action(ctx: Context) -> None:
    """The span selector reported a selection, a turn, a chip click or a suggestion answer."""
    action = (st.session_state.get(SELECTOR_KEY) or {}).get("action") or {}
    kind = action.get("type")
    if kind == "select":
        _select(ctx, int(action["start"]), int(action["end"]))
    elif kind == "turn":
        position = ctx.transcript.positions[int(action["n"])]
        codes = list(st.session_state.get("wb_codes") or [])
        if codes and position is not None:
            _apply(ctx, int(action["start"]), int(action["end"]), codes, turn=position)
        else:
            _select(ctx, int(action["start"]), int(action["end"]), turn=position)
            _flash("info", "Turn selected: choose codes and press Apply.")
    elif kind == "clear":
        st.session_state.pop("wb_selection", None)
    elif kind == "mark" and action.get("kind") in ("mine", "other"):
        st.session_state.pop("wb_selection", None)
        st.session_state["wb_coding"] = int(action["ref"])
    elif kind in ("accept", "reject"):
        _answer_suggestion(ctx, str(action["ref"]), accept=kind == "accept")


def _answer_suggestion(ctx: Context, key: str, *, accept: bool) -> None:
    suggestion = ctx.pending.get(key)
    if suggestion is None:
        return
    if accept:
        _apply(ctx, suggestion.start, suggestion.end, [suggestion.code_id], origin="suggestion")
    else:
        rejected = set(st.session_state.get("wb_rejected") or [])
        st.session_state["wb_rejected"] = sorted(rejected | {key})


def _on_remove(ctx: Context, coding_id: int) -> None:
    try:
        with database().transaction() as session:
            remove_coding(session, coding_id, actor_id=ctx.account_id)
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
            info = recode(session, coding_id, int(new_code), actor_id=ctx.account_id)
        _flash("success", f"Recoded as {info.code_name}.")
    except StudyError as exc:
        _flash("error", str(exc))


def _on_memo(ctx: Context, field_key: str, **target: int) -> None:
    text = (st.session_state.get(field_key) or "").strip()
    if not text:
        return
    try:
        with database().transaction() as session:
            add_memo(session, text=text, author_id=ctx.account_id, **target)
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
def _suggestions(transcript_key: str, scheme_id: int, language: str, _transcript: TranscriptText,
                 _codes: tuple) -> list:
    excluded = {t.speaker for t in _transcript.turns
                if (t.speaker or "").strip().casefold() in INTERVIEWER_NAMES}
    scheme = scheme_for_suggestions(str(scheme_id), _codes)
    return suggest_passages(_transcript.text, _transcript.turns, scheme, language=language,
                            exclude_speakers=excluded)


# -- page --------------------------------------------------------------------

def _choose() -> tuple[TranscriptInfo, int, bool, bool] | None:
    """The transcript, scheme and view switches the coder chose (or None when there is nothing)."""
    with errors_shown(stop=True), database().transaction() as session:
        choices = transcript_choices(session)
        schemes = [s for s in list_schemes(session) if s.active]
    if not choices:
        st.info("No transcripts yet. A researcher imports interviews on the Transcripts page "
                "or with `study import transcript FILE`.")
        return None
    if not schemes:
        st.info("No coding scheme is loaded. A researcher loads one with "
                "`study schemes load coding_schemes/ism-adoption-challenges.yaml`.")
        return None
    organisations = sorted({c.organisation for c in choices})
    top = st.columns([2, 3, 3, 1.7], vertical_alignment="bottom")
    organisation = top[0].selectbox("Organisation", organisations, key="wb_org")
    in_org = {c.id: c for c in choices if c.organisation == organisation}
    if st.session_state.get("wb_transcript") not in in_org:
        st.session_state.pop("wb_transcript", None)
    transcript_id = top[1].selectbox(
        "Transcript", list(in_org), key="wb_transcript",
        format_func=lambda i: f"{in_org[i].name} ({in_org[i].role}, {in_org[i].language})")
    by_id = {s.id: s for s in schemes}
    scheme_id = top[2].selectbox("Coding scheme", list(by_id), key="wb_scheme",
                                 format_func=lambda i: f"{by_id[i].title} (v{by_id[i].version})")
    with top[3]:
        others = st.toggle("All coders", key="wb_others",
                           help="Blind coding: you see only your own codings unless you "
                                "switch this on.")
        suggest = st.toggle("Suggestions", key="wb_suggest",
                            help="Mark sentences that contain a code's keywords; you accept "
                                 "or reject each one.")
    return in_org[transcript_id], scheme_id, others, suggest


def render() -> None:
    """Show the chosen transcript with its codings beside the coding panel."""
    account = current_account()
    st.title("Coding workbench")
    chosen = _choose()
    if chosen is None:
        return
    info, scheme_id, others, suggest = chosen
    transcript_id = info.id
    with errors_shown(stop=True), database().transaction() as session:
        transcript = load_transcript(session, info)
        codings = list_codings(session, transcript_id=transcript_id,
                               coder_ids=None if others else [account.id])
        codes = list_codes(session, scheme_id)
        colours = {c.id: c.colour for c in list_codes(session)}
        colours.update({c.id: c.colour for c in codes})
        memos_on = list_memos(session, transcript_id=transcript_id, include_codings=True,
                              author_ids=None if others else [account.id])
    coder_names = ({int(i): coder_label(str(e)) for i, e in zip(codings["coder_id"],
                                                                 codings["coder"])}
                   if others else None)
    marks = coding_marks(codings, colours, me=account.id, coder_names=coder_names)
    pending = []
    if suggest:
        language = transcript.language if transcript.language in LANGUAGES else "en"
        found = _suggestions(f"{transcript.id}:{transcript.sha256}", scheme_id, language,
                             transcript, tuple(codes))
        pending = pending_suggestions(found, {c.key: c for c in codes}, scheme_id=scheme_id,
                                      rejected=set(st.session_state.get("wb_rejected") or []),
                                      codings=codings, me=account.id)
        marks = marks + suggestion_marks(pending)
    version = view_version(transcript.id, transcript.sha256, marks)
    view = _view(version, transcript, tuple(marks))
    ctx = Context(account.id, transcript, scheme_id, version, {c.id: c.name for c in codes},
                  {p.key: p for p in pending})

    left, right = st.columns([3, 1], gap="medium")
    with left:
        span_selector(view, key=SELECTOR_KEY, on_action=partial(_on_action, ctx))
        st.caption(f"{len(transcript.turns)} turns · {len(codings)} codings shown · "
                   "select text with the mouse; click a chip to open a coding.")
    with right:
        flash = st.session_state.pop("wb_flash", None)
        if flash:
            getattr(st, flash[0])(flash[1])
        tab_code, tab_suggest, tab_memos = st.tabs(["Code", "Suggestions", "Memos"])
        with tab_code:
            _coding_panel(ctx, account, codes, codings, memos_on)
        with tab_suggest:
            _suggestion_panel(ctx, pending, suggest)
        with tab_memos:
            _memo_panel(ctx, codes, memos_on)


def _code_label(codes_by_id: dict[int, Any], code_id: int) -> str:
    code = codes_by_id[code_id]
    return ("↳ " * code.depth) + code.name


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + " …"


def _coding_panel(ctx: Context, account, codes: list, codings, memos: list) -> None:
    codes_by_id = {c.id: c for c in codes}
    chosen = _selection(ctx)
    st.markdown("**Selected passage**")
    if chosen:
        # Transcript text goes through st.text: never interpreted as Markdown or HTML.
        st.text(_quote(ctx.transcript.text[chosen["start"]:chosen["end"]]))
        where = "whole turn" if chosen.get("turn") is not None else "passage"
        st.caption(f"{where}: characters {chosen['start']}–{chosen['end']} · "
                   "click plain text or press Esc to drop it")
    else:
        st.caption("Select a passage with the mouse, or press “Code turn” beside a turn.")
    st.multiselect("Codes", list(codes_by_id), key="wb_codes", placeholder="Choose codes",
                   format_func=partial(_code_label, codes_by_id))
    st.button("Apply", type="primary", icon=":material/sell:", width="stretch",
              disabled=chosen is None, on_click=_on_apply, args=(ctx,))

    st.divider()
    labels = {int(i): f"{name} · “{text[:40]}”" for i, name, text in
              zip(codings["id"], codings["code_name"], codings["text"])}
    if st.session_state.get("wb_coding") not in labels:
        st.session_state.pop("wb_coding", None)
    coding_id = st.selectbox("Open a coding", list(labels), key="wb_coding", index=None,
                             placeholder="Click a chip beside the text, or choose",
                             format_func=labels.get)
    if coding_id is None:
        return
    row = next(codings[codings["id"] == coding_id].itertuples(index=False))
    mine = int(row.coder_id) == account.id
    st.text(_quote(str(row.text)))
    st.caption(f"{row.code_name} · coded by {coder_label(str(row.coder))} · {row.origin}")
    may_change = mine or account.role != "coder"
    st.selectbox("Recode as", [c for c in codes_by_id if c != int(row.code_id)], key="wb_recode",
                 index=None, placeholder="Choose another code",
                 format_func=partial(_code_label, codes_by_id), disabled=not may_change)
    left, right = st.columns(2)
    left.button("Recode", width="stretch", disabled=not may_change,
                on_click=_on_recode, args=(ctx, coding_id))
    right.button("Remove coding", icon=":material/delete:", width="stretch",
                 disabled=not may_change, on_click=_on_remove, args=(ctx, coding_id))
    _memo_list([m for m in memos if m.coding_id == coding_id])
    st.text_area("Memo on this coding", key="wb_memo_coding", height=80)
    st.button("Add memo", key="wb_add_coding_memo", on_click=_on_memo,
              args=(ctx, "wb_memo_coding"), kwargs={"coding_id": coding_id})


def _suggestion_panel(ctx: Context, pending: list, enabled: bool) -> None:
    if not enabled:
        st.caption("Switch on “Suggestions” above to see sentences that contain a "
                   "code's keywords. Nothing is coded until you accept it.")
        return
    if not pending:
        st.caption("No open suggestions for this scheme.")
        return
    st.caption(f"{len(pending)} open suggestions; accepted ones become your codings, "
               "rejected ones are hidden for this session.")
    for suggestion in pending[:12]:
        with st.container(border=True):
            st.caption(f"{suggestion.code_name} · keyword “{suggestion.keyword}”")
            st.text(_quote(suggestion.sentence))
            left, right = st.columns(2)
            left.button("Accept", key=f"wb_accept_{suggestion.key}", width="stretch",
                        on_click=_answer_suggestion, args=(ctx, suggestion.key),
                        kwargs={"accept": True})
            right.button("Reject", key=f"wb_reject_{suggestion.key}", width="stretch",
                         on_click=_answer_suggestion, args=(ctx, suggestion.key),
                         kwargs={"accept": False})


def _memo_list(memos: list) -> None:
    for memo in memos:
        st.caption(f"{memo.author or 'unknown'} · {memo.updated_at:%Y-%m-%d %H:%M}")
        st.text(memo.text)


def _memo_panel(ctx: Context, codes: list, memos: list) -> None:
    st.markdown("**Memos on this transcript**")
    _memo_list([m for m in memos if m.transcript_id == ctx.transcript.id])
    st.text_area("New memo on the transcript", key="wb_memo_transcript", height=80)
    st.button("Add memo", key="wb_add_transcript_memo", on_click=_on_memo,
              args=(ctx, "wb_memo_transcript"), kwargs={"transcript_id": ctx.transcript.id})
    st.divider()
    codes_by_id = {c.id: c for c in codes}
    code_id = st.selectbox("Memos on a code", list(codes_by_id), key="wb_memo_code_id",
                           index=None, placeholder="Choose a code",
                           format_func=partial(_code_label, codes_by_id))
    if code_id is None:
        return
    with errors_shown(), database().transaction() as session:
        author_ids = None if st.session_state.get("wb_others") else [ctx.account_id]
        _memo_list(list_memos(session, code_id=code_id, author_ids=author_ids))
    st.text_area("New memo on the code", key="wb_memo_code", height=80)
    st.button("Add memo", key="wb_add_code_memo", on_click=_on_memo,
              args=(ctx, "wb_memo_code"), kwargs={"code_id": code_id})


render()
