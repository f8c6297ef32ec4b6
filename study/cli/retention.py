"""`study retention set|show|run` and `study records`: retention and the record of processing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.admin.processing_record import record_format, write_processing_record
from study.admin.retention import CATEGORIES, CATEGORY_KEYS, retention_due, run_retention
from study.admin.retention import set_retention as store_retention
from study.cli.base import FORMAT_OPTION, OutputFormat, choices, command_group, emit, in_transaction

#: The categories `--delete` takes, and "all".
Category = choices("Category", (*CATEGORY_KEYS, "all"))
_CATEGORY_HELP = "\n\n".join(f"{c.key}: {c.what}" for c in CATEGORIES)

app = command_group(
    "Retention: the date after which raw personal data is deleted, and deleting it.\n\n"
    "The categories:\n\n" + _CATEGORY_HELP
)

DATE_FORMATS = ["%Y-%m-%d"]
#: ``--today``: the day a plan or run is for (tests; default: today, UTC).
TODAY_OPTION = typer.Option(None, "--today", formats=DATE_FORMATS, hidden=True)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@app.command(
    "set",
    help="Set the retention date, and what is deleted then (the categories under "
    "`study retention --help`), and the analysis freeze date.",
)
def set_(
    study_date: dt.datetime = typer.Option(
        ...,
        "--study-date",
        formats=DATE_FORMATS,
        metavar="YYYY-MM-DD",
        help="The retention date (YYYY-MM-DD): from this day on, `study retention run` "
        "deletes the categories.",
    ),
    delete: list[Category] = typer.Option(
        None,
        "--delete",
        metavar="CATEGORY",
        help="A category to delete, repeatable: " + ", ".join(CATEGORY_KEYS) + ", or all "
        "(default: as set before; all at first).",
    ),
    freeze_date: dt.datetime = typer.Option(
        None,
        "--freeze-date",
        formats=DATE_FORMATS,
        metavar="YYYY-MM-DD",
        help="The analysis freeze date (YYYY-MM-DD): withdrawals are refused after it.",
    ),
) -> None:
    """Set the retention date (see the help above)."""
    settings = in_transaction(
        store_retention,
        retention_on=study_date.date(),
        delete=[c.value for c in delete] if delete else None,
        freeze_on=_date(freeze_date),
        actor=OPERATOR,
    )
    for line in settings.lines():
        typer.echo(line)


@app.command("show")
def show(fmt: OutputFormat = FORMAT_OPTION, today: dt.datetime = TODAY_OPTION) -> None:
    """Show the retention date and what a run would delete now, per category."""
    plan = in_transaction(retention_due, viewer=OPERATOR, today=_date(today))
    if fmt == OutputFormat.json:
        emit({**plan.as_dict(), "total": plan.total}, fmt)
        return
    for line in plan.lines():
        typer.echo(line)
    if plan.retention_on is not None:
        emit(plan.rows(), fmt)


@app.command("run")
def run(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Only count what would be deleted; change nothing."
    ),
    fmt: OutputFormat = FORMAT_OPTION,
    today: dt.datetime = TODAY_OPTION,
) -> None:
    """Delete the raw personal data that is due: nothing before the retention date.

    Safe to schedule (e.g. daily): a second run finds nothing left, and two runs at
    once delete everything due once. A run that deletes something is in the audit log.
    """
    report = in_transaction(run_retention, actor=OPERATOR, dry_run=dry_run, today=_date(today))
    if fmt == OutputFormat.json:
        emit({**report.as_dict(), "total": report.total}, fmt)
        return
    for line in report.lines():
        typer.echo(line)


def records(
    out: Path = typer.Option(..., "--out", help="The file to write: .md (Markdown) or .docx."),
) -> None:
    """Write the record of processing (GDPR Article 30) from the study as it is now.

    Categories of data subjects and data, purposes, recipients (practitioners by
    organisation), retention dates, the safeguards in force and the counts held now;
    the controller's lines are left to fill in.
    """
    record_format(out)  # a wrong suffix is refused before the database is opened
    in_transaction(write_processing_record, out, viewer=OPERATOR)
    typer.echo(f"Wrote the record of processing to {out}.")


def register(main: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add `study retention ...` and `study records`."""
    main.add_typer(app, name="retention")
    main.command("records")(records)
