"""Placeholder: filled in by the erasure work (issue 26)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the erasure commands (none yet)."""
