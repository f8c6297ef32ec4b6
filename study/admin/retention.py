"""Retention: after the study's retention date, the raw personal data it names is deleted.

The data management plan says what a study keeps once its retention date has come
(answers and scores, codings and memos, anonymised transcripts, platform activity)
and what goes: the categories of :data:`CATEGORIES`. :func:`set_retention` stores
the date, the categories to delete (``StudyRow.retention_delete``, empty for all) and
the analysis freeze date; :func:`run_retention` (``study retention run``, scheduled by
the researcher) deletes nothing before the date and, from the date on, what is due.

A run is idempotent and safe to start twice at once. It first takes the study row's
write lock (a no-op UPDATE: SQLite's write lock, PostgreSQL's row lock), so a second
run waits until the first has committed and then finds nothing left. What is due is
always a condition on the rows that still hold the data (an address that is not yet
a placeholder, a key that is not yet random), never a record of what an earlier run
did, so a second run counts 0. Settings and runs are audited with dates and counts
only, never the data deleted.

Only what the database holds can be deleted. The salt file that keyed the platform
pseudonyms and the raw platform exports are on the researcher's disk (the run says
so), and a transcript's text never changes after import (codings point into it): a
transcript imported without pseudonymisation still names its speakers in its text
after their names left the turns (the run counts those transcripts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from sqlalchemy import update
from sqlalchemy.orm import Session

from study.admin.accounts import acting, current_actor
from study.admin.audit import record_event
from study.admin.permissions import Actor, require
from study.admin.records import PlainRecord
from study.admin.retention_data import (
    REKEYED,
    RUNS,
    Day,
    day_for,
    is_role_speaker,
    retention_notes,
)
from study.admin.studies import current_study, ensure_study
from study.db.models import (
    StudyRow,
)
from study.errors import InvalidInput

__all__ = [
    "CATEGORIES",
    "CATEGORY_KEYS",
    "REKEYED",
    "RetentionCategory",
    "RetentionPlan",
    "RetentionReport",
    "RetentionSettings",
    "is_role_speaker",
    "retention_due",
    "retention_settings",
    "run_retention",
    "set_retention",
]


@dataclass(frozen=True)
class RetentionCategory(PlainRecord):
    """A kind of raw personal data deleted at retention: its key, its name, what goes."""

    key: str
    label: str
    what: str


#: What a retention run deletes, in the order it runs; the CLI's help, the record of
#: processing and the Overview page all say it in these words.
CATEGORIES: tuple[RetentionCategory, ...] = (
    RetentionCategory(
        "invitation_emails",
        "Invitation e-mail addresses",
        "The e-mail addresses of closed campaigns' recipients (mail_recipient) become a "
        "placeholder no mail can reach; whether each opted out stays, so the campaign's "
        "counts stay true. Campaigns still open keep theirs for reminders until they close.",
    ),
    RetentionCategory(
        "mail_log",
        "Mail log",
        "What was sent to each recipient of a closed campaign, and on which day (mail_sent), "
        "is deleted.",
    ),
    RetentionCategory(
        "speaker_names",
        "Transcripts' speaker names",
        "A transcript turn's speaker (turn) that is a name rather than a role becomes "
        '"Speaker 1", "Speaker 2", ... within its transcript, so speakers stay distinct; '
        "role labels (Interviewer, Coordinator, Member 1a2b3c) stay.",
    ),
    RetentionCategory(
        "platform_keys",
        "Platform pseudonym keys",
        "The keyed pseudonyms of platform members and conversations (platform_person, "
        "platform_channel, and the members in messages' reactions and mentions) become "
        "random ones and each import's salt check (platform_import) is cleared, so the "
        "salt file no longer links the data to anyone; the activity measures stay the same.",
    ),
    RetentionCategory(
        "resume_codes",
        "Resume codes and invitation links",
        "The codes that resume or withdraw a response (response) and the personal "
        "invitations' links to responses (invitation) are cleared for complete responses and "
        "for every response of a closed campaign; nobody can then find a response again.",
    ),
)
CATEGORY_KEYS: tuple[str, ...] = tuple(category.key for category in CATEGORIES)
_LABELS = {category.key: category.label for category in CATEGORIES}


@dataclass(frozen=True)
class RetentionSettings(PlainRecord):
    """The study's retention date, analysis freeze date and categories to delete (ISO dates)."""

    retention_on: str | None
    freeze_on: str | None
    categories: list[str]

    def lines(self) -> list[str]:
        """The settings as sentences for the CLI and the page."""
        return [
            f"Retention date: {self.retention_on or 'not set'}.",
            f"Analysis freeze date: {self.freeze_on or 'not set'}.",
            "Deleted on the retention date: "
            + ", ".join(_LABELS[key].lower() for key in self.categories)
            + ".",
        ]


@dataclass(frozen=True)
class RetentionPlan(PlainRecord):
    """What a retention run would delete today, per category, and whether its date has come."""

    retention_on: str | None
    freeze_on: str | None
    today: str
    categories: list[str]
    due: bool
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Records a run would change or delete, over every category."""
        return sum(self.counts.values())

    def rows(self) -> list[dict[str, object]]:
        """One row per chosen category: key, label, records due."""
        return [
            {"category": key, "label": _LABELS[key], "records": self.counts[key]}
            for key in self.categories
        ]

    def lines(self) -> list[str]:
        """The plan as sentences for the CLI and the page."""
        if self.retention_on is None:
            return [
                "No retention date is set; nothing is deleted automatically. "
                "Set one with `study retention set --study-date YYYY-MM-DD`."
            ]
        if self.due:
            head = f"The retention date {self.retention_on} has come: {_counted(self.counts)}."
        else:
            days = (
                dt.date.fromisoformat(self.retention_on) - dt.date.fromisoformat(self.today)
            ).days
            head = (
                f"The retention date is {self.retention_on}, in {days} days; nothing is "
                f"deleted before then. Held now: {_counted(self.counts)}."
            )
        return [head, *self.notes]


@dataclass(frozen=True)
class RetentionReport(RetentionPlan):
    """What a retention run did: the records it deleted per category when ``done``.

    Otherwise (a dry run, or before the date) the counts are what a run would delete.
    """

    dry_run: bool = False
    done: bool = False

    def lines(self) -> list[str]:
        """The report as sentences for the CLI and the page."""
        if self.retention_on is None:
            head = (
                "No retention date is set; nothing was deleted. "
                "Set one with `study retention set --study-date YYYY-MM-DD`."
            )
        elif not self.due:
            head = (
                f"Nothing was deleted: the retention date is {self.retention_on}. "
                f"Then: {_counted(self.counts)}."
            )
        elif self.dry_run:
            head = f"Dry run, nothing was deleted. A run now would delete {_counted(self.counts)}."
        elif self.total:
            head = f"Deleted (retention date {self.retention_on}): {_counted(self.counts)}."
        else:
            head = f"Nothing was left to delete (retention date {self.retention_on})."
        return [head, *self.notes]


def _counted(counts: dict[str, int]) -> str:
    return "; ".join(f"{_LABELS[key].lower()} {n:,}" for key, n in counts.items()) or "nothing"


def _settings(study: StudyRow | None) -> RetentionSettings:
    if study is None:
        return RetentionSettings(None, None, list(CATEGORY_KEYS))
    chosen = [key for key in CATEGORY_KEYS if key in (study.retention_delete or [])]
    return RetentionSettings(
        study.retention_on.isoformat() if study.retention_on else None,
        study.freeze_on.isoformat() if study.freeze_on else None,
        chosen or list(CATEGORY_KEYS),
    )


def _categories(delete: Sequence[str]) -> list[str]:
    """The stored form of ``delete``: known keys in :data:`CATEGORIES` order; "all" is []."""
    if isinstance(delete, str):
        delete = [delete]
    unknown = [key for key in delete if key not in CATEGORY_KEYS and key != "all"]
    if unknown:
        raise InvalidInput(
            f"There is no retention category {unknown[0]!r}; the categories are "
            f"{', '.join(CATEGORY_KEYS)} (or all)."
        )
    if "all" in delete:
        return []
    return [key for key in CATEGORY_KEYS if key in delete]


def retention_settings(session: Session, *, viewer: Actor) -> RetentionSettings:
    """The study's retention date, freeze date and the categories deleted then."""
    require(current_actor(session, viewer), "manage_participant_data")
    return _settings(current_study(session))


def set_retention(
    session: Session,
    *,
    retention_on: dt.date | None,
    delete: Sequence[str] | None = None,
    freeze_on: dt.date | None = None,
    actor: Actor | int,
) -> RetentionSettings:
    """Set the retention date (None: none), and the categories and freeze date when given.

    Parameters
    ----------
    retention_on : datetime.date or None
        From this day on, :func:`run_retention` deletes the categories.
    delete : sequence of str, optional
        Keys of :data:`CATEGORIES` (or "all", or empty: all of them); None keeps the
        categories set before.
    freeze_on : datetime.date, optional
        The analysis freeze date (withdrawals are refused after it); None keeps it.

    Raises
    ------
    InvalidInput
        An unknown category, or a retention date before the freeze date (respondents
        withdraw with the codes retention deletes until the freeze).
    """
    actor_id = acting(session, actor, "manage_participant_data")
    for name, value in (("retention", retention_on), ("freeze", freeze_on)):
        if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
            raise InvalidInput(f"The {name} date must be a date (YYYY-MM-DD).")
    study = ensure_study(session, actor_id=actor_id)
    before = _settings(study)
    freeze = freeze_on if freeze_on is not None else study.freeze_on
    if retention_on is not None and freeze is not None and retention_on < freeze:
        raise InvalidInput(
            f"The retention date {retention_on} comes before the analysis freeze date "
            f"{freeze}: respondents may withdraw until the freeze, with the codes "
            "retention deletes."
        )
    study.retention_on = retention_on
    if delete is not None:
        study.retention_delete = _categories(delete)
    if freeze_on is not None:
        study.freeze_on = freeze_on
    after = _settings(study)
    record_event(
        session,
        "retention.set",
        actor_id=actor_id,
        target=study,
        details={"before": before.as_dict(), "after": after.as_dict()},
    )
    return after


def _plan(session: Session, study: StudyRow | None, day: Day) -> RetentionPlan:
    settings = _settings(study)
    due = settings.retention_on is not None and day.today >= study.retention_on
    return RetentionPlan(
        settings.retention_on,
        settings.freeze_on,
        day.today.isoformat(),
        settings.categories,
        due,
        {key: RUNS[key](session, day, False) for key in settings.categories},
        retention_notes(session, day, settings.categories),
    )


def retention_due(
    session: Session, *, viewer: Actor, today: dt.date | None = None
) -> RetentionPlan:
    """What a retention run would delete on ``today`` (default: today, UTC), per category."""
    require(current_actor(session, viewer), "manage_participant_data")
    return _plan(session, current_study(session), day_for(today))


def run_retention(
    session: Session, *, actor: Actor | int, dry_run: bool = False, today: dt.date | None = None
) -> RetentionReport:
    """Delete the raw personal data due on ``today``: nothing before the retention date.

    Safe to run again (what was deleted is not due any more) and concurrently (the
    study row's lock makes a second run wait, then find nothing left). ``dry_run``
    counts what a run would delete and changes nothing. A run that deletes something
    writes a ``retention.run`` event with the counts.
    """
    actor_id = acting(session, actor, "manage_participant_data")
    day = day_for(today)
    study = current_study(session)
    if study is not None and not dry_run:
        # One run at a time: a second one waits here until this one commits (a no-op
        # write takes the study row's lock on both backends), then reads what is left.
        session.execute(
            update(StudyRow)
            .where(StudyRow.id == study.id)
            .values(name=StudyRow.name)
            .execution_options(synchronize_session=False)
        )
        session.refresh(study)
    plan = _plan(session, study, day)
    planned = {f.name: getattr(plan, f.name) for f in fields(plan)}
    if dry_run or not plan.due:
        return RetentionReport(**planned, dry_run=dry_run)
    counts = {key: RUNS[key](session, day, True) for key in plan.categories}
    if any(counts.values()):
        record_event(
            session,
            "retention.run",
            actor_id=actor_id,
            target=study,
            details={"retention_on": plan.retention_on, "today": plan.today, "counts": counts},
        )
    session.expire_all()  # rows loaded before were changed underneath the ORM
    return RetentionReport(**{**planned, "counts": counts}, done=True)
