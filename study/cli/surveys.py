"""`study instruments ...`, `study campaign ...`, `study import responses`, `study export responses`."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.cells import csv_bytes
from study.cli.base import FORMAT_OPTION, OutputFormat, StudyGroup, emit, open_database
from study.errors import InvalidInput, NotFound
from study.interviews.guides import write_guide_docx
from study.surveys.campaigns import (
    close_campaign,
    create_campaign,
    invitation_links,
    list_campaigns,
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

instruments_app = typer.Typer(
    cls=StudyGroup,
    no_args_is_help=True,
    help="Survey instruments and interview guides (YAML in instruments/).",
)
campaign_app = typer.Typer(
    cls=StudyGroup,
    no_args_is_help=True,
    help="Survey campaigns: open links and personal invitations.",
)


class ImportFormat(str, Enum):
    """Formats of survey exports we read."""

    qualtrics = "qualtrics"
    limesurvey = "limesurvey"
    csv = "csv"


class ResponseFormat(str, Enum):
    """Formats responses are exported to."""

    csv = "csv"
    xlsx = "xlsx"
    sav = "sav"


def _instrument(instrument_id: str):
    found = load_instruments()
    if instrument_id not in found:
        raise NotFound(
            f"There is no instrument {instrument_id!r}; known: {', '.join(sorted(found))}."
        )
    return found[instrument_id]


@instruments_app.command("list")
def instruments_list(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List the instruments in instruments/."""
    rows = [
        {
            "id": i.id,
            "kind": i.kind,
            "version": i.version,
            "languages": ",".join(i.languages),
            "title": i.title[i.languages[0]],
        }
        for i in load_instruments().values()
    ]
    emit(rows, fmt)


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
    with open_database().transaction() as session:
        store_instrument(session, instrument)
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
    organisation: str = typer.Option(..., "--org", help="The organisation's name."),
    instrument: str = typer.Option(..., "--instrument", help="Instrument id."),
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
def campaign_close(campaign_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Close a campaign: its links then show a polite 'closed' message."""
    with open_database().transaction() as session:
        info = close_campaign(session, campaign_id, actor=OPERATOR)
    typer.echo(f"Closed campaign {info.id} ({info.completed} complete responses).")


@campaign_app.command("list")
def campaign_list(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List campaigns with invitations, started and completed responses and response rate."""
    with open_database().transaction() as session:
        rows = [c.as_dict() for c in list_campaigns(session, viewer=OPERATOR)]
    emit(rows, fmt)


@campaign_app.command("recipients")
def campaign_recipients(
    campaign_id: int = typer.Argument(..., metavar="ID"),
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
    with open_database().transaction() as session:
        result = import_recipients(session, campaign_id, data, filename=file.name, actor=OPERATOR)
    typer.echo(
        f"Added {result.added} recipients to campaign {campaign_id} "
        f"({result.already} already there)."
    )


@campaign_app.command("send")
def campaign_send(
    campaign_id: int = typer.Argument(..., metavar="ID"),
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
    campaign_id: int = typer.Argument(..., metavar="ID"),
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    language: str = typer.Option(None, "--language", help="Add lang=.. to each link."),
) -> None:
    """Export a campaign's personal links as CSV for a mail merge."""
    with open_database().transaction() as session:
        frame = invitation_links(session, campaign_id, language=language, viewer=OPERATOR)
    out.write_bytes(csv_bytes(frame, bom=False))
    typer.echo(f"Wrote {len(frame)} links to {out}.")


def import_responses_command(
    file: Path = typer.Argument(..., metavar="FILE", exists=True, dir_okay=False),
    instrument: str = typer.Option(..., "--instrument", help="Instrument id."),
    organisation: str = typer.Option(..., "--org", help="The organisation's name."),
    format: ImportFormat = typer.Option(..., "--format", help="qualtrics | limesurvey | csv"),
) -> None:
    """Import survey responses from a Qualtrics, LimeSurvey or plain CSV export."""
    with open_database().transaction() as session:
        result = import_responses(
            session,
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
    out: Path = typer.Option(..., "--out", help="File to write."),
    instrument: str = typer.Option("ism-adoption-survey", "--instrument"),
    language: str = typer.Option("en", "--language", help="Language of labels (en or da)."),
) -> None:
    """Export complete responses, one row each, with organisation, campaign and version."""
    with open_database().transaction() as session:
        count = export_responses(
            session,
            out,
            format=format.value,
            instrument=instrument,
            language=language,
            viewer=OPERATOR,
        )
    typer.echo(f"Wrote {count} responses to {out}.")


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the survey commands."""
    app.add_typer(instruments_app, name="instruments")
    app.add_typer(campaign_app, name="campaign")
    import_app.command("responses")(import_responses_command)
    export_app.command("responses")(export_responses_command)
