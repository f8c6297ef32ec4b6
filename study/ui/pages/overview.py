"""Study overview: organisations and counts of responses, transcripts and codings."""

from __future__ import annotations

import streamlit as st

from study.admin.overview import study_overview
from study.ui.retention_panel import retention_panel
from study.ui.state import current_account, database, errors_shown


def render() -> None:
    """Show the study's name, totals and a table per organisation."""
    with errors_shown(stop=True), database().transaction() as session:
        overview = study_overview(session, viewer=current_account())
    st.title(overview.study_name or "No study yet")
    if overview.organisations.empty:
        st.info(
            "The study has no organisations yet. Add one on the Organisations page or "
            "with `study org add NAME`; `study demo` loads a demo study."
        )
        return
    totals = overview.totals
    columns = st.columns(4)
    for column, (label, key) in zip(
        columns,
        [
            ("Organisations", "organisations"),
            ("Survey responses", "responses"),
            ("Transcripts", "transcripts"),
            ("Codings", "codings"),
        ],
    ):
        column.metric(label, f"{totals[key]:,}")
    st.dataframe(
        overview.organisations,
        hide_index=True,
        width="stretch",
        column_config={
            "organisation": "Organisation",
            "sector": "Sector",
            "size_band": "Size",
            "country": "Country",
            "responses": st.column_config.NumberColumn("Responses"),
            "transcripts": st.column_config.NumberColumn("Transcripts"),
            "codings": st.column_config.NumberColumn("Codings"),
        },
    )


render()
retention_panel()
