"""No password, session id, hand-off code or set-password token ends up in a log, the
audit log, any stored column, or an export.

Everything a person can do with a secret is done here, with every logger (SQL
statements and their parameters included) captured at DEBUG; then the captured log,
every row of every table and the exports are searched for each secret. The browser
side (the app server's own log) is checked in tests/test_e2e_sessions.py.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from study.admin.accounts import add_account, set_password
from study.admin.login import change_own_password, log_in
from study.admin.password_links import invite_account, reset_password, use_password_link
from study.admin.permissions import OPERATOR
from study.admin.sessions import begin_session, browser_session_account, log_out, redeem_handoff
from study.cli import app
from study.db.models import AccountRow
from study.errors import AuthenticationFailed

PASSWORDS = [
    "first secret passphrase",
    "wrong guess of mine",
    "linked secret passphrase",
    "changed secret passphrase",
    "cli secret passphrase",
]


def every_stored_value(database) -> str:
    with database.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        return "\n".join(
            str(row) for table in tables for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )


def archive_text(path: Path) -> str:
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data += b"".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", "replace")


def test_no_secret_is_written_to_a_log_a_table_or_an_export(demo_database, caplog, tmp_path):
    database = demo_database
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)  # statements and parameters
    secrets: list[str] = list(PASSWORDS)
    try:
        with database.transaction() as session:
            admin = add_account(
                session, "admin@example.org", role="admin", password=PASSWORDS[0], actor=OPERATOR
            )
            link = invite_account(session, "nina@example.org", role="coder", actor=admin.id)
        secrets.append(link.url.split("k=", 1)[1])
        try:
            log_in(database, "admin@example.org", PASSWORDS[1])
        except AuthenticationFailed:
            pass
        handoff = begin_session(database, log_in(database, "admin@example.org", PASSWORDS[0]).id)
        with database.transaction() as session:
            token = redeem_handoff(session, handoff)
        secrets += [handoff, token]
        assert browser_session_account(database, token).email == "admin@example.org"
        log_out(database, token)
        with database.transaction() as session:
            nina, nina_handoff = use_password_link(session, secrets[5], PASSWORDS[2])
            secrets.append(nina_handoff)
        secrets.append(change_own_password(database, nina.id, PASSWORDS[2], PASSWORDS[3]))
        with database.transaction() as session:
            reset = reset_password(session, "nina@example.org", actor=admin.id)
            secrets.append(reset.url.split("k=", 1)[1])
            set_password(session, "nina@example.org", PASSWORDS[3], actor=OPERATOR)
        runner = CliRunner()
        result = runner.invoke(
            app,
            ["user", "passwd", "nina@example.org", "--password-stdin"],
            input=PASSWORDS[4] + "\n",
        )
        assert result.exit_code == 0, result.output
        assert PASSWORDS[4] not in result.output
        exports = []
        for args, name in [
            (["export", "qdpx", "--out"], "project.qdpx"),
            (["export", "codings", "--format", "csv", "--out"], "codings.csv"),
            (["export", "codings", "--format", "xlsx", "--out"], "codings.xlsx"),
            (["export", "responses", "--format", "csv", "--out"], "responses.csv"),
        ]:
            result = runner.invoke(app, [*args, str(tmp_path / name)])
            assert result.exit_code == 0, result.output
            exports.append(tmp_path / name)
        listing = runner.invoke(app, ["user", "list", "--format", "json"]).output
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

    assert len(set(secrets)) == len(secrets) == 11
    log = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert "UPDATE account" in log  # the SQL log was captured, so the search means something
    stored = every_stored_value(database)
    with database.transaction() as session:
        assert session.scalar(
            select(AccountRow.password_hash).where(AccountRow.email == "nina@example.org")
        ).startswith("$argon2id$")
    places = {
        "log": log,
        "database": stored,
        "user list": listing,
        **{path.name: archive_text(path) for path in exports},
    }
    for secret in secrets:
        for where, content in places.items():
            assert secret not in content, f"a secret is in the {where}"
