"""Organisations page: the list, and a form to add one."""

from __future__ import annotations

import streamlit as st

from study.admin.organisations import add_organisation, organisations_frame
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, errors_shown


def render() -> None:
    """List organisations and add new ones."""
    st.title("Organisations")
    with st.form("add-organisation", clear_on_submit=True):
        st.subheader("Add an organisation")
        name = st.text_input("Name")
        left, middle, right = st.columns(3)
        sector = left.text_input("Sector")
        size_band = middle.selectbox("Size", ["", "1-9", "10-49", "50-249", "250-999", "1000+"])
        country = right.text_input("Country")
        if st.form_submit_button("Add"):
            with errors_shown(), database().transaction() as session:
                info = add_organisation(
                    session,
                    name,
                    sector=sector,
                    size_band=size_band,
                    country=country,
                    actor=current_account().id,
                )
                st.success(f"Added {markdown_literal(info.name)}.")
    with errors_shown(stop=True), database().transaction() as session:
        frame = organisations_frame(session, viewer=current_account())
    st.dataframe(frame.drop(columns="id"), hide_index=True, width="stretch")


render()
