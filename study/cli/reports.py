"""`study export benchmark` and `study export scores`: report files from the survey results."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from study.analysis.reports.benchmark_data import export_benchmark
from study.analysis.reports.scores_export import export_scores
from study.cli.base import open_database
from study.errors import InvalidInput


class ScoreFormat(str, enum.Enum):
    """File formats of the scores export."""

    csv = "csv"
    xlsx = "xlsx"
    sav = "sav"


def benchmark(out: Path = typer.Option(..., "--out", help="The .xlsx file to write."),
              org: str = typer.Option(None, "--org",
                                      help="Practitioners' version: name only this "
                                           "organisation and pool all others as "
                                           "'Benchmark'."),
              min_group: int = typer.Option(None, "--min-group", min=1,
                                            help="Hide groups with fewer responses "
                                                 "(default: STUDY_MIN_GROUP_SIZE, 5)."),
              campaign: int = typer.Option(None, "--campaign",
                                           help="Use this campaign for its organisation "
                                                "instead of its newest one.")) -> None:
    """Write the benchmark spreadsheet: every organisation, or one against all others."""
    if out.suffix.lower() != ".xlsx":
        raise InvalidInput(f"The benchmark is an Excel workbook: give --out a name ending in "
                           f".xlsx, not {out.name!r}.")
    with open_database().transaction() as session:
        path = export_benchmark(session, out, organisation=org, min_group=min_group,
                                campaign_id=campaign)
    who = f"{org} against the benchmark" if org else "all organisations"
    typer.echo(f"Wrote the benchmark for {who} to {path}.")


def scores(fmt: ScoreFormat = typer.Option(..., "--format", help="csv, xlsx or sav."),
           out: Path = typer.Option(..., "--out", help="The file to write.")) -> None:
    """Write respondent-level scale scores with organisation attributes (for SPSS or R)."""
    with open_database().transaction() as session:
        rows = export_scores(session, out, format=fmt.value)
    typer.echo(f"Wrote {rows:,} respondents' scale scores to {out}.")


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add `study export benchmark` and `study export scores`."""
    export_app.command("benchmark")(benchmark)
    export_app.command("scores")(scores)
