"""A benchmark study with a tiny organisation, shared by the report, CLI and page tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from comparison_study import ALFA, BETA, add_organisation_with_answers

DELTA = [[2, 3, 3, 3], [3, 3, 4, 2], [2, 2, 3, 4], [4, 3, 3, 3], [3, 4, 2, 3], [2, 3, 3, 2]]


ROLE = ["staff", "staff", "manager", "staff", "manager", "staff"]
EPSILON = [[4, 4, 3, 2], [3, 4, 4, 2], [5, 4, 4, 1], [3, 3, 4, 3], [4, 5, 3, 2]]


TINY = [[5, 4, 2, 1], [3, 2, 5, 4], [4, 5, 3, 2]]


OTHERS = ["Beta Kommune", "Delta Energi", "Epsilon Software", "Tiny Co"]


def build_benchmark_study(session) -> dict[str, int]:
    """Five organisations (6, 7, 6, 5 and 3 respondents); Epsilon by personal invitation."""
    return {
        "Alfa Bank": add_organisation_with_answers(
            session, "Alfa Bank", ALFA, extra={"role": ROLE}
        ),
        "Beta Kommune": add_organisation_with_answers(session, "Beta Kommune", BETA),
        "Delta Energi": add_organisation_with_answers(session, "Delta Energi", DELTA),
        "Epsilon Software": add_organisation_with_answers(
            session, "Epsilon Software", EPSILON, invitations=10
        ),
        "Tiny Co": add_organisation_with_answers(session, "Tiny Co", TINY),
    }


#: The columns of the frames :func:`write_benchmark_workbook` takes.
WORKBOOK_COLUMNS = {
    "scores": ["respondent_id", "organisation", "scale", "score"],
    "items": ["respondent_id", "organisation", "item", "value", "points"],
    "participation": ["organisation", "responses", "invitations", "headcount"],
    "demographics": ["respondent_id", "organisation", "variable", "category"],
}


def workbook_frames(**rows: list[tuple]) -> dict[str, pd.DataFrame]:
    """The workbook's input frames from row tuples: ``scores=[...], items=[...], ...``."""
    return {name: pd.DataFrame(rows[name], columns=WORKBOOK_COLUMNS[name]) for name in rows}


def workbook_numbers(path) -> list[tuple[str, str, float]]:
    """(sheet, cell, value) of every number in an .xlsx workbook."""
    wb = load_workbook(path)
    return [
        (ws.title, cell.coordinate, float(cell.value))
        for ws in wb
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
    ]


def workbook_rows(path, sheet: str) -> list[tuple]:
    """The values of one sheet of an .xlsx workbook, row by row."""
    return list(load_workbook(path)[sheet].iter_rows(values_only=True))


# -- the workbook as LibreOffice prints it ---------------------------------------------------

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
#: Skip a print test where LibreOffice or poppler-utils is missing (.ci/run installs both).
needs_office = pytest.mark.skipif(
    OFFICE is None or PDFTOTEXT is None or not shutil.which("fc-list"),
    reason="LibreOffice (soffice), poppler-utils (pdftotext) and fontconfig are needed",
)


def printed_pages(workbook: Path, folder: Path) -> list[str]:
    """The workbook printed to PDF by LibreOffice, as ``pdftotext -layout`` reads each page."""
    subprocess.run(
        [OFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(workbook)],
        check=True,
        timeout=180,
        capture_output=True,
    )
    pdf = folder / f"{workbook.stem}.pdf"
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")
