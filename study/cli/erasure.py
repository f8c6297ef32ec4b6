"""`study erase speaker` and `study erase review-memo`: an interviewee who withdrew (issue 26)."""

from __future__ import annotations

import typer

from study.cli.base import AS_OPTION, acting_as, command_group, open_database
from study.interviews.transcripts.erasure import erase_speaker, review_memo

app = command_group("Erase the data of a participant who withdrew.")


@app.command("speaker")
def speaker(
    transcript_id: int = typer.Option(
        ..., "--transcript", help="The transcript's id (`study transcripts list`)."
    ),
    label: str = typer.Option(
        ..., "--speaker", help="The speaker's label as `study transcripts show` prints it."
    ),
    as_email: str = AS_OPTION,
) -> None:
    """Erase an interviewee who withdrew from one transcript (run it for each transcript).

    Their turns and speaker label are overwritten (the text keeps its length, so other
    turns and codings stay where they are), codings only on their words are removed and
    those across them trimmed, memos that may quote them are flagged for review, and the
    audit log keeps who erased and when, never what. Cannot be undone.
    """
    with open_database().transaction() as session:
        report = erase_speaker(session, transcript_id, label, actor=acting_as(session, as_email))
    typer.echo(report.sentence)
    if report.memos_flagged:
        ids = ", ".join(map(str, report.memos_flagged))
        typer.echo(f"Memos to review (`study erase review-memo ID`): {ids}.")
    if report.codes_to_review:
        ids = ", ".join(map(str, report.codes_to_review))
        typer.echo(f"Codes whose name, definition or examples quote or name them: {ids}.")
    if report.mentions_left:
        typer.echo(
            f"{report.mentions_left} turn{'s' if report.mentions_left != 1 else ''} of "
            "other speakers in this transcript still name them."
        )
    if report.elsewhere:
        ids = ", ".join(map(str, report.elsewhere))
        typer.echo(
            f"A speaker of the same label is in transcripts {ids}; erase there too if it is them."
        )


@app.command("review-memo")
def review(
    memo_id: int = typer.Argument(..., help="The memo's id, as `study erase speaker` listed it."),
    text: str = typer.Option(None, "--text", help="The memo's new text (default: keep it)."),
    delete: bool = typer.Option(False, "--delete", help="Delete the memo instead."),
    as_email: str = AS_OPTION,
) -> None:
    """Mark a memo flagged by an erasure as reviewed: keep it, rewrite it or delete it.

    The audit log records the decision, never the memo's text.
    """
    with open_database().transaction() as session:
        memo = review_memo(
            session, memo_id, text=text, delete=delete, actor=acting_as(session, as_email)
        )
    typer.echo(f"Memo {memo_id} " + ("deleted." if memo is None else "reviewed."))


def register(main: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the erasure commands to the `study` command line."""
    main.add_typer(app, name="erase")
