"""Published benchmark editions: the frozen benchmark practitioners see and download.

Comparing two downloads made before and after one organisation joined would
give that organisation's means by subtraction, whatever the pool size. So a
researcher *publishes* an edition, which fixes the campaigns and the very
responses it holds (and their participation counts); practitioners see and
download only the newest edition; and a new edition needs at least
``STUDY_MIN_BENCHMARK_ORGS`` organisations that were not in the last one. Two
downloads are then either the same edition (the same numbers) or differ by at
least that many organisations.

An edition holds response ids, not copies of answers: a response erased on
request (pseudonymous studies) disappears from every edition too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.accounts import acting, current_actor
from study.admin.audit import record_event
from study.admin.permissions import Actor, require
from study.analysis.reports.benchmark_data import (
    BenchmarkFrames,
    benchmark_frames,
    load_frames,
    min_benchmark_orgs,
)
from study.analysis.survey_data import DEFAULT_INSTRUMENT
from study.db.models import AccountRow, BenchmarkEditionRow, OrganisationRow
from study.errors import InsufficientData, NotFound
from study.surveys.withdrawal import withdrawn_since

__all__ = [
    "EditionInfo",
    "EditionReadiness",
    "edition_frames",
    "edition_readiness",
    "list_benchmark_editions",
    "publish_benchmark",
]


@dataclass(frozen=True)
class EditionInfo:
    """A published edition: its number, when and by whom, and what it holds."""

    number: int
    instrument: str
    published_on: dt.date
    published_by: str | None
    organisations: int
    responses: int
    #: Of ``responses``, how many their respondents have withdrawn since publication.
    withdrawn: int = 0

    def as_dict(self) -> dict:
        """Plain dict for JSON output (the date as YYYY-MM-DD)."""
        return asdict(self) | {"published_on": self.published_on.isoformat()}


@dataclass(frozen=True)
class EditionReadiness:
    """Whether a new edition may be published: new organisations since the last one."""

    last: int | None  # the newest edition's number (None before the first)
    new_organisations: int
    needed: int

    @property
    def ready(self) -> bool:
        """True when enough organisations joined since the last edition."""
        return self.new_organisations >= self.needed

    def sentence(self) -> str:
        """What the page and the CLI say about it."""
        since = f"since edition {self.last}" if self.last else "so far"
        return (
            f"{self.new_organisations} organisation(s) with results {since}; a new "
            f"edition needs at least {self.needed} (STUDY_MIN_BENCHMARK_ORGS)."
        )


def _info(session: Session, row: BenchmarkEditionRow) -> EditionInfo:
    email = (
        session.scalar(select(AccountRow.email).where(AccountRow.id == row.published_by_id))
        if row.published_by_id is not None
        else None
    )
    return EditionInfo(
        number=row.number,
        instrument=row.instrument,
        published_on=row.published_at.date(),
        published_by=email,
        organisations=len(row.organisations),
        responses=len(row.response_ids),
        withdrawn=withdrawn_since(session, row.response_ids),
    )


def _newest(session: Session, instrument: str) -> BenchmarkEditionRow | None:
    return session.scalar(
        select(BenchmarkEditionRow)
        .where(BenchmarkEditionRow.instrument == instrument)
        .order_by(BenchmarkEditionRow.number.desc())
        .limit(1)
    )


def list_benchmark_editions(
    session: Session, *, instrument: str = DEFAULT_INSTRUMENT, viewer: Actor
) -> list[EditionInfo]:
    """The published editions of ``instrument``'s benchmark, newest first."""
    require(current_actor(session, viewer), "download_benchmark")
    rows = session.scalars(
        select(BenchmarkEditionRow)
        .where(BenchmarkEditionRow.instrument == instrument)
        .order_by(BenchmarkEditionRow.number.desc())
    )
    return [_info(session, row) for row in rows]


def _current(
    session: Session, instrument: str, frames: BenchmarkFrames | None = None
) -> tuple[BenchmarkFrames, dict[int, dict]]:
    """The current benchmark data and, per organisation id with results, what to freeze."""
    frames = frames if frames is not None else benchmark_frames(session, instrument=instrument)
    ids = dict(session.execute(select(OrganisationRow.name, OrganisationRow.id)).all())
    with_results = set(frames.scores["organisation"].astype(str)) | set(
        frames.items["organisation"].astype(str)
    )
    entries = {}
    for row in frames.participation.itertuples(index=False):
        if row.organisation not in with_results:
            continue
        entries[ids[row.organisation]] = {
            "organisation_id": ids[row.organisation],
            "campaign_id": int(frames.campaigns[row.organisation]),
            "responses": float(row.responses),
            "invitations": None if pd.isna(row.invitations) else float(row.invitations),
            "headcount": None if pd.isna(row.headcount) else float(row.headcount),
        }
    # The organisation's platform activity, frozen with its survey results (no Activity
    # sheet may differ between two downloads of one edition either).
    activity = frames.activity
    if activity is not None and not activity.empty:
        for record in activity[activity["department"].isna()].to_dict("records"):
            organisation_id = ids.get(record["organisation"])
            if organisation_id in entries:
                entries[organisation_id]["activity"] = {
                    key: _plain(value)
                    for key, value in record.items()
                    if key not in ("organisation", "department")
                }
    return frames, entries


def _plain(value: object) -> object:
    """A JSON-safe scalar: NaN and missing become None, numpy numbers plain numbers."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, np.integer | np.floating | np.bool_):
        return value.item()
    return value if isinstance(value, int | float | str | bool) else str(value)


def edition_readiness(
    session: Session, *, instrument: str = DEFAULT_INSTRUMENT, frames: BenchmarkFrames | None = None
) -> EditionReadiness:
    """How many organisations with results are not in the newest edition, and how many are needed.

    ``frames``: the current data, if already loaded (by :func:`benchmark_frames`).
    """
    last = _newest(session, instrument)
    try:
        _, entries = _current(session, instrument, frames)
    except InsufficientData:
        entries = {}
    before = {entry["organisation_id"] for entry in (last.organisations if last else [])}
    return EditionReadiness(
        last=last.number if last else None,
        new_organisations=len(set(entries) - before),
        needed=min_benchmark_orgs(),
    )


def publish_benchmark(
    session: Session, *, instrument: str = DEFAULT_INSTRUMENT, actor: Actor | int
) -> EditionInfo:
    """Freeze the current benchmark as the next edition, the one practitioners see.

    Raises
    ------
    InsufficientData
        Fewer than ``STUDY_MIN_BENCHMARK_ORGS`` organisations with results joined
        since the last edition (or in all, for the first).
    """
    actor_id = acting(session, actor, "publish_benchmark")
    last = _newest(session, instrument)
    frames, entries = _current(session, instrument)
    before = {entry["organisation_id"] for entry in (last.organisations if last else [])}
    readiness = EditionReadiness(
        last=last.number if last else None,
        new_organisations=len(set(entries) - before),
        needed=min_benchmark_orgs(),
    )
    if not readiness.ready:
        raise InsufficientData(
            f"Cannot publish a new benchmark edition yet: {readiness.sentence()}"
        )
    respondents = pd.concat(
        [
            frames.scores["respondent_id"],
            frames.items["respondent_id"],
            frames.demographics["respondent_id"],
        ]
    )
    number = (
        session.scalar(
            select(func.max(BenchmarkEditionRow.number)).where(
                BenchmarkEditionRow.instrument == instrument
            )
        )
        or 0
    ) + 1
    row = BenchmarkEditionRow(
        instrument=instrument,
        number=number,
        instrument_label=f"{frames.instrument}, benchmark edition {number}",
        published_by_id=actor_id,
        organisations=sorted(entries.values(), key=lambda e: e["organisation_id"]),
        response_ids=sorted(int(r) for r in pd.unique(respondents)),
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        "benchmark.publish",
        actor_id=actor_id,
        target=row,
        details={"instrument": instrument, "number": number, "organisations": len(entries)},
    )
    return _info(session, row)


def edition_frames(
    session: Session,
    number: int | None = None,
    *,
    instrument: str = DEFAULT_INSTRUMENT,
    language: str = "en",
) -> tuple[EditionInfo, BenchmarkFrames]:
    """A published edition's data (the newest when ``number`` is None), as it was published."""
    query = select(BenchmarkEditionRow).where(BenchmarkEditionRow.instrument == instrument)
    row = (
        _newest(session, instrument)
        if number is None
        else session.scalar(query.where(BenchmarkEditionRow.number == number))
    )
    if row is None:
        raise NotFound(
            "No benchmark edition has been published yet; a researcher publishes "
            "one on the Benchmark page or with `study benchmark publish`."
            if number is None
            else f"There is no benchmark edition {number}; `study benchmark editions` lists them."
        )
    names = dict(session.execute(select(OrganisationRow.id, OrganisationRow.name)).all())
    entries = [e for e in row.organisations if e["organisation_id"] in names]
    participation = (
        pd.DataFrame(
            {
                "organisation": [names[e["organisation_id"]] for e in entries],
                "responses": [float(e["responses"]) for e in entries],
                "invitations": [
                    np.nan if e["invitations"] is None else float(e["invitations"]) for e in entries
                ],
                "headcount": [
                    np.nan if e["headcount"] is None else float(e["headcount"]) for e in entries
                ],
            }
        )
        .sort_values("organisation")
        .reset_index(drop=True)
    )
    frames = load_frames(
        session,
        instrument=instrument,
        language=language,
        participation=participation,
        campaigns={names[e["organisation_id"]]: int(e["campaign_id"]) for e in entries},
        response_ids=set(row.response_ids),
        instrument_label=row.instrument_label,
    )
    frozen = [
        {"organisation": names[e["organisation_id"]], "department": None}
        | {key: np.nan if value is None else value for key, value in e["activity"].items()}
        for e in entries
        if e.get("activity")
    ]
    activity = pd.DataFrame(frozen) if frozen else None
    info = _info(session, row)
    return info, replace(frames, activity=activity, withdrawn=info.withdrawn)
