"""Generate a fictional Slack workspace export, deterministically: for the demo and benchmarks.

Nobody in it exists: users are "Person 0001" with made-up addresses. A profile
sets what differs between organisations (how many never post, how often posts
get replies, how much leaders answer, how much happens inside working hours),
so the demo's platform numbers can echo what its survey and interviews say.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from dataclasses import dataclass

import numpy as np

__all__ = ["ExportProfile", "write_slack_export"]

DEPARTMENTS = (
    "Sales",
    "Customer service",
    "IT",
    "Finance",
    "HR",
    "Operations",
    "Marketing",
    "Logistics",
    "Legal",
    "Communication",
    "Production",
    "Research",
)
TITLES = {
    "executive": ("Chief Executive Officer", "Director", "Administrerende direktør"),
    "manager": ("Manager", "Head of Unit", "Teamleder", "Afdelingsleder"),
    "staff": ("Consultant", "Specialist", "Medarbejder", "Analyst", "Coordinator"),
}


@dataclass(frozen=True)
class ExportProfile:
    """What a generated organisation's platform looks like."""

    people: int = 200
    messages: int = 5_000
    days: int = 182
    start: dt.date = dt.date(2024, 1, 1)
    lurkers: float = 0.4  # share who never post
    reply_rate: float = 0.45  # share of messages that are replies
    leader_weight: float = 1.0  # how much leaders write, relative to others
    working_hours: float = 0.8  # share of messages inside 8-17 on weekdays
    reactions: float = 0.6  # mean reactions per message
    departments: int = 8
    seed: int = 1


def write_slack_export(
    path: str | os.PathLike[str], profile: ExportProfile = ExportProfile()
) -> None:
    """Write a Slack export ZIP: users.json, channels.json, a folder per channel, a file a day."""
    rng = np.random.default_rng(profile.seed)
    n, total = profile.people, profile.messages
    level = rng.choice(["executive", "manager", "staff"], n, p=[0.02, 0.08, 0.90])
    department = rng.integers(0, min(profile.departments, len(DEPARTMENTS)), n)
    users = [
        {
            "id": f"U{i:08d}",
            "name": f"person.{i:04d}",
            "real_name": f"Person {i:04d}",
            "is_bot": False,
            "deleted": False,
            "profile": {
                "real_name": f"Person {i:04d}",
                "display_name": f"Person {i:04d}",
                "email": f"person.{i:04d}@example.org",
                "title": TITLES[level[i]][i % len(TITLES[level[i]])],
                "department": DEPARTMENTS[department[i]],
            },
        }
        for i in range(n)
    ]
    weight = rng.pareto(1.2, n) + 0.05
    weight[rng.random(n) < profile.lurkers] = 0.0
    leaders = level != "staff"
    weight[leaders] *= profile.leader_weight
    if weight.sum() == 0:
        weight[0] = 1.0
    author = rng.choice(n, total, p=weight / weight.sum())
    n_channels = max(3, min(100, n // 25))  # a day file per channel and day: stay under
    # the 50,000 members study.zipguard allows in one archive
    names = [f"channel-{c:03d}" for c in range(n_channels)]
    names[:3] = ["general", "random", "announcements"][: min(3, n_channels)]
    channel = rng.choice(n_channels, total, p=_channel_weights(rng, n_channels))
    weekdays = np.array(
        [(profile.start + dt.timedelta(days=d)).weekday() < 5 for d in range(profile.days)]
    )
    day_weight = np.where(weekdays, 1.0, 0.15)
    day = rng.choice(profile.days, total, p=day_weight / day_weight.sum())
    inside = rng.random(total) < profile.working_hours
    # Copenhagen is UTC+1 in winter, UTC+2 in summer: 8-17 local is about 6-15 UTC
    second = np.where(
        inside,
        rng.integers(7 * 3600, 15 * 3600, total),
        rng.integers(16 * 3600, 16 * 3600 + 12 * 3600, total) % 86400,
    )
    epoch = int(dt.datetime.combine(profile.start, dt.time(), dt.UTC).timestamp())
    seconds = epoch + day * 86400 + second
    micro = rng.integers(0, 1_000_000, total)
    order = np.lexsort((micro, seconds, channel))
    author, channel, seconds, micro, day = (
        a[order] for a in (author, channel, seconds, micro, day)
    )
    is_reply = rng.random(total) < profile.reply_rate
    pick = rng.random(total)
    reactions = rng.poisson(profile.reactions, total)
    reactor_ids = [f"U{r:08d}" for r in rng.integers(0, n, int(reactions.sum()))]
    user_ids = [f"U{i:08d}" for i in range(n)]
    stamps = [f"{s}.{m:06d}" for s, m in zip(seconds.tolist(), micro.tolist())]
    authors, replies, picks, counts = (
        author.tolist(),
        is_reply.tolist(),
        pick.tolist(),
        reactions.tolist(),
    )
    used = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(_member("users.json"), json.dumps(users))
        archive.writestr(
            _member("channels.json"),
            json.dumps(
                [
                    {"id": f"C{c:08d}", "name": names[c], "created": epoch, "creator": "U00000000"}
                    for c in range(n_channels)
                ]
            ),
        )
        boundaries = np.flatnonzero(np.diff(channel * 100_000 + day)) + 1
        starts = [0, *boundaries.tolist()]
        ends = [*boundaries.tolist(), total]
        for first, last in zip(starts, ends):
            entries = []
            posts: list[tuple[str, str]] = []
            for i in range(first, last):
                ts, user = stamps[i], user_ids[authors[i]]
                entry = {"type": "message", "user": user, "text": "...", "ts": ts}
                if replies[i] and posts:
                    parent_ts, parent_user = posts[int(picks[i] * len(posts))]
                    entry["thread_ts"] = parent_ts
                    entry["parent_user_id"] = parent_user
                else:
                    posts.append((ts, user))
                if counts[i]:
                    entry["reactions"] = [
                        {
                            "name": "+1",
                            "count": counts[i],
                            "users": reactor_ids[used : used + counts[i]],
                        }
                    ]
                    used += counts[i]
                entries.append(entry)
            when = profile.start + dt.timedelta(days=int(day[first]))
            archive.writestr(
                _member(f"{names[channel[first]]}/{when.isoformat()}.json"), json.dumps(entries)
            )


def _member(name: str) -> zipfile.ZipInfo:
    """A member with a fixed date, so the same profile always gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _channel_weights(rng: np.random.Generator, count: int) -> np.ndarray:
    weights = rng.pareto(1.0, count) + 0.2
    weights[0] = weights.max() * 2  # #general is the busiest
    return weights / weights.sum()
