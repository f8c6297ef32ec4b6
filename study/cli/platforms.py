"""`study import platform` and `study platform measures`: platform exports and their measures."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.cells import csv_bytes
from study.cli.base import (
    EXACT_OPTION,
    ORG_FILTER,
    choices,
    command_group,
    in_transaction,
    open_database,
)
from study.db.models import PLATFORMS
from study.platforms.activity import activity_measures
from study.platforms.pseudonyms import salt_warning
from study.platforms.store import import_platform_export

app = command_group("Measures of what people do on the platform (Slack, Viva Engage).")

#: The export formats read.
Platform = choices("Platform", PLATFORMS)
#: How `platform measures` prints.
MeasuresFormat = choices("MeasuresFormat", ("table", "json", "csv"))


def import_platform(
    path: Path = typer.Argument(
        ..., exists=True, readable=True, help="The export: a ZIP file or an unpacked folder."
    ),
    org: str = typer.Option(..., "--org", help="The organisation the platform belongs to."),
    fmt: Platform = typer.Option(..., "--format", help="slack or viva-engage."),
    salt_file: Path = typer.Option(
        None,
        "--salt-file",
        dir_okay=False,
        help="The salt that pseudonymises people "
        "(default STUDY_PLATFORM_SALT_FILE; created on "
        "first use).",
    ),
    keep_text: bool = typer.Option(
        False,
        "--keep-text",
        help="Keep each conversation as a pseudonymised "
        "document to code (default: text is dropped).",
    ),
    keep_channel_names: bool = typer.Option(
        False,
        "--keep-channel-names",
        help="Store public channels' names as they "
        "are (default: each becomes a pseudonym "
        "such as channel-1a2b3c, since a channel "
        "can be named after a person).",
    ),
    hour_resolution: bool = typer.Option(
        False, "--hour-resolution", help="Store message times rounded down to the hour."
    ),
) -> None:
    """Import a Slack or Viva Engage export, pseudonymised before anything is stored.

    People become salted HMAC pseudonyms; names and e-mail addresses are never
    stored, and channel names become pseudonyms too unless --keep-channel-names.
    A bad file anywhere stores nothing. Messages already stored are skipped, so an
    overlapping export adds only what is new.
    """
    with (
        open_database().transaction() as session,
        typer.progressbar(
            length=1000,
            label="Reading the export",
            file=sys.stderr,
            show_eta=False,
            hidden=not sys.stderr.isatty(),
        ) as bar,
    ):
        done = [0]

        def progress(step: int, total: int) -> None:
            target = int(1000 * step / max(total, 1))
            if target > done[0]:
                bar.update(target - done[0])
                done[0] = target

        report = import_platform_export(
            session,
            path,
            organisation=org,
            platform=fmt.value,
            salt_file=salt_file,
            keep_text=keep_text,
            keep_channel_names=keep_channel_names,
            hour_resolution=hour_resolution,
            progress=progress,
            actor=OPERATOR,
        )
    if report.salt_created:
        typer.echo(f"Warning: {salt_warning(report.salt_file)}", err=True)
    typer.echo(f"Imported {report.platform} export {report.source} into {report.organisation}.")
    for line in report.lines():
        typer.echo(line)


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


@app.command("measures")
def measures(
    org: str = ORG_FILTER,
    fmt: MeasuresFormat = typer.Option(
        MeasuresFormat.table, "--format", help="table, json or csv."
    ),
    departments: bool = typer.Option(
        True,
        "--departments/--no-departments",
        help="Rows for departments of at least STUDY_MIN_GROUP_SIZE members.",
    ),
    exact: bool = EXACT_OPTION,
) -> None:
    """Activity measures per organisation (and department): participation, conversation,
    leaders, routine, reach. `study platform measures --format json` for scripts."""
    frame = in_transaction(
        activity_measures, organisation=org, departments=departments, viewer=OPERATOR
    )
    if fmt == MeasuresFormat.json:
        rows = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == MeasuresFormat.csv:
        sys.stdout.flush()
        typer.echo(csv_bytes(frame, exact=exact).decode("utf-8-sig"), nl=False)
    elif frame.empty:
        typer.echo("(none)")
    else:
        shown = frame.assign(
            group=[
                f"{o} / {d}" if d else o for o, d in zip(frame["organisation"], frame["department"])
            ]
        )
        table = shown.drop(columns=["organisation", "department"]).set_index("group").T
        typer.echo(
            table.map(
                lambda v: (
                    ""
                    if v is None or v != v
                    else (
                        f"{v:.3f}"
                        if isinstance(v, float) and not float(v).is_integer()
                        else f"{int(v)}"
                    )
                )
            ).to_string()
        )


def register(main: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the platform commands to the `study` command line."""
    import_app.command("platform")(import_platform)
    main.add_typer(app, name="platform")
