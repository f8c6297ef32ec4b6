"""ISM Study's web server: the Streamlit app (app.py) plus our HTTP routes.

`study serve` and `./run.sh` start this file with `streamlit run server.py`;
Streamlit finds the ``st.App`` below and serves app.py with the login-cookie routes
of ``study/ui/server.py``, the respondent's survey (plain HTML forms,
``study/web/``), the anti-framing middleware of ``study/ui/frame_guard.py`` and the
redirect of old ``/?t=TOKEN`` survey links to ``/survey``. It records the address it
serves on, so links follow the port when STUDY_BASE_URL is not set. Routes given here are
matched before Streamlit's own, so ``/survey`` is served by ``study.web``.
"""

import streamlit as st
from streamlit import config

from study.config import serve_at
from study.ui.frame_guard import middleware
from study.ui.server import routes
from study.web.routes import survey_middleware, survey_routes

_base = (config.get_option("server.baseUrlPath") or "").strip("/")
_prefix = f"/{_base}" if _base else ""
# Without STUDY_BASE_URL, survey and password links follow the port served here.
serve_at(f"http://localhost:{config.get_option('server.port')}{_prefix}")

app = st.App(
    "app.py",
    routes=routes() + survey_routes(_prefix),
    middleware=middleware() + survey_middleware(_prefix),
)
