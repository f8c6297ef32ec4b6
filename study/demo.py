"""The demo study: ten fictional organisations, loaded through the library's own functions.

Tests, docs and ``./run.sh`` all use this one loader, so the demo always
exercises the same code paths as real use. Everything here is fictional.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.accounts import create_account
from study.admin.audit import record_event
from study.admin.organisations import create_organisation
from study.admin.permissions import OPERATOR
from study.admin.studies import current_study
from study.db.models import AccountRow, StudyRow
from study.errors import AlreadyExists
from study.interviews.coding.demo_codings import load_demo_codings
from study.interviews.transcripts.store import import_transcript
from study.platforms.store import import_platform_export
from study.platforms.synthetic import ExportProfile, write_slack_export
from study.surveys.campaigns import create_campaign
from study.surveys.demo_responses import generate_demo_responses
from study.surveys.instrument_store import latest_instrument
from study.surveys.response_store import store_responses

DEMO_STUDY_NAME = "Demo: internal social media in ten organisations"
DEMO_DESCRIPTION = (
    "A fictional study after Madsen (2017) and Jiang & Neill (2017): an employee survey "
    "and coordinator and executive interviews in five Danish and five US organisations."
)

# name, sector, size band, country, headcount
DEMO_ORGANISATIONS: tuple[tuple[str, str, str, str, int], ...] = (
    ("Nordlys Bank", "Finance", "1000+", "Denmark", 2400),
    ("Havnegade Kommune", "Public sector", "1000+", "Denmark", 3800),
    ("Fjordvind Energi", "Energy", "250-999", "Denmark", 620),
    ("Kobberstien Design", "Creative agency", "10-49", "Denmark", 35),
    ("Solbakken Hospital", "Healthcare", "1000+", "Denmark", 2900),
    ("Prairie Mutual Insurance", "Insurance", "1000+", "United States", 1900),
    ("Riverbend Logistics", "Logistics", "250-999", "United States", 780),
    ("Peachtree Health System", "Healthcare", "1000+", "United States", 5200),
    ("Lakeshore Manufacturing", "Manufacturing", "250-999", "United States", 450),
    ("Blue Ridge Software", "Software", "50-249", "United States", 120),
)

# The two demo coders; they cannot log in until an admin sets a password.
DEMO_CODERS: tuple[tuple[str, str], ...] = (
    ("ana@demo.example", "Ana"),
    ("ben@demo.example", "Ben"),
)


DEMO_DATA = Path(__file__).parent / "data" / "demo"
DEMO_SURVEY = "ism-adoption-survey"
# Respondents per organisation (15-300, roughly following size).
DEMO_RESPONDENTS = {
    "Nordlys Bank": 240,
    "Havnegade Kommune": 300,
    "Fjordvind Energi": 110,
    "Kobberstien Design": 15,
    "Solbakken Hospital": 260,
    "Prairie Mutual Insurance": 180,
    "Riverbend Logistics": 90,
    "Peachtree Health System": 280,
    "Lakeshore Manufacturing": 70,
    "Blue Ridge Software": 40,
}
# The generator plants a profile by position (see generate_demo_responses): 1st/6th
# reference, 2nd/7th "not real work", 3rd/8th self-censorship, 4th/9th ISM built into
# routines (low challenges), 5th/10th "managers only talk". This order makes the
# survey agree with the demo interviews (study/data/demo/interviews.yaml profiles).
DEMO_SURVEY_ORDER = (
    "Fjordvind Energi",
    "Riverbend Logistics",
    "Nordlys Bank",
    "Blue Ridge Software",
    "Prairie Mutual Insurance",
    "Havnegade Kommune",
    "Lakeshore Manufacturing",
    "Solbakken Hospital",
    "Kobberstien Design",
    "Peachtree Health System",
)


# Fictional Slack exports (study/data/demo/platform/, made by write_demo_platform_exports)
# echo each organisation's planted survey profile: Riverbend's posts fall outside working
# hours ("not real work"), most of Nordlys Bank never posts (self-censorship), Blue Ridge
# posts every week (routine), Prairie Mutual's leaders hardly answer ("words, not action").
DEMO_PLATFORMS: dict[str, ExportProfile] = {
    "Fjordvind Energi": ExportProfile(people=110, messages=2_600, seed=11),
    "Riverbend Logistics": ExportProfile(
        people=150, messages=2_400, working_hours=0.5, reply_rate=0.3, seed=12
    ),
    "Nordlys Bank": ExportProfile(people=180, messages=1_000, lurkers=0.75, seed=13),
    "Blue Ridge Software": ExportProfile(
        people=120, messages=8_000, lurkers=0.2, reply_rate=0.55, leader_weight=1.5, seed=14
    ),
    "Prairie Mutual Insurance": ExportProfile(
        people=160, messages=2_500, leader_weight=0.1, reply_rate=0.4, seed=15
    ),
}
# The demo's exports are fictional, so their salt may be public (a real study's never is).
DEMO_SALT = "6973c3ad2d8a40c9b2d1e0f7a5b8c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7"


def demo_platform_file(organisation: str) -> Path:
    """The demo's Slack export of ``organisation``."""
    slug = "-".join(organisation.lower().split())
    return DEMO_DATA / "platform" / f"{slug}-slack.zip"


def write_demo_platform_exports() -> list[Path]:
    """(Re)generate the demo's Slack exports; the same bytes every time."""
    paths = []
    for organisation, profile in DEMO_PLATFORMS.items():
        path = demo_platform_file(organisation)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_slack_export(path, profile)
        paths.append(path)
    return paths


@dataclass(frozen=True)
class DemoResult:
    """What :func:`load_demo` did."""

    loaded: bool
    message: str


def demo_loaded(session: Session) -> bool:
    """True when the database holds the demo study."""
    return session.scalar(select(StudyRow.id).where(StudyRow.is_demo.is_(True))) is not None


def load_demo(
    session: Session, *, reset: bool = False, if_empty: bool = False, actor_id: int | None = None
) -> DemoResult:
    """Load the demo study; safe to call again.

    Parameters
    ----------
    reset : bool
        Delete the demo study and everything in it, then load it again.
    if_empty : bool
        Do nothing (and say so) when the database already holds any study.
    """
    existing = current_study(session)
    if existing is not None and not existing.is_demo:
        if if_empty:
            return DemoResult(
                False,
                f"The database already holds the study {existing.name!r}; the demo was not loaded.",
            )
        raise AlreadyExists(
            f"The database already holds the study {existing.name!r}; load "
            "the demo into an empty database (another STUDY_DATABASE_URL)."
        )
    if existing is not None:
        if not reset:
            return DemoResult(False, "The demo study is already loaded.")
        session.delete(existing)
        session.flush()
        record_event(session, "demo.reset", actor_id=actor_id)

    study = StudyRow(name=DEMO_STUDY_NAME, description=DEMO_DESCRIPTION, is_demo=True)
    session.add(study)
    session.flush()
    for name, sector, size_band, country, headcount in DEMO_ORGANISATIONS:
        create_organisation(
            session,
            name,
            sector=sector,
            size_band=size_band,
            country=country,
            headcount=headcount,
            actor_id=actor_id,
        )
    for email, display_name in DEMO_CODERS:
        if session.scalar(select(AccountRow.id).where(AccountRow.email == email)) is None:
            create_account(
                session,
                email,
                role="coder",
                password=None,
                display_name=display_name,
                actor_id=actor_id,
            )
    responses = _load_demo_responses(session, actor_id=actor_id)
    transcripts = _load_demo_transcripts(session, actor_id=actor_id)
    coders = {
        name.split("@")[0]: session.scalar(select(AccountRow.id).where(AccountRow.email == name))
        for name, _ in DEMO_CODERS
    }
    codings = load_demo_codings(
        session, transcripts_by_file=transcripts, coders=coders, actor_id=actor_id
    )
    messages = _load_demo_platforms(session, actor_id=actor_id)
    record_event(session, "demo.load", actor_id=actor_id, target=study)
    return DemoResult(
        True,
        f"Loaded the demo study with {len(DEMO_ORGANISATIONS)} "
        f"organisations, {responses:,} survey responses, "
        f"{len(transcripts)} interview transcripts, {codings} codings "
        f"by two coders and {messages:,} platform messages from "
        f"{len(DEMO_PLATFORMS)} Slack exports.",
    )


def _load_demo_platforms(session: Session, *, actor_id: int | None) -> int:
    """The fictional Slack exports, imported like a user's (pseudonymised, text dropped)."""
    total = 0
    with tempfile.TemporaryDirectory() as folder:
        salt = Path(folder) / "demo-salt.key"
        salt.write_text(DEMO_SALT + "\n", encoding="ascii")
        for organisation in DEMO_PLATFORMS:
            report = import_platform_export(
                session,
                demo_platform_file(organisation),
                organisation=organisation,
                platform="slack",
                salt_file=salt,
                actor=actor_id if actor_id is not None else OPERATOR,
            )
            total += report.messages_added
    return total


def _load_demo_transcripts(session: Session, *, actor_id: int | None) -> dict[str, int]:
    """The fictional coordinator and executive interviews, imported like any user's files."""
    entries = yaml.safe_load((DEMO_DATA / "interviews.yaml").read_text(encoding="utf-8"))
    found = {}
    for entry in entries:
        data = (DEMO_DATA / "interviews" / entry["file"]).read_bytes()
        info = import_transcript(
            session,
            data,
            entry["file"],
            organisation=entry["organisation"],
            role=entry["role"],
            language=entry["language"],
            interview_date=entry["date"],
            actor=actor_id if actor_id is not None else OPERATOR,
        )
        found[entry["file"]] = info.id
    return found


def _load_demo_responses(session: Session, *, actor_id: int | None) -> int:
    """One open-link campaign per organisation with generated, planted responses."""
    instrument = latest_instrument(session, DEMO_SURVEY).model
    demo = generate_demo_responses(
        instrument, list(DEMO_SURVEY_ORDER), respondents=DEMO_RESPONDENTS
    )
    total = 0
    for organisation in DEMO_SURVEY_ORDER:
        campaign = create_campaign(
            session,
            organisation=organisation,
            instrument=DEMO_SURVEY,
            name=f"{organisation} spring 2026",
            actor=actor_id if actor_id is not None else OPERATOR,
        )
        mine = demo.respondents[demo.respondents["organisation"] == organisation]
        answers = demo.answers[demo.answers["organisation"] == organisation]
        total += len(
            store_responses(
                session,
                campaign_id=campaign.id,
                answers=answers.rename(columns={"respondent": "key"}),
                responses=mine.rename(columns={"respondent": "key"}),
                source="demo",
                actor=OPERATOR,
            )
        )
    return total
