"""Set a password from a one-time link (an invitation or a reset): /set-password?k=TOKEN."""

from __future__ import annotations

import streamlit as st

from study.admin.accounts import MIN_PASSWORD_LENGTH
from study.admin.password_links import LINK_PARAMETER, check_password_link, use_password_link
from study.errors import InvalidInput
from study.ui.components.session_cookie import take_cookie
from study.ui.plain_text import markdown_literal as lit
from study.ui.state import database, errors_shown

LINK_KEY = "password_link"


def render() -> None:
    """Check the link, ask for a new password twice, then log the person in."""
    # Keep the token in server memory only and take it out of the address bar.
    if LINK_PARAMETER in st.query_params:
        st.session_state[LINK_KEY] = st.query_params[LINK_PARAMETER]
        st.query_params.clear()
    token = st.session_state.get(LINK_KEY, "")
    st.title("Set your password")
    with errors_shown(stop=True), database().transaction() as session:
        account = check_password_link(session, token)
    st.write(
        f"For **{lit(account.email)}** ({account.role}). At least {MIN_PASSWORD_LENGTH} "
        "characters; a passphrase of several words is easy to remember."
    )
    with st.form("set_password", border=True):
        password = st.text_input("New password", type="password", autocomplete="new-password")
        again = st.text_input("New password again", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Set password and log in", type="primary")
    if submitted:
        with errors_shown():
            if password != again:
                raise InvalidInput("The two passwords differ.")
            with database().transaction() as session:
                _, handoff = use_password_link(session, token, password)
            st.session_state.pop(LINK_KEY, None)
            take_cookie(handoff, home=True)


render()
