"""ISM Study web app: builds the navigation for this visitor and runs the chosen page."""

import streamlit as st

from study.ui.navigation import build_navigation

st.set_page_config(page_title="ISM Study", page_icon=":material/forum:", layout="wide")
build_navigation().run()
