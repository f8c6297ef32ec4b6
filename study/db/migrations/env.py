"""Alembic environment: runs against the engine handed over by study.db.migrate."""

from alembic import context
from sqlalchemy import create_engine

from study.db.models import Base


def _include_name(name, type_, parent_names):
    # Keep autogenerate from proposing to drop the search index (see study.db.migrate).
    from study.db.migrate import include_in_autogenerate

    return include_in_autogenerate(name, type_, parent_names)


config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=_include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
