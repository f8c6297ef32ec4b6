"""Coded passages to .docx/.xlsx and codings to .xlsx/.csv, written and read back (study.interviews.coding.exports)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from docx import Document

from study.admin.permissions import OPERATOR
from study.errors import InvalidInput
from study.interviews.coding import (
    coded_segments,
    export_codings,
    export_segments,
    list_codings,
    write_segments_docx,
)
from study.interviews.coding.exports import CODING_EXPORT_COLUMNS

from coding_study import code_passage, seed_tiny_study

FORMULA = '=HYPERLINK("http://example.com","click")'


@pytest.fixture
def exported(session):
    """Three codings: two passages of the 'barriers' subcodes and one formula-like passage."""
    transcript, ana, ben = seed_tiny_study(session)
    code_passage(session, transcript, "we are busy all day 😀", ("tiny", "no-time"), ana)
    code_passage(session, transcript, "afraid of being judged, på Østerbro", ("tiny", "fear"), ben)
    code_passage(session, transcript, FORMULA, ("tiny", "benefits"), ana)
    return session


def test_segments_docx_has_a_heading_per_code_and_each_passage_with_its_source(exported, tmp_path):
    out = tmp_path / "barriers.docx"
    assert export_segments(exported, out, format="docx", code_key="barriers", viewer=OPERATOR) == 2
    document = Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["No time (tiny: no-time)", "Fear of judgement (tiny: fear)"]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes == ["we are busy all day 😀", "afraid of being judged, på Østerbro"]
    sources = [p.text for p in document.paragraphs if p.runs and p.runs[0].italic]
    assert sources[1] == (
        "Nordlys Bank · coordinator · interview (Nordlys Bank) · speaker Anna · coded by Ben"
    )


def test_a_formula_like_passage_stays_text_in_xlsx_and_docx(exported, tmp_path):
    out = tmp_path / "benefits.xlsx"
    assert (
        export_segments(
            exported, out, format="xlsx", scheme="tiny", code_key="benefits", viewer=OPERATOR
        )
        == 1
    )
    sheet = openpyxl.load_workbook(out).active
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("text") + 1)
    assert cell.value == FORMULA and cell.data_type == "s"  # exact text, a string cell
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["K"].width == 80  # the passage column is wide
    document_stream = io.BytesIO()
    write_segments_docx(
        coded_segments(exported, code_key="benefits", viewer=OPERATOR), document_stream
    )
    document = Document(io.BytesIO(document_stream.getvalue()))
    assert FORMULA in [p.text for p in document.paragraphs]  # Word runs no formulas


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_codings_export_one_formula_safe_row_per_coding(exported, tmp_path, fmt):
    out = tmp_path / f"codings.{fmt}"
    assert export_codings(exported, out, format=fmt, viewer=OPERATOR) == 3
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(out).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    else:
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == list(CODING_EXPORT_COLUMNS)
    assert header[:9] == "transcript organisation role scheme code coder start end text".split()
    texts = {row[header.index("code")]: row[header.index("text")] for row in body}
    assert texts == {
        "no-time": "we are busy all day 😀",
        "fear": "afraid of being judged, på Østerbro",
        "benefits": "'" + FORMULA if fmt == "csv" else FORMULA,
    }
    offsets = {
        (row[header.index("code")], int(row[header.index("start")]), int(row[header.index("end")]))
        for row in body
    }
    stored = list_codings(exported, viewer=OPERATOR)
    assert offsets == set(zip(stored["code"], stored["start"], stored["end"]))


def test_unknown_export_formats_are_refused(exported, tmp_path):
    with pytest.raises(InvalidInput, match="xlsx or csv"):
        export_codings(exported, tmp_path / "x.pdf", format="pdf", viewer=OPERATOR)
    with pytest.raises(InvalidInput, match="docx or xlsx"):
        export_segments(
            exported, tmp_path / "x.csv", format="csv", code_key="fear", viewer=OPERATOR
        )
