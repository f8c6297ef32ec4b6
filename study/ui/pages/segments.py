"""Coded segments: every passage coded with a code (and its sub-codes), with the turn around it.

Filter by organisation, interviewee role and coder; download the passages as
.docx (a heading per code, each passage as a quote with its source) or .xlsx.
Coders see their own codings unless they choose other coders (blind coding).
"""

from __future__ import annotations

import io
from functools import partial

import pandas as pd
import streamlit as st

from study.admin.organisations import list_organisations
from study.admin.permissions import sees_others_codings
from study.db.models import INTERVIEWEE_ROLES
from study.interviews.coding import coded_segments, list_codes, list_schemes
from study.interviews.coding.exports import write_segments_docx, write_segments_xlsx
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import code_label, scheme_choice

PAGE_SIZE = 25
ALL = "All"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(write, segments: pd.DataFrame, **options) -> bytes:
    buffer = io.BytesIO()
    write(segments, buffer, **options)
    return buffer.getvalue()


def _filters(account) -> dict | None:
    """The code and filters the user chose, or None when there is nothing to report on."""
    with errors_shown(stop=True), database().transaction() as session:
        schemes = [s for s in list_schemes(session, viewer=current_account()) if s.active]
        organisations = [o.name for o in list_organisations(session, viewer=current_account())]
    if not schemes:
        st.info("No coding scheme is loaded yet, so nothing has been coded.")
        return None
    top = st.columns([3, 4, 2], vertical_alignment="bottom")
    scheme_id = scheme_choice(top[0], schemes, "seg_scheme")
    with errors_shown(stop=True), database().transaction() as session:
        codes = {c.id: c for c in list_codes(session, scheme_id, viewer=current_account())}
    code_id = top[1].selectbox(
        "Code",
        list(codes),
        key="seg_code",
        format_func=partial(code_label, codes),
    )
    subcodes = top[2].checkbox("Include sub-codes", value=True, key="seg_subcodes")
    row = st.columns([3, 3, 3], vertical_alignment="bottom")
    organisation = row[0].selectbox("Organisation", [ALL, *organisations], key="seg_org")
    role = row[1].selectbox("Interviewee role", [ALL, *INTERVIEWEE_ROLES], key="seg_role")
    blind = not sees_others_codings(account)
    others = row[2].toggle(
        "Other coders' codings" if blind else "Choose coders",
        key="seg_others",
        help="Blind coding: coders see only their own codings by default.",
    )
    return {
        "code": codes[code_id],
        "code_id": code_id,
        "subcodes": subcodes,
        "organisation": None if organisation == ALL else organisation,
        "role": None if role == ALL else role,
        "coders": "all" if others else ([account.id] if blind else None),
    }


def render() -> None:
    """Show the passages of one code, filtered, with downloads."""
    account = current_account()
    st.title("Coded segments")
    chosen = _filters(account)
    if chosen is None:
        return
    with errors_shown(stop=True), database().transaction() as session:
        segments = coded_segments(
            session,
            code_id=chosen["code_id"],
            include_subcodes=chosen["subcodes"],
            organisation=chosen["organisation"],
            role=chosen["role"],
            coder_ids=None if chosen["coders"] == "all" else chosen["coders"],
            viewer=account,
        )
    if chosen["coders"] == "all" and not segments.empty:
        names = dict(zip(segments["coder_id"], segments["coder_name"]))
        picked = st.multiselect(
            "Coders",
            sorted(names, key=lambda i: names[i]),
            format_func=names.get,
            key="seg_coder_ids",
            placeholder="All coders",
        )
        if picked:
            segments = segments[segments["coder_id"].isin(picked)].reset_index(drop=True)
    code = chosen["code"]
    count = len(segments)
    st.subheader(f"{markdown_literal(code.name)}: {count} passage{'s' if count != 1 else ''}")
    if segments.empty:
        st.info("No passages match: nothing is coded with this code for these filters yet.")
        return
    left, right, _ = st.columns([2, 2, 5])
    slug = code.key
    left.download_button(
        "Download .docx",
        partial(_file, write_segments_docx, segments, title=f"Coded passages: {code.name}"),
        file_name=f"segments-{slug}.docx",
        mime=DOCX,
        on_click="ignore",
        icon=":material/description:",
        width="stretch",
    )
    right.download_button(
        "Download .xlsx",
        partial(_file, write_segments_xlsx, segments),
        file_name=f"segments-{slug}.xlsx",
        mime=XLSX,
        on_click="ignore",
        icon=":material/table_view:",
        width="stretch",
    )
    pages = (count - 1) // PAGE_SIZE + 1
    page = 1
    if pages > 1:
        page = st.number_input(
            f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="seg_page"
        )
    shown = segments.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    for row in shown.itertuples(index=False):
        with st.container(border=True):
            source = [row.code_name, row.organisation, row.role, row.transcript]
            if row.speaker:
                source.append(f"speaker {row.speaker}")
            source.append(f"coded by {row.coder_name}")
            st.caption(" · ".join(markdown_literal(str(part)) for part in source))
            # Transcript text is shown with st.text: never read as Markdown or HTML.
            st.text(row.text)
            if row.turn_text and row.turn_text != row.text:
                with st.expander("Surrounding turn"):
                    st.text(row.turn_text)
            for memo in filter(None, str(row.memos or "").split("\n")):
                st.caption(":material/edit_note: Memo")
                st.text(memo)


render()
