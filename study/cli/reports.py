"""`study export benchmark`, `study export scores` and `study benchmark publish|editions`."""

from __future__ import annotations

from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_editions import (
    edition_readiness,
    list_benchmark_editions,
    publish_benchmark,
)
from study.analysis.reports.benchmark_export import export_benchmark
from study.analysis.reports.scores_export import SCORE_FORMATS, export_scores
from study.analysis.survey_data import DEFAULT_INSTRUMENT
from study.cli.base import (
    AS_OPTION,
    EXACT_OPTION,
    FORMAT_OPTION,
    OutputFormat,
    acting_as,
    choices,
    command_group,
    emit,
    in_transaction,
    open_database,
)
from study.config import setting
from study.errors import InvalidInput

benchmark_app = command_group(
    "Published benchmark editions: the frozen benchmark practitioners see."
)
INSTRUMENT_OPTION = typer.Option(DEFAULT_INSTRUMENT, "--instrument", help="Survey instrument id.")

#: File formats of the scores export.
ScoreFormat = choices("ScoreFormat", SCORE_FORMATS)


def benchmark(
    out: Path = typer.Option(..., "--out", help="The .xlsx file to write."),
    org: str = typer.Option(
        None,
        "--org",
        help="Practitioners' version: name only this "
        "organisation and pool all others as "
        "'Benchmark'.",
    ),
    min_group: int = typer.Option(
        None,
        "--min-group",
        min=1,
        help="Hide groups with fewer responses "
        "(default: STUDY_MIN_GROUP_SIZE, now "
        f"{setting('STUDY_MIN_GROUP_SIZE')}).",
    ),
    campaign: int = typer.Option(
        None, "--campaign", help="Use this campaign for its organisation instead of its newest one."
    ),
    edition: int = typer.Option(
        None,
        "--edition",
        min=1,
        help="Write this published edition (what practitioners see) instead of the current data.",
    ),
    as_email: str = AS_OPTION,
) -> None:
    """Write the benchmark spreadsheet: every organisation, or one against all others."""
    if out.suffix.lower() != ".xlsx":
        raise InvalidInput(
            f"The benchmark is an Excel workbook: give --out a name ending in "
            f".xlsx, not {out.name!r}."
        )
    with open_database().transaction() as session:
        path = export_benchmark(
            session,
            out,
            organisation=org,
            min_group=min_group,
            campaign_id=campaign,
            edition=edition,
            viewer=acting_as(session, as_email),
        )
    who = f"{org} against the benchmark" if org else "all organisations"
    which = f" (edition {edition})" if edition else ""
    typer.echo(f"Wrote the benchmark for {who}{which} to {path}.")


@benchmark_app.command("publish")
def benchmark_publish(instrument: str = INSTRUMENT_OPTION) -> None:
    """Publish the current benchmark as a new frozen edition (the one practitioners see)."""
    info = in_transaction(publish_benchmark, instrument=instrument, actor=OPERATOR)
    typer.echo(
        f"Published benchmark edition {info.number} of {info.instrument}: "
        f"{info.organisations} organisations, {info.responses:,} responses."
    )


@benchmark_app.command("editions")
def benchmark_editions(
    instrument: str = INSTRUMENT_OPTION, fmt: OutputFormat = FORMAT_OPTION
) -> None:
    """List the published editions, newest first, and whether a new one may be published."""
    with open_database().transaction() as session:
        rows = [
            e.as_dict()
            for e in list_benchmark_editions(session, instrument=instrument, viewer=OPERATOR)
        ]
        readiness = edition_readiness(session, instrument=instrument)
    emit(rows, fmt)
    if fmt == OutputFormat.table:
        typer.echo(readiness.sentence())


def scores(
    fmt: ScoreFormat = typer.Option(..., "--format", help="csv, xlsx or sav."),
    out: Path = typer.Option(..., "--out", help="The file to write."),
    exact: bool = EXACT_OPTION,
) -> None:
    """Write respondent-level scale scores with organisation attributes (for SPSS or R)."""
    rows = in_transaction(export_scores, out, format=fmt.value, viewer=OPERATOR, exact=exact)
    typer.echo(f"Wrote {rows:,} respondents' scale scores to {out}.")


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add `study export benchmark`, `study export scores` and `study benchmark ...`."""
    app.add_typer(benchmark_app, name="benchmark")
    export_app.command("benchmark")(benchmark)
    export_app.command("scores")(scores)
