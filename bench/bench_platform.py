"""Import and measure a generated Slack export: 1,000,000 messages, 5,000 people, a year.

Steps: generate the export ZIP (study.platforms.synthetic, seeded; outside the
timing); import it into a fresh SQLite database with ``import_platform_export``,
sampling the resident memory at every tenth of the way (it should stay flat:
the import streams day files and writes in batches) and reporting the peak
(VmHWM, reset before the import); load the stored messages; then compute every
measure of ``study.platforms.measures`` twice: ours (vectorised pandas,
``compute_measures``) and a straightforward per-message Python loop over the
same rows, and check the two give identical results. The last line is
``speedup=<loop/ours>``; the target is >= 10.

Run:  .venv/bin/python bench/bench_platform.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zoneinfo
from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db import Database
from study.db.migrate import migrate
from study.platforms.activity import activity_frames
from study.platforms.measures import MEASURE_COLUMNS, compute_measures
from study.platforms.message_frames import LEADER_LEVELS, WorkingHours
from study.platforms.reply_network import degree_centralisation
from study.platforms.store import import_platform_export
from study.platforms.synthetic import ExportProfile, write_slack_export

HOURS = WorkingHours("Europe/Copenhagen", 8, 17)
MIN_GROUP = 5


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def loop_measures(messages: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The same measures, one message at a time, in plain Python."""
    zone = zoneinfo.ZoneInfo(HOURS.timezone)
    info = {}
    members = defaultdict(int)
    leaders = defaultdict(int)
    for person, organisation, department, level in people[
        ["person", "organisation", "department", "level"]
    ].itertuples(index=False):
        leader = level in LEADER_LEVELS
        info[person] = (organisation, department, leader)
        keys = [(organisation, None)] + ([(organisation, department)] if department else [])
        for key in keys:
            members[key] += 1
            leaders[key] += leader
    by_id = {}
    rows = []
    weeks_of = {}
    columns = ["organisation", "person", "channel", "source_id", "thread_key"]
    columns += ["parent_source_id", "is_reply", "posted_at", "reactions"]
    for message in messages[columns].itertuples(index=False):
        local = message.posted_at.to_pydatetime().astimezone(zone)
        day = (local.date() - local.date().fromordinal(719163)).days  # days since 1970-01-01
        week = (day + 3) // 7
        low, high = weeks_of.get(message.organisation, (week, week))
        weeks_of[message.organisation] = (min(low, week), max(high, week))
        by_id[(message.channel, message.source_id)] = message.person
        us = message.posted_at.value // 1000
        rows.append((message, us, week, local.weekday(), local.hour))
    stats = defaultdict(lambda: defaultdict(float))
    active = defaultdict(set)
    person_weeks = defaultdict(set)
    threads = {}
    per_thread = {}
    ties = defaultdict(set)
    for message, us, week, weekday, hour in rows:
        organisation, person, channel, source_id, thread_key, parent, is_reply, _, reactions = (
            message
        )
        _, department, leader = info[person]
        keys = [(organisation, None)] + ([(organisation, department)] if department else [])
        work = weekday < 5 and HOURS.start <= hour < HOURS.end
        parent_person = by_id.get((channel, parent)) if parent is not None else None
        for key in keys:
            s = stats[key]
            active[key].add(person)
            person_weeks[key].add((person, week))
            s["messages"] += 1
            s["reactions"] += reactions
            s["work"] += work
            if is_reply:
                s["replies"] += 1
                s["leader_replies"] += leader
                if parent_person is not None and parent_person != person:
                    parent_department = info[parent_person][1]
                    if department and parent_department:
                        s["known"] += 1
                        s["cross"] += department != parent_department
            else:
                s["posts"] += 1
                s["leader_posts"] += leader
        if is_reply:
            if parent_person is not None and parent_person != person:
                ties[organisation].add((person, parent_person))
            found = per_thread.get((channel, thread_key))
            if found is None:
                per_thread[(channel, thread_key)] = [1, us, leader]
            else:
                found[0] += 1
                found[1] = min(found[1], us)
                found[2] = found[2] or leader
        else:
            threads[(channel, source_id)] = (keys, us, leader)
    minutes = defaultdict(list)
    for key_thread, (keys, us, leader) in threads.items():
        found = per_thread.get(key_thread)
        for key in keys:
            s = stats[key]
            s["threads"] += 1
            if not leader:
                s["employee_threads"] += 1
            if found is not None:
                s["thread_replies"] += found[0]
                s["replied"] += 1
                minutes[key].append((found[1] - us) / 60_000_000)
                if not leader and found[2]:
                    s["answered"] += 1
    out = []

    def ratio(a, b):
        return a / b if b > 0 else float("nan")

    for key in sorted(
        set(members) | set(stats), key=lambda k: (k[0], k[1] is not None, k[1] or "")
    ):
        organisation, department = key
        if department is not None and members[key] < MIN_GROUP:
            continue
        s = stats[key]
        n_active = len(active[key])
        low, high = weeks_of.get(organisation, (0, -1))
        weeks = high - low + 1
        row = {
            "organisation": organisation,
            "department": department,
            "members": members[key],
            "active_members": n_active,
            "leaders": leaders[key],
            "weeks": weeks,
            "messages": int(s["messages"]),
            "posts": int(s["posts"]),
            "replies": int(s["replies"]),
            "threads": int(s["threads"]),
            "posts_per_active_member_week": ratio(s["messages"], n_active * weeks),
            "lurker_share": 1 - ratio(n_active, members[key]),
            "replies_per_thread": ratio(s["thread_replies"], s["threads"]),
            "replied_thread_share": ratio(s["replied"], s["threads"]),
            "median_minutes_to_first_reply": statistics.median(minutes[key])
            if minutes[key]
            else float("nan"),
            "reactions_per_post": ratio(s["reactions"], s["messages"]),
            "leader_post_share": ratio(s["leader_posts"], s["posts"]),
            "leader_reply_share": ratio(s["leader_replies"], s["replies"]),
            "leader_answer_share": ratio(s["answered"], s["employee_threads"]),
            "working_hours_share": ratio(s["work"], s["messages"]),
            "weekly_regularity": ratio(len(person_weeks[key]), n_active * weeks),
            "cross_department_reply_share": ratio(s["cross"], s["known"]),
        }
        if department is None:
            graph = nx.DiGraph()
            graph.add_edges_from(ties[organisation])
            row.update(
                reciprocity=nx.reciprocity(graph) if graph.number_of_edges() else float("nan"),
                degree_centralisation=degree_centralisation(graph.to_undirected()),
                network_people=graph.number_of_nodes(),
                network_ties=graph.number_of_edges(),
            )
        else:
            row.update(
                reciprocity=float("nan"),
                degree_centralisation=float("nan"),
                network_people=float("nan"),
                network_ties=float("nan"),
            )
        out.append(row)
    return pd.DataFrame(out, columns=MEASURE_COLUMNS)


def differences(ours: pd.DataFrame, loop: pd.DataFrame) -> tuple[int, float]:
    """(cells that differ, largest absolute difference) between the two results."""
    assert list(ours["organisation"]) == list(loop["organisation"])
    assert [None if pd.isna(d) else d for d in ours["department"]] == [
        None if pd.isna(d) else d for d in loop["department"]
    ]
    differ, largest = 0, 0.0
    for column in MEASURE_COLUMNS[2:]:
        a = ours[column].to_numpy(dtype=float)
        b = loop[column].to_numpy(dtype=float)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        differ += int((~same).sum())
        if (~same).any():
            largest = max(largest, float(np.nanmax(np.abs(a - b))))
    return differ, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="100,000 messages from 1,000 people instead"
    )
    args = parser.parse_args()
    profile = (
        ExportProfile(people=1_000, messages=100_000, days=365, departments=12, seed=7)
        if args.quick
        else ExportProfile(people=5_000, messages=1_000_000, days=365, departments=12, seed=7)
    )
    os.environ["STUDY_MAX_UNPACKED_MB"] = "4096"
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "slack-export.zip"
        start = time.perf_counter()
        write_slack_export(export, profile)
        print(
            f"generated {profile.messages:,} messages from {profile.people:,} people over "
            f"{profile.days} days: {export.stat().st_size / 1e6:.0f} MB ZIP in "
            f"{time.perf_counter() - start:.1f} s"
        )
        database = Database(f"sqlite:///{folder}/bench.db")
        migrate(database)
        with database.transaction() as session:
            add_organisation(session, "Generated A/S", actor=OPERATOR)
        samples: list[tuple[int, float]] = []

        def progress(done: int, total: int) -> None:
            tenth = 10 * done // max(total, 1)
            if not samples or tenth > samples[-1][0]:
                samples.append((tenth, rss_mb()))

        Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM)
        before = rss_mb()
        start = time.perf_counter()
        with database.transaction() as session:
            report = import_platform_export(
                session,
                export,
                organisation="Generated A/S",
                platform="slack",
                salt_file=Path(folder) / "salt",
                progress=progress,
                actor=OPERATOR,
            )
        seconds = time.perf_counter() - start
        print(
            f"import: {report.messages_added:,} messages in {seconds:.1f} s "
            f"({report.messages_added / seconds:,.0f}/s); skipped {report.skipped}"
        )
        print(
            "RSS while importing (MB, at 0%..100%): "
            + " ".join(f"{rss:.0f}" for _, rss in samples)
            + f"; before {before:.0f}, peak {rss_mb('VmHWM'):.0f}"
        )
        start = time.perf_counter()
        with database.transaction() as session:
            messages, people = activity_frames(session)
        print(f"load {len(messages):,} messages: {time.perf_counter() - start:.1f} s")
        database.dispose()
    start = time.perf_counter()
    ours = compute_measures(messages, people, hours=HOURS, min_group=MIN_GROUP)
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    loop = loop_measures(messages, people)
    loop_seconds = time.perf_counter() - start
    differ, largest = differences(ours, loop)
    print(
        f"measures ({len(ours)} rows: 1 organisation, {len(ours) - 1} departments): "
        f"ours {ours_seconds:.2f} s, per-message loop {loop_seconds:.2f} s"
    )
    print(f"identical: {differ == 0} ({differ} cells differ, largest difference {largest:.3g})")
    organisation = ours.iloc[0]
    print(
        "organisation: "
        + ", ".join(
            f"{k}={organisation[k]:.3f}"
            for k in (
                "lurker_share",
                "replies_per_thread",
                "leader_reply_share",
                "weekly_regularity",
                "reciprocity",
                "degree_centralisation",
            )
        )
    )
    if differ:
        sys.exit("the two computations disagree")
    print(f"speedup={loop_seconds / ours_seconds:.1f}")


if __name__ == "__main__":
    main()
