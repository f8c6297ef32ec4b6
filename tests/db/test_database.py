"""Storage: migrations, drift, connection settings, and clear errors for bad databases."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from study.db import Database, current_revision, head_revision, migrate, require_current_schema
from study.db.migrate import schema_drift
from study.db.models import Base, OrganisationRow, StudyRow
from study.errors import ConfigError, DatabaseUnavailable, SchemaOutOfDate


def test_empty_database_migrates_to_head_without_drift(empty_database_url):
    database = Database(empty_database_url)
    assert current_revision(database) is None
    with pytest.raises(SchemaOutOfDate, match="study init"):
        require_current_schema(database)
    before, after = migrate(database)
    assert (before, after) == (None, head_revision())
    require_current_schema(database)
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert schema_drift(database) == []
    assert migrate(database) == (head_revision(), head_revision())  # idempotent
    database.dispose()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    database.dispose()


def test_deleting_a_study_cascades_to_its_organisations(session):
    study = StudyRow(name="S")
    session.add(study)
    session.flush()
    session.add(OrganisationRow(study_id=study.id, name="A", attributes={}))
    session.flush()
    session.delete(study)
    session.flush()
    assert session.scalars(select(OrganisationRow)).all() == []


@pytest.mark.parametrize("url", ["not a url", "mysql://root@localhost/x", "foo://bar"])
def test_malformed_or_unsupported_url_is_a_config_error(url):
    with pytest.raises(ConfigError, match="STUDY_DATABASE_URL"):
        Database(url)


def test_corrupt_sqlite_file_gives_one_clear_error_and_is_left_untouched(tmp_path):
    path = tmp_path / "corrupt.db"
    content = b"this is not a database, but somebody's file" * 100
    path.write_bytes(content)
    database = Database(f"sqlite:///{path}")
    with pytest.raises(DatabaseUnavailable, match="file is not a database"):
        database.check()
    with pytest.raises(DatabaseUnavailable):
        migrate(database)
    assert path.read_bytes() == content


def test_unreachable_postgresql_gives_one_clear_error():
    database = Database("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable) as info:
        database.check()
    message = str(info.value)
    assert message.startswith("Cannot use the database postgresql://nobody@127.0.0.1:1/none")
    assert "\n" not in message


@pytest.mark.parametrize("port", ["54x", "port", "-1x"])
def test_a_port_that_is_not_a_number_is_one_error_sentence(port):
    """Issue 20, 9: a non-numeric port in STUDY_DATABASE_URL was a ValueError traceback."""
    from typer.testing import CliRunner

    from study.cli import app

    url = f"postgresql://study:hunter2@db.example.org:{port}/study"
    with pytest.raises(ConfigError, match="not a database URL"):
        Database(url)
    result = CliRunner().invoke(app, ["org", "list"], env={"STUDY_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output.startswith("Error: STUDY_DATABASE_URL is not a database URL")
    assert len(result.output.strip().splitlines()) == 1 and "hunter2" not in result.output
