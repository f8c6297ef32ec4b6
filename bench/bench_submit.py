"""Concurrent survey submissions: responses per second, lost responses, against raw SQL.

Many threads (default 32) each submit complete responses through the same
library calls the respondent page uses (start_response, then submit_response
with every answer), on SQLite and, with --postgres or STUDY_TEST_POSTGRES_URL
set, on PostgreSQL. The baseline ("raw") inserts the same response and answer
rows with plain SQL executemany in the same run. Prints, last,
``speedup=<ours/raw>`` for SQLite (target >= 0.3).

    .venv/bin/python bench/bench_submit.py [--threads 32] [--responses 2000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from study.admin.organisations import add_organisation  # noqa: E402
from study.admin.permissions import OPERATOR
from study.db import Database, migrate  # noqa: E402
from study.db.models import ResponseRow  # noqa: E402
from study.surveys import create_campaign, start_response, submit_response  # noqa: E402
from study.surveys.instruments import load_instruments  # noqa: E402

SURVEY = "ism-adoption-survey"


def complete_answers(instrument, rng: random.Random) -> dict:
    answers = {}
    for item in instrument.all_items():
        if item.type == "likert":
            answers[item.id] = rng.randint(1, item.points)
        elif item.type == "single_choice":
            answers[item.id] = rng.choice(item.options).id
        elif item.type == "multiple_choice":
            answers[item.id] = [item.options[0].id]
        elif item.type == "number":
            answers[item.id] = 30
        else:
            answers[item.id] = "Svært at finde ting, men godt for nyheder"
    return answers


def prepare(url: str) -> tuple[Database, str]:
    database = Database(url)
    migrate(database)
    with database.transaction() as session:
        add_organisation(session, f"Bench {uuid.uuid4().hex[:6]}", actor=OPERATOR)
        org = session.execute(text("SELECT name FROM organisation ORDER BY id DESC")).scalar()
        token = create_campaign(
            session, organisation=org, instrument=SURVEY, actor=OPERATOR
        ).link.split("t=")[1]
    return database, token


def timed_threads(worker, threads: int) -> float:
    """Run ``worker(i)`` on ``threads`` threads at once; seconds until all are done."""
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started


def run_ours(database: Database, token: str, instrument, *, threads: int, responses: int):
    per_thread = responses // threads
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(per_thread):
            answers = complete_answers(instrument, rng)
            try:
                with database.transaction() as session:
                    response_id, _ = start_response(session, token, language="da")
                    result = submit_response(session, response_id, answers)
                    assert result.ok, result.problems
            except BaseException as exc:  # counted as lost below
                errors.append(exc)

    elapsed = timed_threads(worker, threads)
    submitted = per_thread * threads
    with database.transaction() as session:
        stored = session.scalar(
            select(func.count(ResponseRow.id)).where(ResponseRow.status == "complete")
        )
    return elapsed, submitted, stored, errors


def run_raw(url: str, instrument, *, threads: int, responses: int) -> float:
    """The same rows with plain executemany: one transaction per response, same threads."""
    database = Database(url)
    migrate(database)
    per_thread = responses // threads
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO study (name, description, pseudonymous, is_demo, created_at) "
                "VALUES ('raw', '', false, false, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO organisation (study_id, name, attributes, created_at) "
                "VALUES ((SELECT max(id) FROM study), 'raw', '{}', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO instrument (key, version, kind, definition, content_hash, "
                "created_at) VALUES ('raw', '1', 'survey', '{}', 'x', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO campaign (organisation_id, instrument_id, name, mode, "
                "created_at) VALUES ((SELECT max(id) FROM organisation), "
                "(SELECT max(id) FROM instrument), 'raw', 'open', CURRENT_TIMESTAMP)"
            )
        )
        campaign, instrument_id = conn.execute(
            text("SELECT max(id), max(instrument_id) FROM campaign")
        ).one()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(per_thread):
            answers = complete_answers(instrument, rng)
            with database.engine.begin() as conn:
                rid = conn.execute(
                    text(
                        "INSERT INTO response (campaign_id, instrument_id, status, language, "
                        "current_page, source) VALUES (:c, :i, 'complete', 'da', 0, 'link') "
                        "RETURNING id"
                    ),
                    {"c": campaign, "i": instrument_id},
                ).scalar()
                rows = [
                    {
                        "r": rid,
                        "item": k,
                        "n": float(v) if isinstance(v, (int, float)) else None,
                        "t": v if isinstance(v, str) else None,
                    }
                    for k, v in answers.items()
                ]
                conn.execute(
                    text(
                        "INSERT INTO answer (response_id, item_id, value_number, "
                        "value_text) VALUES (:r, :item, :n, :t)"
                    ),
                    rows,
                )

    elapsed = timed_threads(worker, threads)
    database.dispose()
    return elapsed


def bench(label: str, url_ours: str, url_raw: str, instrument, args) -> float:
    database, token = prepare(url_ours)
    elapsed, submitted, stored, errors = run_ours(
        database, token, instrument, threads=args.threads, responses=args.responses
    )
    database.dispose()
    raw = run_raw(url_raw, instrument, threads=args.threads, responses=args.responses)
    ours_rate, raw_rate = submitted / elapsed, submitted / raw
    print(
        f"[{label}] threads={args.threads} responses={submitted} "
        f"answers/response={len(instrument.all_items())}"
    )
    print(
        f"[{label}] ours: {ours_rate:,.0f} responses/s ({elapsed:.2f} s); "
        f"raw executemany: {raw_rate:,.0f} responses/s ({raw:.2f} s)"
    )
    print(f"[{label}] lost responses: {submitted - stored} (errors: {len(errors)})")
    if errors:
        print(f"[{label}] first error: {errors[0]!r}")
    return ours_rate / raw_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--responses", type=int, default=3200)
    parser.add_argument("--quick", action="store_true", help="320 responses")
    parser.add_argument("--postgres", default=os.environ.get("STUDY_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if args.quick:
        args.responses = 320
    instrument = load_instruments()[SURVEY]
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_speedup = bench(
            "sqlite", f"sqlite:///{tmp}/ours.db", f"sqlite:///{tmp}/raw.db", instrument, args
        )
    if args.postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        names = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
        urls = [make_url(args.postgres).set(database=n).render_as_string(False) for n in names]
        try:
            pg = bench("postgresql", urls[0], urls[1], instrument, args)
            print(f"[postgresql] speedup={pg:.2f}")
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                for name in names:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"speedup={sqlite_speedup:.2f}")


if __name__ == "__main__":
    main()
