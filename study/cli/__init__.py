"""The `study` command line: everything the app does, scriptable.

Each concept has its own module registering commands on :data:`app`. Errors a
user can cause (:class:`study.errors.StudyError`) print one line starting
with ``Error:`` and exit with status 1, never a traceback.
"""

from __future__ import annotations

import typer

from study.cli.base import StudyGroup
from study.cli import organisations, setup, users

app = typer.Typer(cls=StudyGroup, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="ISM Study: surveys, interview coding and organisation comparisons "
                       "for research on internal social media.")

setup.register(app)
app.add_typer(users.app, name="user")
app.add_typer(organisations.app, name="org")


def main() -> None:
    """Console-script entry point."""
    app()
