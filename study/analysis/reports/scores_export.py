"""Export respondent-level scale scores with organisation attributes, for SPSS and R users.

One row per complete response: ``response_id`` (the respondent number the
responses export gives too, first in both, so they merge; it does not tell
the order responses came in), ``organisation``, ``sector``,
``size_band``, ``country``, ``campaign``, ``instrument_version`` and one
column per scale (the mean of its items after reverse-keying, empty when too
few items were answered; see :func:`study.surveys.survey_scores`).

- **csv**: UTF-8 with a byte-order mark (Excel shows æ, ø, å), text cells
  formula-escaped (as they are with ``exact=True``, for analysis tools only).
- **xlsx**: a ``scores`` sheet (numbers as numbers, text as text) and a
  ``variables`` sheet saying what each column is.
- **sav**: variable labels (scale labels, "Organisation", ...), measurement
  levels, formats that fit (F1.0/F8.0 for whole numbers, F8.2 for scores) and
  the instrument in the file label, read by SPSS, PSPP, R (haven) and pyreadstat.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import current_actor
from study.admin.permissions import Actor, require
from study.analysis.survey_data import DEFAULT_INSTRUMENT, stored_versions
from study.cells import csv_field, set_text_cell
from study.db.models import CampaignRow, OrganisationRow
from study.errors import InvalidInput, NotFound
from study.surveys.exporting import respondent_numbers, spss_format
from study.surveys.response_store import export_key, survey_scores

__all__ = ["SCORE_FORMATS", "export_scores", "scores_frame"]

SCORE_FORMATS = ("csv", "xlsx", "sav")
LEAD_COLUMNS = [
    "response_id",
    "organisation",
    "sector",
    "size_band",
    "country",
    "campaign",
    "instrument_version",
]
_TEXT = {"organisation", "sector", "size_band", "country", "campaign", "instrument_version"}


def scores_frame(
    session: Session, *, instrument: str = DEFAULT_INSTRUMENT, language: str = "en"
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Respondent-level scores, wide, and a label for every column.

    Returns
    -------
    (DataFrame, dict)
        One row per complete response (sorted by response id) with
        ``LEAD_COLUMNS`` then one float column per scale in the instrument's
        order; and ``{column: label}``.
    """
    versions = stored_versions(session, instrument)
    model = list(versions.values())[-1]
    if language not in model.languages:
        raise InvalidInput(f"The survey {instrument!r} has no {language!r} texts.")
    long = survey_scores(session, instrument=instrument)
    if long.empty:
        raise NotFound(f"There are no complete responses to {instrument} yet.")
    # unstack keeps a response whose scores are all missing (pivot_table would drop it).
    wide = long.set_index(
        ["response_id", "organisation", "campaign_id", "instrument_version", "scale"]
    )["score"].unstack("scale")
    scales = [s.id for s in model.scales] + sorted(set(wide.columns) - {s.id for s in model.scales})
    wide = wide.reindex(columns=scales).reset_index()
    wide.columns.name = None
    attributes = pd.DataFrame(
        session.execute(
            select(
                OrganisationRow.name,
                OrganisationRow.sector,
                OrganisationRow.size_band,
                OrganisationRow.country,
            )
        ).all(),
        columns=["organisation", "sector", "size_band", "country"],
    )
    campaigns = pd.DataFrame(
        session.execute(select(CampaignRow.id, CampaignRow.name)).all(),
        columns=["campaign_id", "campaign"],
    )
    numbers = respondent_numbers(wide["response_id"], export_key(session))
    wide["response_id"] = wide["response_id"].map(numbers)
    frame = (
        wide.merge(attributes, on="organisation", how="left")
        .merge(campaigns, on="campaign_id", how="left")
        .sort_values("response_id", kind="stable")
        .reset_index(drop=True)
    )
    frame["instrument_version"] = frame["instrument_version"].astype(str)
    frame = frame[LEAD_COLUMNS + scales]
    labels = {
        "response_id": "Response id",
        "organisation": "Organisation",
        "sector": "Sector of the organisation",
        "size_band": "Size band (employees)",
        "country": "Country of the organisation",
        "campaign": "Survey campaign",
        "instrument_version": f"Version of the survey {model.id}",
    }
    for scale in model.scales:
        labels[scale.id] = scale.label.get(language, scale.id)
    for scale in scales:
        labels.setdefault(scale, scale)
    return frame, labels


def export_scores(
    session: Session,
    out: str | os.PathLike[str],
    *,
    format: str = "csv",
    instrument: str = DEFAULT_INSTRUMENT,
    language: str = "en",
    viewer: Actor,
    exact: bool = False,
) -> int:
    """Write respondent-level scale scores as csv, xlsx or sav; return the number of rows.

    Parameters
    ----------
    out : path
        The file to write (overwritten).
    format : {"csv", "xlsx", "sav"}
    instrument : str
        Survey instrument key.
    language : str
        Language of the variable labels.
    exact : bool, default False
        csv only: text as it is, without the apostrophe that keeps a spreadsheet
        from running ``= + - @`` text (for R, pandas, SPSS; never a spreadsheet).
    """
    require(current_actor(session, viewer), "run_surveys")
    if format not in SCORE_FORMATS:
        raise InvalidInput(
            f"Unknown export format {format!r}; use one of {', '.join(SCORE_FORMATS)}."
        )
    frame, labels = scores_frame(session, instrument=instrument, language=language)
    path = Path(out)
    if format == "csv":
        _write_csv(frame, path, exact=exact)
    elif format == "xlsx":
        _write_xlsx(frame, labels, path)
    else:
        _write_sav(frame, labels, path, instrument)
    return len(frame)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _write_csv(frame: pd.DataFrame, path: Path, *, exact: bool = False) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(frame.columns)
        for row in frame.itertuples(index=False):
            writer.writerow(
                [
                    csv_field(_text(v), exact=exact)
                    if c in _TEXT
                    else ("" if pd.isna(v) else repr(float(v)) if c != "response_id" else int(v))
                    for c, v in zip(frame.columns, row)
                ]
            )


def _write_xlsx(frame: pd.DataFrame, labels: dict[str, str], path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "scores"
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font, cell.fill = header_font, header_fill
    for row_index, row in enumerate(frame.itertuples(index=False), start=2):
        for column_index, (name, value) in enumerate(zip(frame.columns, row), start=1):
            cell = ws.cell(row_index, column_index)
            if name in _TEXT:
                set_text_cell(cell, _text(value))
            elif pd.notna(value):
                cell.value = int(value) if name == "response_id" else float(value)
                cell.number_format = "0" if name == "response_id" else "0.00"
    ws.freeze_panes = "C2"
    for index, name in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(30, len(name) + 2))
    variables = wb.create_sheet("variables")
    variables.append(["variable", "label"])
    for cell in variables[1]:
        cell.font, cell.fill = header_font, header_fill
    for name in frame.columns:
        variables.append([name])
        set_text_cell(variables.cell(variables.max_row, 2), labels[name])
    variables.column_dimensions["A"].width = 30
    variables.column_dimensions["B"].width = 60
    wb.save(path)


def _write_sav(frame: pd.DataFrame, labels: dict[str, str], path: Path, instrument: str) -> None:
    data = frame.copy()
    for column in _TEXT:
        data[column] = data[column].map(_text).astype(object)
    data["response_id"] = data["response_id"].astype(float)
    scales = [c for c in frame.columns if c not in LEAD_COLUMNS]
    for column in scales:
        data[column] = pd.to_numeric(data[column]).astype(float)
    measures = {c: "nominal" for c in LEAD_COLUMNS}
    measures.update({c: "scale" for c in scales})
    # A number, as in the responses export, so the two files merge in SPSS and PSPP.
    data["instrument_version"] = pd.to_numeric(frame["instrument_version"], errors="coerce").astype(
        float
    )
    formats = {
        "response_id": spss_format(data["response_id"]),
        "instrument_version": spss_format(data["instrument_version"]),
    }
    formats.update({c: "F8.2" for c in scales})
    pyreadstat.write_sav(
        data,
        str(path),
        column_labels=labels,
        variable_measure=measures,
        variable_format=formats,
        file_label=f"Scale scores, {instrument}",
    )
