"""My account: one's own display name and password."""

from __future__ import annotations

import streamlit as st

from study.admin.accounts import MIN_PASSWORD_LENGTH, set_display_name
from study.admin.login import change_own_password
from study.errors import InvalidInput
from study.ui.components.session_cookie import take_cookie
from study.ui.plain_text import markdown_literal as lit
from study.ui.state import current_account, database, errors_shown, set_account


def render() -> None:
    """Change the display name; change the password (other sessions end)."""
    account = current_account()
    st.title("My account")
    st.caption(
        f"{lit(account.email)} · {account.role}"
        + (f" · {lit(account.organisation_name)}" if account.organisation_name else "")
    )
    with st.form("display_name", border=True):
        name = st.text_input(
            "Display name (shown to other coders)", value=account.display_name, max_chars=200
        )
        if st.form_submit_button("Save name"):
            with errors_shown(), database().transaction() as session:
                set_account(set_display_name(session, account.id, name))
                st.success("Saved.")
    with st.form("password", border=True, clear_on_submit=True):
        st.markdown("**Change password**")
        current = st.text_input(
            "Current password", type="password", autocomplete="current-password"
        )
        new = st.text_input(
            f"New password (at least {MIN_PASSWORD_LENGTH} characters)",
            type="password",
            autocomplete="new-password",
        )
        again = st.text_input("New password again", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Change password")
    if submitted:
        with errors_shown():
            if new != again:
                raise InvalidInput("The two new passwords differ.")
            # Counted like a login; every session of the account ends, this browser
            # gets a new one.
            handoff = change_own_password(database(), account.id, current, new)
            st.success("Password changed. Other browsers and devices are logged out.")
            take_cookie(handoff)


render()
