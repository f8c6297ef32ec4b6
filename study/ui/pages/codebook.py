"""Codebook page: the coding schemes' codes (edit, move, merge) and their frequency matrices."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from study.admin.permissions import can
from study.cells import csv_bytes
from study.interviews.coding import (
    add_code,
    blind_state,
    code_frequency_matrix,
    cooccurrence_matrix,
    list_codes,
    list_schemes,
    load_scheme_into_db,
    merge_codes,
    move_code,
    recolour_code,
    rename_code,
    set_blind,
)
from study.interviews.schemes import load_schemes
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown

#: The colour of a cell that is left out (a code with itself), named in the caption.
LEFT_OUT_GREY = "#d9d9d9"


def _heatmap(
    frame: pd.DataFrame, *, x_title: str, y_title: str, value: str, step: int = 20
) -> alt.Chart:
    """A labelled heatmap; every row and column label is drawn in full (none dropped or cut).

    Cells are ``step`` pixels square, so 40 codes make a 800-pixel chart whose
    labels never overlap. Missing values (the co-occurrence diagonal) are
    drawn as empty grey cells and do not stretch the colour scale.
    """
    long = (
        frame.rename_axis(index="row", columns="column")
        .stack(future_stack=True)
        .rename(value)
        .reset_index()
    )
    order_rows = list(frame.index)
    order_columns = list(frame.columns)
    base = alt.Chart(long).encode(
        x=alt.X(
            "column:N",
            sort=order_columns,
            title=x_title,
            axis=alt.Axis(labelAngle=-60, labelLimit=0, labelOverlap=False, labelAlign="right"),
        ),
        y=alt.Y(
            "row:N", sort=order_rows, title=y_title, axis=alt.Axis(labelLimit=0, labelOverlap=False)
        ),
    )
    valid = f"isValid(datum['{value}'])"
    # Vega-Lite drops a rect whose colour field is null, so the left-out cells get a
    # layer of their own: grey, as the caption says, and without a "null" label.
    cells = (
        base.mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            # counts: whole-number legend ticks, also when every count is 0
            color=alt.Color(
                f"{value}:Q",
                scale=alt.Scale(scheme="blues"),
                title=value,
                legend=alt.Legend(format="d", tickMinStep=1),
            ),
            tooltip=["row", "column", alt.Tooltip(f"{value}:Q", format="d")],
        )
        .transform_filter(valid)
    )
    left_out = (
        base.mark_rect(stroke="white", strokeWidth=0.5, color=LEFT_OUT_GREY)
        .encode(tooltip=["row", "column"])
        .transform_filter(f"!{valid}")
    )
    top = long[value].max()
    labels = (
        base.mark_text(fontSize=10)
        .encode(
            text=alt.Text(f"{value}:Q", format="d"),
            color=alt.condition(
                alt.datum[value] > (0 if pd.isna(top) else top) / 2,
                alt.value("white"),
                alt.value("black"),
            ),
        )
        .transform_filter(valid)
    )
    return (cells + left_out + labels).properties(width=alt.Step(step), height=alt.Step(step))


def _unique_names(codes) -> dict[str, str]:
    """Code key -> a label: the name, with the key where two codes share a name."""
    seen: dict[str, int] = {}
    for code in codes:
        seen[code.name] = seen.get(code.name, 0) + 1
    return {c.key: c.name if seen[c.name] == 1 else f"{c.name} ({c.key})" for c in codes}


def _blind_switch(scheme_key: str) -> None:
    """Researchers put the scheme in blind mode: coders then see only their own codings."""
    with errors_shown(stop=True), database().transaction() as session:
        state = blind_state(session, scheme_key, viewer=current_account())
    if state.blind:
        st.caption(
            f":material/visibility_off: Blind coding since {state.since:%Y-%m-%d %H:%M} "
            "UTC: coders see only their own codings of this scheme."
        )
    label = "Lift blind mode" if state.blind else "Start blind coding"
    if st.button(
        label,
        key="cb_blind",
        icon=":material/visibility_off:",
        help="In blind mode coders see only their own codings (enforced in the "
        "library); the reliability page and report say whether codings were "
        "made blind. Also: `study codes blind on|off --scheme KEY`.",
    ):
        with errors_shown(), database().transaction() as session:
            set_blind(session, scheme_key, not state.blind, actor=current_account())
        st.rerun()


def _edit_codes(scheme_key: str, codes) -> None:
    actor = current_account().id
    names = {f"{'  ' * c.depth}{c.name} ({c.key})": c.key for c in codes}
    with st.expander("Edit codes", icon=":material/edit:"):
        add, rename, recolour, move, merge = st.tabs(["Add", "Rename", "Recolour", "Move", "Merge"])
        with add, st.form("add-code", clear_on_submit=True):
            key = st.text_input("Key (letters, digits, -)", help="A stable id, e.g. no-time")
            name = st.text_input("Name")
            parent = st.selectbox("Parent", ["(top level)", *names])
            colour = st.color_picker("Colour", "#888888")
            definition = st.text_area("Definition")
            if st.form_submit_button("Add code"):
                with errors_shown(), database().transaction() as session:
                    add_code(
                        session,
                        scheme_key,
                        key=key,
                        name=name,
                        colour=colour,
                        parent=None if parent == "(top level)" else names[parent],
                        definition=definition,
                        actor=actor,
                    )
                    st.success(f"Added {markdown_literal(name)}.")
        with rename, st.form("rename-code"):
            code = st.selectbox("Code", list(names), key="rename-which")
            new_name = st.text_input("New name")
            if st.form_submit_button("Rename"):
                with errors_shown(), database().transaction() as session:
                    rename_code(session, (scheme_key, names[code]), new_name, actor=actor)
                    st.success(f"Renamed to {markdown_literal(new_name)}.")
        with recolour, st.form("recolour-code"):
            code = st.selectbox("Code", list(names), key="recolour-which")
            colour = st.color_picker("New colour", "#1f77b4")
            if st.form_submit_button("Recolour"):
                with errors_shown(), database().transaction() as session:
                    recolour_code(session, (scheme_key, names[code]), colour, actor=actor)
                    st.success("Colour changed.")
        with move, st.form("move-code"):
            code = st.selectbox("Code", list(names), key="move-which")
            parent = st.selectbox("New parent", ["(top level)", *names], key="move-parent")
            if st.form_submit_button("Move"):
                with errors_shown(), database().transaction() as session:
                    move_code(
                        session,
                        (scheme_key, names[code]),
                        None if parent == "(top level)" else names[parent],
                        actor=actor,
                    )
                    st.success("Moved.")
        with merge, st.form("merge-code"):
            st.caption(
                "The first code's codings, memos and sub-codes move to the second; "
                "the first code is retired. This is recorded in the audit log."
            )
            source = st.selectbox("Merge this code", list(names), key="merge-source")
            target = st.selectbox("into this code", list(names), key="merge-target")
            if st.form_submit_button("Merge"):
                with errors_shown(), database().transaction() as session:
                    result = merge_codes(
                        session,
                        (scheme_key, names[source]),
                        (scheme_key, names[target]),
                        actor=actor,
                    )
                    st.success(
                        f"Moved {result.moved} codings ({result.collapsed} duplicates collapsed)."
                    )


def _load_shipped_schemes() -> None:
    shipped = load_schemes()
    with st.form("load-schemes"):
        chosen = st.multiselect(
            "Load coding schemes shipped in coding_schemes/", list(shipped), default=list(shipped)
        )
        if st.form_submit_button("Load"):
            with errors_shown(), database().transaction() as session:
                for key in chosen:
                    load_scheme_into_db(session, shipped[key], actor=current_account().id)
            st.rerun()


def render() -> None:
    """Show one scheme's code tree, let researchers edit it, and show its matrices."""
    st.title("Codebook")
    with errors_shown(stop=True), database().transaction() as session:
        # The four adoption challenges (Madsen 2017) are the toolkit's main scheme: list it first.
        schemes = sorted(
            (s for s in list_schemes(session, viewer=current_account()) if s.active),
            key=lambda s: (s.key != "ism-adoption-challenges", s.title),
        )
    if not schemes:
        st.info("No coding scheme is loaded yet.")
        _load_shipped_schemes()
        return
    titles = {f"{s.title} (v{s.version})": s.key for s in schemes}
    scheme_key = titles[st.selectbox("Coding scheme", list(titles))]
    with errors_shown(stop=True), database().transaction() as session:
        codes = list_codes(session, scheme_key, viewer=current_account())
    table = pd.DataFrame(
        [
            {
                "code": "\u2003" * c.depth + c.name,
                "key": c.key,
                "colour": c.colour,
                "definition": c.definition,
                "use when": c.inclusion,
                "do not use when": c.exclusion,
            }
            for c in codes
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"colour": st.column_config.TextColumn("colour", width="small")},
    )
    if can(current_account(), "edit_codebook"):
        _blind_switch(scheme_key)
        _edit_codes(scheme_key, codes)
    st.subheader("How often each code was used")
    with errors_shown(stop=True), database().transaction() as session:
        frequency = code_frequency_matrix(
            session, scheme=scheme_key, include_subcodes=True, viewer=current_account()
        )
        mode = st.radio(
            "Co-occurrence",
            ["overlap", "turn"],
            horizontal=True,
            format_func={
                "overlap": "codes overlapping in a span",
                "turn": "codes within the same speaker turn",
            }.get,
        )
        cooccurrence = cooccurrence_matrix(
            session, scheme=scheme_key, mode=mode, viewer=current_account()
        )
    names = _unique_names(codes)
    if (
        frequency.empty
        or "transcripts" not in frequency.columns.get_level_values(0)
        or frequency["transcripts"].to_numpy().sum() == 0
    ):
        st.info("No codings with this scheme yet.")
        return
    counts = frequency["transcripts"].rename(index=names)
    left, right = st.tabs(["Transcripts coded per organisation", "Codings per organisation"])
    left.altair_chart(
        _heatmap(counts, x_title="Organisation", y_title="Code", value="transcripts"),
        width="content",
    )
    # csv_bytes: code and organisation names must not run as spreadsheet formulas
    left.download_button(
        "Download (CSV)", csv_bytes(counts, index=True), "code-transcripts.csv", "text/csv"
    )
    codings = frequency["codings"].rename(index=names)
    right.altair_chart(
        _heatmap(codings, x_title="Organisation", y_title="Code", value="codings"), width="content"
    )
    right.download_button(
        "Download (CSV)", csv_bytes(codings, index=True), "code-codings.csv", "text/csv"
    )
    st.subheader("Co-occurrence")
    matrix = cooccurrence.rename(index=names, columns=names)
    # The diagonal (a code with itself) counts the code's own codings and would
    # stretch the colour scale until every other cell looks empty: left out.
    shown = matrix.astype("float64").mask(
        pd.DataFrame(np.eye(len(matrix), dtype=bool), index=matrix.index, columns=matrix.columns)
    )
    st.caption("Grey diagonal: a code with itself is left out (its use is counted above).")
    st.altair_chart(
        _heatmap(shown, x_title="Code", y_title="Code", value="co-occurrences"), width="content"
    )
    st.download_button(
        "Download co-occurrence (CSV)",
        csv_bytes(matrix, index=True),
        "cooccurrence.csv",
        "text/csv",
    )


render()
