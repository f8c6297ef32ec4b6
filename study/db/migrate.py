"""Alembic migrations, run from inside the package (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from study.db.engine import Database, unavailable
from study.db.models import Base
from study.errors import SchemaOutOfDate

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database: Database) -> Config:
    """An Alembic Config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url", database.engine.url.render_as_string(False).replace("%", "%%")
    )
    config.attributes["engine"] = database.engine
    return config


def head_revision() -> str:
    """The newest migration this version of ISM Study knows."""
    script = ScriptDirectory(str(MIGRATIONS))
    return script.get_current_head()


def current_revision(database: Database) -> str | None:
    """The database's migration revision, or None for an empty database."""
    try:
        with database.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except (DBAPIError, SQLAlchemyError) as exc:
        raise unavailable(database.url, exc) from None


def migrate(database: Database) -> tuple[str | None, str]:
    """Upgrade the database to the newest schema; safe to run again. Returns (before, after)."""
    before = current_revision(database)
    try:
        command.upgrade(alembic_config(database), "head")
    except (DBAPIError, SQLAlchemyError) as exc:
        raise unavailable(database.url, exc) from None
    return before, head_revision()


def require_current_schema(database: Database) -> None:
    """Raise SchemaOutOfDate unless the database is migrated to head."""
    current = current_revision(database)
    if current != head_revision():
        state = "empty" if current is None else "older than this version of ISM Study"
        raise SchemaOutOfDate(f"The database is {state}; run `study init` to create or upgrade it.")


def include_in_autogenerate(name: str | None, type_: str, parent_names: dict) -> bool:
    # The search index (migration 0002) lives outside the ORM models: turn_search and,
    # on SQLite, FTS5's shadow tables turn_search_data, turn_search_idx, ...
    return not (
        type_ == "table"
        and name is not None
        and (name == "turn_search" or name.startswith("turn_search_"))
    )


def schema_drift(database: Database) -> list:
    """Differences between the ORM models and the migrated database (empty when in sync)."""
    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": False,
                "include_name": include_in_autogenerate,
            },
        )
        return compare_metadata(context, Base.metadata)
