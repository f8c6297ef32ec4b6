"""Set-up commands: init, demo, serve, settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from study.admin.accounts import ensure_admin
from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_editions import publish_benchmark
from study.cli.base import open_database
from study.config import SETTINGS, mask_url
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
    typer.echo(f"Database {'created' if before is None else 'up to date'} (schema {after}).")
    with database.transaction() as session:
        created = ensure_admin(session)
    if created:
        email, password = created
        typer.echo(
            f"Admin login: {email} / {password}  (shown once; change it with "
            f"`study user passwd {email}`)"
        )


def demo(
    reset: bool = typer.Option(False, "--reset", help="Delete the demo study and load it again."),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Load only if the database holds no study yet."
    ),
) -> None:
    """Load the fictional demo study (ten organisations); safe to run again."""
    database = open_database()
    with database.transaction() as session:
        result = load_demo(session, reset=reset, if_empty=if_empty)
        message = result.message
        if result.loaded:
            # Practitioners see only published editions: the demo comes with its first one.
            info = publish_benchmark(session, actor=OPERATOR)
            message += (
                f" Published benchmark edition {info.number} "
                f"({info.organisations} organisations) for practitioners."
            )
    typer.echo(message)


def serve(
    port: int = typer.Option(8501, "--port", help="Port to listen on (the first one)."),
    headless: bool = typer.Option(
        True, "--headless/--browser", help="Do not open a browser window."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="App processes to run, on PORT, PORT+1, ...: put "
        "them behind a load balancer (deploy/). Each is "
        "restarted if it stops.",
    ),
) -> None:
    """Run the web app (Streamlit and the survey) on this machine."""
    open_database()
    if not APP_FILE.exists() or not SERVER_FILE.exists():
        raise NotFound(f"{APP_FILE} is missing; run `study serve` from a checkout of ISM Study.")

    def command(number: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(SERVER_FILE),
            "--server.port",
            str(port + number),
            "--server.headless",
            str(headless or workers > 1).lower(),
        ]

    if workers > 1:
        raise typer.Exit(_supervise([command(n) for n in range(workers)], cwd=APP_FILE.parent))
    if os.name == "posix":
        # Become the server process: a signal to `study serve` (a process manager's
        # stop, a test's terminate) then stops the server itself, leaving no orphan.
        os.chdir(APP_FILE.parent)
        os.execv(sys.executable, command(0))
    raise typer.Exit(subprocess.call(command(0), cwd=APP_FILE.parent))


def _supervise(commands: list[list[str]], *, cwd: Path) -> int:
    """Run one process per command; restart any that stops; stop them all on SIGTERM/SIGINT.

    The processes share nothing but the database (the survey keeps its state there and
    in signed form fields; staff logins are rows too), so any of them may serve any
    request and a restarted one simply answers again.
    """
    import signal
    import time

    processes = [subprocess.Popen(c, cwd=cwd) for c in commands]
    ports = [c[c.index("--server.port") + 1] for c in commands]
    stopping = []

    def stop(signum, frame) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    typer.echo(f"Started {len(processes)} app processes on ports {', '.join(ports)}.")
    while not stopping:
        time.sleep(0.5)
        for index, process in enumerate(processes):
            if process.poll() is not None and not stopping:
                typer.echo(
                    f"The app process on port {ports[index]} stopped "
                    f"({process.returncode}); restarting it.",
                    err=True,
                )
                processes[index] = subprocess.Popen(commands[index], cwd=cwd)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    return 0


def settings() -> None:
    """List the settings read from the environment, with their current values (no passwords)."""
    for s in SETTINGS:
        value = mask_url(s.read()) if s.name.endswith("_URL") else s.read()
        typer.echo(f"{s.name}={value}\n    {s.help} (default: {s.default})")


def register(app: typer.Typer) -> None:
    """Add the set-up commands to the top-level app."""
    for command in (init, demo, serve, settings):
        app.command()(command)
