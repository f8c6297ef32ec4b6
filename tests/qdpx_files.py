"""REFI-QDA projects written by hand in tests: a ``project.qde`` (and sources) zipped."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

from study.admin.permissions import OPERATOR
from study.db import Database
from study.exchange.qdpx import export_qdpx


def write_qdpx_file(path: Path, qde: str | bytes, files: Mapping[str, bytes] | None = None) -> Path:
    """Write ``qde`` as the project.qde of a new .qdpx at ``path``, with ``files``; return it."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for member, data in (files or {}).items():
            archive.writestr(member, data)
    return path


def exported_qdpx(database: Database, path: Path, *, compat: str | None = None) -> Path:
    """Export the study in ``database`` as the operator to ``path``; return it."""
    with database.transaction() as session:
        export_qdpx(session, path, compat=compat, viewer=OPERATOR)
    return path
