"""The public survey route: no login, no researcher navigation."""

from __future__ import annotations

import streamlit as st

TOKEN_KEY = "survey_token"


def render() -> None:
    """Show the survey for the link's token, or a polite message without one."""
    token = st.query_params.get("t") or st.session_state.get(TOKEN_KEY)
    if token:
        st.session_state[TOKEN_KEY] = token
    st.title("Employee survey")
    st.info("Please open the survey with the link from your invitation. "
            "If the link does not work, ask the person who sent it for a new one.")


render()
