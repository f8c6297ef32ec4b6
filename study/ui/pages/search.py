"""Search page: find words and phrases in the transcripts, shown keyword-in-context.

A hit opens the coding workbench at its passage; "code all hits" applies a
code to the selected hits as one batch, with a preview first and Undo after.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from study.admin.organisations import list_organisations
from study.db.models import INTERVIEWEE_ROLES
from study.interviews.coding import code_passages, list_codes, list_schemes, undo_last
from study.interviews.search import search_transcripts
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import code_choice, coded_all

ALL = "All"
COLUMNS = [
    "transcript",
    "organisation",
    "role",
    "speaker",
    "left",
    "match",
    "right",
    "start",
    "end",
]


def render() -> None:
    """Read the query and filters, run the search, show the hits."""
    st.title("Search transcripts")
    st.caption(
        'All words must occur in the same turn; "quoted words" must occur together; '
        "engag* finds every word starting with engag."
    )
    with errors_shown(stop=True), database().transaction() as session:
        organisations = [o.name for o in list_organisations(session, viewer=current_account())]
    query = st.text_input("Search for", key="search_query", placeholder='e.g. "daily routine"')
    columns = st.columns([3, 2, 2, 1])
    organisation = columns[0].selectbox("Organisation", [ALL, *organisations], key="search_org")
    role = columns[1].selectbox("Interviewee role", [ALL, *INTERVIEWEE_ROLES], key="search_role")
    speaker = columns[2].text_input(
        "Speaker", key="search_speaker", help="Exactly as in the transcript, e.g. Interviewer."
    )
    limit = columns[3].number_input(
        "At most", min_value=1, max_value=10_000, value=200, step=50, key="search_limit"
    )
    if not query.strip():
        return
    with errors_shown(stop=True), database().transaction() as session:
        hits = search_transcripts(
            session,
            query,
            organisation=None if organisation == ALL else organisation,
            role=None if role == ALL else role,
            speaker=speaker.strip() or None,
            limit=int(limit),
            viewer=current_account(),
        )
    if not hits:
        st.info("No hits.")
        return
    st.caption(
        f"{len(hits)} hit{'s' if len(hits) != 1 else ''}"
        + (" (the limit; there may be more)" if len(hits) == limit else "")
        + "."
    )
    frame = pd.DataFrame([hit.as_dict() for hit in hits], columns=COLUMNS)
    for column in ("left", "match", "right"):
        frame[column] = frame[column].str.replace("\n", " ", regex=False)
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="search_table",
        on_select="rerun",
        selection_mode="multi-row",
        column_config={
            "left": st.column_config.TextColumn("left", width="medium"),
            "right": st.column_config.TextColumn("right", width="medium"),
        },
    )
    rows = list(event.selection.rows) if event is not None else []
    chosen = [hits[i] for i in rows if i < len(hits)]
    st.caption(
        "Select hits (the boxes on the left) to open one in the workbench or to code "
        "them all at once."
    )
    _hit_actions(chosen)


def _open(hit) -> None:
    st.session_state["wb_goto"] = {
        "transcript_id": hit.transcript_id,
        "start": hit.start,
        "end": hit.end,
    }


def _hit_actions(chosen: list) -> None:
    flash = st.session_state.pop("search_flash", None)
    if flash:
        getattr(st, flash[0])(flash[1])
    account = current_account()
    if st.session_state.get("search_batch") and st.button(
        "Undo the last “code all hits”", key="search_undo", icon=":material/undo:"
    ):
        with errors_shown(), database().transaction() as session:
            result = undo_last(session, account.id)
        st.session_state.pop("search_batch", None)
        st.session_state["search_flash"] = (
            "success",
            result.sentence if result else "Nothing to undo.",
        )
        st.rerun()
    if not chosen:
        return
    if st.button(
        f"Open “{chosen[0].match[:40]}” in the coding workbench",
        key="search_open",
        icon=":material/ink_highlighter:",
    ):
        _open(chosen[0])
        st.switch_page("study/ui/pages/workbench.py")
    with errors_shown(stop=True), database().transaction() as session:
        schemes = [s for s in list_schemes(session, viewer=current_account()) if s.active]
        if not schemes:
            return
        by_id = {s.id: s for s in schemes}
        left, right = st.columns(2)
        scheme_id = left.selectbox(
            "Coding scheme", list(by_id), key="search_scheme", format_func=lambda i: by_id[i].title
        )
        codes = {c.id: c for c in list_codes(session, scheme_id, viewer=current_account())}
    code_id = code_choice(
        right, "Code", codes, key="search_code", placeholder="Choose the code for the selected hits"
    )
    if code_id is None:
        return
    with st.container(border=True):
        st.markdown(
            f"**Preview: {len(chosen)} passage{'s' if len(chosen) != 1 else ''} "
            "would be coded with**"
        )
        st.text(codes[code_id].name)
        for hit in chosen[:8]:
            st.text(f"{hit.transcript} · {hit.match}")
        if len(chosen) > 8:
            st.caption(f"… and {len(chosen) - 8} more.")
        if st.button(f"Code all {len(chosen)} hits", key="search_code_all", type="primary"):
            with errors_shown(), database().transaction() as session:
                added, skipped = code_passages(
                    session,
                    [(h.transcript_id, h.start, h.end) for h in chosen],
                    code_id=code_id,
                    coder_id=account.id,
                    actor=account.id,
                )
                st.session_state["search_batch"] = True
                st.session_state["search_flash"] = (
                    "success",
                    coded_all(len(added), skipped, "hits"),
                )
            st.rerun()


render()
