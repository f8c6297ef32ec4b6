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

This module holds what the measures are and :func:`compute_measures`; the frames'
columns and :class:`~study.platforms.message_frames.WorkingHours` are in
:mod:`study.platforms.message_frames`, the arithmetic on integer arrays in
:mod:`study.platforms.measure_arrays`, the reply network in
:mod:`study.platforms.reply_network` and activity week by week in
:mod:`study.platforms.weekly_activity`.

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

import numpy as np
import pandas as pd

from study.errors import InvalidInput
from study.platforms.measure_arrays import group_measures, message_arrays
from study.platforms.message_frames import (
    MESSAGE_COLUMNS,
    PEOPLE_COLUMNS,
    WorkingHours,
    check_columns,
)
from study.platforms.reply_network import network_measures

__all__ = [
    "MEASURES",
    "MEASURE_COLUMNS",
    "Measure",
    "compute_measures",
]

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
    check_columns(messages, MESSAGE_COLUMNS, "messages")
    check_columns(people, PEOPLE_COLUMNS, "people")
    # Everything below runs on integer codes and numpy arrays: grouping and merging on
    # strings cost far more than the arithmetic (bench/bench_platform.py).
    organisations = sorted(
        pd.unique(pd.concat([people["organisation"], messages["organisation"]]).astype(str))
    )
    named = sorted(pd.unique(people["department"].dropna().astype(str)))
    a = message_arrays(messages, people, hours, organisations, named)
    n_orgs, n_depts = len(organisations), max(len(named), 1)
    frames = [group_measures(a, a["org"], a["p_org"], n_orgs)]
    frames[0]["organisation"], frames[0]["department"] = organisations, None
    if departments:
        dept_group = np.where(a["dept"] >= 0, a["org"] * n_depts + a["dept"], -1)
        people_group = np.where(a["p_dept"] >= 0, a["p_org"] * n_depts + a["p_dept"], -1)
        part = group_measures(a, dept_group, people_group, n_orgs * n_depts)
        codes = np.arange(n_orgs * n_depts)
        part["organisation"] = [organisations[c // n_depts] for c in codes]
        part["department"] = [named[c % n_depts] if named else None for c in codes]
        frames.append(part[part["members"] >= min_group])
    out = pd.concat(frames, ignore_index=True)
    network = network_measures(a, n_orgs)
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
