"""Write survey responses for analysis elsewhere: CSV, Excel (.xlsx) and SPSS (.sav).

One row per response: ``response_id`` (the same respondent number as in the
scale-score export, so the two merge), ``organisation``, ``campaign``,
``instrument_version``, then one column per item in survey order. Values are the stored answers (see
:mod:`study.surveys.instruments.answers`): likert points as answered (not
reverse-keyed), option ids for choices (several joined by ``;``).

- **csv** is UTF-8 with a byte-order mark (so Excel shows æ, ø, å) and reads
  back with ``read_responses(..., format="csv")``.
- **xlsx** has a ``responses`` sheet and a ``codebook`` sheet (item texts,
  scales, reverse keys, labels).
- **sav** has variable labels (item text) and value labels (likert labels,
  option labels); single choices are their numeric option values, and each
  option of a multiple-choice item is a 0/1 variable ``item_option``. Options
  that are non-answers (ids in :data:`NON_ANSWER_OPTIONS`, such as the
  instruments' ``nosay``, "Prefer not to say") are declared user-missing, so
  SPSS and PSPP leave them out of frequencies' valid percentages and of means.
  Formats fit the values: ``F1.0`` for likert points and small codes, ``F8.0``
  (or wider) for whole numbers, ``F8.2`` only for numbers with decimals.

Survey logic (:mod:`study.surveys.logic`): an item a respondent was not shown
(its ``show_if`` did not hold) has no answer, so it is blank in csv and xlsx and
system-missing in sav, unlike "Prefer not to say", which is its option id
(``nosay``) in csv and xlsx and a user-missing code in sav. The codebook's
``shown if`` column gives each item's condition. Each page with ``randomise``
adds a text column ``<page id>_order`` after the items: the page's randomised
item ids in the order the respondent saw them (``pa2;pa3;pa1``), blank when the
page was not shown or the response has no stored order (imported, or started
before orders were stored).

Free text never becomes a live formula (:mod:`study.cells`): csv fields are
escaped with :func:`study.cells.escape_formula` (and unescaped again on import),
xlsx text cells are string cells holding the exact text. ``exact=True`` writes
csv fields as they are, for analysis tools that would keep the apostrophe.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
from openpyxl.styles import Font

from study.cells import escape_formula, set_text_cell, write_csv
from study.errors import InvalidInput
from study.surveys.instruments.conditions import Condition
from study.surveys.instruments.survey import Instrument, Item
from study.surveys.logic import order_columns, shown_order

FORMATS = ("csv", "xlsx", "sav")
#: Option ids that mean "no answer" (declared user-missing in SPSS files).
NON_ANSWER_OPTIONS = frozenset(
    {
        "nosay",
        "prefer_not",
        "prefer_not_to_say",
        "dont_know",
        "dontknow",
        "dk",
        "not_applicable",
        "na",
        "refused",
    }
)
RESPONSE_COLUMNS = (
    "response_id",
    "organisation",
    "campaign",
    "instrument_version",
    "item_id",
    "value",
)
LEAD_COLUMNS = ["organisation", "campaign", "instrument_version"]


def respondent_numbers(response_ids: Iterable[int], key: str) -> dict[int, int]:
    """Stable respondent numbers for exports that do not tell the order responses came in.

    The database's response ids count up as people answer; exports show
    ``response_id`` = a number made from the id and ``key`` (a secret of the
    study) instead, the same in every export of the study, so responses and
    scale scores merge on it while their order says nothing about timing.
    """
    ids = sorted(set(int(i) for i in response_ids))
    for digits in (10, 12, 13):  # 40 bits; longer only in the unlikely case of a clash
        numbers = {
            i: int(hashlib.sha256(f"{key}:{i}".encode()).hexdigest()[:digits], 16) for i in ids
        }
        if len(set(numbers.values())) == len(numbers):
            return numbers
    raise InvalidInput("Could not give every response its own export number.")


def _wide(
    frame: pd.DataFrame, instrument: Instrument, seeds: Mapping[Any, int | None] | None = None
) -> pd.DataFrame:
    """One row per response: the lead columns, each item's stored value (object), the orders."""
    missing = [c for c in RESPONSE_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"The responses need the columns {', '.join(RESPONSE_COLUMNS)}; "
            f"{', '.join(missing)} missing."
        )
    items = [item.id for item in instrument.all_items()]
    unknown = sorted(set(frame["item_id"].dropna()) - set(items))
    if unknown:
        raise InvalidInput(
            f"Items not in instrument '{instrument.id}': {', '.join(map(str, unknown))}."
        )
    heads = (
        frame[["response_id", *LEAD_COLUMNS]]
        .drop_duplicates("response_id")
        .set_index("response_id")
    )
    answered = frame.dropna(subset=["item_id"])
    values = {item: {} for item in items}
    for response, item, value in zip(
        answered["response_id"], answered["item_id"], answered["value"]
    ):
        values[item][response] = value
    wide = heads.copy()
    for item in items:
        wide[item] = pd.Series(
            [values[item].get(r) for r in heads.index], index=heads.index, dtype=object
        )
    if order_columns(instrument):  # survey logic: which order each respondent saw
        orders = [
            shown_order(
                instrument,
                (seeds or {}).get(r),
                {item: values[item][r] for item in items if r in values[item]},
            )
            for r in heads.index
        ]
        for name in order_columns(instrument):
            wide[name] = pd.Series(
                [order[name] for order in orders], index=heads.index, dtype=object
            )
    wide = wide.sort_values(["organisation", "campaign"], kind="stable")
    return wide.reset_index()  # response_id first


def _joined(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value


def _plain(value: object, *, escape: bool = True) -> object:
    """A cell value for csv/xlsx: None for missing, text escaped against formulas for csv."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    value = _joined(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return escape_formula(value) if isinstance(value, str) and escape else value


def _write_csv(wide: pd.DataFrame, stream: BinaryIO, *, exact: bool = False) -> None:
    write_csv(
        wide.columns,
        wide.itertuples(index=False),
        stream,
        lambda value: _plain(value, escape=not exact),
    )


def _codebook_rows(instrument: Instrument, language: str) -> list[list[object]]:
    rows: list[list[object]] = [["item", "type", "text", "scale", "reverse", "values", "shown if"]]
    page_of = {item.id: page for page in instrument.pages for item in instrument.page_items(page)}
    for item in instrument.all_items():
        if item.type == "likert":
            values = "; ".join(
                f"{i} = {label}" for i, label in enumerate(item.labels[language], start=1)
            )  # type: ignore[index]
        elif item.options:
            values = "; ".join(f"{o.id} ({o.value}) = {o.label[language]}" for o in item.options)
        elif item.type == "number":
            values = (
                f"{item.min if item.min is not None else ''} to "
                f"{item.max if item.max is not None else ''}"
            )
        else:
            values = "free text"
        conditions = [c for c in (page_of[item.id].show_if, item.show_if) if c is not None]
        rows.append(
            [
                item.id,
                item.type,
                item.text[language],
                item.scale or "",
                "yes" if item.reverse else "",
                values,
                " and ".join(describe_condition(c) for c in conditions),
            ]
        )
    for name in order_columns(instrument):
        rows.append(
            [
                name,
                "order",
                _order_label(name),
                "",
                "",
                "item ids in the order shown, separated by ; (blank: page not shown, "
                "or no stored order)",
                "",
            ]
        )
    return rows


def describe_condition(condition: Condition) -> str:
    """A ``show_if`` in a line of a codebook: ``uses_platform in (yes) and use1 >= 4``."""
    if condition.all is not None or condition.any is not None:
        word, parts = ("and", condition.all) if condition.all is not None else ("or", condition.any)
        return f" {word} ".join(
            f"({describe_condition(p)})" if p.item is None else describe_condition(p)
            for p in parts or []
        )
    name = condition.item
    if condition.answered is not None:
        return f"{name} {'answered' if condition.answered else 'not answered'}"
    if condition.in_ is not None:
        return f"{name} in ({', '.join(map(str, condition.in_))})"
    if condition.not_in is not None:
        return f"{name} answered, not in ({', '.join(map(str, condition.not_in))})"
    bounds = [
        f"{name} >= {condition.at_least:g}" if condition.at_least is not None else "",
        f"{name} <= {condition.at_most:g}" if condition.at_most is not None else "",
    ]
    return " and ".join(b for b in bounds if b)


def _order_label(name: str) -> str:
    return f"Order of the randomised items of page {name.removesuffix('_order')} as shown"


def _write_xlsx(
    wide: pd.DataFrame, instrument: Instrument, language: str, stream: BinaryIO
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "responses"
    sheet.append(list(wide.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(wide.itertuples(index=False), start=2):
        for c, value in enumerate(row, start=1):
            set_text_cell(sheet.cell(row=r, column=c), _plain(value, escape=False))
    sheet.freeze_panes = "E2"
    codebook = workbook.create_sheet("codebook")
    for r, row in enumerate(_codebook_rows(instrument, language), start=1):
        for c, value in enumerate(row, start=1):
            set_text_cell(codebook.cell(row=r, column=c), value)
    workbook.save(stream)


def _sav_frame(
    wide: pd.DataFrame,
    instrument: Instrument,
    language: str,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[float, str]], dict[str, str]]:
    """Columns, variable labels, value labels and measures for SPSS."""
    numeric = pd.to_numeric(wide["response_id"], errors="coerce")
    columns: dict[str, object] = {
        "response_id": numeric.astype(float)
        if numeric.notna().all()
        else wide["response_id"].map(_spss_text).astype(object)
    }
    columns.update({c: wide[c].map(_spss_text).astype(object) for c in LEAD_COLUMNS[:2]})
    columns["instrument_version"] = pd.to_numeric(wide["instrument_version"]).astype(float)
    labels = {
        "response_id": "Respondent",
        "organisation": "Organisation",
        "campaign": "Survey campaign",
        "instrument_version": f"Version of instrument {instrument.id}",
    }
    value_labels: dict[str, dict[float, str]] = {}
    measures = {
        "response_id": "nominal",
        "organisation": "nominal",
        "campaign": "nominal",
        "instrument_version": "nominal",
    }
    for item in instrument.all_items():
        cells = wide[item.id]
        text = item.text[language]
        if item.type in ("likert", "number"):
            columns[item.id] = pd.to_numeric(cells, errors="coerce").astype(float)
            labels[item.id] = text
            measures[item.id] = "ordinal" if item.type == "likert" else "scale"
            if item.type == "likert":
                value_labels[item.id] = {
                    float(i): item.label(i, language) for i in range(1, (item.points or 0) + 1)
                }
        elif item.type == "single_choice":
            code = {o.id: float(o.value or 0) for o in item.options or []}
            columns[item.id] = cells.map(
                lambda v, code=code: code.get(v, np.nan) if v is not None else np.nan
            ).astype(float)
            labels[item.id] = text
            measures[item.id] = "nominal"
            value_labels[item.id] = {
                float(o.value or 0): o.label[language] for o in item.options or []
            }
        elif item.type == "multiple_choice":
            for option in item.options or []:
                name = f"{item.id}_{option.id}"
                columns[name] = cells.map(_chosen(item, option.id)).astype(float)
                labels[name] = f"{text} - {option.label[language]}"
                measures[name] = "nominal"
                value_labels[name] = {0.0: "not chosen", 1.0: "chosen"}
        else:
            columns[item.id] = cells.map(_spss_text).astype(object)
            labels[item.id] = text
            measures[item.id] = "nominal"
    for name in order_columns(instrument):
        columns[name] = wide[name].map(_spss_text).astype(object)
        labels[name] = _order_label(name)
        measures[name] = "nominal"
    return pd.DataFrame(columns), labels, value_labels, measures


def spss_format(values: pd.Series | list[float]) -> str:
    """The narrowest SPSS numeric format that shows every value exactly: F1.0 ... F8.2.

    Examples
    --------
    >>> spss_format([1.0, 5.0]), spss_format([12.0, 40.0]), spss_format([2.5])
    ('F1.0', 'F8.0', 'F8.2')
    """
    numbers = pd.Series(values, dtype=float).dropna()
    if (numbers != numbers.round()).any():
        return "F8.2"
    widest = max((len(str(int(abs(v)))) + (v < 0) for v in numbers), default=1)
    return "F1.0" if widest == 1 else f"F{max(8, widest)}.0"


def _missing_codes(item: Item) -> list[float]:
    """The option values of a choice item's non-answers (at most three, as SPSS allows)."""
    return [float(o.value or 0) for o in item.options or [] if o.id.lower() in NON_ANSWER_OPTIONS][
        :3
    ]


def _spss_text(value: object) -> str:
    """SPSS string variables have no missing value: blank text stands for unanswered."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _chosen(item: Item, option_id: str):
    def flag(value: object) -> float:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return np.nan
        chosen = value if isinstance(value, (list, tuple)) else str(value).split(";")
        return 1.0 if option_id in chosen else 0.0

    return flag


def _write_sav(wide: pd.DataFrame, instrument: Instrument, language: str, stream: BinaryIO) -> None:
    frame, labels, value_labels, measures = _sav_frame(wide, instrument, language)
    formats = {
        name: spss_format(list(value_labels.get(name, {})) + frame[name].tolist())
        for name in frame.columns
        if frame[name].dtype == float
    }
    missing = {
        item.id: codes
        for item in instrument.all_items()
        if item.type == "single_choice" and (codes := _missing_codes(item))
    }
    # pyreadstat writes to a path only; go through a temporary file for streams.
    handle, temporary = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(
            frame,
            temporary,
            column_labels=labels,
            variable_value_labels=value_labels,
            variable_measure=measures,
            variable_format=formats,
            missing_ranges=missing or None,
            file_label=f"{instrument.id} version {instrument.version}",
        )
        with open(temporary, "rb") as written:
            shutil.copyfileobj(written, stream)
    finally:
        os.unlink(temporary)


def write_responses(
    frame: pd.DataFrame,
    instrument: Instrument,
    out: str | Path | BinaryIO,
    *,
    format: str,
    language: str = "en",
    seeds: Mapping[Any, int | None] | None = None,
    exact: bool = False,
) -> None:
    """Write responses as one row per response to a csv, xlsx or sav file (path or binary stream).

    Parameters
    ----------
    frame : DataFrame
        Long answers: ``response_id``, ``organisation``, ``campaign``,
        ``instrument_version``, ``item_id``, ``value`` (stored form). A response
        with no answers may appear once with ``item_id`` None.
    instrument : Instrument
        The instrument version the answers belong to.
    out : path or binary stream
        Where to write.
    format : {"csv", "xlsx", "sav"}
    language : str, default "en"
        Language of the codebook, variable labels and value labels.
    seeds : mapping, optional
        Each response's order seed by the frame's ``response_id``, for the
        ``<page id>_order`` columns of randomised pages (blank without one).
    exact : bool, default False
        csv only: write answers as they are, without the apostrophe that keeps
        a spreadsheet from running ``= + - @`` text (for R, pandas, SPSS); such
        a file must not be opened in a spreadsheet (:data:`study.cells.EXACT_CSV_RISK`).
        xlsx and sav are exact anyway.
    """
    if format not in FORMATS:
        raise InvalidInput(f"Unknown export format '{format}'; use one of {', '.join(FORMATS)}.")
    if language not in instrument.languages:
        raise InvalidInput(f"The instrument '{instrument.id}' has no '{language}' texts.")
    wide = _wide(frame, instrument, seeds)
    if isinstance(out, (str, Path)):
        with open(out, "wb") as stream:
            _write(wide, instrument, language, format, stream, exact=exact)
    else:
        _write(wide, instrument, language, format, out, exact=exact)


def _write(
    wide: pd.DataFrame,
    instrument: Instrument,
    language: str,
    format: str,
    stream: BinaryIO,
    *,
    exact: bool = False,
) -> None:
    if format == "csv":
        _write_csv(wide, stream, exact=exact)
    elif format == "xlsx":
        _write_xlsx(wide, instrument, language, stream)
    else:
        _write_sav(wide, instrument, language, stream)
