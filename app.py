"""ISM Study web app: builds the navigation for this visitor and runs the chosen page."""

from pathlib import Path

import streamlit as st

from study.ui.failsafe import run_page
from study.ui.navigation import build_navigation

# An image served by the app itself: a ":material/...:" icon makes every visitor's
# browser fetch the favicon from a third-party host.
ICON = Path(__file__).parent / "study" / "ui" / "static" / "icon.png"
st.set_page_config(page_title="ISM Study", page_icon=str(ICON), layout="wide")
run_page(build_navigation)  # also catches errors while choosing the page
