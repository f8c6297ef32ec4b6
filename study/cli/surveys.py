"""`study instruments ...`, `study campaign ...`, `study import responses`, `study export responses`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.cells import csv_bytes
from study.cli.base import (
    EXACT_OPTION,
    FORMAT_OPTION,
    INSTRUMENT_OPTION,
    ORGANISATION_OPTION,
    OUT_OPTION,
    OutputFormat,
    choices,
    command_group,
    emit,
    in_transaction,
    open_database,
)
from study.errors import InvalidInput, NotFound
from study.interviews.guides import write_guide_docx
from study.surveys import exporting, importing
from study.surveys.campaigns import (
    close_campaign,
    create_campaign,
    invitation_links,
    list_campaigns,
)
from study.surveys.instrument_exchange import (
    EXPORT_FORMATS,
    export_instrument,
    import_instrument,
    instrument_catalogue,
)
from study.surveys.instrument_store import store_instrument
from study.surveys.instruments import (
    InterviewGuide,
    instrument_json,
    load_instrument,
    load_instruments,
)
from study.surveys.mailing import import_recipients, send_campaign_mail
from study.surveys.response_store import export_responses, import_responses

InstrumentFormat = choices("InstrumentFormat", EXPORT_FORMATS)
instruments_app = command_group(
    "Survey instruments and interview guides: YAML in instruments/, or imported from "
    "Qualtrics (.qsf) and LimeSurvey (.lss)."
)
campaign_app = command_group("Survey campaigns: open links and personal invitations.")

#: Formats of survey exports we read, and formats responses are exported to.
ImportFormat = choices("ImportFormat", importing.FORMATS)
ResponseFormat = choices("ResponseFormat", exporting.FORMATS)
#: ``ID``: the campaign a command works on.
CAMPAIGN_ARGUMENT = typer.Argument(..., metavar="ID")


def _instrument(instrument_id: str):
    found = load_instruments()
    if instrument_id not in found:
        raise NotFound(
            f"There is no instrument {instrument_id!r}; known: {', '.join(sorted(found))}."
        )
    return found[instrument_id]


@instruments_app.command("list")
def instruments_list(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List the instruments: built in (instruments/) and stored (imported or loaded), with versions."""
    rows = in_transaction(instrument_catalogue, viewer=OPERATOR)
    for row in rows:
        row["versions"] = ",".join(map(str, row["versions"]))
    emit(rows, fmt)


@instruments_app.command("import")
def instruments_import(
    path: Path = typer.Argument(..., metavar="FILE", help="A .qsf, .lss or .yaml file."),
    instrument_id: str = typer.Option(
        None, "--id", help="Store it under this instrument id (default: from the file)."
    ),
) -> None:
    """Import a Qualtrics .qsf, LimeSurvey .lss or ISM Study .yaml instrument and store it.

    Prints the instrument's id first, then what could not be carried over as it was
    (display logic with no show_if form, question types with no counterpart). An id
    already stored with other content gets the next version.
    """
    try:
        data = path.read_bytes()
    except OSError:
        raise InvalidInput(f"Cannot read {path.name}.") from None
    with open_database().transaction() as session:
        result = import_instrument(
            session, data, path.name, actor=OPERATOR, instrument_id=instrument_id
        )
    typer.echo(result.id)
    typer.echo(
        f"{'Stored' if result.created else 'Already stored as'} {result.id} version "
        f"{result.version}."
    )
    for note in result.notes:
        typer.echo(f"- {note}")


@instruments_app.command("export")
def instruments_export(
    instrument_id: str = typer.Argument(..., metavar="ID"),
    fmt: InstrumentFormat = typer.Option(..., "--format", help="yaml or qsf (Qualtrics)."),
    out: Path = OUT_OPTION,
) -> None:
    """Write an instrument's newest version as YAML (loads back equal) or a Qualtrics .qsf."""
    data = in_transaction(export_instrument, instrument_id, format=fmt.value, viewer=OPERATOR)
    out.write_bytes(data)
    typer.echo(f"Wrote {instrument_id} to {out}.")


@instruments_app.command("show")
def instruments_show(
    instrument_id: str = typer.Argument(..., metavar="ID"), fmt: OutputFormat = FORMAT_OPTION
) -> None:
    """Show an instrument: items with type, text per language, scale, reverse, points/options."""
    described = instrument_json(_instrument(instrument_id))
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(described, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"{described['id']} version {described['version']} ({', '.join(described['languages'])})"
    )
    for item in described.get("items", []):
        flags = " (reverse)" if item.get("reverse") else ""
        typer.echo(
            f"  {item['id']:<8} {item['type']:<15} {item.get('scale') or '':<28}"
            f"{next(iter(item['text'].values()))}{flags}"
        )
    for section in described.get("sections", []):
        typer.echo(f"  {next(iter(section['title'].values()))}")
        for question in section["questions"]:
            typer.echo(f"    - {next(iter(question['text'].values()))}")


@instruments_app.command("validate")
def instruments_validate(path: Path = typer.Argument(..., metavar="FILE")) -> None:
    """Check an instrument file; errors name the file, line and field."""
    instrument = load_instrument(path)
    typer.echo(f"{path}: valid {instrument.kind} {instrument.id} version {instrument.version}.")


@instruments_app.command("load")
def instruments_load(path: Path = typer.Argument(..., metavar="FILE")) -> None:
    """Validate an instrument file and store its version in the database."""
    instrument = load_instrument(path)
    in_transaction(store_instrument, instrument)
    typer.echo(f"Stored {instrument.id} version {instrument.version}.")


@instruments_app.command("guide")
def instruments_guide(
    instrument_id: str = typer.Argument(..., metavar="ID"),
    out: Path = typer.Option(..., "--out", help="The .docx file to write."),
    language: str = typer.Option("en", "--language", help="en or da."),
) -> None:
    """Write an interview guide as a printable .docx."""
    guide = _instrument(instrument_id)
    if not isinstance(guide, InterviewGuide):
        raise InvalidInput(f"{instrument_id} is a survey, not an interview guide.")
    write_guide_docx(guide, out, language=language)
    typer.echo(f"Wrote {out}.")


@campaign_app.command("create")
def campaign_create(
    organisation: str = ORGANISATION_OPTION,
    instrument: str = INSTRUMENT_OPTION,
    invitations: int = typer.Option(
        None, "--invitations", help="Create N single-use personal links instead of one open link."
    ),
    closes: dt.datetime = typer.Option(
        None, "--closes", formats=["%Y-%m-%d"], help="Last day of the campaign (YYYY-MM-DD)."
    ),
    headcount: int = typer.Option(
        None, "--headcount", help="Employees invited, for an open link's response rate."
    ),
    name: str = typer.Option("", "--name", help="A name for the campaign."),
) -> None:
    """Open a campaign and print its link(s), built from STUDY_BASE_URL."""
    with open_database().transaction() as session:
        info = create_campaign(
            session,
            organisation=organisation,
            instrument=instrument,
            invitations=invitations,
            closes=closes.date() if closes else None,
            headcount=headcount,
            name=name,
            actor=OPERATOR,
        )
        links = (
            list(invitation_links(session, info.id, viewer=OPERATOR)["link"])
            if invitations
            else [info.link]
        )
    typer.echo(
        f"Campaign {info.id} ({info.mode}) for {info.organisation}, "
        f"{info.instrument} version {info.instrument_version}:"
    )
    for link in links:
        typer.echo(link)


@campaign_app.command("close")
def campaign_close(campaign_id: int = CAMPAIGN_ARGUMENT) -> None:
    """Close a campaign: its links then show a polite 'closed' message."""
    info = in_transaction(close_campaign, campaign_id, actor=OPERATOR)
    typer.echo(f"Closed campaign {info.id} ({info.completed} complete responses).")


@campaign_app.command("list")
def campaign_list(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List campaigns with invitations, started and completed responses and response rate."""
    campaigns = in_transaction(list_campaigns, viewer=OPERATOR)
    emit([c.as_dict() for c in campaigns], fmt)


@campaign_app.command("recipients")
def campaign_recipients(
    campaign_id: int = CAMPAIGN_ARGUMENT,
    file: Path = typer.Argument(
        ...,
        metavar="FILE.csv",
        exists=True,
        dir_okay=False,
        help="CSV with an 'email' column and an optional 'language' column.",
    ),
) -> None:
    """Add e-mail recipients to a personal campaign (each gets a personal invitation)."""
    data = file.read_bytes()
    result = in_transaction(
        import_recipients, campaign_id, data, filename=file.name, actor=OPERATOR
    )
    typer.echo(
        f"Added {result.added} recipients to campaign {campaign_id} "
        f"({result.already} already there)."
    )


@campaign_app.command("send")
def campaign_send(
    campaign_id: int = CAMPAIGN_ARGUMENT,
    reminder: bool = typer.Option(
        False, "--reminder", help="Remind recipients who have not completed."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; send nothing."),
) -> None:
    """E-mail the personal invitations (or reminders) through STUDY_SMTP_URL, rate-limited."""
    report = send_campaign_mail(
        open_database(), campaign_id, reminder=reminder, dry_run=dry_run, actor=OPERATOR
    )
    if dry_run:
        for outgoing in report.messages:
            typer.echo(f"To: {outgoing.to} | Subject: {outgoing.subject}")
    typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


@campaign_app.command("invitations")
def campaign_invitations(
    campaign_id: int = CAMPAIGN_ARGUMENT,
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    language: str = typer.Option(None, "--language", help="Add lang=.. to each link."),
) -> None:
    """Export a campaign's personal links as CSV for a mail merge."""
    frame = in_transaction(invitation_links, campaign_id, language=language, viewer=OPERATOR)
    out.write_bytes(csv_bytes(frame, bom=False))
    typer.echo(f"Wrote {len(frame)} links to {out}.")


def import_responses_command(
    file: Path = typer.Argument(..., metavar="FILE", exists=True, dir_okay=False),
    instrument: str = INSTRUMENT_OPTION,
    organisation: str = ORGANISATION_OPTION,
    format: ImportFormat = typer.Option(..., "--format", help="qualtrics | limesurvey | csv"),
) -> None:
    """Import survey responses from a Qualtrics, LimeSurvey or plain CSV export."""
    result = in_transaction(
        import_responses,
        file,
        instrument=instrument,
        organisation=organisation,
        format=format.value,
        actor=OPERATOR,
    )
    skipped = (
        f"; skipped {result['skipped_rows']} preview/test rows" if result["skipped_rows"] else ""
    )
    typer.echo(
        f"Imported {result['responses']} responses into campaign {result['campaign']}{skipped}."
    )


def export_responses_command(
    format: ResponseFormat = typer.Option(..., "--format", help="csv | xlsx | sav"),
    out: Path = OUT_OPTION,
    instrument: str = typer.Option("ism-adoption-survey", "--instrument"),
    language: str = typer.Option("en", "--language", help="Language of labels (en or da)."),
    exact: bool = EXACT_OPTION,
) -> None:
    """Export complete responses, one row each, with organisation, campaign and version."""
    count = in_transaction(
        export_responses,
        out,
        format=format.value,
        instrument=instrument,
        language=language,
        exact=exact,
        viewer=OPERATOR,
    )
    typer.echo(f"Wrote {count} responses to {out}.")


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the survey commands."""
    app.add_typer(instruments_app, name="instruments")
    app.add_typer(campaign_app, name="campaign")
    import_app.command("responses")(import_responses_command)
    export_app.command("responses")(export_responses_command)
