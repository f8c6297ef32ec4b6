"""`study withdraw` and `study access`: a survey respondent's request, carried out by the team.

A respondent who writes to the research team with their code (the one on their thank-you
page, an open link's resume code, or a personal link) can have their answers shown or
withdrawn from the command line, as the survey page itself does (:mod:`study.web.rights`).
"""

from __future__ import annotations

import json

import typer

from study.admin.permissions import OPERATOR
from study.cli.base import FORMAT_OPTION, OutputFormat, in_transaction
from study.surveys.withdrawal import own_answers, withdraw_response

CODE_OPTION = typer.Option(
    ...,
    "--code",
    help="The respondent's code: from their thank-you page (ABCDE-FGH23), an open link's "
    "resume code, or a personal link's token.",
)


def withdraw(code: str = CODE_OPTION) -> None:
    """Withdraw a survey response: delete it and its answers (refused after the study's
    analysis freeze date, `study retention set --freeze-date`)."""
    done = in_transaction(withdraw_response, code, actor=OPERATOR)
    typer.echo(
        f"Withdrew a {done.status.replace('_', ' ')} response of campaign {done.campaign_id}: "
        f"{done.answers} answers deleted."
    )


def access(code: str = CODE_OPTION, fmt: OutputFormat = FORMAT_OPTION) -> None:
    """Show everything stored about a survey response: each question with its answer."""
    mine = in_transaction(own_answers, code)
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(mine.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{mine.survey} ({mine.language}, {mine.status.replace('_', ' ')})")
    for question, answer in mine.answers:
        typer.echo(f"\n{question}\n  {answer}")


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add `study withdraw` and `study access`."""
    app.command("withdraw")(withdraw)
    app.command("access")(access)
