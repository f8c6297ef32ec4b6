"""Responses in bulk: imports and the demo in, answers and scale scores out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.admin.identity import acting, current_actor
from study.admin.organisations import organisation_row
from study.admin.permissions import Actor, require
from study.db.models import (
    AnswerRow,
    CampaignRow,
    InstrumentRow,
    OrganisationRow,
    ResponseRow,
    StudyRow,
    utcnow,
)
from study.errors import InvalidInput, NotFound
from study.surveys.anonymity import in_answer_order, visible_responses
from study.surveys.importing import read_responses
from study.surveys.instrument_store import latest_instrument
from study.surveys.instruments import Instrument, instrument_from_dict
from study.surveys.scoring import score_answers

ANSWER_FRAME_COLUMNS = [
    "response_id",
    "organisation",
    "campaign",
    "campaign_id",
    "instrument",
    "instrument_version",
    "status",
    "submitted_on",
    "item_id",
    "value",
]


def _answer_row(response_id: int, item_type: str, value: Any) -> dict[str, Any]:
    row = {
        "response_id": response_id,
        "item_id": None,
        "value_number": None,
        "value_text": None,
        "value_choices": None,
    }
    if item_type == "multiple_choice":
        row["value_choices"] = list(value)
    elif item_type in ("text", "single_choice"):
        row["value_text"] = str(value)
    else:
        row["value_number"] = float(value)
    return row


def store_responses(
    session: Session,
    *,
    campaign_id: int,
    answers: pd.DataFrame,
    responses: pd.DataFrame,
    source: str,
    actor: Actor | int,
) -> list[int]:
    """Insert responses with their answers in bulk; returns the new response ids.

    Parameters
    ----------
    answers : DataFrame
        ``key``, ``item_id``, ``value`` in stored form (unanswered items have no row).
    responses : DataFrame
        One row per response: ``key``, ``complete`` (bool), ``language``, and
        optionally ``submitted_on`` (date) and ``external_id``.
    source : str
        Where the responses came from: 'import' or 'demo'.
    actor : AccountInfo, account id or OPERATOR
        Who stores them (``run_surveys``: researchers).
    """
    acting(session, actor, "run_surveys")
    campaign = session.get(CampaignRow, campaign_id)
    instrument = instrument_from_dict(session.get(InstrumentRow, campaign.instrument_id).definition)
    types = {item.id: item.type for item in instrument.all_items()}
    unknown = sorted(set(answers["item_id"]) - set(types))
    if unknown:
        raise InvalidInput(f"Unknown items for {instrument.id}: {', '.join(unknown)}.")
    today = utcnow().date()
    ids: dict[Any, int] = {}
    for row in responses.itertuples(index=False):
        complete = bool(row.complete)
        submitted = getattr(row, "submitted_on", None)
        submitted = submitted if isinstance(submitted, dt.date) else (today if complete else None)
        response = ResponseRow(
            campaign_id=campaign_id,
            instrument_id=campaign.instrument_id,
            status="complete" if complete else "in_progress",
            language=row.language if isinstance(row.language, str) else "en",
            current_page=0,
            source=source,
            external_id=getattr(row, "external_id", None) or None,
            started_on=submitted,
            submitted_on=submitted if complete else None,
            released=complete,
        )
        session.add(response)
        ids[row.key] = response
    session.flush()
    rows = []
    for key, item_id, value in answers[["key", "item_id", "value"]].itertuples(index=False):
        row = _answer_row(ids[key].id, types[item_id], value)
        row["item_id"] = item_id
        rows.append(row)
    if rows:
        session.execute(insert(AnswerRow), rows)
    return [r.id for r in ids.values()]


def import_responses(
    session: Session,
    source: str | Path | BinaryIO,
    *,
    instrument: str,
    organisation: str,
    format: str,
    name: str | None = None,
    actor: Actor | int,
) -> dict[str, Any]:
    """Import a Qualtrics, LimeSurvey or plain CSV export into a closed import campaign.

    Nothing is stored when the file has unknown or missing columns or bad values
    (the error lists them all).
    """
    actor_id = acting(session, actor, "run_surveys")
    org = organisation_row(session, organisation)
    stored = latest_instrument(session, instrument)
    name = name or (Path(source).name if isinstance(source, (str, Path)) else "upload")
    imported = read_responses(source, stored.model, format=format, name=name)
    campaign = CampaignRow(
        organisation_id=org.id,
        instrument_id=stored.row_id,
        mode="open",
        name=f"Import: {name}",
        token=None,
        closed_at=utcnow(),
    )
    session.add(campaign)
    session.flush()
    responses = imported.responses.rename(columns={"row_index": "key", "submitted": "submitted_on"})
    responses["complete"] = responses["finished"].fillna(True).astype(bool)
    ids = store_responses(
        session,
        campaign_id=campaign.id,
        answers=imported.answers.rename(columns={"row_index": "key"}),
        responses=responses,
        source="import",
        actor=actor,
    )
    record_event(
        session,
        "responses.import",
        actor_id=actor_id,
        target=campaign,
        details={"file": name, "format": format, "responses": len(ids)},
    )
    return {"campaign": campaign.id, "responses": len(ids), "skipped_rows": imported.skipped_rows}


def survey_answers(
    session: Session,
    *,
    campaign_id: int | None = None,
    organisation_id: int | None = None,
    instrument: str | None = None,
    complete_only: bool = True,
) -> pd.DataFrame:
    """Long answers with their response's organisation, campaign and instrument version.

    With ``complete_only`` (the default), only complete responses that may be
    shown: an anonymous study's open campaign releases them in batches (see
    :mod:`study.surveys.anonymity`), so every export and analysis built on this
    gains responses only a batch at a time.
    """
    query = (
        select(
            ResponseRow.id,
            OrganisationRow.name,
            CampaignRow.name,
            CampaignRow.id,
            InstrumentRow.key,
            InstrumentRow.version,
            ResponseRow.status,
            ResponseRow.submitted_on,
            AnswerRow.item_id,
            AnswerRow.value_number,
            AnswerRow.value_text,
            AnswerRow.value_choices,
        )
        .join(CampaignRow, CampaignRow.id == ResponseRow.campaign_id)
        .join(OrganisationRow, OrganisationRow.id == CampaignRow.organisation_id)
        .join(InstrumentRow, InstrumentRow.id == ResponseRow.instrument_id)
        .outerjoin(AnswerRow, AnswerRow.response_id == ResponseRow.id)
        .order_by(ResponseRow.id, AnswerRow.id)
    )
    if campaign_id is not None:
        query = query.where(CampaignRow.id == campaign_id)
    if organisation_id is not None:
        query = query.where(CampaignRow.organisation_id == organisation_id)
    if instrument is not None:
        query = query.where(InstrumentRow.key == instrument)
    if complete_only:
        query = query.where(ResponseRow.status == "complete", visible_responses())
    rows = session.execute(query).all()
    records = []
    for (
        rid,
        org,
        camp,
        camp_id,
        key,
        version,
        status,
        submitted,
        item_id,
        number,
        text,
        choices,
    ) in rows:
        value = (
            choices
            if choices is not None
            else text
            if text is not None
            else (int(number) if number is not None and float(number).is_integer() else number)
        )
        records.append((rid, org, camp, camp_id, key, version, status, submitted, item_id, value))
    return pd.DataFrame(records, columns=ANSWER_FRAME_COLUMNS)


def _instruments_in(session: Session, frame: pd.DataFrame) -> dict[tuple[str, str], Instrument]:
    result = {}
    for key, version in (
        frame[["instrument", "instrument_version"]].drop_duplicates().itertuples(index=False)
    ):
        row = session.scalar(
            select(InstrumentRow).where(InstrumentRow.key == key, InstrumentRow.version == version)
        )
        result[(key, version)] = instrument_from_dict(row.definition)
    return result


def survey_scores(
    session: Session,
    *,
    campaign_id: int | None = None,
    organisation: str | None = None,
    instrument: str = "ism-adoption-survey",
) -> pd.DataFrame:
    """Scale scores per complete response, tidy: one row per response and scale.

    Columns: ``response_id``, ``organisation``, ``campaign_id``, ``instrument``,
    ``instrument_version``, ``scale``, ``score`` (NaN when fewer than the scale's
    minimum share of items was answered), ``n_items_answered``. Each response is
    scored with the instrument version it was answered with.
    """
    organisation_id = organisation_row(session, organisation).id if organisation else None
    answers = survey_answers(
        session, campaign_id=campaign_id, organisation_id=organisation_id, instrument=instrument
    )
    columns = [
        "response_id",
        "organisation",
        "campaign_id",
        "instrument",
        "instrument_version",
        "scale",
        "score",
        "n_items_answered",
    ]
    if answers.empty:
        return pd.DataFrame(columns=columns)
    parts = []
    for (key, version), model in _instruments_in(session, answers).items():
        subset = answers[
            (answers["instrument"] == key) & (answers["instrument_version"] == version)
        ]
        scores = score_answers(subset.dropna(subset=["item_id"]), model)
        meta = subset.drop_duplicates("response_id")[
            ["response_id", "organisation", "campaign_id", "instrument", "instrument_version"]
        ]
        parts.append(meta.merge(scores, on="response_id", how="inner"))
    return pd.concat(parts, ignore_index=True)[columns]


def export_key(session: Session) -> str:
    """The study's key for :func:`study.surveys.exporting.respondent_numbers` (never exported)."""
    study = session.scalar(select(StudyRow).order_by(StudyRow.id).limit(1))
    if study is None:
        return "no study"
    if study.export_secret:  # random, from migration 0008 on
        return study.export_secret
    # A study from before 0008 keeps its old key, so its exports still merge.
    created = study.created_at.isoformat() if study.created_at else ""
    return f"{study.id}:{study.name}:{created}"


def export_responses(
    session: Session,
    out: str | Path | BinaryIO,
    *,
    format: str,
    instrument: str = "ism-adoption-survey",
    language: str = "en",
    exact: bool = False,
    viewer: Actor,
) -> int:
    """Write complete responses (one row each) as csv, xlsx or sav; returns the count.

    Only released responses (see :mod:`study.surveys.anonymity`), listed in an
    order set by their answers, not by when they were given. ``exact`` writes a CSV's
    cells as they are, for analysis tools (:data:`study.cells.EXACT_CSV_RISK`).
    """
    require(current_actor(session, viewer), "run_surveys")
    answers = survey_answers(session, instrument=instrument)
    if answers.empty:
        raise NotFound(f"There are no complete responses to {instrument} yet.")
    models = _instruments_in(session, answers)
    newest = max(models, key=lambda kv: (len(kv[1]), kv[1]))
    frame = in_answer_order(
        answers[
            ["response_id", "organisation", "campaign", "instrument_version", "item_id", "value"]
        ]
    )
    from study.surveys.exporting import respondent_numbers, write_responses

    numbers = respondent_numbers(frame["response_id"], export_key(session))
    frame = frame.assign(response_id=frame["response_id"].map(numbers))
    seeds = session.execute(
        select(ResponseRow.id, ResponseRow.order_seed)  # orders shown (logic)
        .join(InstrumentRow, InstrumentRow.id == ResponseRow.instrument_id)
        .where(InstrumentRow.key == instrument)
    ).all()
    write_responses(
        frame,
        models[newest],
        out,
        format=format,
        language=language,
        seeds={numbers[rid]: seed for rid, seed in seeds if rid in numbers},
        exact=exact,
    )
    return int(answers["response_id"].nunique())


def answers_frame(
    session: Session,
    *,
    viewer: Actor,
    campaign_id: int | None = None,
    organisation_id: int | None = None,
    instrument: str | None = None,
    complete_only: bool = True,
) -> pd.DataFrame:
    """The long answers of :func:`survey_answers`, for a viewer who runs surveys.

    Reports built for others (the benchmark, the comparison) read
    :func:`survey_answers` under their own rules.
    """
    require(current_actor(session, viewer), "run_surveys")
    return survey_answers(
        session,
        campaign_id=campaign_id,
        organisation_id=organisation_id,
        instrument=instrument,
        complete_only=complete_only,
    )


def score_responses(
    session: Session,
    *,
    viewer: Actor,
    campaign_id: int | None = None,
    organisation: str | None = None,
    instrument: str = "ism-adoption-survey",
) -> pd.DataFrame:
    """The scale scores of :func:`survey_scores`, for a viewer who runs surveys."""
    require(current_actor(session, viewer), "run_surveys")
    return survey_scores(
        session, campaign_id=campaign_id, organisation=organisation, instrument=instrument
    )
