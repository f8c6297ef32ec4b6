"""ISM Study's web server: the Streamlit app (app.py) plus our HTTP hooks.

`study serve` and `./run.sh` start this file with `streamlit run server.py`;
Streamlit finds the ``st.App`` below and serves app.py with the login-cookie routes
of ``study/ui/server.py`` and the anti-framing middleware of
``study/ui/frame_guard.py`` (the only two modules that hook the HTTP server).
"""

import streamlit as st

from study.ui.frame_guard import middleware
from study.ui.server import routes

app = st.App("app.py", routes=routes(), middleware=middleware())
