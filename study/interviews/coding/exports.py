"""Export codings and coded passages to Word, Excel and CSV.

Transcript text is participants' words: .csv text fields go through
:func:`study.cells.escape_formula` and .xlsx text cells are string cells holding
the exact text, so a passage such as ``=HYPERLINK(...)`` stays text. Outputs go to a
path or to a binary stream (a page's download button).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from study.admin.permissions import Actor
from study.cells import escape_formula, set_text_cell, write_csv
from study.errors import InvalidInput
from study.interviews.coding.codings import list_codings
from study.interviews.coding.retrieval import SEGMENT_COLUMNS, coded_segments
from study.interviews.coding.schemes_store import CodeRef, SchemeRef

__all__ = [
    "CODING_EXPORT_COLUMNS",
    "SEGMENT_EXPORT_COLUMNS",
    "export_codings",
    "export_segments",
    "write_segments_docx",
    "write_segments_xlsx",
]

CODING_EXPORT_COLUMNS = (
    "transcript",
    "organisation",
    "role",
    "scheme",
    "code",
    "coder",
    "start",
    "end",
    "text",
    "origin",
    "id",
    "transcript_id",
)
SEGMENT_EXPORT_COLUMNS = (
    "scheme",
    "code",
    "code_name",
    "organisation",
    "role",
    "transcript",
    "speaker",
    "coder",
    "start",
    "end",
    "text",
    "turn_text",
    "memos",
)
_WIDTHS = {
    "text": 80,
    "turn_text": 80,
    "memos": 60,
    "transcript": 30,
    "organisation": 25,
    "code_name": 30,
    "coder": 25,
    "code": 22,
    "scheme": 22,
    "speaker": 18,
}
_EXCEL_CELL_LIMIT = 32_767


def _cell_text(value: Any, *, escape: bool = True) -> Any:
    """A cell value: text legal in XML, within Excel's limit, escaped for csv if ``escape``."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > _EXCEL_CELL_LIMIT - 1:
            value = value[: _EXCEL_CELL_LIMIT - 2] + "…"
        return escape_formula(value) if escape else value
    return value


def _save(write: Any, out: str | Path | BinaryIO) -> None:
    if isinstance(out, (str, Path)):
        with open(out, "wb") as stream:
            write(stream)
    else:
        write(out)


def _write_table_xlsx(frame: pd.DataFrame, stream: BinaryIO, sheet_title: str) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append(list(frame.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(frame.itertuples(index=False), start=2):
        for c, value in enumerate(row, start=1):
            value = (
                None
                if value is None or (isinstance(value, float) and pd.isna(value))
                else _cell_text(value.item() if hasattr(value, "item") else value, escape=False)
            )
            cell = set_text_cell(sheet.cell(row=r, column=c), value)
            if isinstance(cell.value, str):
                cell.alignment = wrap
    for c, column in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(column, 12)
    sheet.freeze_panes = "A2"
    workbook.save(stream)


def _write_table_csv(frame: pd.DataFrame, stream: BinaryIO, *, exact: bool = False) -> None:
    write_csv(
        frame.columns,
        frame.itertuples(index=False),
        stream,
        lambda value: None if value is None else _cell_text(value, escape=not exact),
    )


def export_codings(
    session: Session,
    out: str | Path | BinaryIO,
    *,
    format: str = "xlsx",
    transcript_id: int | None = None,
    coder_ids: Collection[int] | None = None,
    scheme: SchemeRef | None = None,
    viewer: Actor,
    exact: bool = False,
) -> int:
    """Write one row per coding (:data:`CODING_EXPORT_COLUMNS`) to .xlsx or .csv; return the rows.

    ``code`` is the code key, ``coder`` the coder's e-mail, ``start``/``end``
    code-point offsets and ``text`` the coded passage. Filters as in
    :func:`study.interviews.coding.codings.list_codings`. ``exact=True`` (csv
    only) writes text as it is, without the apostrophe that keeps a spreadsheet
    from running ``= + - @`` text: for R or pandas, never for a spreadsheet.
    """
    if format not in ("xlsx", "csv"):
        raise InvalidInput(f"Codings export as xlsx or csv, not {format!r}.")
    codings = list_codings(
        session, transcript_id=transcript_id, coder_ids=coder_ids, scheme=scheme, viewer=viewer
    )
    frame = codings.loc[:, list(CODING_EXPORT_COLUMNS)]
    if format == "xlsx":
        _save(lambda stream: _write_table_xlsx(frame, stream, "codings"), out)
    else:
        _save(lambda stream: _write_table_csv(frame, stream, exact=exact), out)
    return len(frame)


def write_segments_xlsx(segments: pd.DataFrame, out: str | Path | BinaryIO) -> int:
    """Write coded passages (a :func:`coded_segments` frame) to an .xlsx sheet; return the rows."""
    _require_segments(segments)
    frame = segments.loc[:, list(SEGMENT_EXPORT_COLUMNS)]
    _save(lambda stream: _write_table_xlsx(frame, stream, "segments"), out)
    return len(frame)


def _docx_text(value: Any) -> str:
    # XML cannot hold most control characters; python-docx refuses them.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def write_segments_docx(
    segments: pd.DataFrame, out: str | Path | BinaryIO, *, title: str = "Coded passages"
) -> int:
    """Write coded passages to .docx: a heading per code, then each passage with its source.

    Each passage is preceded by a line naming organisation, interviewee role,
    transcript, speaker and coder, and is set in the "Quote" style. Returns
    the number of passages written.
    """
    from docx import Document  # python-docx is slow to import; only exports need it

    _require_segments(segments)
    document = Document()
    document.add_heading(_docx_text(title), level=0)
    if segments.empty:
        document.add_paragraph("No passages were coded with this code.")
    for (scheme, key, name), group in segments.groupby(["scheme", "code", "code_name"], sort=False):
        document.add_heading(_docx_text(f"{name} ({scheme}: {key})"), level=1)
        document.add_paragraph(f"{len(group)} passage{'s' if len(group) != 1 else ''}")
        for row in group.itertuples(index=False):
            source = [row.organisation, row.role, row.transcript]
            if row.speaker:
                source.append(f"speaker {row.speaker}")
            source.append(f"coded by {row.coder_name}")
            meta = document.add_paragraph()
            meta.add_run(_docx_text(" · ".join(str(s) for s in source))).italic = True
            document.add_paragraph(_docx_text(row.text), style="Quote")
            for memo in filter(None, str(row.memos or "").split("\n")):
                note = document.add_paragraph()
                note.add_run("Memo · ").bold = True
                note.add_run(_docx_text(memo))
    _save(document.save, out)
    return len(segments)


def _require_segments(segments: pd.DataFrame) -> None:
    missing = [c for c in SEGMENT_COLUMNS if c not in segments.columns]
    if missing:
        raise InvalidInput(f"The passages have no column {missing[0]!r}; use coded_segments().")


def export_segments(
    session: Session,
    out: str | Path | BinaryIO,
    *,
    format: str = "docx",
    code_id: CodeRef | None = None,
    scheme: SchemeRef | None = None,
    code_key: str | None = None,
    include_subcodes: bool = True,
    organisation: str | None = None,
    role: str | None = None,
    coder_ids: Collection[int] | None = None,
    viewer: Actor,
) -> int:
    """Export the passages of a code (see :func:`coded_segments`) as .docx or .xlsx; count them.

    ``viewer`` is who exports: blind coding applies as in :func:`coded_segments`.
    """
    if format not in ("docx", "xlsx"):
        raise InvalidInput(f"Coded passages export as docx or xlsx, not {format!r}.")
    segments = coded_segments(
        session,
        code_id=code_id,
        scheme=scheme,
        code_key=code_key,
        include_subcodes=include_subcodes,
        organisation=organisation,
        role=role,
        coder_ids=coder_ids,
        viewer=viewer,
    )
    if format == "xlsx":
        return write_segments_xlsx(segments, out)
    named = segments["code_name"].iloc[0] if not segments.empty else (code_key or code_id)
    title = f"Coded passages: {named}"
    return write_segments_docx(segments, out, title=title)
