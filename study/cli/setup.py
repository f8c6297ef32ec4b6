"""Set-up commands: init, demo, serve, settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from study.admin.accounts import ensure_admin
from study.analysis.reports.benchmark_editions import publish_benchmark
from study.cli.base import open_database
from study.config import SETTINGS
from study.db import migrate
from study.demo import load_demo
from study.errors import NotFound

APP_FILE = Path(__file__).resolve().parents[2] / "app.py"
#: Streamlit runs this launcher: app.py plus the login-cookie routes (study/ui/server.py).
SERVER_FILE = APP_FILE.with_name("server.py")


def init() -> None:
    """Create or upgrade the database to the newest schema (safe to run again).

    Creates an admin account with a generated password the first time and
    prints it once; only its hash is stored.
    """
    database = open_database(require_schema=False)
    before, after = migrate(database)
    typer.echo(f"Database {'created' if before is None else 'up to date'} "
               f"(schema {after}).")
    with database.transaction() as session:
        created = ensure_admin(session)
    if created:
        email, password = created
        typer.echo(f"Admin login: {email} / {password}  (shown once; change it with "
                   f"`study user passwd {email}`)")


def demo(reset: bool = typer.Option(False, "--reset", help="Delete the demo study and load it again."),
         if_empty: bool = typer.Option(False, "--if-empty",
                                       help="Load only if the database holds no study yet.")
         ) -> None:
    """Load the fictional demo study (ten organisations); safe to run again."""
    database = open_database()
    with database.transaction() as session:
        result = load_demo(session, reset=reset, if_empty=if_empty)
        message = result.message
        if result.loaded:
            # Practitioners see only published editions: the demo comes with its first one.
            info = publish_benchmark(session)
            message += (f" Published benchmark edition {info.number} "
                        f"({info.organisations} organisations) for practitioners.")
    typer.echo(message)


def serve(port: int = typer.Option(8501, "--port", help="Port to listen on."),
          headless: bool = typer.Option(True, "--headless/--browser",
                                        help="Do not open a browser window.")) -> None:
    """Run the web app (Streamlit) on this machine."""
    open_database()
    if not APP_FILE.exists() or not SERVER_FILE.exists():
        raise NotFound(f"{APP_FILE} is missing; run `study serve` from a checkout of ISM Study.")
    command = [sys.executable, "-m", "streamlit", "run", str(SERVER_FILE), "--server.port",
               str(port), "--server.headless", str(headless).lower()]
    if os.name == "posix":
        # Become the server process: a signal to `study serve` (a process manager's
        # stop, a test's terminate) then stops the server itself, leaving no orphan.
        os.chdir(APP_FILE.parent)
        os.execv(sys.executable, command)
    raise typer.Exit(subprocess.call(command, cwd=APP_FILE.parent))


def settings() -> None:
    """List the settings read from the environment, with their current values."""
    for s in SETTINGS:
        typer.echo(f"{s.name}={s.read()}\n    {s.help} (default: {s.default})")


def register(app: typer.Typer) -> None:
    """Add the set-up commands to the top-level app."""
    for command in (init, demo, serve, settings):
        app.command()(command)
