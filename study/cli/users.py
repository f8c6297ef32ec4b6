"""`study user ...`: accounts, invitations, roles, passwords and sessions."""

from __future__ import annotations

import typer

from study.admin.accounts import (
    add_account,
    deactivate_account,
    get_account,
    list_accounts,
    reactivate_account,
    set_display_name,
    set_organisation,
    set_password,
    set_role,
)
from study.admin.password_links import invite_account, reset_password
from study.admin.permissions import OPERATOR
from study.admin.sessions import log_out_everywhere
from study.cli.base import (
    EMAIL_ARGUMENT,
    FORMAT_OPTION,
    OutputFormat,
    command_group,
    emit,
    in_transaction,
    open_database,
    read_password,
)
from study.db.models import ROLES

app = command_group("Manage accounts.")

PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from one line of standard input."
)
ROLE_OPTION = typer.Option(..., "--role", help=" | ".join(ROLES))
ACCOUNT_ORG_OPTION = typer.Option(None, "--org", help="Organisation (required for practitioners).")
NAME_OPTION = typer.Option("", "--name", help="Display name.")


@app.command("add")
def add(
    email: str = typer.Argument(..., help="E-mail address used to log in."),
    role: str = ROLE_OPTION,
    organisation: str = ACCOUNT_ORG_OPTION,
    name: str = NAME_OPTION,
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Add an account; the password comes from a prompt or --password-stdin."""
    password = read_password(password_stdin)
    info = in_transaction(
        add_account,
        email,
        role=role,
        password=password,
        display_name=name,
        organisation=organisation,
        actor=OPERATOR,
    )
    typer.echo(f"Added {info.role} {info.email}.")


@app.command("passwd")
def passwd(
    email: str = EMAIL_ARGUMENT,
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Set a new password (and lift a login lock)."""
    password = read_password(password_stdin, prompt="New password")
    in_transaction(set_password, email, password, actor=OPERATOR)
    typer.echo(f"Password changed for {email}.")


@app.command("list")
def list_(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List accounts: role, organisation, status, last login and login lock."""
    frame = in_transaction(list_accounts, viewer=OPERATOR)
    emit(frame.astype(object).where(frame.notna(), None).to_dict("records"), fmt)


@app.command("invite")
def invite(
    email: str = typer.Argument(..., help="E-mail address of the person to invite."),
    role: str = ROLE_OPTION,
    organisation: str = ACCOUNT_ORG_OPTION,
    name: str = NAME_OPTION,
) -> None:
    """Create an account and print its one-time set-password link (valid STUDY_INVITE_HOURS)."""
    link = in_transaction(
        invite_account,
        email,
        role=role,
        organisation=organisation,
        display_name=name,
        actor=OPERATOR,
    )
    typer.echo(
        f"Invited {link.account.role} {link.account.email}. Send them this link "
        f"(works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC):\n{link.url}"
    )


@app.command("reset")
def reset(email: str = EMAIL_ARGUMENT) -> None:
    """Clear a password, log the account out everywhere and print a set-password link."""
    link = in_transaction(reset_password, email, actor=OPERATOR)
    typer.echo(
        f"Password of {link.account.email} cleared; they are logged out. Send them this "
        f"link (works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC):\n{link.url}"
    )


@app.command("role")
def role_(
    email: str = EMAIL_ARGUMENT,
    role: str = typer.Argument(..., help=" | ".join(ROLES)),
) -> None:
    """Change an account's role (its open sessions end)."""
    info = in_transaction(set_role, email, role, actor=OPERATOR)
    typer.echo(f"{info.email} is now {info.role}.")


@app.command("org")
def org(
    email: str = EMAIL_ARGUMENT,
    organisation: str = typer.Argument(None, help="Organisation; leave out to remove it."),
) -> None:
    """Change or remove an account's organisation (its open sessions end)."""
    info = in_transaction(set_organisation, email, organisation, actor=OPERATOR)
    typer.echo(f"{info.email}: organisation {info.organisation_name or '(none)'}.")


@app.command("name")
def name_(
    email: str = EMAIL_ARGUMENT,
    display_name: str = typer.Argument(..., help="The new display name."),
) -> None:
    """Change an account's display name."""
    with open_database().transaction() as session:
        info = set_display_name(session, get_account(session, email).id, display_name)
    typer.echo(f"{info.email} is shown as {info.display_name}.")


@app.command("deactivate")
def deactivate(email: str = EMAIL_ARGUMENT) -> None:
    """Stop an account from logging in and end its sessions (its work stays)."""
    info = in_transaction(deactivate_account, email, actor=OPERATOR)
    typer.echo(f"Deactivated {info.email}.")


@app.command("reactivate")
def reactivate(email: str = EMAIL_ARGUMENT) -> None:
    """Let a deactivated account log in again."""
    info = in_transaction(reactivate_account, email, actor=OPERATOR)
    typer.echo(f"Reactivated {info.email}.")


@app.command("logout")
def logout(email: str = EMAIL_ARGUMENT) -> None:
    """End every open login session of an account (all browsers and devices)."""
    with open_database().transaction() as session:
        ended = log_out_everywhere(session, get_account(session, email).id)
    typer.echo(f"Ended {ended} session{'s' if ended != 1 else ''} of {email}.")
