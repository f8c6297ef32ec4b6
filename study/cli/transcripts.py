"""`study import transcripts`, `study transcripts list|show` and `study search`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from study.admin.permissions import OPERATOR
from study.cli.base import (
    FORMAT_OPTION,
    ORG_FILTER,
    OutputFormat,
    choices,
    command_group,
    emit,
    in_transaction,
)
from study.db.models import INTERVIEWEE_ROLES
from study.errors import InvalidFile
from study.interviews.search import search_transcripts
from study.interviews.transcripts.store import (
    LANGUAGES,
    check_upload_size,
    list_transcripts,
    move_transcript,
    transcript_json,
)
from study.interviews.transcripts.store import import_transcripts as store_files

app = command_group("List, show and move interview transcripts.")

#: The interviewee's role, and the languages transcripts are marked with.
Role = choices("Role", INTERVIEWEE_ROLES)
Language = choices("Language", LANGUAGES)
#: How `transcripts show` prints: speaker turns for people, JSON for scripts.
ShowFormat = choices("ShowFormat", ("text", "json"))


def _names(name_list: Path | None, names: str | None) -> list[str]:
    """Names to replace, from a file (one per line) and/or a comma-separated option."""
    found: list[str] = []
    if name_list is not None:
        try:
            found += name_list.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise InvalidFile(
                "the name list must be a UTF-8 text file", path=str(name_list)
            ) from None
    if names:
        found += names.split(",")
    return [name.strip() for name in found if name.strip()]


def import_transcripts(
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help=".txt, .docx, .vtt or .srt files."
    ),
    org: str = typer.Option(..., "--org", help="The organisation the interviews were held in."),
    role: Role = typer.Option(..., "--role", help="The interviewees' role."),
    language: Language = typer.Option(
        None, "--language", help="en or da (default: detected from the text)."
    ),
    pseudonymise: bool = typer.Option(
        False,
        "--pseudonymise",
        help="Replace speakers' and listed names by role labels before storing.",
    ),
    name_list: Path = typer.Option(
        None,
        "--name-list",
        exists=True,
        dir_okay=False,
        help="A text file of further names to replace, one a line.",
    ),
    names: str = typer.Option(
        None, "--names", help='Further names to replace, comma-separated: "Anna,Bo".'
    ),
    interviewers: str = typer.Option(
        None,
        "--interviewers",
        help="Speakers who are interviewers, comma-separated "
        "(for files that name them, e.g. Teams).",
    ),
) -> None:
    """Import interview transcripts into an organisation.

    All files are imported or none: if one file cannot be read, the error
    names it and nothing is stored, so the same command can be run again
    after fixing it.
    """
    replace = _names(name_list, names)
    for path in files:
        check_upload_size(path.stat().st_size, path.name)
    infos = in_transaction(
        store_files,
        [(path.read_bytes(), path.name) for path in files],
        organisation=org,
        role=role.value,
        language=language.value if language else None,
        pseudonymise=pseudonymise,
        names=replace,
        interviewers=_names(None, interviewers),
        actor=OPERATOR,
    )
    for info in infos:
        typer.echo(
            f"Imported {info.name} into {info.organisation}: transcript {info.id}, "
            f"{info.turns} turns, {info.characters} characters, language {info.language}."
        )


@app.command("list")
def list_(
    org: str = typer.Option(None, "--org", help="Only this organisation's transcripts."),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """List the transcripts: id, name, organisation, role, language, turns, characters."""
    transcripts = in_transaction(list_transcripts, organisation=org, viewer=OPERATOR)
    emit([info.as_dict() for info in transcripts], fmt)


@app.command("move")
def move(
    transcript_id: int = typer.Argument(..., help="The transcript's id (see `list`)."),
    organisation: str = typer.Option(
        ..., "--organisation", help="The organisation it belongs to (see `study org list`)."
    ),
) -> None:
    """Give a transcript another organisation (an imported source that went to "Imported",
    say); its codings and memos stay."""
    info = in_transaction(move_transcript, transcript_id, organisation, actor=OPERATOR)
    typer.echo(f"Transcript {info.id} ({info.name}) now belongs to {info.organisation}.")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@app.command("show")
def show(
    transcript_id: int = typer.Argument(..., help="The transcript's id (see `list`)."),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", help="text or json."),
) -> None:
    """Show a transcript: its speaker turns, or JSON with the text and turn offsets."""
    data = in_transaction(transcript_json, transcript_id, viewer=OPERATOR)
    if fmt == ShowFormat.json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{data['name']} ({data['organisation']}, {data['role']}, {data['language']})")
    for turn in data["turns"]:
        when = f"[{_clock(turn['started_at'])}] " if turn["started_at"] is not None else ""
        who = f"{turn['speaker']}: " if turn["speaker"] else ""
        typer.echo(f"\n{when}{who}{data['text'][turn['start'] : turn['end']]}")


def search(
    query: str = typer.Argument(..., help='Words, "a phrase", or a prefix like engag*.'),
    org: str = ORG_FILTER,
    role: Role = typer.Option(None, "--role", help="Only interviews with this role."),
    speaker: str = typer.Option(
        None, "--speaker", help="Only turns of this speaker, as shown by `show`."
    ),
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many hits."),
    fmt: OutputFormat = FORMAT_OPTION,
) -> None:
    """Search the transcripts; one hit per occurrence, with the words around it.

    All words must occur in the same turn; "quoted words" must occur together;
    a word ending in * matches every word starting with it. Offsets (start,
    end) count characters (code points) of the transcript's text.
    """
    hits = in_transaction(
        search_transcripts,
        query,
        organisation=org,
        role=role.value if role else None,
        speaker=speaker,
        limit=limit,
        viewer=OPERATOR,
    )
    rows = [hit.as_dict() for hit in hits]
    if fmt == OutputFormat.table:
        # Line breaks inside a turn would break the table's rows.
        rows = [
            {**row, **{k: " ".join(row[k].split("\n")) for k in ("left", "match", "right")}}
            for row in rows
        ]
        emit(
            rows,
            fmt,
            columns=["transcript_id", "transcript", "speaker", "start", "left", "match", "right"],
        )
        return
    emit(rows, fmt)


def register(main: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the transcript commands to the `study` command line."""
    import_app.command("transcripts")(import_transcripts)
    main.add_typer(app, name="transcripts")
    main.command("search")(search)
