"""Joint display: the survey's challenge scales beside the coded interviews, per organisation."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from study.admin.accounts import AccountInfo
from study.analysis.joint_display import (
    CHALLENGES,
    convergence,
    joint_display,
    write_joint_display_xlsx,
)
from study.cells import csv_bytes
from study.config import database_url
from study.ui.state import current_account, database, errors_shown

SHORT = {c.scale: c.short for c in CHALLENGES}


@st.cache_data(ttl=120, show_spinner="Loading survey scores and codings…")
def _joint(url: str, viewer: AccountInfo) -> pd.DataFrame:
    with database().transaction() as session:
        return joint_display(session, viewer=viewer)


def _xlsx(frame: pd.DataFrame) -> bytes:
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_joint_display_xlsx(frame, name)
        return Path(name).read_bytes()
    finally:
        os.unlink(name)


def _heatmaps(frame: pd.DataFrame) -> alt.HConcatChart:
    """Two aligned heatmaps: survey means (left) and coded passages per interview (right)."""
    frame = frame.assign(short=frame["scale"].map(SHORT))
    order = [SHORT[c.scale] for c in CHALLENGES]
    organisations = sorted(frame["organisation"].unique())
    y = alt.Y("organisation:N", sort=organisations, title=None, axis=alt.Axis(labelLimit=220))
    x = alt.X(
        "short:N",
        sort=order,
        title=None,
        axis=alt.Axis(
            orient="top",
            labelAngle=0,
            labelLimit=120,
            labelFontSize=11,
            labelOverlap=False,
            labelExpr="split(datum.label, ' ')",
        ),
    )
    base = alt.Chart(frame).properties(width=320, height=30 * len(organisations))
    survey = base.mark_rect().encode(
        x=x,
        y=y,
        color=alt.Color(
            "survey_mean:Q",
            title="Survey mean (1-5)",
            scale=alt.Scale(scheme="orangered", domain=[1.5, 4.5]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("organisation:N", title="Organisation"),
            alt.Tooltip("challenge:N", title="Challenge"),
            alt.Tooltip("survey_mean:Q", title="Survey mean", format=".2f"),
            alt.Tooltip("survey_n:Q", title="Respondents"),
        ],
    )
    survey_text = base.mark_text(fontSize=11).encode(
        x=x,
        y=y,
        text=alt.Text("survey_mean:Q", format=".2f"),
        color=alt.condition("datum.survey_mean > 3.4", alt.value("white"), alt.value("black")),
    )
    y_right = alt.Y("organisation:N", sort=organisations, title=None, axis=None)
    interviews = base.mark_rect().encode(
        x=x,
        y=y_right,
        color=alt.Color(
            "passages_per_interview:Q",
            title="Coded passages per interview",
            scale=alt.Scale(scheme="purples", domainMin=0),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("organisation:N", title="Organisation"),
            alt.Tooltip("challenge:N", title="Challenge"),
            alt.Tooltip("passages_per_interview:Q", title="Passages per interview", format=".1f"),
            alt.Tooltip("coded_share:Q", title="Interviews with the code", format=".0%"),
            alt.Tooltip("coded_interviews:Q", title="Coded interviews"),
        ],
    )
    interviews_text = base.mark_text(fontSize=11).encode(
        x=x,
        y=y_right,
        text=alt.Text("passages_per_interview:Q", format=".1f"),
        color=alt.value("black"),
    )
    left = (survey + survey_text).properties(title="Employees: survey scale mean")
    right = (interviews + interviews_text).properties(
        title="Coordinators: coded passages per interview"
    )
    panels = [left, right]
    if frame["platform_value"].notna().any():
        behaviour = base.mark_rect().encode(
            x=x,
            y=y_right,
            color=alt.Color(
                "platform_value:Q",
                title="Platform measure",
                scale=alt.Scale(scheme="greens", domain=[0, 1]),
                legend=alt.Legend(orient="bottom", format=".0%"),
            ),
            tooltip=[
                alt.Tooltip("organisation:N", title="Organisation"),
                alt.Tooltip("platform_measure:N", title="Measure"),
                alt.Tooltip("platform_value:Q", title="Value", format=".0%"),
            ],
        )
        behaviour_text = base.mark_text(fontSize=11).encode(
            x=x,
            y=y_right,
            text=alt.Text("platform_value:Q", format=".0%"),
            color=alt.value("black"),
        )
        panels.append(
            (behaviour + behaviour_text).properties(title="Platform: what people do (see the tabs)")
        )
    return alt.hconcat(*panels, spacing=30).resolve_scale(color="independent")


def _challenge_table(frame: pd.DataFrame, scale: str) -> None:
    part = frame[frame["scale"] == scale]
    st.dataframe(
        part[
            [
                "organisation",
                "survey_mean",
                "survey_n",
                "coded_share",
                "passages_per_interview",
                "platform_value",
                "quote",
                "quote_source",
            ]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "organisation": "Organisation",
            "survey_mean": st.column_config.NumberColumn("Survey mean", format="%.2f"),
            "survey_n": st.column_config.NumberColumn("Respondents"),
            "coded_share": st.column_config.NumberColumn(
                "Interviews with the code", format="percent"
            ),
            "passages_per_interview": st.column_config.NumberColumn(
                "Passages per interview", format="%.1f"
            ),
            "platform_value": st.column_config.NumberColumn(
                f"Platform: {part['platform_measure'].iloc[0]}" if len(part) else "Platform",
                format="percent",
            ),
            "quote": st.column_config.TextColumn("Example quote", width="large"),
            "quote_source": "From",
        },
    )


def render() -> None:
    """Show the joint display, its convergence summary, and the .xlsx download."""
    st.title("Joint display")
    st.caption(
        "Madsen (2017) heard four challenges from the ISM coordinators; the survey asks "
        "their co-workers about the same four. Each row is an organisation: the survey "
        "scale mean (higher = more of the challenge), the share of the organisation's "
        "coded interviews in which the matching code or a sub-code was applied, the "
        "coded passages per interview (averaged over coders), one example quote, and, where "
        "the organisation handed over its platform export, what people actually do "
        "(e.g. leaders' share of replies beside 'support in words, not action')."
    )
    with errors_shown(stop=True):
        frame = _joint(database_url(), current_account())
    if frame.empty:
        st.info("There are no survey responses or interviews yet.")
        return
    if frame["coded_interviews"].sum() == 0:
        st.info(
            "No interview has been coded with the scheme 'ism-adoption-challenges' yet; "
            "the display shows the survey side only."
        )
    st.altair_chart(_heatmaps(frame), width="content")
    tabs = st.tabs([c.label for c in CHALLENGES])
    for tab, challenge in zip(tabs, CHALLENGES):
        with tab:
            _challenge_table(frame, challenge.scale)
    st.download_button(
        "Download the joint display (.xlsx)",
        _xlsx(frame),
        file_name="joint-display.xlsx",
        icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    st.markdown("**Do the interviews and the survey agree?**")
    st.caption(
        "Spearman's rank correlation across organisations between the survey mean and "
        "each interview measure. With about ten organisations, read it as a "
        "description, not as a test."
    )
    st.dataframe(
        convergence(frame),
        hide_index=True,
        width="stretch",
        column_config={
            "challenge": "Challenge",
            "organisations": "Organisations",
            "rho_share": st.column_config.NumberColumn("ρ (share)", format="%.2f"),
            "p_share": st.column_config.NumberColumn("p (share)", format="%.3f"),
            "rho_passages": st.column_config.NumberColumn("ρ (passages)", format="%.2f"),
            "p_passages": st.column_config.NumberColumn("p (passages)", format="%.3f"),
        },
    )
    # csv_bytes: a quote such as "=HYPERLINK(...)" must stay text in a spreadsheet
    data = csv_bytes(frame)
    st.download_button(
        "Download the table (CSV)",
        data,
        file_name="joint-display.csv",
        mime="text/csv",
        icon=":material/download:",
    )


render()
