"""What a page outside the account's role shows at its address."""

import streamlit as st

st.error("You do not have access to this page.", icon=":material/block:")
