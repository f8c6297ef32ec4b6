"""Accounts (admins): invite, change role and organisation, deactivate, reset a password."""

from __future__ import annotations

import streamlit as st

from study.admin.accounts import (
    deactivate_account,
    list_accounts,
    reactivate_account,
    set_role_and_organisation,
)
from study.admin.organisations import list_organisations
from study.admin.password_links import invite_account, reset_password
from study.db.models import ROLES
from study.ui.plain_text import markdown_literal as lit
from study.ui.state import current_account, database, errors_shown

NO_ORGANISATION = "(none)"
LINK_KEY = "accounts_new_link"


def _change(action, *args, **kwargs) -> None:
    """Run one account change in a transaction, then rerun to show it (not inside it:
    a rerun inside the transaction would roll the change back)."""
    changed = False
    with errors_shown(), database().transaction() as session:
        result = action(session, *args, actor=current_account(), **kwargs)
        if hasattr(result, "url"):  # a set-password link: shown once, after the rerun
            st.session_state[LINK_KEY] = (
                result.account.email,
                result.url,
                f"{result.expires_at:%Y-%m-%d %H:%M}",
            )
        changed = True
    if changed:
        st.rerun()


def _show_link() -> None:
    link = st.session_state.pop(LINK_KEY, None)
    if link:
        email, url, expires = link
        st.success(
            f"Send this one-time link to {lit(email)}; it works once, until {expires} UTC. "
            "It is shown only now.",
            icon=":material/link:",
        )
        st.code(url, language=None)


def render() -> None:
    """The account table, an invitation form and the changes an admin can make."""
    st.title("Accounts")
    _show_link()
    with errors_shown(stop=True), database().transaction() as session:
        accounts = list_accounts(session, viewer=current_account())
        organisations = [NO_ORGANISATION] + [
            o.name for o in list_organisations(session, viewer=current_account())
        ]
    st.dataframe(
        accounts.drop(columns=["id"]),
        hide_index=True,
        width="stretch",
        column_config={
            "last_login_at": st.column_config.DatetimeColumn("last login"),
            "locked_until": st.column_config.DatetimeColumn("locked until"),
        },
    )

    with st.form("invite", clear_on_submit=True, border=True):
        st.subheader("Invite a person")
        left, middle, right = st.columns(3)
        email = left.text_input("E-mail")
        role = middle.selectbox("Role", ROLES, index=ROLES.index("researcher"))
        organisation = right.selectbox(
            "Organisation", organisations, help="Required for practitioners."
        )
        name = st.text_input("Display name (optional)")
        if st.form_submit_button("Invite", type="primary"):
            _change(
                invite_account,
                email,
                role=role,
                display_name=name,
                organisation=None if organisation == NO_ORGANISATION else organisation,
            )

    st.subheader("Change an account")
    if accounts.empty:
        return
    email = st.selectbox("Account", accounts["email"].tolist())
    row = accounts[accounts["email"] == email].iloc[0]
    st.caption(
        ("active" if row["active"] else "deactivated")
        + (" · locked after failed logins" if row["locked"] else "")
    )
    with st.form("change", border=True):
        left, right = st.columns(2)
        new_role = left.selectbox("Role", ROLES, index=ROLES.index(row["role"]))
        current_org = row["organisation"] if isinstance(row["organisation"], str) else None
        new_org = right.selectbox(
            "Organisation", organisations, index=organisations.index(current_org or NO_ORGANISATION)
        )
        if st.form_submit_button("Save role and organisation"):
            _change(
                set_role_and_organisation,
                email,
                new_role,
                None if new_org == NO_ORGANISATION else new_org,
            )
    left, middle, right = st.columns(3)
    if row["active"]:
        if left.button("Deactivate", icon=":material/person_off:"):
            _change(deactivate_account, email)
    elif left.button("Reactivate", icon=":material/person_check:"):
        _change(reactivate_account, email)
    if middle.button(
        "Reset password",
        icon=":material/lock_reset:",
        help="Clears the password, logs the person out everywhere and makes a "
        "one-time link to set a new one.",
    ):
        _change(reset_password, email)


render()
