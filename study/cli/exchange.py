"""`study icr`, `study export qdpx|codebook`, `study import qdpx|codebook`: agreement and REFI-QDA."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.cli.base import (
    EXACT_OPTION,
    FORMAT_OPTION,
    SCHEME_OPTION,
    OutputFormat,
    choices,
    in_transaction,
)
from study.errors import InvalidInput
from study.exchange.qdpx import export_codebook, export_qdpx, import_codebook
from study.exchange.qdpx_import import CONFLICT_CHOICES, import_qdpx
from study.exchange.refiqda.writer import COMPAT
from study.reliability.report import DEFAULT_BOOTSTRAP, parse_scheme_ref, reliability_report
from study.reliability.units import UNITS

#: What one unit of agreement is.
Unit = choices("Unit", UNITS)
#: How a codebook is written.
CodebookFormat = choices("CodebookFormat", ("qdc", "csv"))
#: Peers whose own form of case links an export also writes.
Compat = choices("Compat", COMPAT)


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return parts or None


def _number(value: float, digits: int = 3) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def icr(
    scheme: str = SCHEME_OPTION,
    unit: Unit = typer.Option(..., "--unit", help="character, sentence, turn or transcript."),
    coders: str = typer.Option(
        None,
        "--coders",
        help="Coders to compare, by e-mail or display name, comma "
        "separated (default: every coder of the scheme).",
    ),
    transcripts: str = typer.Option(
        None,
        "--transcripts",
        help="Transcript ids, comma separated (default: all the coders coded).",
    ),
    bootstrap: int = typer.Option(
        DEFAULT_BOOTSTRAP,
        "--bootstrap",
        min=0,
        help="Bootstrap replicates for the 95% CI of alpha (0: none).",
    ),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Inter-coder agreement per code: Krippendorff's alpha with 95% CI, kappa, % agreement."""
    ids = _split(transcripts)
    try:
        transcript_ids = [int(t) for t in ids] if ids else None
    except ValueError:
        raise InvalidInput("Give transcripts as ids separated by commas, e.g. 3,4,7.") from None
    report = in_transaction(
        reliability_report,
        scheme=parse_scheme_ref(scheme),
        unit=unit.value,
        coders=_split(coders),
        transcripts=transcript_ids,
        n_boot=bootstrap,
        viewer=OPERATOR,
    )
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    table = report.table.assign(
        alpha=report.table["alpha"].map(_number),
        ci=[
            f"[{_number(lo)}, {_number(hi)}]" if not math.isnan(lo) else ""
            for lo, hi in zip(report.table["ci_low"], report.table["ci_high"])
        ],
        kappa=report.table["kappa"].map(_number),
        percent_agreement=report.table["percent_agreement"].map(lambda v: _number(100 * v, 1)),
    )
    columns = ["code", "alpha", "ci", "kappa", "percent_agreement", "units", "verdict"]
    typer.echo(
        f"Scheme {report.scheme} ({report.scheme_title}), unit: {report.unit}, coders: "
        f"{', '.join(report.coders)}, transcripts: {len(report.transcripts)}"
    )
    typer.echo(
        table[columns].rename(columns={"percent_agreement": "agreement_%"}).to_string(index=False)
    )
    typer.echo("")
    typer.echo(report.method)


def export_qdpx_command(
    out: Path = typer.Option(..., "--out", help="The .qdpx file to write."),
    compat: Compat = typer.Option(
        None,
        "--compat",
        help="Also link sources to cases the way this program "
        "reads them (qualcoder: as codings of a code with "
        "the case's GUID).",
    ),
) -> None:
    """Export the study as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    summary = in_transaction(
        export_qdpx, out, compat=compat.value if compat else None, viewer=OPERATOR
    )
    typer.echo(
        f"Wrote {out}: {summary.sources} sources, {summary.codes} codes, "
        f"{summary.codings} codings, {summary.users} users, {summary.cases} cases, "
        f"{summary.notes} notes."
    )


def export_codebook_command(
    scheme: str = typer.Option(..., "--scheme", help="Scheme key (its newest version) or id."),
    out: Path = typer.Option(..., "--out", help="The .qdc or .csv file to write."),
    fmt: CodebookFormat = typer.Option(
        CodebookFormat.qdc,
        "--format",
        help="qdc (REFI-QDA) or csv (tag, description: Taguette's codebook import).",
    ),
    exact: bool = EXACT_OPTION,
) -> None:
    """Export a coding scheme as a REFI-QDA codebook (.qdc) or a CSV codebook for Taguette."""
    count = in_transaction(
        export_codebook,
        parse_scheme_ref(scheme),
        out,
        format=fmt.value,
        exact=exact,
        viewer=OPERATOR,
    )
    typer.echo(f"Wrote {out}: {count} codes.")


def import_codebook_command(
    file: Path = typer.Argument(
        ...,
        help="A .qdc codebook, a .qdpx project or a CSV codebook with a 'tag' column (Taguette's).",
    ),
    scheme_key: str = typer.Option(
        None, "--scheme-key", help="Key of the scheme to store (default: from the file name)."
    ),
) -> None:
    """Import a REFI-QDA codebook as a coding scheme version."""
    summary = in_transaction(import_codebook, file, scheme_key=scheme_key, actor=OPERATOR)
    what = "Imported" if summary.created else "Already imported:"
    typer.echo(
        f"{what} scheme {summary.scheme} version {summary.version} with {summary.codes} codes."
    )
    for warning in summary.warnings:
        typer.echo(f"Warning: {warning}", err=True)


#: What an import does with a row changed both here and in the file.
Conflicts = choices("Conflicts", CONFLICT_CHOICES)


def _import_dry(session, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    summary = import_qdpx(session, *args, **kwargs)
    session.rollback()  # a dry run stores nothing
    return summary


def import_qdpx_command(
    file: Path = typer.Argument(..., help="A REFI-QDA project (.qdpx)."),
    into_study: bool = typer.Option(
        True,
        "--into-study",
        help="(Always on.) Recognise what the study already holds: sources, codes, "
        "codings, memos and users it exported or imported before, by GUID, else by text "
        "and position; add only what is new and update only what the other program "
        "changed.",
        hidden=False,
    ),
    conflicts: Conflicts = typer.Option(
        "keep",
        "--conflicts",
        help="A row changed both here and in the file: keep the study's version (the "
        "default; the report lists each) or take the file's (theirs).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Report what the import would do and store nothing."
    ),
    scheme_key: str = typer.Option(
        None,
        "--scheme-key",
        help="Key of the scheme a codebook new to the study becomes (default: from the "
        "project name).",
    ),
    coder: list[str] = typer.Option(
        None,
        "--coder",
        help="USER=EMAIL: give the project's user USER (name or "
        "GUID) the codings of the existing account EMAIL; "
        "repeatable. Users the study exchanged before are recognised; other users become "
        "imported coders.",
    ),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Import a REFI-QDA project into the study: new sources, codes, codings and memos are
    added, changed ones updated, nothing doubled; the report says which, per kind."""
    del into_study  # the only way an import works; the flag says so in scripts
    coders = {}
    for pair in coder or []:
        user, sep, email = pair.rpartition("=")
        if not sep or not user.strip() or not email.strip():
            raise InvalidInput(f"--coder takes USER=EMAIL, not {pair!r}.")
        coders[user.strip()] = email.strip()
    summary = in_transaction(
        _import_dry if dry_run else import_qdpx,
        file,
        scheme_key=scheme_key,
        name=file.name,
        coders=coders,
        conflicts=conflicts.value,
        actor=OPERATOR,
    )
    if fmt == OutputFormat.json:
        typer.echo(
            json.dumps({**summary.as_dict(), "dry_run": dry_run}, ensure_ascii=False, indent=2)
        )
        return
    scheme = (
        f" into scheme {summary.scheme} version {summary.scheme_version}" if summary.scheme else ""
    )
    typer.echo(
        f"{'Would import' if dry_run else 'Imported'} {summary.sources} sources, "
        f"{summary.codes} codes{scheme}, {summary.codings} codings, {summary.users} users, "
        f"{summary.cases} cases, {summary.notes} notes."
    )
    for kind, outcome in summary.changes.items():
        typer.echo(
            f"  {kind}: {outcome['added']} added, {outcome['updated']} updated, "
            f"{outcome['unchanged']} unchanged, {outcome['conflicts']} conflicts"
        )
    for conflict in summary.conflicts:
        typer.echo(f"Conflict: {conflict}")
    if summary.conflicts and conflicts.value == "keep":
        typer.echo("To take the file's version of these, import again with --conflicts theirs.")
    for warning in summary.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if dry_run:
        typer.echo("Nothing was stored (--dry-run).")


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add `study icr`, `study export qdpx|codebook` and `study import qdpx|codebook`."""
    app.command("icr")(icr)
    export_app.command("qdpx")(export_qdpx_command)
    export_app.command("codebook")(export_codebook_command)
    import_app.command("qdpx")(import_qdpx_command)
    import_app.command("codebook")(import_codebook_command)
