"""The input frames of the platform measures, and what every computation on them shares.

``messages`` (one row per message) and ``people`` (one row per person) are described
in :mod:`study.platforms.measures`; here are their columns and the checks of them,
:class:`WorkingHours` (weeks and hours are local), posting times as integers, message
ids as integer codes, the messages prepared with their author's department and
leader flag and the message replied to, and the ratio every measure divides with.
Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from study.errors import InvalidInput

LEADER_LEVELS = ("executive", "manager")
MESSAGE_COLUMNS = (
    "organisation",
    "person",
    "channel",
    "source_id",
    "thread_key",
    "parent_source_id",
    "is_reply",
    "posted_at",
    "reactions",
)
PEOPLE_COLUMNS = ("person", "organisation", "department", "level")


@dataclass(frozen=True)
class WorkingHours:
    """Working hours, Monday to Friday, from ``start`` to ``end`` o'clock in ``timezone``."""

    timezone: str = "Europe/Copenhagen"
    start: int = 8
    end: int = 17

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """From ``"Europe/Copenhagen 08-17"`` (STUDY_WORKING_HOURS)."""
        try:
            zone, hours = text.split()
            start, end = (int(h) for h in hours.split("-"))
            pd.Timestamp("2024-01-01", tz=zone)
        except Exception:
            raise InvalidInput(
                f"STUDY_WORKING_HOURS must look like 'Europe/Copenhagen 08-17', not {text!r}."
            ) from None
        if not 0 <= start < end <= 24:
            raise InvalidInput("Working hours must run from an earlier to a later hour (0-24).")
        return cls(zone, start, end)


def check_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(f"The {name} frame is missing {', '.join(missing)}.")


def posted_us(posted_at: pd.Series) -> np.ndarray:
    """Posting times as integer microseconds since 1970 (UTC)."""
    return (
        pd.to_datetime(posted_at, utc=True)
        .dt.tz_localize(None)
        .to_numpy()
        .astype("datetime64[us]")
        .astype(np.int64)
    )


def id_codes(messages: pd.DataFrame) -> np.ndarray:
    """Source ids, then thread keys, then parent ids, as one integer code per id (-1: none)."""
    codes, _ = pd.factorize(
        pd.concat(
            [messages["source_id"], messages["thread_key"], messages["parent_source_id"]],
            ignore_index=True,
        ),
        use_na_sentinel=True,
    )
    return codes


def prepared_messages(
    messages: pd.DataFrame, people: pd.DataFrame, hours: WorkingHours
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Messages with the author's department and leader flag, local week, hour, and parent."""
    check_columns(messages, MESSAGE_COLUMNS, "messages")
    check_columns(people, PEOPLE_COLUMNS, "people")
    people = people.assign(leader=people["level"].isin(LEADER_LEVELS))
    m = messages.loc[:, list(MESSAGE_COLUMNS)].merge(
        people[["person", "department", "leader"]], on="person", how="left", validate="m:1"
    )
    m["leader"] = m["leader"].fillna(False).astype(bool)
    local = pd.to_datetime(m["posted_at"], utc=True).dt.tz_convert(hours.timezone)
    days = local.dt.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)
    m["week"] = (days + 3) // 7  # 1970-01-01 was a Thursday: weeks start on Monday
    m["hour"] = local.dt.hour.to_numpy()
    m["weekday"] = local.dt.day_of_week.to_numpy()
    m["work"] = (m["weekday"] < 5) & (m["hour"] >= hours.start) & (m["hour"] < hours.end)
    m["us"] = posted_us(m["posted_at"])
    # Message ids as integers: merging and grouping on them is several times faster.
    codes = id_codes(m)
    size = len(m)
    m["source_id"], m["thread_key"] = codes[:size], codes[size : 2 * size]
    m["parent_source_id"] = codes[2 * size :]
    parents = m[["channel", "source_id", "person", "department"]].rename(
        columns={
            "source_id": "parent_source_id",
            "person": "parent_person",
            "department": "parent_department",
        }
    )
    m = m.merge(parents, on=["channel", "parent_source_id"], how="left")
    return m, people


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
