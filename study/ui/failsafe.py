"""Unexpected errors become one polite sentence with an error id; details go to the server log.

Every page runs through :func:`run_page` (the router calls it once for all pages),
so neither a respondent nor a staff member ever sees a traceback, SQL, its
parameters, a host or a server path. The survey page also retries database steps
with back-off (:func:`with_retries`) before it gives up politely.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from study.errors import DatabaseUnavailable, StudyError

LOG = logging.getLogger("study.ui")
T = TypeVar("T")

POLITE = {
    "en": "Sorry, something went wrong on our side. Please try again in a moment (error id {id}).",
    "da": "Beklager, der gik noget galt hos os. Prøv igen om lidt (fejl-id {id}).",
}
BUSY = {
    "en": "Sorry, we could not save just now. Your answers are still on this page: please "
    "try again in a moment (error id {id}).",
    "da": "Beklager, vi kunne ikke gemme lige nu. Dine svar står stadig på siden: prøv "
    "igen om lidt (fejl-id {id}).",
}
#: Pauses between attempts of a database step on the survey page (seconds).
RETRY_DELAYS = (0.2, 0.6, 1.5)


class StepFailed(StudyError):
    """A database step failed after its retries; ``error_id`` finds the details in the log."""

    def __init__(self, error_id: str) -> None:
        self.error_id = error_id
        super().__init__(f"The database cannot be used right now (error id {error_id}).")


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
        if isinstance(exc, DatabaseUnavailable | StepFailed):
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


def with_retries(step: Callable[[], T], what: str, delays: tuple[float, ...] = RETRY_DELAYS) -> T:
    """Run a database step, retrying with back-off; raise :class:`StepFailed` at the end.

    A ``StudyError`` other than an unavailable database (a closed campaign, a bad
    token) is the respondent's answer and is raised at once.
    """
    for attempt in range(len(delays) + 1):
        try:
            return step()
        except DatabaseUnavailable as exc:
            failure: BaseException = exc
        except StudyError:
            raise
        except SQLAlchemyError as exc:  # locked, timed out, connection lost, ...
            failure = exc
        if attempt < len(delays):
            time.sleep(delays[attempt])
    raise StepFailed(log_failure(failure, what))
