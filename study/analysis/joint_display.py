"""The mixed-methods joint display: survey scale means beside coded interview themes.

Madsen (2017) heard four challenges of introducing internal social media from
the coordinators; the survey asks the co-workers about the same four. The
joint display puts them side by side per organisation (Guetterman, Fetters &
Creswell, 2015): for each challenge the survey scale mean, the share of the
organisation's coded interviews in which the matching code (or one of its
sub-codes) was applied, and one example quote. :func:`convergence` adds the
rank correlation of the two across organisations, the usual "meta-inference"
question: do the interviews and the survey tell the same story?

The share's denominator is the organisation's interviews that have at least
one coding from the scheme (interviews not yet coded do not count as "the
challenge was not mentioned"). Any coder's coding counts.

A third column per challenge shows behaviour on the platform where the
organisation handed over its Slack or Viva Engage export (:data:`BEHAVIOUR`), so a
row reads: what employees say (survey), what coordinators say (interviews), what
people do (platform).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from scipy import stats
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from study.admin.permissions import Actor, require
from study.analysis.survey_data import DEFAULT_INSTRUMENT, load_survey_data
from study.cells import set_text_cell
from study.db.models import (
    CodeRow,
    CodingRow,
    CodingSchemeRow,
    OrganisationRow,
    PlatformDocumentRow,
    TranscriptRow,
)
from study.errors import InvalidInput, NotFound
from study.interviews.coding.retrieval import code_frequency_matrix, coded_segments
from study.platforms.activity import organisation_activity
from study.surveys.challenges import CHALLENGES, Challenge

__all__ = [
    "BEHAVIOUR",
    "CHALLENGES",
    "JOINT_COLUMNS",
    "Challenge",
    "convergence",
    "joint_display",
    "write_joint_display_xlsx",
]

SCHEME = "ism-adoption-challenges"
QUOTE_LENGTH = 280


#: What people do on the platform (study.platforms), per challenge scale: (measure, label).
BEHAVIOUR: dict[str, tuple[str, str]] = {c.scale: (c.measure, c.measure_label) for c in CHALLENGES}

#: Columns of :func:`joint_display`, one row per organisation and challenge.
JOINT_COLUMNS = [
    "organisation",
    "challenge",
    "scale",
    "code",
    "survey_n",
    "survey_mean",
    "survey_sd",
    "interviews",
    "coded_interviews",
    "interviews_with_code",
    "coded_share",
    "passages_per_interview",
    "quote",
    "quote_source",
    "platform_measure",
    "platform_value",
]


def _interview_counts(session: Session) -> pd.DataFrame:
    """Per organisation: interviews, interviews with a coding from the scheme, and coders.

    Platform conversations kept as documents are what people do, not what they say in
    an interview: they are left out here (the platform columns measure them).
    """
    interview = TranscriptRow.id.not_in(select(PlatformDocumentRow.transcript_id))
    total = dict(
        session.execute(
            select(OrganisationRow.name, func.count(TranscriptRow.id))
            .join(TranscriptRow, TranscriptRow.organisation_id == OrganisationRow.id)
            .where(interview)
            .group_by(OrganisationRow.name)
        ).all()
    )
    coded, coders = {}, {}
    for name, n_coded, n_coders in session.execute(
        select(
            OrganisationRow.name,
            func.count(distinct(CodingRow.transcript_id)),
            func.count(distinct(CodingRow.coder_id)),
        )
        .join(TranscriptRow, TranscriptRow.organisation_id == OrganisationRow.id)
        .join(CodingRow, CodingRow.transcript_id == TranscriptRow.id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CodingSchemeRow, CodingSchemeRow.id == CodeRow.scheme_id)
        .where(CodingSchemeRow.key == SCHEME, interview)
        .group_by(OrganisationRow.name)
    ):
        coded[name], coders[name] = n_coded, n_coders
    names = sorted(set(total) | set(coded))
    return pd.DataFrame(
        {
            "interviews": [total.get(n, 0) for n in names],
            "coded_interviews": [coded.get(n, 0) for n in names],
            "coders": [coders.get(n, 0) for n in names],
        },
        index=pd.Index(names, name="organisation"),
    )


def _shorten(text: str, limit: int) -> str:
    """Cut a quote at a word boundary so a table cell stays readable."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + " …"


def _example_quotes(session: Session, code: str, limit: int, viewer: Actor) -> pd.DataFrame:
    """One quote per organisation: the passage most coders agree on, then the shortest.

    Agreement first because a passage two coders marked independently is the
    clearest instance of the code; shorter next because it reads in a cell.
    """
    try:
        segments = coded_segments(
            session,
            scheme=SCHEME,
            code_key=code,
            include_subcodes=True,
            interviews_only=True,
            viewer=viewer,
        )
    except NotFound:
        return pd.DataFrame(columns=["quote", "quote_source"])
    if segments.empty:
        return pd.DataFrame(columns=["quote", "quote_source"])
    passages = (
        segments.groupby(["organisation", "transcript", "start", "end", "text"])["coder_id"]
        .nunique()
        .rename("coders")
        .reset_index()
    )
    passages["length"] = passages["text"].str.len()
    best = (
        passages.sort_values(
            ["organisation", "coders", "length", "transcript", "start"],
            ascending=[True, False, True, True, True],
        )
        .drop_duplicates("organisation")
        .set_index("organisation")
    )
    return pd.DataFrame(
        {
            "quote": best["text"].map(lambda t: _shorten(t, limit)),
            "quote_source": best["transcript"],
        }
    )


def joint_display(
    session: Session,
    *,
    viewer: Actor,
    instrument: str = DEFAULT_INSTRUMENT,
    quote_length: int = QUOTE_LENGTH,
) -> pd.DataFrame:
    """One row per organisation and challenge: survey mean beside the coded interviews.

    Parameters
    ----------
    session : Session
        An open database session (nothing is written).
    viewer : AccountInfo or OPERATOR
        Who is looking: researchers and admins only (the ``analyse`` permission).
    instrument : str
        Survey instrument with the four ``challenge_*`` scales.
    quote_length : int
        Quotes longer than this many characters are cut at a word.

    Returns
    -------
    pandas.DataFrame
        :data:`JOINT_COLUMNS`: ``survey_n``, ``survey_mean`` and ``survey_sd``
        of the challenge scale (higher = more of the challenge);
        ``interviews`` (all), ``coded_interviews`` (with any coding of the
        scheme), ``interviews_with_code`` and ``coded_share`` =
        interviews_with_code / coded_interviews (NaN when none is coded);
        ``passages_per_interview`` = codings of the code / coders /
        coded_interviews, how much an interview dwells on the challenge
        (each coder's count weighs the same);
        ``quote`` and ``quote_source`` (the transcript's name);
        ``platform_measure`` and ``platform_value``: what people do on the
        platform (:data:`BEHAVIOUR`, from :func:`study.platforms.activity_measures`;
        NaN without a platform export). Organisations appear when they have
        survey responses, interviews or a platform export; challenges in the
        order of :data:`CHALLENGES`.
    """
    require(viewer, "analyse")
    if quote_length < 20:
        raise InvalidInput("quote_length must be at least 20 characters.")
    try:
        scores = load_survey_data(session, instrument=instrument).scores
    except NotFound:
        scores = pd.DataFrame(columns=["organisation", "scale", "score"])
    survey = (
        scores[scores["scale"].isin([c.scale for c in CHALLENGES])]
        .groupby(["organisation", "scale"])["score"]
        .agg(survey_n="count", survey_mean="mean", survey_sd="std")
    )
    interviews = _interview_counts(session)
    try:
        frequency = code_frequency_matrix(
            session, scheme=SCHEME, include_subcodes=True, interviews_only=True, viewer=viewer
        )
        with_code, codings = frequency["transcripts"], frequency["codings"]
    except NotFound:
        with_code = codings = pd.DataFrame()
    platform = organisation_activity(session, departments=False).set_index("organisation")
    organisations = sorted(
        set(survey.index.get_level_values("organisation"))
        | set(interviews.index)
        | set(platform.index)
    )
    rows = []
    for challenge in CHALLENGES:
        quotes = _example_quotes(session, challenge.code, quote_length, viewer)
        counts = (
            with_code.loc[challenge.code]
            if challenge.code in with_code.index
            else pd.Series(dtype="int64")
        )
        passages = (
            codings.loc[challenge.code]
            if challenge.code in codings.index
            else pd.Series(dtype="int64")
        )
        for organisation in organisations:
            key = (organisation, challenge.scale)
            found = survey.loc[key] if key in survey.index else None
            total = interviews["interviews"].get(organisation, 0)
            coded = interviews["coded_interviews"].get(organisation, 0)
            coders = interviews["coders"].get(organisation, 0)
            hits = int(counts.get(organisation, 0))
            quote = quotes.loc[organisation] if organisation in quotes.index else None
            rows.append(
                {
                    "organisation": organisation,
                    "challenge": challenge.label,
                    "scale": challenge.scale,
                    "code": challenge.code,
                    "survey_n": int(found["survey_n"]) if found is not None else 0,
                    "survey_mean": float(found["survey_mean"]) if found is not None else np.nan,
                    "survey_sd": float(found["survey_sd"]) if found is not None else np.nan,
                    "interviews": int(total),
                    "coded_interviews": int(coded),
                    "interviews_with_code": hits,
                    "coded_share": hits / coded if coded else np.nan,
                    "passages_per_interview": (
                        int(passages.get(organisation, 0)) / coders / coded if coded else np.nan
                    ),
                    "quote": quote["quote"] if quote is not None else "",
                    "quote_source": quote["quote_source"] if quote is not None else "",
                    "platform_measure": BEHAVIOUR[challenge.scale][1],
                    "platform_value": (
                        float(platform.at[organisation, BEHAVIOUR[challenge.scale][0]])
                        if organisation in platform.index
                        else np.nan
                    ),
                }
            )
    return pd.DataFrame(rows, columns=JOINT_COLUMNS)


def convergence(frame: pd.DataFrame) -> pd.DataFrame:
    """Per challenge: Spearman's rank correlations of survey means with the interview measures.

    Uses the organisations that have both a survey mean and coded interviews.
    A positive rho means the organisations whose employees report more of a
    challenge are also those whose interviews raise it more (``rho_share``:
    share of interviews with the code; ``rho_passages``: passages per
    interview). With ten organisations rho has little power: read it as a
    description, not a test. NaN where a measure does not vary.
    """
    rows = []
    for challenge in CHALLENGES:
        part = frame[frame["scale"] == challenge.scale].dropna(
            subset=["survey_mean", "coded_share"]
        )
        row = {"challenge": challenge.label, "organisations": len(part)}
        for name, column in (("share", "coded_share"), ("passages", "passages_per_interview")):
            rho = p = np.nan
            if len(part) >= 3 and part["survey_mean"].nunique() > 1 and part[column].nunique() > 1:
                result = stats.spearmanr(part["survey_mean"], part[column])
                rho, p = float(result.statistic), float(result.pvalue)
            row[f"rho_{name}"], row[f"p_{name}"] = rho, p
        rows.append(row)
    return pd.DataFrame(rows)


_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_FLOATS = {
    "survey_mean": "0.00",
    "survey_sd": "0.00",
    "coded_share": "0%",
    "platform_value": "0%",
    "passages_per_interview": "0.0",
}


def write_joint_display_xlsx(frame: pd.DataFrame, out: str | os.PathLike[str]) -> Path:
    """Write the joint display as a workbook: organisations as rows, three columns per challenge.

    Sheet "Joint display": per challenge the survey mean, the share of coded
    interviews with the code, coded passages per interview and the example quote; sheet
    "Long" holds :func:`joint_display`'s rows for analysis. Numbers are
    numbers with number formats; organisation names, quotes and transcript
    names are stored as text, never as formulas.
    """
    missing = [c for c in JOINT_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(f"The joint display frame is missing {', '.join(missing)}.")
    challenges = list(dict.fromkeys(frame["challenge"]))
    organisations = list(dict.fromkeys(frame["organisation"]))
    cells = frame.set_index(["organisation", "challenge"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Joint display"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.cell(1, 1, "Organisation").font = bold
    ws.cell(2, 1, "")
    ws.column_dimensions["A"].width = 28
    for index, challenge in enumerate(challenges):
        column = 2 + 4 * index
        ws.merge_cells(start_row=1, start_column=column, end_row=1, end_column=column + 3)
        head = set_text_cell(ws.cell(1, column), challenge)
        head.font, head.alignment, head.fill = bold, Alignment(horizontal="center"), _HEADER_FILL
        for offset, text, width in (
            (0, "Survey mean (1-5)", 10),
            (1, "Share of coded interviews with the code", 12),
            (2, "Coded passages per interview", 11),
            (3, "Example quote", 48),
        ):
            cell = ws.cell(2, column + offset, text)
            cell.font, cell.alignment, cell.fill = bold, wrap, _HEADER_FILL
            ws.column_dimensions[get_column_letter(column + offset)].width = width
    ws.row_dimensions[2].height = 60
    for row, organisation in enumerate(organisations, start=3):
        _text(ws.cell(row, 1), organisation).alignment = wrap
        # Wrapped quotes need a row height set: not every program grows rows on opening.
        longest = max(
            (len(q) for q in cells.loc[organisation]["quote"] if isinstance(q, str)), default=0
        )
        ws.row_dimensions[row].height = 15 * max(1, math.ceil(longest / 45))
        for index, challenge in enumerate(challenges):
            column = 2 + 4 * index
            found = cells.loc[(organisation, challenge)]
            mean = ws.cell(row, column)
            if pd.notna(found["survey_mean"]):
                mean.value, mean.number_format = float(found["survey_mean"]), "0.00"
            share = ws.cell(row, column + 1)
            if pd.notna(found["coded_share"]):
                share.value, share.number_format = float(found["coded_share"]), "0%"
            passages = ws.cell(row, column + 2)
            if pd.notna(found["passages_per_interview"]):
                passages.value = float(found["passages_per_interview"])
                passages.number_format = "0.0"
            _text(ws.cell(row, column + 3), found["quote"] or "").alignment = wrap
            mean.alignment = share.alignment = passages.alignment = Alignment(vertical="top")
    ws.freeze_panes = "B3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _long_sheet(wb, frame)
    path = Path(out)
    wb.save(path)
    return path


def _text(cell, value: object):
    """Store user or participant text as inert text (never a formula), exactly."""
    return set_text_cell(cell, str(value))


def _long_sheet(wb: Workbook, frame: pd.DataFrame) -> None:
    ws = wb.create_sheet("Long")
    ws.append(JOINT_COLUMNS)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), _HEADER_FILL
    text_columns = {
        "organisation",
        "challenge",
        "scale",
        "code",
        "quote",
        "quote_source",
        "platform_measure",
    }
    for row_index, row in enumerate(frame[JOINT_COLUMNS].itertuples(index=False), start=2):
        for column_index, (name, value) in enumerate(zip(JOINT_COLUMNS, row), start=1):
            cell = ws.cell(row_index, column_index)
            if name in text_columns:
                _text(cell, value if isinstance(value, str) else "")
            elif pd.notna(value):
                cell.value = float(value) if name in _FLOATS else int(value)
                cell.number_format = _FLOATS.get(name, "0")
    ws.freeze_panes = "B2"
    for index, width in enumerate((28, 30, 26, 26, 9, 11, 10, 10, 10, 10, 10, 10, 60, 36), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
