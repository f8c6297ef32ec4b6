"""Unexpected errors become one polite sentence with an error id; details go to the server log.

Every page runs through :func:`run_page` (the router calls it once for all pages),
so no staff member ever sees a traceback, SQL, its parameters, a host or a server
path. (The respondents' survey is ``study.web.survey``, with its own retries.)
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import streamlit as st

from study.errors import DatabaseUnavailable, StudyError

LOG = logging.getLogger("study.ui")

POLITE = {
    "en": "Sorry, something went wrong on our side. Please try again in a moment (error id {id}).",
    "da": "Beklager, der gik noget galt hos os. Prøv igen om lidt (fejl-id {id}).",
}


def log_failure(exc: BaseException, what: str) -> str:
    """Log ``exc`` with its traceback under a new short id and return the id."""
    error_id = secrets.token_hex(4)
    LOG.error("error id %s: %s", error_id, what, exc_info=exc)
    return error_id


def polite(template: dict[str, str], language: str, error_id: str) -> str:
    """The sentence of ``template`` in ``language`` (English when missing)."""
    return template.get(language, template["en"]).format(id=error_id)


def run_page(page: st.Page | Callable[[], st.Page]) -> None:
    """Run the chosen page (or the router's choice); a mistake becomes one polite sentence.

    Given the router itself (``run_page(build_navigation)``), an error while choosing
    the page (reading the login, say) is caught too.
    """
    try:
        if not hasattr(page, "run"):
            page = page()
        page.run()
    except StudyError as exc:  # a page forgot errors_shown(): still one sentence
        if isinstance(exc, DatabaseUnavailable):
            st.error(
                polite(POLITE, _language(), log_failure(exc, "database")), icon=":material/error:"
            )
        else:
            st.error(str(exc), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - the last line of defence (see module docstring)
        error_id = log_failure(exc, f"page {getattr(page, 'url_path', '?')!r}")
        st.error(polite(POLITE, _language(), error_id), icon=":material/error:")


def _language() -> str:
    try:
        return "da" if st.query_params.get("lang") == "da" else "en"
    except Exception:  # noqa: BLE001 - outside a script run
        return "en"
