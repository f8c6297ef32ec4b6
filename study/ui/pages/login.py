"""Login page for researchers, coders and practitioners: password, or single sign-on."""

from __future__ import annotations

import streamlit as st

from study.admin.login import log_in, log_in_with_identity
from study.admin.sessions import begin_session
from study.ui.components.session_cookie import take_cookie
from study.ui.single_sign_on import identity, provider_label, sign_in_configured
from study.ui.state import NOTICE_KEY, database, errors_shown


def render() -> None:
    """Show the login form; on success hand the browser its session cookie and reload."""
    st.title("ISM Study")
    st.caption("Research on internal social media in organisations. Log in to continue.")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/schedule:")
    person = identity()
    if person is not None:
        # Back from the identity provider: map its e-mail to an existing account.
        with errors_shown():
            _, handoff = log_in_with_identity(
                database(), person.email, email_verified=person.email_verified
            )
            take_cookie(handoff)
            return
        if st.button("Sign in with another account"):
            st.logout()
    if sign_in_configured():
        if st.button(f"Sign in with {provider_label()}", type="primary", icon=":material/key:"):
            st.login()
        st.caption("Or with an ISM Study password:")
    with st.form("login", border=True):
        email = st.text_input("E-mail", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        with errors_shown():
            account = log_in(database(), email, password)
            handoff = begin_session(database(), account.id)
            take_cookie(handoff)
    st.caption("Taking part in a survey? Use the link from your invitation; it needs no login.")


render()
