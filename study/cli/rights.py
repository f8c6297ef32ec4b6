"""Placeholder: filled in by the withdrawal work (issue 26)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the withdrawal commands (none yet)."""
