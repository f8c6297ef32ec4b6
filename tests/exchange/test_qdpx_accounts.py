"""A .qdpx never attributes codings to existing accounts unless the importer says so.

A project's users are names its author chose: one called "admin@example.org"
or "Study Admin" used to be matched to that existing account, so a crafted
file could put codings (and consensus weight) on the admin. Now every project
user becomes an imported coder (``@qdpx.invalid``), and ``--coder USER=EMAIL``
maps one explicitly.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from typer.testing import CliRunner

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.cli import app
from study.db.models import AccountRow, CodingRow
from study.exchange.refiqda import (
    QdaCode,
    QdaCoding,
    QdaProject,
    QdaTextSource,
    QdaUser,
    write_qdpx,
)

runner = CliRunner()
CODE = "C0DE0000-0000-4000-8000-000000000002"
BY_EMAIL = "0A1B2C3D-0000-4000-8000-000000000001"
BY_NAME = "0A1B2C3D-0000-4000-8000-000000000002"
TEXT = "Interviewer: Do you post?\nCoordinator: Only when the boss is away.\n"


def _project(path):
    start = TEXT.index("Only")
    codings = [
        QdaCoding(
            guid=f"C0D1C0D1-0000-4000-8000-00000000000{n}",
            start=start,
            end=start + 4,
            code_guid=CODE,
            creating_user_guid=user,
            creation_datetime=datetime(2024, 5, 3, tzinfo=UTC),
            text="Only",
        )
        for n, user in ((1, BY_EMAIL), (2, BY_NAME))
    ]
    project = QdaProject(
        name="Crafted",
        users=[QdaUser(BY_EMAIL, "admin@example.org"), QdaUser(BY_NAME, "Study Admin")],
        codes=[QdaCode(guid=CODE, name="Not work-related")],
        sources=[
            QdaTextSource(
                guid="50C00000-0000-4000-8000-000000000001",
                name="Interview",
                text=TEXT,
                codings=codings,
            )
        ],
    )
    write_qdpx(project, path)
    return path


def _coders(database) -> list[str]:
    with database.transaction() as session:
        return sorted(
            session.scalars(
                select(AccountRow.email).join(CodingRow, CodingRow.coder_id == AccountRow.id)
            )
        )


def _import(database, path, *extra: str):
    return runner.invoke(
        app, ["import", "qdpx", str(path), *extra], env={"STUDY_DATABASE_URL": database.url}
    )


def test_project_users_never_become_existing_accounts(database, tmp_path):
    with database.transaction() as session:
        add_account(
            session,
            "admin@example.org",
            role="admin",
            password=None,
            display_name="Study Admin",
            actor=OPERATOR,
        )
    result = _import(database, _project(tmp_path / "crafted.qdpx"))
    assert result.exit_code == 0, result.output
    coders = _coders(database)
    assert len(coders) == 2
    assert all(email.endswith("@qdpx.invalid") for email in coders), coders
    with database.transaction() as session:
        admin = session.scalar(select(AccountRow).where(AccountRow.email == "admin@example.org"))
        assert session.scalar(select(CodingRow.id).where(CodingRow.coder_id == admin.id)) is None


def test_the_importer_can_map_a_user_to_an_existing_account(database, tmp_path):
    with database.transaction() as session:
        add_account(session, "anna@example.org", role="coder", password=None, actor=OPERATOR)
    result = _import(
        database, _project(tmp_path / "mapped.qdpx"), "--coder", "Study Admin=anna@example.org"
    )
    assert result.exit_code == 0, result.output
    coders = _coders(database)
    assert "anna@example.org" in coders
    assert sum(email.endswith("@qdpx.invalid") for email in coders) == 1
    for mapping, named in (
        ("Study Admin=nobody@x.org", "nobody@x.org"),
        ("Bo=anna@example.org", "'Bo'"),
    ):
        wrong = _import(database, _project(tmp_path / "again.qdpx"), "--coder", mapping)
        assert wrong.exit_code == 1 and wrong.output.startswith("Error: "), wrong.output
        assert named in wrong.output and wrong.output.count("\n") == 1
