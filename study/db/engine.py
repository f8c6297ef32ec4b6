"""Engines and sessions for SQLite and PostgreSQL, with errors users understand."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from study.config import database_url, int_setting, mask_url
from study.db.values import refused_value
from study.errors import ConfigError, DatabaseUnavailable, StudyError


def parse_database_url(url: str) -> URL:
    """Return the SQLAlchemy URL for ``url``, choosing psycopg 3 for PostgreSQL.

    Raises
    ------
    ConfigError
        If the URL is malformed (a port that is not a number, say) or names a database
        kind we do not support; the message shows the URL without its password.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError(
            f"STUDY_DATABASE_URL is not a database URL: {mask_url(url)!r}. "
            "Use sqlite:///path/to/study.db or postgresql://user@host/db "
            "(the port, if any, a number)."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"Unsupported database {backend!r} in STUDY_DATABASE_URL; use SQLite or PostgreSQL."
        )
    return parsed


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # WAL lets readers work while a respondent's answers are written; foreign keys
    # are off by default in SQLite and our cascades depend on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int_setting('STUDY_SQLITE_BUSY_TIMEOUT_MS')}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with our settings (WAL and foreign keys; pre-ping pool)."""
    parsed = parse_database_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                parsed,
                connect_args={
                    "check_same_thread": False,
                    "timeout": int_setting("STUDY_SQLITE_BUSY_TIMEOUT_MS") / 1000,
                },
            )
            event.listen(engine, "connect", _on_sqlite_connect)
        else:
            engine = create_engine(
                parsed,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                connect_args={"connect_timeout": 10},
            )
    except NoSuchModuleError:
        raise ConfigError(
            f"No driver for {parsed.drivername!r}; install ism-study's dependencies again."
        ) from None
    return engine


def describe(url: str | URL) -> str:
    """The URL without its password, for messages."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return mask_url(url)


def unavailable(url: str | URL, exc: BaseException) -> DatabaseUnavailable:
    """Turn a driver error into one sentence naming the database and the cause."""
    cause = getattr(exc, "orig", None) or exc
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return DatabaseUnavailable(f"Cannot use the database {describe(url)}: {reason}.")


class Database:
    """One database: an engine plus a session factory. Create it once per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls) -> Database:
        """The database named by STUDY_DATABASE_URL."""
        return cls(database_url())

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def check(self) -> None:
        """Connect and run a trivial query, or raise DatabaseUnavailable."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                if self.backend == "sqlite":
                    conn.execute(text("SELECT count(*) FROM sqlite_master"))
        except (DBAPIError, SQLAlchemyError) as exc:
            raise unavailable(self.url, exc) from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits at the end of the block and rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except StudyError:
            session.rollback()
            raise
        except (DBAPIError, SQLAlchemyError, OverflowError) as exc:
            session.rollback()
            if isinstance(exc, DBAPIError) and exc.connection_invalidated or _is_connect_error(exc):
                raise unavailable(self.url, exc) from None
            refused = refused_value(exc)  # a NUL, too long, too large: the user's value
            if refused is not None:
                raise refused from None
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close pooled connections (tests, shutdown)."""
        self.engine.dispose()


def _is_connect_error(exc: BaseException) -> bool:
    text_ = str(getattr(exc, "orig", exc)).lower()
    return any(
        s in text_
        for s in (
            "file is not a database",
            "unable to open database",
            "connection refused",
            "could not connect",
            "connection failed",
            "does not exist",
        )
    )
