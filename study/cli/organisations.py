"""`study org ...`: the organisations in the study."""

from __future__ import annotations

import typer

from study.admin.organisations import add_organisation, list_organisations
from study.admin.permissions import OPERATOR
from study.cli.base import FORMAT_OPTION, OutputFormat, command_group, emit, in_transaction

app = command_group("Manage organisations.")


@app.command("add")
def add(
    name: str = typer.Argument(..., help="The organisation's name."),
    sector: str = typer.Option(None, "--sector", help="e.g. Finance, Public sector."),
    size_band: str = typer.Option(None, "--size-band", help="e.g. 250-999."),
    country: str = typer.Option(None, "--country", help="e.g. Denmark."),
    headcount: int = typer.Option(
        None, "--headcount", help="Employees, for response rates of open links."
    ),
) -> None:
    """Add an organisation to the study."""
    info = in_transaction(
        add_organisation,
        name,
        sector=sector,
        size_band=size_band,
        country=country,
        headcount=headcount,
        actor=OPERATOR,
    )
    typer.echo(f"Added organisation {info.name}.")


@app.command("list")
def list_(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List the organisations."""
    organisations = in_transaction(list_organisations, viewer=OPERATOR)
    emit([o.as_dict() for o in organisations], fmt)
