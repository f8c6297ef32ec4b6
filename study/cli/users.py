"""`study user ...`: accounts and passwords."""

from __future__ import annotations

import typer

from study.admin.accounts import add_account, list_accounts, set_password
from study.cli.base import (FORMAT_OPTION, OutputFormat, StudyGroup, emit, open_database,
                            read_password)
from study.db.models import ROLES

app = typer.Typer(cls=StudyGroup, no_args_is_help=True, help="Manage accounts.")

PASSWORD_STDIN = typer.Option(False, "--password-stdin",
                              help="Read the password from one line of standard input.")


@app.command("add")
def add(email: str = typer.Argument(..., help="E-mail address used to log in."),
        role: str = typer.Option(..., "--role", help=" | ".join(ROLES)),
        organisation: str = typer.Option(None, "--org",
                                         help="Organisation (required for practitioners)."),
        name: str = typer.Option("", "--name", help="Display name."),
        password_stdin: bool = PASSWORD_STDIN) -> None:
    """Add an account; the password comes from a prompt or --password-stdin."""
    password = read_password(password_stdin)
    with open_database().transaction() as session:
        info = add_account(session, email, role=role, password=password, display_name=name,
                           organisation=organisation)
    typer.echo(f"Added {info.role} {info.email}.")


@app.command("passwd")
def passwd(email: str = typer.Argument(..., help="The account's e-mail address."),
           password_stdin: bool = PASSWORD_STDIN) -> None:
    """Set a new password (and lift a login lock)."""
    password = read_password(password_stdin, prompt="New password")
    with open_database().transaction() as session:
        set_password(session, email, password)
    typer.echo(f"Password changed for {email}.")


@app.command("list")
def list_(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List accounts with their roles."""
    with open_database().transaction() as session:
        frame = list_accounts(session)
    emit(frame.astype(object).where(frame.notna(), None).to_dict("records"), fmt)
