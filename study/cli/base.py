"""Shared pieces of the CLI: error handling, opening the database, output formats."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pandas as pd
import typer
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from typer.core import TyperGroup

from study.cells import EXACT_CSV_RISK
from study.config import database_url
from study.db import Database, require_current_schema
from study.db.engine import unavailable
from study.errors import StudyError


class StudyGroup(TyperGroup):
    """A command group that turns StudyError into one line on stderr and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except StudyError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
        except (DBAPIError, SQLAlchemyError) as exc:
            typer.echo(f"Error: {unavailable(database_url(), exc)}", err=True)
            raise typer.Exit(1) from None


def command_group(help: str, **settings: Any) -> typer.Typer:
    """A group of commands (`study codes ...`) that shows its help when called bare."""
    return typer.Typer(cls=StudyGroup, no_args_is_help=True, help=help, **settings)


def choices(name: str, values: Iterable[str]) -> type[enum.Enum]:
    """The string enum typer offers as an option's choices, in the order given.

    Most commands take their choices from the library's list of what it accepts
    (``INTERVIEWEE_ROLES``, ``UNITS``), so the two cannot drift apart; a member is named
    as its value, with ``-`` as ``_`` (``viva-engage`` is ``viva_engage``).
    """
    return enum.Enum(
        name, [(value.replace("-", "_"), value) for value in values], type=str, module=__name__
    )


#: How list commands print: an aligned table for people, JSON for scripts.
OutputFormat = choices("OutputFormat", ("table", "json"))

FORMAT_OPTION = typer.Option(OutputFormat.table, "--format", help="table or json.")

# Options and arguments several commands share, with the same name and help.
#: ``--out FILE``: where an export writes.
OUT_OPTION = typer.Option(..., "--out", help="File to write.")
#: ``--org NAME``: a filter to one organisation.
ORG_FILTER = typer.Option(None, "--org", help="Only this organisation.")
#: ``--scheme KEY``: a filter to one coding scheme.
SCHEME_FILTER = typer.Option(None, "--scheme", help="Only this scheme (key).")
#: ``--scheme KEY|ID``: the coding scheme a command works on.
SCHEME_OPTION = typer.Option(..., "--scheme", help="Scheme key (all its versions) or id.")
#: ``--coder EMAIL``, repeatable: a filter to some coders.
CODER_FILTER = typer.Option(None, "--coder", help="Only this coder (e-mail); repeatable.")
#: ``--org NAME``: the organisation something is for.
ORGANISATION_OPTION = typer.Option(..., "--org", help="The organisation's name.")
#: ``--instrument ID``: the survey instrument something is for.
INSTRUMENT_OPTION = typer.Option(..., "--instrument", help="Instrument id.")
#: ``--exact``: a CSV for analysis tools (R, pandas, SPSS), no apostrophe before = + - @.
EXACT_OPTION = typer.Option(
    False,
    "--exact",
    help="csv: write every cell exactly, for R, pandas or SPSS (no apostrophe before "
    f"text starting with = + - @). Risk: {EXACT_CSV_RISK}.",
)
#: ``EMAIL``: the account a `study user` command changes.
EMAIL_ARGUMENT = typer.Argument(..., help="The account's e-mail address.")


#: ``--as EMAIL``: act as that account, with its rights (default: the operator, every right).
AS_OPTION = typer.Option(
    None,
    "--as",
    metavar="EMAIL",
    help="Act as this account, with its rights (a practitioner gets "
    "their own organisation only); default: the operator.",
)


def acting_as(session, email: str | None):
    """The actor of a command: the account ``--as EMAIL`` names, else the operator.

    Whoever runs the CLI holds the database's address and so every right
    (:data:`study.admin.permissions.OPERATOR`); ``--as`` narrows that to an account.
    """
    from study.admin.accounts import get_account
    from study.admin.permissions import OPERATOR

    return OPERATOR if email is None else get_account(session, email)


def open_database(*, require_schema: bool = True) -> Database:
    """The database named by STUDY_DATABASE_URL, checked to be reachable (and migrated)."""
    database = Database.from_settings()
    database.check()
    if require_schema:
        require_current_schema(database)
    return database


Result = TypeVar("Result")


def in_transaction(function: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
    """``function(session, *args, **kwargs)`` in one transaction of the study's database.

    Most commands are this: one library function, one transaction, then print.
    """
    with open_database().transaction() as session:
        return function(session, *args, **kwargs)


def emit(
    rows: list[dict[str, Any]] | dict[str, Any], fmt: OutputFormat, columns: list[str] | None = None
) -> None:
    """Print ``rows`` as JSON or as a table."""
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if isinstance(rows, dict):
        rows = [rows]
    if not rows:
        typer.echo("(none)")
        return
    frame = pd.DataFrame(rows, columns=columns)
    typer.echo(frame.fillna("").to_string(index=False))


def read_password(password_stdin: bool, *, prompt: str = "Password") -> str:
    """A password from one line of standard input, or from a hidden, confirmed prompt."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
