"""What every page shares: the database, the logged-in account, and error display."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import asdict

import streamlit as st
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from study.admin.accounts import AccountInfo
from study.config import database_url
from study.db import Database, require_current_schema
from study.db.engine import unavailable
from study.errors import StudyError

ACCOUNT_KEY = "account"


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


@contextlib.contextmanager
def errors_shown(*, stop: bool = False) -> Iterator[None]:
    """Show a StudyError (or a database failure) as one sentence instead of a traceback."""
    try:
        yield
    except StudyError as exc:
        st.error(str(exc), icon=":material/error:")
        if stop:
            st.stop()
    except (DBAPIError, SQLAlchemyError) as exc:
        st.error(str(unavailable(database_url(), exc)), icon=":material/error:")
        if stop:
            st.stop()


def current_account() -> AccountInfo | None:
    """The logged-in account, or None."""
    data = st.session_state.get(ACCOUNT_KEY)
    return AccountInfo(**data) if data else None


def set_account(info: AccountInfo | None) -> None:
    """Remember (or forget) the logged-in account: plain values only."""
    if info is None:
        st.session_state.pop(ACCOUNT_KEY, None)
    else:
        st.session_state[ACCOUNT_KEY] = asdict(info)
