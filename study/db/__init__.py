"""Storage: the only package that talks SQL (SQLAlchemy 2.x ORM, Alembic migrations)."""

from study.db.engine import Database, make_engine, parse_database_url
from study.db.migrate import current_revision, head_revision, migrate, require_current_schema

__all__ = [
    "Database",
    "make_engine",
    "parse_database_url",
    "migrate",
    "current_revision",
    "head_revision",
    "require_current_schema",
]
