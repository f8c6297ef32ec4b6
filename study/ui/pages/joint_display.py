"""Joint display: the survey's challenge scales beside the coded interviews, per organisation."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

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
from study.config import database_url
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import csv_download, number, table

SHORT = {c.scale: c.short for c in CHALLENGES}
BLACK = alt.value("black")


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


def _heatmap(
    base: alt.Chart,
    x: alt.X,
    y: alt.Y,
    value: str,
    title: str,
    scale: alt.Scale,
    tooltip: list[alt.Tooltip],
    number_format: str,
    number_colour: Any = BLACK,
    legend_format: Any = alt.Undefined,
) -> alt.LayerChart:
    """One panel: a cell per organisation and challenge coloured by ``value``, its number on it."""
    legend = alt.Legend(orient="bottom", format=legend_format)
    cells = base.mark_rect().encode(
        x=x,
        y=y,
        color=alt.Color(value, title=title, scale=scale, legend=legend),
        tooltip=[alt.Tooltip("organisation:N", title="Organisation"), *tooltip],
    )
    numbers = base.mark_text(fontSize=11).encode(
        x=x, y=y, text=alt.Text(value, format=number_format), color=number_colour
    )
    return cells + numbers


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
    challenge = alt.Tooltip("challenge:N", title="Challenge")
    survey = _heatmap(
        base,
        x,
        y,
        "survey_mean:Q",
        "Survey mean (1-5)",
        alt.Scale(scheme="orangered", domain=[1.5, 4.5]),
        [
            challenge,
            alt.Tooltip("survey_mean:Q", title="Survey mean", format=".2f"),
            alt.Tooltip("survey_n:Q", title="Respondents"),
        ],
        ".2f",
        alt.condition("datum.survey_mean > 3.4", alt.value("white"), BLACK),
    )
    y_right = alt.Y("organisation:N", sort=organisations, title=None, axis=None)
    interviews = _heatmap(
        base,
        x,
        y_right,
        "passages_per_interview:Q",
        "Coded passages per interview",
        alt.Scale(scheme="purples", domainMin=0),
        [
            challenge,
            alt.Tooltip("passages_per_interview:Q", title="Passages per interview", format=".1f"),
            alt.Tooltip("coded_share:Q", title="Interviews with the code", format=".0%"),
            alt.Tooltip("coded_interviews:Q", title="Coded interviews"),
        ],
        ".1f",
    )
    panels = [
        survey.properties(title="Employees: survey scale mean"),
        interviews.properties(title="Coordinators: coded passages per interview"),
    ]
    if frame["platform_value"].notna().any():
        behaviour = _heatmap(
            base,
            x,
            y_right,
            "platform_value:Q",
            "Platform measure",
            alt.Scale(scheme="greens", domain=[0, 1]),
            [
                alt.Tooltip("platform_measure:N", title="Measure"),
                alt.Tooltip("platform_value:Q", title="Value", format=".0%"),
            ],
            ".0%",
            legend_format=".0%",
        )
        panels.append(behaviour.properties(title="Platform: what people do (see the tabs)"))
    return alt.hconcat(*panels, spacing=30).resolve_scale(color="independent")


def _challenge_table(frame: pd.DataFrame, scale: str) -> None:
    part = frame[frame["scale"] == scale]
    table(
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
        {
            "organisation": "Organisation",
            "survey_mean": number("Survey mean", "%.2f"),
            "survey_n": number("Respondents"),
            "coded_share": number("Interviews with the code", "percent"),
            "passages_per_interview": number("Passages per interview", "%.1f"),
            "platform_value": number(
                f"Platform: {part['platform_measure'].iloc[0]}" if len(part) else "Platform",
                "percent",
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
    table(
        convergence(frame),
        {
            "challenge": "Challenge",
            "organisations": "Organisations",
            "rho_share": number("ρ (share)", "%.2f"),
            "p_share": number("p (share)", "%.3f"),
            "rho_passages": number("ρ (passages)", "%.2f"),
            "p_passages": number("p (passages)", "%.3f"),
        },
    )
    csv_download(frame, "Download the table (CSV)", "joint-display.csv")


render()
