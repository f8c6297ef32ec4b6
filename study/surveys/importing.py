"""Import survey responses collected elsewhere: Qualtrics and LimeSurvey exports, plain CSV.

Columns are matched to the instrument's items by id, case-insensitively:

- **Qualtrics** (CSV export, three header rows: export tags, question texts,
  ``{"ImportId": ...}``): a question's *export tag* must equal the item id
  (rename tags in Qualtrics, or for a matrix question recode its statements'
  export tags), or pass ``column_map={"QID3": "nw1"}`` keyed by export tag or
  ImportId. Multiple-choice answers are one column of comma-separated recode
  values, option ids or labels. Metadata columns are recognised; ResponseId,
  Finished, RecordedDate (date only) and UserLanguage are kept; IP address,
  location, recipient names and e-mail are dropped; previews and test responses
  (Status "Survey Preview"/"Survey Test", or 1/2) are skipped. Display-order
  and timing columns are ignored.
- **LimeSurvey** (CSV export with question codes as headings): ``id``,
  ``submitdate``, ``startlanguage`` are kept (finished = has a submitdate);
  ``ipaddr``, ``refurl``, ``token`` and the other system and timing columns
  are dropped. An array (matrix) question ``CODE[nw1]`` maps to item ``nw1``;
  a multiple-choice question ``uses[news]`` is the option ``news`` of item
  ``uses`` (``Y`` = chosen).
- **csv**: one column per item id, optional ``respondent_id``, ``submitted``,
  ``finished``, ``language``; ``organisation``, ``campaign`` and
  ``instrument_version`` (as written by :func:`study.surveys.exporting.write_responses`)
  are ignored. Multiple choices are separated by ``;``. Text our export
  escaped against formulas (``'=...``) is read back exactly. An Excel workbook
  (.xlsx, e.g. our own export) is read from its ``responses`` sheet, within the
  unpacking limits of :mod:`study.zipguard`.

Rows are reported as a spreadsheet shows them (the first Qualtrics answer is
row 4, the first LimeSurvey or CSV answer row 2).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import charset_normalizer
import pandas as pd

from study.cells import unescape_formula
from study.errors import InvalidFile, InvalidInput
from study.surveys.instruments.answers import answer_value
from study.surveys.instruments.survey import Instrument, Item
from study.surveys.logic import order_columns
from study.zipguard import check_zip

FORMATS = ("qualtrics", "limesurvey", "csv")
MAX_PROBLEMS = 20

_DROP = "drop"
_QUALTRICS_META = {
    "startdate": _DROP,
    "enddate": _DROP,
    "status": "status",
    "ipaddress": _DROP,
    "progress": _DROP,
    "duration (in seconds)": _DROP,
    "finished": "finished",
    "recordeddate": "submitted",
    "responseid": "external_id",
    "recipientlastname": _DROP,
    "recipientfirstname": _DROP,
    "recipientemail": _DROP,
    "externalreference": _DROP,
    "externaldatareference": _DROP,
    "locationlatitude": _DROP,
    "locationlongitude": _DROP,
    "distributionchannel": _DROP,
    "userlanguage": "language",
}
_LIMESURVEY_META = {
    "id": "external_id",
    "submitdate": "submitted",
    "lastpage": _DROP,
    "startlanguage": "language",
    "seed": _DROP,
    "token": _DROP,
    "startdate": _DROP,
    "datestamp": _DROP,
    "ipaddr": _DROP,
    "refurl": _DROP,
    "interviewtime": _DROP,
}
_CSV_META = {
    "respondent_id": "external_id",
    "submitted": "submitted",
    "finished": "finished",
    "language": "language",
    "organisation": _DROP,
    "campaign": _DROP,
    "instrument_version": _DROP,
    "response_id": _DROP,
}
_QUALTRICS_SKIPPED_STATUS = {"survey preview", "survey test", "1", "2"}
_QUALTRICS_HELPER = re.compile(r"_(DO|FIRST_CLICK|LAST_CLICK|PAGE_SUBMIT|CLICK_COUNT)$", re.I)
_BRACKETS = re.compile(r"^(?P<outer>[^\[\]]+)\[(?P<inner>[^\[\]]+)\]$")
_CHOSEN = {"y", "yes", "1", "true", "x"}
_NOT_CHOSEN = {"n", "no", "0", "false"}


@dataclass(frozen=True)
class ImportedResponses:
    """Responses read from a file, ready to store.

    Attributes
    ----------
    answers : DataFrame
        Long: ``row_index`` (position in ``responses``), ``item_id``, ``value``
        (the stored form, see :mod:`study.surveys.instruments.answers`); unanswered items
        have no row.
    responses : DataFrame
        One row per response: ``row_index``, ``external_id`` (str or None),
        ``submitted`` (``datetime.date`` or None), ``finished`` (nullable boolean),
        ``language`` (lower-case code or None).
    columns : dict
        Which file column became which item (``item`` or ``item[option]``).
    skipped_rows : int
        Qualtrics previews and test responses left out.
    """

    answers: pd.DataFrame
    responses: pd.DataFrame
    format: str
    columns: dict[str, str] = field(default_factory=dict)
    skipped_rows: int = 0


@dataclass(frozen=True)
class _Column:
    header: str
    role: str  # "item", "option", "meta", "ignore", "unknown"
    item_id: str | None = None
    option_id: str | None = None
    meta: str | None = None


_UNICODE_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Largest CSV cell accepted, in characters (the csv module's default limit): no answer is
#: longer. Checked here because another importer may raise the module's global limit.
MAX_CELL_CHARS = 131_072


def _read_bytes(source: str | Path | BinaryIO, name: str) -> bytes:
    if isinstance(source, (str, Path)):
        try:
            return Path(source).read_bytes()
        except FileNotFoundError:
            raise InvalidFile("file not found", path=name) from None
        except OSError as error:
            raise InvalidFile(
                f"the file cannot be read ({error.strerror or error})", path=name
            ) from None
    return source.read()


def _decode_unicode(data: bytes, name: str) -> str | None:
    """Text of a UTF-16/32 file (with a byte-order mark, or ASCII-like without); else None."""
    for mark, encoding in _UNICODE_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise InvalidFile(
                    f"the file starts like {encoding.upper()} text but is not "
                    f"valid {encoding.upper()}",
                    path=name,
                ) from None
    if data.count(0) <= 0.1 * len(data):
        return None  # no NUL, or a few stray ones: the cells holding them are reported
    # No byte-order mark: UTF-16 of mostly Latin text has a NUL in every other byte.
    for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if len(data) % 2 == 0 and zeros.count(0) > 0.9 * len(zeros):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    raise InvalidFile(
        "the file contains NUL bytes, so it is not a text (CSV) file; save it as CSV UTF-8",
        path=name,
    )


def _read_rows(
    source: str | Path | BinaryIO, name: str, *, unescape: bool = False
) -> list[list[str]]:
    """Read a CSV file of any common encoding and delimiter, or an .xlsx, into rows of cells.

    ``unescape`` removes the apostrophe :func:`study.cells.escape_formula` put
    before formula-like CSV text (xlsx cells hold the exact text already).
    """
    data = _read_bytes(source, name)
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data, name)
    text = _decode_unicode(data, name)
    if text is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
    if text is None:
        try:  # what Excel on Western European Windows saves as "CSV"
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = None
    if text is None:
        best = charset_normalizer.from_bytes(data).best()
        if best is None:
            raise InvalidFile("this is not a text (CSV) file", path=name) from None
        text = str(best)
    try:  # only the delimiter: the sniffer's guesses about quoting break quoted "" fields
        delimiter = csv.Sniffer().sniff(text[:20000], ",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    too_long = f"a cell is longer than {MAX_CELL_CHARS // 1024} KB, longer than any answer"
    rows = []
    try:
        for row in reader:
            if any(len(cell) > MAX_CELL_CHARS for cell in row):
                raise InvalidFile(too_long, path=name, line=reader.line_num)
            if any(cell.strip() for cell in row):
                rows.append([unescape_formula(cell) for cell in row] if unescape else row)
    except csv.Error as error:
        message = (
            too_long
            if "field larger than field limit" in str(error)
            else f"the CSV cannot be read ({error})"
        )
        raise InvalidFile(message, path=name, line=reader.line_num) from None
    if not rows:
        raise InvalidFile("the file is empty", path=name)
    return rows


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes, name: str) -> list[list[str]]:
    """Rows of an Excel workbook's ``responses`` sheet (else its first sheet), as text."""
    check_zip(data, name=name, what="Excel workbook")
    import openpyxl  # only .xlsx imports pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # A damaged package fails in many ways (missing parts, bad XML, another type renamed).
        raise InvalidFile("the file is not a readable Excel (.xlsx) workbook", path=name) from None
    try:
        sheet = (
            workbook["responses"] if "responses" in workbook.sheetnames else workbook.worksheets[0]
        )
        rows = [[_xlsx_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidFile("the workbook is empty", path=name)
    return rows


def _lookup(instrument: Instrument) -> dict[str, Item]:
    return {item.id.lower(): item for item in instrument.all_items()}


def _classify(
    header: str,
    import_id: str | None,
    meta: Mapping[str, str],
    items: dict[str, Item],
    column_map: Mapping[str, str | None],
    fmt: str,
    array_codes: set[str],
) -> _Column:
    """Decide what one file column holds."""
    for key in (header, import_id):
        if key is not None and key in column_map:
            target = column_map[key]
            if target is None:
                return _Column(header, "ignore")
            return _target(header, target, items) or _Column(header, "unknown")
    lowered = header.strip().lower()
    if lowered in meta:
        role = meta[lowered]
        return _Column(header, "ignore") if role == _DROP else _Column(header, "meta", meta=role)
    found = _target(header, header.strip(), items)
    if found:
        return found
    if fmt == "qualtrics" and (
        lowered.startswith("q_")
        or import_id is None
        or not import_id.upper().startswith("QID")
        or _QUALTRICS_HELPER.search(import_id)
    ):
        return _Column(header, "ignore")  # system fields, embedded data, display order, timing
    if fmt == "limesurvey" and (
        re.fullmatch(r"grouptime\d+", lowered)
        or (
            lowered.endswith("time")
            and (_target(header, header.strip()[:-4], items) or lowered[:-4] in array_codes)
        )
    ):
        return _Column(header, "ignore")  # LimeSurvey timing columns
    return _Column(header, "unknown")


def _target(header: str, target: str, items: dict[str, Item]) -> _Column | None:
    """A column holding ``target``: an item id, ``item[option]`` or ``array[item]``; else None."""
    item = items.get(target.lower())
    if item is not None:
        return _Column(header, "item", item_id=item.id)
    match = _BRACKETS.match(target)
    if not match:
        return None
    outer, inner = items.get(match["outer"].lower()), match["inner"].lower()
    if outer is not None and outer.type == "multiple_choice":
        option = next((o for o in outer.options or [] if o.id.lower() == inner), None)
        return _Column(header, "option", item_id=outer.id, option_id=option.id) if option else None
    if inner in items:
        return _Column(header, "item", item_id=items[inner].id)
    return None


def _check_columns(columns: list[_Column], instrument: Instrument, name: str) -> None:
    """Raise ONE error naming every unknown column, missing item and doubly mapped item."""
    unknown = [c.header for c in columns if c.role == "unknown"]
    covered: dict[str, list[str]] = {}
    options: dict[str, set[str]] = {}
    for column in columns:
        if column.role == "item":
            covered.setdefault(column.item_id or "", []).append(column.header)
        elif column.role == "option":
            options.setdefault(column.item_id or "", set()).add(column.option_id or "")
    twice = [
        f"{item} ({', '.join(headers)})" for item, headers in covered.items() if len(headers) > 1
    ]
    twice += [item for item in options if item in covered]
    missing = []
    for item in instrument.all_items():
        if item.id in options:
            missing += [
                f"{item.id}[{o.id}]" for o in item.options or [] if o.id not in options[item.id]
            ]
        elif item.id not in covered:
            missing.append(item.id)
    parts = []
    if unknown:
        parts.append(f"unknown columns: {', '.join(unknown)}")
    if missing:
        parts.append(f"items with no column: {', '.join(missing)}")
    if twice:
        parts.append(f"items in more than one column: {', '.join(twice)}")
    if parts:
        raise InvalidFile(
            f"the columns do not match instrument '{instrument.id}' version "
            f"{instrument.version}: {'; '.join(parts)}. Rename the columns to "
            f"item ids or pass a column map.",
            path=name,
        )


def _date(text: str) -> dt.date:
    text = text.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            raise InvalidInput(f"{text!r} is not a date that exists") from None
    day = text.split(" ")[0]
    for pattern in ("%d-%m-%Y", "%d.%m.%Y", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(day, pattern).date()
        except ValueError:
            continue
    raise InvalidInput(f"{text!r} is not a date (write YYYY-MM-DD)")


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _CHOSEN:
        return True
    if lowered in _NOT_CHOSEN:
        return False
    raise InvalidInput(f"{text!r} is not yes/no (Y, N, 1, 0, True, False)")


def _language(text: str) -> str:
    return re.split(r"[-_]", text.strip().lower())[0]


def _parse_rows(
    columns: list[_Column],
    rows: list[list[str]],
    first_row: int,
    instrument: Instrument,
    fmt: str,
    name: str,
) -> ImportedResponses:
    """Convert every cell, collecting up to MAX_PROBLEMS problems before failing."""
    items = {item.id: item for item in instrument.all_items()}
    problems: list[str] = []
    answers: list[tuple[int, str, object]] = []
    responses: list[dict[str, object]] = []
    skipped = 0
    for offset, row in enumerate(rows):
        where = first_row + offset
        if len(row) > len(columns):
            problems.append(
                f"row {where} has {len(row)} cells but there are {len(columns)} columns"
            )
            continue
        cells = row + [""] * (len(columns) - len(row))
        record: dict[str, object] = {
            "external_id": None,
            "submitted": None,
            "finished": pd.NA,
            "language": None,
        }
        found: list[tuple[str, object]] = []
        chosen: dict[str, list[str]] = {}
        seen_options: set[str] = set()
        skip = False
        for column, cell in zip(columns, cells):
            try:
                if "\x00" in cell:
                    raise InvalidInput("contains a NUL character (byte 0), which is not text")
                if column.role == "item" and cell.strip():
                    value = answer_value(items[column.item_id or ""], cell)
                    if value is not None:
                        found.append((column.item_id or "", value))
                elif column.role == "option" and cell.strip():
                    seen_options.add(column.item_id or "")
                    if _flag(cell):
                        chosen.setdefault(column.item_id or "", []).append(column.option_id or "")
                elif column.role == "meta" and cell.strip():
                    if column.meta == "status":
                        skip = cell.strip().lower() in _QUALTRICS_SKIPPED_STATUS
                    elif column.meta == "submitted":
                        record["submitted"] = _date(cell)
                    elif column.meta == "finished":
                        record["finished"] = _flag(cell)
                    elif column.meta == "language":
                        record["language"] = _language(cell)
                    else:
                        record["external_id"] = cell.strip()
            except InvalidInput as exc:
                problems.append(f"row {where}, column {column.header}: {exc}")
        if skip:
            skipped += 1
            continue
        if fmt == "limesurvey":
            record["finished"] = record["submitted"] is not None
        for item_id in seen_options:
            order = [o.id for o in items[item_id].options or []]
            found.append((item_id, [o for o in order if o in chosen.get(item_id, [])]))
        index = len(responses)
        responses.append({"row_index": index, **record})
        answers += [(index, item_id, value) for item_id, value in found]
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS])
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise InvalidFile(f"{len(problems)} value(s) cannot be imported: {shown}{more}", path=name)
    order = {item_id: i for i, item_id in enumerate(items)}
    answers.sort(key=lambda a: (a[0], order[a[1]]))
    answer_frame = pd.DataFrame(answers, columns=["row_index", "item_id", "value"]).astype(
        {"row_index": int, "item_id": object, "value": object}
    )
    response_frame = pd.DataFrame(
        responses, columns=["row_index", "external_id", "submitted", "finished", "language"]
    )
    response_frame = response_frame.astype(
        {
            "row_index": int,
            "external_id": object,
            "submitted": object,
            "finished": "boolean",
            "language": object,
        }
    )
    mapping = {
        c.header: (c.item_id if c.role == "item" else f"{c.item_id}[{c.option_id}]")
        for c in columns
        if c.role in ("item", "option")
    }
    return ImportedResponses(
        answers=answer_frame,
        responses=response_frame,
        format=fmt,
        columns=mapping,
        skipped_rows=skipped,
    )


def _qualtrics_import_ids(rows: list[list[str]], name: str) -> list[str | None]:
    """The ImportId of each column from the third header row of a Qualtrics export."""
    if len(rows) < 3 or not rows[2] or not rows[2][0].lstrip().startswith("{"):
        raise InvalidFile(
            "this is not a Qualtrics CSV export: the third row should hold "
            '{"ImportId": ...} for each column (export with the current '
            "Qualtrics format, not the legacy one)",
            path=name,
            line=3,
        )
    ids: list[str | None] = []
    for cell in rows[2]:
        try:
            ids.append(str(json.loads(cell)["ImportId"]))
        except (ValueError, KeyError, TypeError, RecursionError):  # "{[[[[..." too
            ids.append(None)
    return ids


def read_responses(
    source: str | Path | BinaryIO,
    instrument: Instrument,
    *,
    format: str,
    column_map: Mapping[str, str | None] | None = None,
    name: str | None = None,
) -> ImportedResponses:
    """Read responses to ``instrument`` from a Qualtrics, LimeSurvey or plain CSV export.

    Parameters
    ----------
    source : path or binary file
        The export (an uploaded file works too).
    instrument : Instrument
        The survey the responses answer.
    format : {"qualtrics", "limesurvey", "csv"}
        The kind of export (see the module docstring).
    column_map : mapping, optional
        File column (header, or Qualtrics ImportId) to item id, ``item[option]``,
        or None to ignore the column.
    name : str, optional
        File name for messages (defaults to the path).

    Raises
    ------
    InvalidFile
        One error listing every unknown column and every item without a column;
        or one error listing the first 20 cells that are not valid answers, by
        row and column. Nothing is returned then.
    """
    if format not in FORMATS:
        raise InvalidInput(f"Unknown import format '{format}'; use one of {', '.join(FORMATS)}.")
    name = name or (
        str(source)
        if isinstance(source, (str, Path))
        else str(getattr(source, "name", "uploaded file"))
    )
    # Our own csv export escaped formula-like text: give back the exact text.
    rows = _read_rows(source, name, unescape=format == "csv")
    items = _lookup(instrument)
    column_map = dict(column_map or {})
    if format == "csv":  # our export's "<page>_order" columns (survey logic) hold no answers
        column_map = {**dict.fromkeys(order_columns(instrument)), **column_map}
    if format == "qualtrics":
        import_ids = _qualtrics_import_ids(rows, name)
        headers, body, first = rows[0], rows[3:], 4
        meta: Mapping[str, str] = _QUALTRICS_META
    else:
        headers, body, first = rows[0], rows[1:], 2
        import_ids = [None] * len(headers)
        meta = _LIMESURVEY_META if format == "limesurvey" else _CSV_META
    import_ids += [None] * (len(headers) - len(import_ids))
    # LimeSurvey array questions have a timing column named after the array code.
    array_codes = {m["outer"].lower() for h in headers if (m := _BRACKETS.match(h.strip()))}
    columns = [
        _classify(h, i, meta, items, column_map, format, array_codes)
        for h, i in zip(headers, import_ids)
    ]
    _check_columns(columns, instrument, name)
    return _parse_rows(columns, body, first, instrument, format, name)
