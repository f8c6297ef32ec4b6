"""`study suggest ...`: coding suggestions learned from the team's codings (issue 24)."""

from __future__ import annotations

import typer

from study.cli.base import (
    AS_OPTION,
    FORMAT_OPTION,
    SCHEME_OPTION,
    OutputFormat,
    acting_as,
    choices,
    command_group,
    emit,
    open_database,
)
from study.errors import NotFound
from study.interviews.coding import coder_id_for
from study.interviews.learning import (
    accept_suggestion,
    learned_suggestions,
    reject_suggestion,
    train_every_scope,
    train_suggestions,
)
from study.reliability.suggestions import evaluate_suggestions

app = command_group("Coding suggestions learned from the team's own codings.")

Unit = choices("Unit", ("sentence", "turn"))
UNIT_OPTION = typer.Option("sentence", "--unit", help="Learn from and suggest sentences or turns.")
CODER_OPTION = typer.Option(
    None,
    "--coder",
    metavar="EMAIL",
    help="While the scheme is blind: whose model (default: every coder's, or --as's own).",
)
TRANSCRIPT_OPTION = typer.Option(..., "--transcript", help="The transcript's id.")


@app.command("train")
def train(
    scheme: str = SCHEME_OPTION,
    coder: str = CODER_OPTION,
    unit: Unit = UNIT_OPTION,
    as_email: str = AS_OPTION,
) -> None:
    """Learn a scheme's suggestions from its codings and rejected suggestions, and store them.

    One model for the team; while the scheme is blind, one per coder, learned from that
    coder's codings only. Runs on this machine; nothing leaves it.
    """
    with open_database().transaction() as session:
        actor = acting_as(session, as_email)
        if coder is not None:
            infos = [
                train_suggestions(
                    session,
                    scheme,
                    actor=actor,
                    coder_id=coder_id_for(session, coder),
                    unit=unit.value,
                )
            ]
        elif as_email is not None:
            infos = [train_suggestions(session, scheme, actor=actor, unit=unit.value)]
        else:
            infos = train_every_scope(session, scheme, actor=actor, unit=unit.value)
    for info in infos:
        typer.echo(
            f"Trained {info.scheme} {info.version} ({info.scope}) on {info.codings} codings, "
            f"{info.rejections} rejected suggestions and {info.units} {info.unit} rows "
            f"of {info.transcripts} transcripts in {info.seconds:.1f} s: "
            f"{len(info.codes)} codes learned."
        )
        if info.too_few:
            few = ", ".join(f"{key} ({n})" for key, n in info.too_few.items())
            typer.echo(f"Too few coded units to learn: {few}.")


@app.command("evaluate")
def evaluate(
    scheme: str = SCHEME_OPTION,
    coder: str = CODER_OPTION,
    folds: int = typer.Option(5, "--folds", min=2, help="Folds of transcripts (at most)."),
    unit: Unit = UNIT_OPTION,
    fmt: OutputFormat = FORMAT_OPTION,
    as_email: str = AS_OPTION,
) -> None:
    """Measure the suggestions like a coder: per code precision, recall, F1 and alpha.

    Cross-validated by transcript (the model never scores a transcript it learned from),
    beside the keyword suggestions and the coders' own agreement. Codes whose model alpha
    is under 0.667 stay off in the workbench. Also retrains the stored model if stale.
    """
    with open_database().transaction() as session:
        actor = acting_as(session, as_email)
        coder_id = coder_id_for(session, coder) if coder else None
        quality = evaluate_suggestions(
            session, scheme, viewer=actor, coder_id=coder_id, folds=folds, unit=unit.value
        )
    if fmt == OutputFormat.json:
        emit(quality.as_dict(), fmt)
        return
    frame = quality.frame()
    typer.echo(
        f"{quality.scheme} ({quality.scope}): {quality.transcripts} transcripts, "
        f"{quality.units} units, {quality.folds} folds."
    )
    typer.echo(frame.round(2).fillna("").to_string(index=False))
    typer.echo(f"Macro F1: model {quality.macro_f1:.2f}, keywords {quality.keyword_macro_f1:.2f}.")


def _suggestions(session, transcript_id: int, scheme: str | None, actor):
    from study.interviews.coding import list_schemes

    keys = [scheme] if scheme else sorted({s.key for s in list_schemes(session, viewer=actor)})
    found = []
    for key in keys:
        found.extend(
            (key, s) for s in learned_suggestions(session, transcript_id, key, viewer=actor)
        )
    return found


@app.command("list")
def list_(
    transcript_id: int = TRANSCRIPT_OPTION,
    scheme: str = typer.Option(None, "--scheme", help="Only this scheme (key)."),
    fmt: OutputFormat = FORMAT_OPTION,
    as_email: str = AS_OPTION,
) -> None:
    """List the passages of a transcript the learned model would code, with its probability.

    Passages already coded with the code, or whose suggestion was rejected, are left out.
    "on" says whether the code's suggestions are shown in the workbench by default.
    """
    with open_database().transaction() as session:
        found = _suggestions(session, transcript_id, scheme, acting_as(session, as_email))
    emit(
        [
            {
                "scheme": key,
                "code": s.code_key,
                "start": s.start,
                "end": s.end,
                "probability": round(s.probability, 3),
                "on": s.enabled,
                "text": s.text if fmt == OutputFormat.json else s.text[:60],
            }
            for key, s in found
        ],
        fmt,
    )


def _find(session, transcript_id: int, scheme: str, code: str, start: int, end: int, actor):
    for _, s in _suggestions(session, transcript_id, scheme, actor):
        if (s.code_key, s.start, s.end) == (code, start, end):
            return s
    raise NotFound(
        f"No open suggestion of {code!r} at {start}-{end} in transcript {transcript_id} "
        "(see `study suggest list`)."
    )


def _answer_command(verb: str, summary: str) -> None:
    """Add `study suggest accept` or `reject`: one suggestion, named by code and span, as a coder."""

    @app.command(verb, help=summary)
    def answer(
        transcript_id: int = TRANSCRIPT_OPTION,
        scheme: str = SCHEME_OPTION,
        code: str = typer.Option(..., "--code", help="The code's key."),
        start: int = typer.Option(..., "--start", help="Where the passage starts (code points)."),
        end: int = typer.Option(..., "--end", help="Where it ends (code points, exclusive)."),
        as_email: str = typer.Option(..., "--as", metavar="EMAIL", help="The coder answering."),
    ) -> None:
        with open_database().transaction() as session:
            actor = acting_as(session, as_email)
            found = _find(session, transcript_id, scheme, code, start, end, actor)
            if verb == "accept":
                info = accept_suggestion(session, found, transcript_id=transcript_id, actor=actor)
                message = f"Coded {info.start}-{info.end} with {info.code} (coding {info.id})."
            else:
                reject_suggestion(
                    session,
                    transcript_id=transcript_id,
                    code_id=found.code_id,
                    start=start,
                    end=end,
                    actor=actor,
                )
                message = f"Rejected {code} at {start}-{end}; it will not be suggested again."
        typer.echo(message)


_answer_command(
    "accept", 'Accept a suggestion: it becomes the coder\'s own coding, its origin "suggested".'
)
_answer_command(
    "reject", "Reject a suggestion: not offered again, and a negative example for the next model."
)


def register(main: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the suggestion commands to the `study` command line."""
    main.add_typer(app, name="suggest")
