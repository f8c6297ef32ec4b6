"""Platform activity measures per organisation and department: vectorised pandas, no database.

Each measure answers a question Madsen's (2017) coordinators raised, with the
behaviour itself rather than someone's view of it; each has a definition and a
source in :data:`MEASURES` (shown on the Platform activity page, in the
benchmark's Method sheet and in ``study platform measures``).

Inputs are long frames, one row per message and one per person:

- ``messages``: organisation, person, channel, source_id, thread_key,
  parent_source_id (the message replied to, None for a thread's first post),
  is_reply, posted_at (UTC), reactions;
- ``people``: person, organisation, department (None if unknown), level
  (executive, manager, staff, unknown).

The period is each organisation's own: the calendar weeks (Monday to Sunday,
in the working-hours time zone) from its first to its last message.

References
----------
Freeman, L. C. (1979). Centrality in social networks: conceptual clarification.
*Social Networks*, 1(3), 215-239.
Madsen, V. T. (2017). The challenges of introducing internal social media: the
coordinators' roles and perceptions. *Journal of Communication Management*, 21(1), 2-16.
Nonnecke, B., & Preece, J. (2000). Lurker demographics: counting the silent. *CHI 2000*.
Riemer, K., Stieglitz, S., & Meske, C. (2015). From top to bottom: investigating the
changing role of hierarchy in enterprise social networks. *Business & Information
Systems Engineering*, 57(3), 197-212.
Riemer, K., et al. (2018): archetypes of enterprise social network groups by how
members post, reply and take part over time.
Wasserman, S., & Faust, K. (1994). *Social Network Analysis*. Cambridge University Press.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from study.errors import InvalidInput

__all__ = [
    "MEASURES",
    "MEASURE_COLUMNS",
    "Measure",
    "WorkingHours",
    "compute_measures",
    "degree_centralisation",
    "posting_times",
    "reply_network",
    "weekly_series",
]

LEADER_LEVELS = ("executive", "manager")
RIEMER_2015 = "Riemer, Stieglitz & Meske (2015)"
RIEMER_2018 = "Riemer et al. (2018)"


@dataclass(frozen=True)
class Measure:
    """A column of :func:`compute_measures`: what it is, how it is computed, who defined it."""

    key: str
    family: str
    label: str
    definition: str
    source: str


MEASURES: tuple[Measure, ...] = (
    Measure(
        "members",
        "participation",
        "Members",
        "People in the export's member list (and anyone seen posting), bots excluded.",
        "Nonnecke & Preece (2000)",
    ),
    Measure(
        "active_members",
        "participation",
        "Active members",
        "Members who wrote at least one post or reply in the period.",
        f"{RIEMER_2018}; Nonnecke & Preece (2000)",
    ),
    Measure(
        "posts_per_active_member_week",
        "participation",
        "Posts per active member per week",
        "Posts and replies / active members / weeks in the period.",
        RIEMER_2018,
    ),
    Measure(
        "lurker_share",
        "participation",
        "Share who never post (lurkers)",
        "1 - active members / members.",
        "Nonnecke & Preece (2000)",
    ),
    Measure(
        "replies_per_thread",
        "conversation",
        "Replies per thread",
        "Replies to threads that start in the period / those threads (a thread is a "
        "first post and its replies).",
        RIEMER_2015,
    ),
    Measure(
        "replied_thread_share",
        "conversation",
        "Threads with a reply",
        "Share of threads with at least one reply.",
        f"{RIEMER_2015}; {RIEMER_2018}",
    ),
    Measure(
        "median_minutes_to_first_reply",
        "conversation",
        "Median time to first reply (min)",
        "Median, over threads with a reply, of the minutes from the first post to the first reply.",
        RIEMER_2015,
    ),
    Measure(
        "reactions_per_post",
        "conversation",
        "Reactions per post",
        "Reactions (likes, emoji) / posts and replies.",
        RIEMER_2018,
    ),
    Measure(
        "leader_post_share",
        "leaders",
        "Leaders' share of posts",
        "Share of first posts written by people whose job title marks an executive or a "
        "manager (STUDY_LEADER_TITLES).",
        RIEMER_2015,
    ),
    Measure(
        "leader_reply_share",
        "leaders",
        "Leaders' share of replies",
        "Share of replies written by leaders: management support in action, not words "
        "(Madsen 2017, challenge 4).",
        f"{RIEMER_2015}; Madsen (2017)",
    ),
    Measure(
        "leader_answer_share",
        "leaders",
        "Employees' threads a leader answered",
        "Share of threads started by non-leaders with at least one reply by a leader.",
        f"{RIEMER_2015}; Madsen (2017)",
    ),
    Measure(
        "working_hours_share",
        "routine",
        "Share inside working hours",
        "Share of posts and replies written Monday to Friday inside the working hours of "
        "STUDY_WORKING_HOURS: ISM as part of the working day (Madsen 2017, challenges 1 "
        "and 3).",
        "Madsen (2017)",
    ),
    Measure(
        "weekly_regularity",
        "routine",
        "Weekly regularity",
        "Mean, over active members, of the share of the period's weeks in which they "
        "posted: a daily routine rather than an occasional visit.",
        f"{RIEMER_2018}; Madsen (2017)",
    ),
    Measure(
        "cross_department_reply_share",
        "reach",
        "Replies across departments",
        "Share of replies to someone else whose department differs from the replier's "
        "(both known): ISM as horizontal communication.",
        RIEMER_2015,
    ),
    Measure(
        "reciprocity",
        "reach",
        "Reciprocity of the reply network",
        "Share of directed reply ties (A replied to B) that are returned (B replied to "
        "A); organisation level only.",
        "Wasserman & Faust (1994)",
    ),
    Measure(
        "degree_centralisation",
        "reach",
        "Degree centralisation of the reply network",
        "Freeman's degree centralisation of the undirected reply network: 1 for a star "
        "around one person, 0 when everyone has as many partners; organisation level "
        "only.",
        f"Freeman (1979); {RIEMER_2015}",
    ),
)
MEASURE_KEYS = [m.key for m in MEASURES]
#: Columns of :func:`compute_measures`.
MEASURE_COLUMNS = [
    "organisation",
    "department",
    "leaders",
    "weeks",
    "messages",
    "posts",
    "replies",
    "threads",
    *MEASURE_KEYS,
    "network_people",
    "network_ties",
]
_MESSAGE_COLUMNS = (
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
_PEOPLE_COLUMNS = ("person", "organisation", "department", "level")


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


def _check(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(f"The {name} frame is missing {', '.join(missing)}.")


def _posted_us(posted_at: pd.Series) -> np.ndarray:
    """Posting times as integer microseconds since 1970 (UTC)."""
    return (
        pd.to_datetime(posted_at, utc=True)
        .dt.tz_localize(None)
        .to_numpy()
        .astype("datetime64[us]")
        .astype(np.int64)
    )


def _id_codes(messages: pd.DataFrame) -> np.ndarray:
    """Source ids, then thread keys, then parent ids, as one integer code per id (-1: none)."""
    codes, _ = pd.factorize(
        pd.concat(
            [messages["source_id"], messages["thread_key"], messages["parent_source_id"]],
            ignore_index=True,
        ),
        use_na_sentinel=True,
    )
    return codes


def _prepared(
    messages: pd.DataFrame, people: pd.DataFrame, hours: WorkingHours
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Messages with the author's department and leader flag, local week, hour, and parent."""
    _check(messages, _MESSAGE_COLUMNS, "messages")
    _check(people, _PEOPLE_COLUMNS, "people")
    people = people.assign(leader=people["level"].isin(LEADER_LEVELS))
    m = messages.loc[:, list(_MESSAGE_COLUMNS)].merge(
        people[["person", "department", "leader"]], on="person", how="left", validate="m:1"
    )
    m["leader"] = m["leader"].fillna(False).astype(bool)
    local = pd.to_datetime(m["posted_at"], utc=True).dt.tz_convert(hours.timezone)
    days = local.dt.tz_localize(None).to_numpy().astype("datetime64[D]").astype(np.int64)
    m["week"] = (days + 3) // 7  # 1970-01-01 was a Thursday: weeks start on Monday
    m["hour"] = local.dt.hour.to_numpy()
    m["weekday"] = local.dt.day_of_week.to_numpy()
    m["work"] = (m["weekday"] < 5) & (m["hour"] >= hours.start) & (m["hour"] < hours.end)
    m["us"] = _posted_us(m["posted_at"])
    # Message ids as integers: merging and grouping on them is several times faster.
    codes = _id_codes(m)
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


def compute_measures(
    messages: pd.DataFrame,
    people: pd.DataFrame,
    *,
    hours: WorkingHours = WorkingHours(),
    min_group: int = 5,
    departments: bool = True,
) -> pd.DataFrame:
    """The measures of :data:`MEASURES` per organisation, and per department if large enough.

    Parameters
    ----------
    messages, people : DataFrame
        See the module docstring.
    hours : WorkingHours
        Time zone and working hours (weeks and hours are local).
    min_group : int
        A department gets its own row only with at least this many members.
    departments : bool
        Add department rows.

    Returns
    -------
    DataFrame
        :data:`MEASURE_COLUMNS`; organisation rows have ``department`` None and
        come first; NaN where a measure has no denominator (no threads, no
        leaders, fewer than three people in the reply network).
    """
    if min_group < 1:
        raise InvalidInput("min_group must be at least 1.")
    _check(messages, _MESSAGE_COLUMNS, "messages")
    _check(people, _PEOPLE_COLUMNS, "people")
    # Everything below runs on integer codes and numpy arrays: grouping and merging on
    # strings cost far more than the arithmetic (bench/bench_platform.py).
    organisations = sorted(
        pd.unique(pd.concat([people["organisation"], messages["organisation"]]).astype(str))
    )
    named = sorted(pd.unique(people["department"].dropna().astype(str)))
    a = _arrays(messages, people, hours, organisations, named)
    n_orgs, n_depts = len(organisations), max(len(named), 1)
    frames = [_group_arrays(a, a["org"], a["p_org"], n_orgs)]
    frames[0]["organisation"], frames[0]["department"] = organisations, None
    if departments:
        dept_group = np.where(a["dept"] >= 0, a["org"] * n_depts + a["dept"], -1)
        people_group = np.where(a["p_dept"] >= 0, a["p_org"] * n_depts + a["p_dept"], -1)
        part = _group_arrays(a, dept_group, people_group, n_orgs * n_depts)
        codes = np.arange(n_orgs * n_depts)
        part["organisation"] = [organisations[c // n_depts] for c in codes]
        part["department"] = [named[c % n_depts] if named else None for c in codes]
        frames.append(part[part["members"] >= min_group])
    out = pd.concat(frames, ignore_index=True)
    network = _network_arrays(a, n_orgs)
    network["organisation"] = organisations
    out = out.merge(network, on="organisation", how="left")
    department_rows = out["department"].notna()
    out.loc[
        department_rows, ["reciprocity", "degree_centralisation", "network_people", "network_ties"]
    ] = np.nan
    out["_order"] = department_rows.astype(int)
    out = (
        out.sort_values(["organisation", "_order", "department"], na_position="first")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return out[MEASURE_COLUMNS]


def _arrays(
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
    us = _posted_us(messages["posted_at"])
    codes = _id_codes(messages)
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


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _group_arrays(
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
    out["posts_per_active_member_week"] = _ratio(messages, active * weeks)
    out["lurker_share"] = 1 - _ratio(active, members)
    out["replies_per_thread"] = _ratio(count(post, n_replies.astype(float)), count(post))
    out["replied_thread_share"] = _ratio(count(replied), count(post))
    out["median_minutes_to_first_reply"] = median
    out["reactions_per_post"] = _ratio(count(None, a["reactions"].astype(float)), messages)
    out["leader_post_share"] = _ratio(count(post & leader), count(post))
    out["leader_reply_share"] = _ratio(count(reply & leader), count(reply))
    out["leader_answer_share"] = _ratio(count(employee & leader_replied), count(employee))
    out["working_hours_share"] = _ratio(count(a["work"]), messages)
    out["weekly_regularity"] = _ratio(person_weeks, active * weeks)
    out["cross_department_reply_share"] = _ratio(
        count(to_known & (a["dept"] != parent_dept)), count(to_known)
    )
    return out.drop(columns="_org")


def _network_arrays(a: dict[str, np.ndarray], n_orgs: int) -> pd.DataFrame:
    """Per organisation: reciprocity and degree centralisation of the reply network.

    Counted on unique ties with integer arithmetic, so the result is exactly
    ``networkx.reciprocity`` and :func:`degree_centralisation` of
    :func:`reply_network`'s graph (the tests check both), at a fraction of the cost.
    """
    parent = a["parent"]
    parent_person = np.where(parent >= 0, a["person"][np.maximum(parent, 0)], -1)
    keep = a["is_reply"] & (parent_person >= 0) & (parent_person != a["person"])
    span = a["n_people"] + 1
    org, source, target = a["org"][keep], a["person"][keep], parent_person[keep]
    ties = np.unique((org * span + source) * span + target)
    org, rest = np.divmod(ties, span * span)
    source, target = np.divmod(rest, span)
    returned = np.isin(ties, (org * span + target) * span + source)
    pairs = np.unique((org * span + np.minimum(source, target)) * span + np.maximum(source, target))
    pair_org, pair_rest = np.divmod(pairs, span * span)
    low, high = np.divmod(pair_rest, span)
    nodes_org = np.concatenate([pair_org, pair_org])
    nodes = np.concatenate([low, high])
    node_key, degree = np.unique(nodes_org * span + nodes, return_counts=True)
    node_org = node_key // span
    rows = []
    for code in range(n_orgs):
        edges = int((org == code).sum())
        d = degree[node_org == code]
        size = len(d)
        rows.append(
            {
                "reciprocity": int(returned[org == code].sum()) / edges if edges else float("nan"),
                "degree_centralisation": int((d.max() - d).sum()) / ((size - 1) * (size - 2))
                if size >= 3
                else float("nan"),
                "network_people": size,
                "network_ties": edges,
            }
        )
    return pd.DataFrame(
        rows, columns=["reciprocity", "degree_centralisation", "network_people", "network_ties"]
    )


def degree_centralisation(graph: nx.Graph) -> float:
    """Freeman's (1979) degree centralisation of an undirected graph; NaN below 3 nodes.

    ``sum(max_degree - degree_i) / ((n - 1) * (n - 2))``: 1 for a star, 0 for a regular graph.
    """
    n = graph.number_of_nodes()
    if n < 3:
        return float("nan")
    degrees = [d for _, d in graph.degree()]
    top = max(degrees)
    return sum(top - d for d in degrees) / ((n - 1) * (n - 2))


def reply_network(messages: pd.DataFrame, people: pd.DataFrame, organisation: str) -> nx.DiGraph:
    """The organisation's reply network: an edge A -> B, weighted, when A replied to B.

    For network analysis beyond the two measures (e.g. ``networkx.write_graphml``);
    nodes are the stored person ids (pseudonymous).
    """
    m, _ = _prepared(messages, people, WorkingHours())
    ties = m.loc[
        (m["organisation"] == organisation)
        & m["is_reply"]
        & m["parent_person"].notna()
        & (m["parent_person"] != m["person"])
    ]
    graph = nx.DiGraph()
    for (a, b), weight in ties.groupby(["person", "parent_person"]).size().items():
        graph.add_edge(int(a), int(b), weight=int(weight))
    return graph


def weekly_series(
    messages: pd.DataFrame, people: pd.DataFrame, *, hours: WorkingHours = WorkingHours()
) -> pd.DataFrame:
    """Per organisation and week (its Monday): messages, active members, replied threads, leaders.

    Columns: organisation, week (date of the Monday), messages, posts, replies,
    active_members, replied_thread_share (of threads started that week),
    leader_reply_share, reactions_per_post.
    """
    m, _ = _prepared(messages, people, hours)
    if m.empty:
        return pd.DataFrame(
            columns=[
                "organisation",
                "week",
                "messages",
                "posts",
                "replies",
                "active_members",
                "replied_thread_share",
                "leader_reply_share",
                "reactions_per_post",
            ]
        )
    reply = m["is_reply"]
    m = m.assign(post=~reply, leader_reply=m["leader"] & reply)
    by = m.groupby(["organisation", "week"])
    out = pd.DataFrame(
        {
            "messages": by.size(),
            "posts": by["post"].sum(),
            "replies": by["is_reply"].sum(),
            "active_members": by["person"].nunique(),
            "leader_replies": by["leader_reply"].sum(),
            "reactions": by["reactions"].sum(),
        }
    )
    replied = set(zip(m.loc[reply, "channel"], m.loc[reply, "thread_key"]))
    starters = m.loc[~reply, ["organisation", "week", "channel", "source_id"]]
    starters = starters.assign(
        replied=[key in replied for key in zip(starters["channel"], starters["source_id"])]
    )
    out["replied_thread_share"] = starters.groupby(["organisation", "week"])["replied"].mean()
    out["leader_reply_share"] = _ratio(out["leader_replies"], out["replies"])
    out["reactions_per_post"] = _ratio(out["reactions"], out["messages"])
    out = out.reset_index()
    out["week"] = pd.to_datetime(out["week"] * 7 - 3, unit="D").dt.date
    return out.drop(columns=["leader_replies", "reactions"])


def posting_times(
    messages: pd.DataFrame, people: pd.DataFrame, *, hours: WorkingHours = WorkingHours()
) -> pd.DataFrame:
    """Posts and replies per organisation, weekday (0 = Monday) and local hour."""
    m, _ = _prepared(messages, people, hours)
    return m.groupby(["organisation", "weekday", "hour"]).size().rename("messages").reset_index()
