"""`study codes ...`, `study codings ...` and `study export codings|segments`: qualitative coding.

Schemes are named by their key (the ``id`` in the scheme file) and codes by
their key within a scheme; edits apply to the scheme's newest loaded version.
"""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.cli.base import (
    CODER_FILTER,
    EXACT_OPTION,
    FORMAT_OPTION,
    ORG_FILTER,
    OUT_OPTION,
    SCHEME_FILTER,
    SCHEME_OPTION,
    OutputFormat,
    choices,
    command_group,
    emit,
    in_transaction,
    open_database,
)
from study.errors import InvalidInput
from study.interviews.coding import (
    add_code,
    change_coding_span,
    coder_id_for,
    export_codings,
    export_segments,
    get_coding,
    list_codes,
    list_codings,
    list_schemes,
    load_scheme_into_db,
    merge_codes,
    move_code,
    recolour_code,
    rename_code,
    set_blind,
    undo_last,
)

codes_app = command_group("Coding schemes and their codes.")
codings_app = command_group("Codings: codes applied to transcript passages.")

SCHEME_ARGUMENT = typer.Argument(..., help="Scheme key (the id in the scheme file).")
CODE_ARGUMENT = typer.Argument(..., help="Code key within the scheme.")

Switch = choices("Switch", ("on", "off"))
#: File formats for all codings, and for the passages of a code.
CodingsFormat = choices("CodingsFormat", ("xlsx", "csv"))
SegmentsFormat = choices("SegmentsFormat", ("docx", "xlsx"))


def _coder_ids(session, emails: list[str] | None) -> list[int] | None:
    return [coder_id_for(session, email) for email in emails] if emails else None


@codes_app.command("list")
def codes_list(
    scheme: str = SCHEME_FILTER,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """List the codes of the newest version of every scheme (or of one)."""
    with open_database().transaction() as session:
        rows = [
            {
                "id": code.key,
                "name": code.name,
                "parent": code.parent,
                "scheme": code.scheme,
                "version": code.version,
                "colour": code.colour,
                "depth": code.depth,
            }
            for code in list_codes(session, scheme, viewer=OPERATOR)
        ]
    if fmt == OutputFormat.table:
        rows = [{**row, "name": "  " * row["depth"] + row["name"]} for row in rows]
    emit(rows, fmt, columns=["scheme", "version", "id", "name", "parent", "colour", "depth"])


@codes_app.command("schemes")
def codes_schemes(fmt: OutputFormat = FORMAT_OPTION) -> None:
    """List the loaded scheme versions (the newest of each key is the active one)."""
    with open_database().transaction() as session:
        rows = [
            {
                "scheme": s.key,
                "version": s.version,
                "title": s.title,
                "codes": s.code_count,
                "active": s.active,
            }
            for s in list_schemes(session, viewer=OPERATOR)
        ]
    emit(rows, fmt)


@codes_app.command("load")
def codes_load(file: Path = typer.Argument(..., help="A coding scheme YAML file.")) -> None:
    """Load a coding scheme file into the database (the same version again changes nothing)."""
    info = in_transaction(load_scheme_into_db, file, actor=OPERATOR)
    if info.created:
        typer.echo(f"Loaded scheme {info.key} version {info.version} with {info.code_count} codes.")
    else:
        typer.echo(f"Scheme {info.key} version {info.version} is already loaded.")


@codes_app.command("add")
def codes_add(
    scheme: str = SCHEME_ARGUMENT,
    key: str = typer.Argument(..., help="New code key, e.g. no-time."),
    name: str = typer.Argument(..., help="The code's name."),
    parent: str = typer.Option(None, "--parent", help="Key of the parent code."),
    colour: str = typer.Option("#888888", "--colour", help="Highlight colour #RRGGBB."),
    definition: str = typer.Option("", "--definition", help="What the code means."),
    inclusion: str = typer.Option("", "--inclusion", help="When to apply it."),
    exclusion: str = typer.Option("", "--exclusion", help="When not to apply it."),
) -> None:
    """Add a code to a scheme (its newest version)."""
    code = in_transaction(
        add_code,
        scheme,
        key=key,
        name=name,
        parent=parent,
        colour=colour,
        definition=definition,
        inclusion=inclusion,
        exclusion=exclusion,
        actor=OPERATOR,
    )
    typer.echo(f"Added code {code.key} to {code.scheme} {code.version}.")


@codes_app.command("rename")
def codes_rename(
    scheme: str = SCHEME_ARGUMENT,
    key: str = CODE_ARGUMENT,
    name: str = typer.Argument(..., help="The new name."),
) -> None:
    """Rename a code (its key stays)."""
    code = in_transaction(rename_code, (scheme, key), name, actor=OPERATOR)
    typer.echo(f"Code {code.key} is now called {code.name!r}.")


@codes_app.command("recolour")
def codes_recolour(
    scheme: str = SCHEME_ARGUMENT,
    key: str = CODE_ARGUMENT,
    colour: str = typer.Argument(..., help="New colour #RRGGBB."),
) -> None:
    """Give a code a new highlight colour."""
    code = in_transaction(recolour_code, (scheme, key), colour, actor=OPERATOR)
    typer.echo(f"Code {code.key} is now {code.colour}.")


@codes_app.command("move")
def codes_move(
    scheme: str = SCHEME_ARGUMENT,
    key: str = CODE_ARGUMENT,
    parent: str = typer.Option(None, "--parent", help="Key of the new parent code."),
    top: bool = typer.Option(False, "--top", help="Move to the top level."),
) -> None:
    """Move a code (with its subcodes) under another code, or to the top level with --top."""
    if (parent is None) == (not top):
        raise InvalidInput("Give either --parent KEY or --top.")
    code = in_transaction(move_code, (scheme, key), None if top else parent, actor=OPERATOR)
    typer.echo(f"Code {code.key} is now under {code.parent or 'the top level'}.")


@codes_app.command("merge")
def codes_merge(
    scheme: str = SCHEME_ARGUMENT,
    source: str = typer.Argument(..., help="Key of the code to merge away."),
    target: str = typer.Argument(..., help="Key of the code to keep."),
) -> None:
    """Merge one code into another: its codings, memos and subcodes move to the target."""
    result = in_transaction(merge_codes, (scheme, source), (scheme, target), actor=OPERATOR)
    typer.echo(
        f"Merged {source} into {target}: {result.moved} codings moved, "
        f"{result.collapsed} duplicates dropped, {result.memos_moved} memos moved."
    )


@codes_app.command("blind")
def codes_blind(
    state: Switch = typer.Argument(
        ..., help="on: coders see only their own codings; off: lift blind mode."
    ),
    scheme: str = SCHEME_OPTION,
) -> None:
    """Put a scheme in blind mode (coders see only their own codings) or lift it."""
    result = in_transaction(
        set_blind, int(scheme) if scheme.isdigit() else scheme, state == Switch.on, actor=OPERATOR
    )
    typer.echo(
        f"Scheme {result.key} is {'in blind mode' if result.blind else 'not blind'}: "
        + (
            "coders see only their own codings."
            if result.blind
            else "coders may see each other's codings."
        )
    )


@codings_app.command("span")
def codings_span(
    coding_id: int = typer.Argument(..., metavar="ID", help="The coding's id."),
    start: int = typer.Argument(..., help="New start (code points)."),
    end: int = typer.Argument(..., help="New end (code points, exclusive)."),
    actor: str = typer.Option(
        None,
        "--as",
        help="Who makes the change (e-mail; "
        "default: the coding's coder), so that `study "
        "codings undo --as` can undo it.",
    ),
) -> None:
    """Move a coding's edges to another span of the same transcript."""
    with open_database().transaction() as session:
        if actor is not None:
            actor_id = coder_id_for(session, actor)
        else:
            coding = get_coding(session, coding_id)
            actor_id = coding.coder_id
        info = change_coding_span(session, coding_id, start, end, actor=actor_id)
    typer.echo(f"Coding {info.id} now covers {info.start}-{info.end}: {info.text[:60]!r}.")


@codings_app.command("undo")
def codings_undo(
    coder: str = typer.Option(
        ..., "--as", help="Whose last action to undo (the account's e-mail)."
    ),
) -> None:
    """Undo an account's last coding action (add, remove, recode or span change)."""
    with open_database().transaction() as session:
        result = undo_last(session, coder_id_for(session, coder))
    typer.echo(result.sentence if result else "Nothing to undo.")


@codings_app.command("list")
def codings_list(
    transcript: int = typer.Option(None, "--transcript", help="Transcript id."),
    coder: list[str] = CODER_FILTER,
    scheme: str = SCHEME_FILTER,
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """List codings: transcript id, code key, coder e-mail, offsets and the coded text."""
    with open_database().transaction() as session:
        frame = list_codings(
            session,
            transcript_id=transcript,
            coder_ids=_coder_ids(session, coder),
            scheme=scheme,
            viewer=OPERATOR,
        )
    rows = [
        {
            "id": int(r.id),
            "transcript": int(r.transcript_id),
            "code": r.code,
            "coder": r.coder,
            "start": int(r.start),
            "end": int(r.end),
            "text": r.text,
        }
        for r in frame.itertuples(index=False)
    ]
    if fmt == OutputFormat.table:
        rows = [
            {**row, "text": row["text"] if len(row["text"]) <= 60 else row["text"][:59] + "…"}
            for row in rows
        ]
    emit(rows, fmt, columns=["id", "transcript", "code", "coder", "start", "end", "text"])


def _format_for(out: Path, fmt: enum.Enum | None, formats: type[enum.Enum]) -> str:
    if fmt is not None:
        return fmt.value
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in formats.__members__ else next(iter(formats.__members__))


def export_codings_command(
    out: Path = OUT_OPTION,
    fmt: CodingsFormat = typer.Option(None, "--format", help="xlsx or csv (default: from --out)."),
    scheme: str = SCHEME_FILTER,
    transcript: int = typer.Option(None, "--transcript", help="Only this transcript (id)."),
    coder: list[str] = CODER_FILTER,
    exact: bool = EXACT_OPTION,
) -> None:
    """Export all codings, one row each: transcript, code, coder, offsets and text."""
    chosen = _format_for(out, fmt, CodingsFormat)
    with open_database().transaction() as session:
        count = export_codings(
            session,
            out,
            format=chosen,
            transcript_id=transcript,
            coder_ids=_coder_ids(session, coder),
            scheme=scheme,
            viewer=OPERATOR,
            exact=exact,
        )
    typer.echo(f"Wrote {count} codings to {out}.")


def export_segments_command(
    code: str = typer.Option(..., "--code", help="Code key."),
    out: Path = OUT_OPTION,
    scheme: str = typer.Option(
        None, "--scheme", help="Scheme key (needed when several schemes have the code)."
    ),
    fmt: SegmentsFormat = typer.Option(
        None, "--format", help="docx or xlsx (default: from --out)."
    ),
    organisation: str = ORG_FILTER,
    role: str = typer.Option(None, "--role", help="Only this interviewee role."),
    coder: list[str] = CODER_FILTER,
    no_subcodes: bool = typer.Option(
        False, "--no-subcodes", help="Leave out the passages of subcodes."
    ),
) -> None:
    """Export the passages coded with a code (and its subcodes) to Word or Excel."""
    chosen = _format_for(out, fmt, SegmentsFormat)
    with open_database().transaction() as session:
        count = export_segments(
            session,
            out,
            format=chosen,
            scheme=scheme,
            code_key=code,
            include_subcodes=not no_subcodes,
            organisation=organisation,
            role=role,
            coder_ids=_coder_ids(session, coder),
            viewer=OPERATOR,
        )
    typer.echo(f"Wrote {count} passages to {out}.")


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add `study codes`, `study codings` and `study export codings|segments`."""
    app.add_typer(codes_app, name="codes")
    app.add_typer(codings_app, name="codings")
    export_app.command("codings")(export_codings_command)
    export_app.command("segments")(export_segments_command)
