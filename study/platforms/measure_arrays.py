"""The vectorised arithmetic behind :func:`study.platforms.measures.compute_measures`.

:func:`message_arrays` turns the messages into integer numpy arrays (author's
organisation, department and leader flag, local week and hour, the rows of the message
replied to and of the thread's start), and :func:`group_measures` computes every count
and ratio per group (organisation, or organisation and department) from them with
bincounts and hashing: grouping and merging on strings cost far more than the
arithmetic (bench/bench_platform.py). Pure: no database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.errors import InvalidInput
from study.platforms.message_frames import (
    LEADER_LEVELS,
    WorkingHours,
    id_codes,
    posted_us,
    ratio,
)


def message_arrays(
    messages: pd.DataFrame,
    people: pd.DataFrame,
    hours: WorkingHours,
    organisations: list[str],
    departments: list[str],
) -> dict[str, np.ndarray]:
    """The messages as integer arrays: author's organisation, department, leader flag,
    local week and hour, and the rows of the message replied to and of the thread's start."""
    org_index = pd.Index(organisations)
    dept_index = pd.Index(departments)
    person_index = pd.Index(people["person"])
    p_org = org_index.get_indexer(people["organisation"].astype(str))
    p_dept = np.where(
        people["department"].isna().to_numpy(),
        -1,
        dept_index.get_indexer(people["department"].fillna("").astype(str)),
    )
    p_leader = people["level"].isin(LEADER_LEVELS).to_numpy()
    where = person_index.get_indexer(messages["person"])
    known = where >= 0
    person = np.where(known, where, len(person_index) + pd.factorize(messages["person"])[0])
    local = pd.to_datetime(messages["posted_at"], utc=True).dt.tz_convert(hours.timezone)
    naive = local.dt.tz_localize(None).to_numpy()
    days = naive.astype("datetime64[D]").astype(np.int64)
    hour = naive.astype("datetime64[h]").astype(np.int64) - days * 24
    weekday = (days + 3) % 7  # 0 = Monday
    us = posted_us(messages["posted_at"])
    codes = id_codes(messages)
    size = len(messages)
    channel = pd.factorize(messages["channel"])[0].astype(np.int64)
    width = int(codes.max()) + 2 if size else 1
    own = channel * width + codes[:size]
    index = pd.Index(own)
    if not index.is_unique:
        raise InvalidInput("A message id occurs twice in one channel.")
    parent_code = codes[2 * size :]
    parent = np.where(parent_code >= 0, index.get_indexer(channel * width + parent_code), -1)
    is_reply = messages["is_reply"].to_numpy(dtype=bool)
    start = np.where(is_reply, index.get_indexer(channel * width + codes[size : 2 * size]), -1)
    start = np.where(start >= 0, np.where(is_reply[np.maximum(start, 0)], -1, start), -1)
    org = org_index.get_indexer(messages["organisation"].astype(str))
    dept = np.where(known, p_dept[np.maximum(where, 0)], -1)
    leader = np.where(known, p_leader[np.maximum(where, 0)], False)
    return {
        "org": org,
        "person": person,
        "dept": dept,
        "leader": leader,
        "is_reply": is_reply,
        "reactions": messages["reactions"].to_numpy(dtype=np.int64),
        "us": us,
        "week": (days + 3) // 7,  # 1970-01-01 was a Thursday: weeks start on Monday
        "work": (weekday < 5) & (hour >= hours.start) & (hour < hours.end),
        "parent": parent,
        "start": start,
        "p_org": p_org,
        "p_dept": p_dept,
        "p_leader": p_leader,
        "n_people": len(person_index) + int((~known).sum()),
    }


def group_measures(
    a: dict[str, np.ndarray], group: np.ndarray, people_group: np.ndarray, n: int
) -> pd.DataFrame:
    """Every count and ratio per group (``group`` per message, -1 for none)."""

    def count(mask: np.ndarray | None = None, weights: np.ndarray | None = None) -> np.ndarray:
        keep = group >= 0 if mask is None else (group >= 0) & mask
        return np.bincount(
            group[keep], weights=None if weights is None else weights[keep], minlength=n
        )[:n]

    def unique_count(key: np.ndarray) -> np.ndarray:
        keep = group >= 0
        width = int(key.max()) + 1 if len(key) else 1
        pairs = pd.unique(group[keep].astype(np.int64) * width + key[keep])  # hashing
        return np.bincount(pairs // width, minlength=n)[:n]

    reply, leader = a["is_reply"], a["leader"]
    post = ~reply
    has_people = people_group >= 0
    members = np.bincount(people_group[has_people], minlength=n)[:n]
    leaders = np.bincount(people_group[has_people], weights=a["p_leader"][has_people], minlength=n)[
        :n
    ]
    org_weeks = np.zeros(int(a["org"].max()) + 1 if len(a["org"]) else 1, dtype=np.int64)
    if len(a["org"]):
        low = np.full(len(org_weeks), np.iinfo(np.int64).max)
        high = np.full(len(org_weeks), np.iinfo(np.int64).min)
        np.minimum.at(low, a["org"], a["week"])
        np.maximum.at(high, a["org"], a["week"])
        org_weeks = np.where(high >= low, high - low + 1, 0)
    # replies per thread start: how many, the first one's time, any by a leader
    size = len(reply)
    starts = a["start"]
    valid = starts >= 0
    n_replies = np.bincount(starts[valid], minlength=size)
    first = np.full(size, np.iinfo(np.int64).max)
    np.minimum.at(first, starts[valid], a["us"][valid])
    leader_replied = np.bincount(starts[valid], weights=leader[valid], minlength=size) > 0
    replied = post & (n_replies > 0)
    employee = post & ~leader
    parent = a["parent"]
    parent_person = np.where(parent >= 0, a["person"][np.maximum(parent, 0)], -1)
    parent_dept = np.where(parent >= 0, a["dept"][np.maximum(parent, 0)], -1)
    to_known = (
        reply
        & (parent_person >= 0)
        & (parent_person != a["person"])
        & (a["dept"] >= 0)
        & (parent_dept >= 0)
    )
    out = pd.DataFrame(
        {
            "members": members,
            "leaders": leaders.astype(int),
            "active_members": unique_count(a["person"]),
            "messages": count(),
            "posts": count(post),
            "replies": count(reply),
            "threads": count(post),
        }
    )
    out["_org"] = -1
    messages = out["messages"].to_numpy()
    active = out["active_members"].to_numpy()
    group_org = np.full(n, -1)
    keep = group >= 0
    group_org[group[keep]] = a["org"][keep]
    weeks = np.where(group_org >= 0, org_weeks[np.maximum(group_org, 0)], 0)
    out["weeks"] = weeks
    person_weeks = unique_count(a["person"] * (int(a["week"].max()) + 1 if size else 1) + a["week"])
    minutes = (first - a["us"]) / 60_000_000
    median = (
        pd.Series(minutes[replied & (group >= 0)])
        .groupby(group[replied & (group >= 0)])
        .median()
        .reindex(range(n))
        .to_numpy()
    )
    out["posts_per_active_member_week"] = ratio(messages, active * weeks)
    out["lurker_share"] = 1 - ratio(active, members)
    out["replies_per_thread"] = ratio(count(post, n_replies.astype(float)), count(post))
    out["replied_thread_share"] = ratio(count(replied), count(post))
    out["median_minutes_to_first_reply"] = median
    out["reactions_per_post"] = ratio(count(None, a["reactions"].astype(float)), messages)
    out["leader_post_share"] = ratio(count(post & leader), count(post))
    out["leader_reply_share"] = ratio(count(reply & leader), count(reply))
    out["leader_answer_share"] = ratio(count(employee & leader_replied), count(employee))
    out["working_hours_share"] = ratio(count(a["work"]), messages)
    out["weekly_regularity"] = ratio(person_weeks, active * weeks)
    out["cross_department_reply_share"] = ratio(
        count(to_known & (a["dept"] != parent_dept)), count(to_known)
    )
    return out.drop(columns="_org")
