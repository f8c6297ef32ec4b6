"""The `study` command line: everything the app does, scriptable.

Each concept has its own module with a ``register(app, import_app, export_app)``
function that adds its commands. Errors a user can cause
(:class:`study.errors.StudyError`) print one line starting with ``Error:`` and
exit with status 1, never a traceback.
"""

from __future__ import annotations

import importlib

from study.cli import organisations, setup, users
from study.cli.base import command_group

app = command_group(
    "ISM Study: surveys, interview coding and organisation comparisons "
    "for research on internal social media.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
import_app = command_group("Import responses, transcripts, codebooks and projects.")
export_app = command_group("Export responses, scores, codings, reports and projects.")

setup.register(app)
app.add_typer(users.app, name="user")
app.add_typer(organisations.app, name="org")

# Concept modules register their commands here (one line each).
CONCEPTS: tuple[str, ...] = (
    "study.cli.surveys",
    "study.cli.coding",
    "study.cli.transcripts",
    "study.cli.exchange",
    "study.cli.reports",
    "study.cli.platforms",
    "study.cli.rights",
    "study.cli.erasure",
    "study.cli.retention",
    "study.cli.suggest",
)
for concept in CONCEPTS:
    importlib.import_module(concept).register(app, import_app, export_app)

app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


def main() -> None:
    """Console-script entry point."""
    app()
