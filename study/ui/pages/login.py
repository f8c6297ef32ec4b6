"""Login page for researchers, coders and practitioners."""

from __future__ import annotations

import streamlit as st

from study.admin.accounts import log_in
from study.ui.state import database, errors_shown, set_account


def render() -> None:
    """Show the login form; on success remember the account and reload the navigation."""
    st.title("ISM Study")
    st.caption("Research on internal social media in organisations. Log in to continue.")
    with st.form("login", border=True):
        email = st.text_input("E-mail", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        with errors_shown():
            set_account(log_in(database(), email, password))
            st.rerun()
    st.caption("Taking part in a survey? Use the link from your invitation; it needs no login.")


render()
