"""What every page shares: the database, the logged-in account, and error display."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict

import streamlit as st
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from study.admin.accounts import AccountInfo, active_account
from study.admin.sessions import browser_session_account
from study.config import database_url
from study.db import Database, require_current_schema
from study.db.engine import unavailable
from study.errors import DatabaseUnavailable, StudyError
from study.ui.failsafe import log_failure
from study.ui.server import SESSION_COOKIE

ACCOUNT_KEY = "account"
#: The session id this tab logged in with (server memory only: kept for a reconnect
#: whose websocket no longer carries the cookie, so a logout elsewhere still counts).
TOKEN_KEY = "login_token"
NOTICE_KEY = "login_notice"


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    database = Database(url)
    database.check()
    require_current_schema(database)
    return database


def database() -> Database:
    """The app's database (one engine per URL per process); stops the page with a message if unusable."""
    with errors_shown(stop=True):
        return _database(database_url())


def database_or_raise() -> Database:
    """The app's database, raising DatabaseUnavailable instead of showing it (survey page)."""
    return _database(database_url())


@contextlib.contextmanager
def errors_shown(*, stop: bool = False) -> Iterator[None]:
    """Show a StudyError (or a database failure) as one sentence instead of a traceback.

    A database that cannot be used is logged server-side with an id; the page names
    neither its address nor the driver's words (issue 13: no hosts or paths to anyone).
    """
    try:
        yield
    except DatabaseUnavailable as exc:
        _database_failed(exc, stop)
    except StudyError as exc:
        st.error(str(exc), icon=":material/error:")
        if stop:
            st.stop()
    except (DBAPIError, SQLAlchemyError) as exc:
        _database_failed(unavailable(database_url(), exc), stop)


def _database_failed(exc: BaseException, stop: bool) -> None:
    error_id = log_failure(exc, "database")
    st.error(
        f"The database cannot be used right now (error id {error_id}). Please try "
        "again in a moment; the administrator finds the details in the server log "
        "under that id.",
        icon=":material/error:",
    )
    if stop:
        st.stop()


def current_account() -> AccountInfo | None:
    """The logged-in account, as :func:`refresh_login` found it at the start of this run."""
    data = st.session_state.get(ACCOUNT_KEY)
    return AccountInfo(**data) if data else None


def refresh_login() -> AccountInfo | None:
    """Who is logged in: resolve the session cookie once per run (the router calls this).

    The cookie's session must be open in the database (not logged out, idle or past
    its lifetime, account active), so a logout in another tab, on another replica, or
    a deactivation counts at this tab's next interaction. Without a cookie (a test
    that sets the account directly), the account is re-read so a deactivation or role
    change still counts.
    """
    token = _cookie(SESSION_COOKIE) or st.session_state.get(TOKEN_KEY)
    if token:
        info = browser_session_account(database(), token)
        if info is None:
            st.session_state[NOTICE_KEY] = "Your session has ended; please log in again."
            st.session_state.pop(TOKEN_KEY, None)
        else:
            st.session_state[TOKEN_KEY] = token
        set_account(info)
        return info
    data = st.session_state.get(ACCOUNT_KEY)
    if data:
        with database().transaction() as session:
            set_account(active_account(session, data["id"]))
    return current_account()


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser behind this run (AppTest): no cookies
        return None
    return value if isinstance(value, str) else None


def session_token() -> str | None:
    """This tab's session id (to log it out), or None."""
    return st.session_state.get(TOKEN_KEY)


def set_account(info: AccountInfo | None) -> None:
    """Remember (or forget) the logged-in account: plain values only."""
    if info is None:
        st.session_state.pop(ACCOUNT_KEY, None)
    else:
        st.session_state[ACCOUNT_KEY] = asdict(info)
