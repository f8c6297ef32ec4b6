"""Platform activity: what people actually do on the platform, per organisation, week by week.

Researchers import an organisation's Slack or Viva Engage export (pseudonymised
before anything is stored, like `study import platform`) and read the measures:
participation, conversation, leaders, routine and reach, with their definitions.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from study.admin.accounts import AccountInfo
from study.admin.organisations import list_organisations
from study.config import database_url
from study.platforms.activity import (
    activity_measures,
    activity_posting_times,
    activity_weekly,
    platform_organisations,
)
from study.platforms.measures import MEASURES
from study.platforms.pseudonyms import salt_warning
from study.platforms.store import import_platform_export
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown
from study.ui.widgets import sent_upload

FORMATS = {"Slack": "slack", "Viva Engage": "viva-engage"}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEEKLY = {
    "messages": "Posts and replies",
    "active_members": "Active members",
    "replied_thread_share": "Threads with a reply",
    "leader_reply_share": "Leaders' share of replies",
}


@st.cache_data(ttl=120, show_spinner="Computing the platform measures…")
def _measures(url: str, viewer: AccountInfo) -> pd.DataFrame:
    with database().transaction() as session:
        return activity_measures(session, viewer=viewer)


@st.cache_data(ttl=120, show_spinner=False)
def _weekly(url: str, organisation: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with database().transaction() as session:
        return (
            activity_weekly(session, organisation=organisation),
            activity_posting_times(session, organisation=organisation),
        )


def _import_form() -> None:
    with database().transaction() as session:
        organisations = [o.name for o in list_organisations(session, viewer=current_account())]
    with st.expander("Import a platform export", icon=":material/upload:"):
        with st.form("import-platform", clear_on_submit=True):
            upload = st.file_uploader("The export as a ZIP file", type=["zip"])
            left, right = st.columns(2)
            organisation = left.selectbox("Organisation", organisations)
            platform = right.radio("Format", list(FORMATS), horizontal=True)
            keep_text = st.checkbox("Keep the conversations as pseudonymised documents to code")
            keep_names = st.checkbox(
                "Keep public channels' names (by default each gets a "
                "pseudonym: a channel can be named after a person)"
            )
            hour = st.checkbox("Store times rounded down to the hour")
            submitted = st.form_submit_button("Import")
        upload = sent_upload(submitted, upload, "Choose the export's ZIP file first.")
        if upload is None:
            return
        bar = st.progress(0.0, text="Reading the export…")
        with tempfile.TemporaryDirectory() as folder, errors_shown():
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            with database().transaction() as session:
                report = import_platform_export(
                    session,
                    path,
                    organisation=organisation,
                    platform=FORMATS[platform],
                    keep_text=keep_text,
                    keep_channel_names=keep_names,
                    hour_resolution=hour,
                    progress=lambda done, total: bar.progress(
                        min(done / max(total, 1), 1.0), text="Reading the export…"
                    ),
                    actor=current_account().id,
                )
            bar.progress(1.0, text="Done")
            if report.salt_created:
                st.warning(salt_warning(report.salt_file))
            st.success("\n\n".join(report.lines()))
            _measures.clear()
            _weekly.clear()


def _weekly_charts(weekly: pd.DataFrame) -> alt.VConcatChart:
    long = weekly.melt(id_vars=["week"], value_vars=list(WEEKLY), var_name="measure")
    long["measure"] = long["measure"].map(WEEKLY)
    long["week"] = pd.to_datetime(long["week"])
    charts = []
    for key, label in WEEKLY.items():
        share = key.endswith("share")
        charts.append(
            alt.Chart(long[long["measure"] == label])
            .mark_line(point=True)
            .encode(
                x=alt.X("week:T", title=None),
                y=alt.Y(
                    "value:Q",
                    title=label,
                    axis=alt.Axis(format=".0%" if share else "d"),
                    scale=alt.Scale(domain=[0, 1]) if share else alt.Undefined,
                ),
                tooltip=[
                    alt.Tooltip("week:T", title="Week of"),
                    alt.Tooltip("value:Q", title=label, format=".0%" if share else ","),
                ],
            )
            .properties(height=140, width=620)
        )
    return alt.vconcat(*charts)


def _times_chart(times: pd.DataFrame) -> alt.Chart:
    times = times.assign(day=times["weekday"].map(dict(enumerate(WEEKDAYS))))
    return (
        alt.Chart(times)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of day (local)"),
            y=alt.Y("day:N", sort=WEEKDAYS, title=None),
            color=alt.Color("messages:Q", title="Messages", scale=alt.Scale(scheme="blues")),
            tooltip=["day:N", "hour:O", "messages:Q"],
        )
        .properties(height=200, width=620)
    )


def render() -> None:
    """The import form, the measures per organisation, and one organisation week by week."""
    st.title("Platform activity")
    st.caption(
        "What people actually do on the platform (Madsen 2017 studied what "
        "coordinators said about it). Exports are pseudonymised before anything is "
        "stored: people become salted HMACs, names and e-mail addresses are never kept."
    )
    _import_form()
    with errors_shown(stop=True):
        frame = _measures(database_url(), current_account())
        with database().transaction() as session:
            organisations = platform_organisations(session)
    if frame.empty or not organisations:
        st.info("No platform export has been imported yet.")
        return
    organisation_rows = frame[frame["department"].isna()]
    labels = {m.key: m.label for m in MEASURES}
    st.subheader("Measures per organisation")
    shown = organisation_rows.drop(columns=["department"]).set_index("organisation").T
    shown.index = [labels.get(k, k.replace("_", " ").capitalize()) for k in shown.index]
    st.dataframe(shown, width="stretch")
    organisation = st.selectbox("Organisation", organisations)
    with errors_shown(stop=True):
        weekly, times = _weekly(database_url(), organisation)
    st.subheader(f"{markdown_literal(organisation)}, week by week")
    if weekly.empty:
        st.info("This organisation's export holds no messages.")
    else:
        st.altair_chart(
            _weekly_charts(weekly[weekly["organisation"] == organisation]), width="content"
        )
        st.markdown("**When people post** (routine: inside working hours?)")
        st.altair_chart(_times_chart(times), width="content")
    departments = frame[(frame["organisation"] == organisation) & frame["department"].notna()]
    if not departments.empty:
        st.markdown("**Departments** (only those with at least the minimum group size)")
        st.dataframe(departments.drop(columns=["organisation"]), hide_index=True, width="stretch")
    with st.expander("Definitions and sources"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Measure": m.label,
                        "Family": m.family,
                        "Definition": m.definition,
                        "Source": m.source,
                    }
                    for m in MEASURES
                ]
            ),
            hide_index=True,
            width="stretch",
        )


render()
