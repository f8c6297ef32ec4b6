"""Benchmark: full-text search over transcripts, ours (FTS5 / tsvector) against a Python scan.

A seeded, generated corpus of interview transcripts (default 2,000 x about
10,000 words = about 20 million words; English and Danish; Zipf-distributed
words plus planted ISM phrases) is written as .txt files in memory and
imported through ``study.interviews.transcripts.store.import_transcript`` (parse, store,
index) into a temporary SQLite database, or PostgreSQL with ``--postgres``
(a temporary database on STUDY_TEST_POSTGRES_URL's server).

Then a set of realistic queries (words, phrases, prefixes, Danish, filters, a
word that does not occur) runs with ``study.interviews.search.search_transcripts``
(limit 100, as the CLI) several times each, and once through a naive scan
that does the same job in Python: for every transcript text in memory, a
regular expression per clause rejects transcripts that cannot match, and
the turns of the others are matched like ours until 100 hits are found. The
two must return identical hits or the script exits 1.

Printed: import throughput (words/s), per-query latency, p95 latency over
all runs, and as the last line ``speedup=<naive total / ours total>`` (ours
total = the mean time of each query, summed).

Run: ``.venv/bin/python bench/bench_search.py`` (``--quick``: 100 transcripts;
``--transcripts N``; ``--postgres``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import astuple

from sqlalchemy import select
from sqlalchemy.engine import make_url

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db import Database, migrate
from study.db.models import OrganisationRow, TranscriptRow, TurnRow
from study.interviews.search import SearchHit, parse_query, search_transcripts
from study.interviews.transcripts.store import import_transcript

LIMIT = 100
RUNS = 5
ORGANISATIONS = 10
ROLES = ("coordinator", "executive", "employee")

ENGLISH = """the and to of a I in that it is we you they was for on be have but not with this as
are people so do what at there about our if can all or just like more use when one think would
some from how know because get work really time them very also then were an by out up who say
their which new will other no been only way make see had us need going well yes colleagues
network platform post posts posting comment group groups team teams manager managers management
leader leaders leadership communication internal employees employee coordinator department
message messages news channel channels email intranet share sharing knowledge question questions
answer answers feedback culture trust support engage engaged engagement participate visible
visibility informal formal routine routines daily meeting meetings project projects training
policy policies guidelines launch adoption strategy budget resources IT HR marketing brand
ambassadors external customers values identity silo silos collaboration coordination consistent
integrate integration fear judged afraid persistent audience legitimate waste""".split()
DANISH = """og at det i en er til på de ikke med for som har vi jeg der af den man kan om så et
men også var skal have sig efter bliver meget lidt netværket medarbejdere medarbejderne ledelsen
ledere leder kollegaer opslag kommentar gruppe grupper kommunikation intern arbejde arbejdet
hverdagen rutiner tid tillid kultur støtte synlig uformel bange dumt skrive læse spørgsmål svar
øjeblik økonomi måske rigtig godt sjældent aldrig altid ønsker ændring""".split()
SYLLABLES = "ka ri to ne sa lu mo pe vi da fo gu hi je ba ro te mi na sø læ å".split()
ENGLISH_PHRASES = [
    "self-censorship",
    "management support in words, not action",
    "not part of the daily routine",
    "brand ambassadors",
    "social media training and policy",
    "Yammer",
    "Viva Engage",
    "functional silos",
    "sense-giver",
]
DANISH_PHRASES = ["selvcensur", "ikke en del af hverdagen", "ledelsen bruger det ikke", "Yammer"]

QUERIES: list[tuple[str, dict]] = [
    ("self-censorship", {}),
    ('"management support in words"', {}),
    ('"daily routine"', {}),
    ("engag*", {}),
    ("routine", {}),
    ("yammer budget", {}),
    ("brand ambassador*", {}),
    ("selvcensur", {}),
    ('"ikke en del af hverdagen"', {}),
    ("sense-giver", {"role": "executive"}),
    ("functional silos", {"organisation": "Organisation 3"}),
    ("xylofonika", {}),  # occurs nowhere
    ("zanzibarito", {}),  # planted once, in the last transcript
]


def make_vocabulary(
    rng: random.Random, words: list[str], tail: slice
) -> tuple[list[str], list[float]]:
    """A word list with a long tail of made-up words, and Zipf-like cumulative weights."""
    made_up = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(30_000)})
    vocabulary = words + made_up[tail]
    weights = (1 / (rank + 1) ** 1.05 for rank in range(len(vocabulary)))
    return vocabulary, list(itertools.accumulate(weights))


def make_transcript(
    rng: random.Random,
    words: list[str],
    cum: list[float],
    phrases: list[str],
    size: int,
    needle: bool,
) -> bytes:
    """About ``size`` words in turns "Interviewer: ..." / "Respondent: ...", phrases planted."""
    lines, count = [], 0
    while count < size:
        question = rng.choices(words, cum_weights=cum, k=rng.randint(6, 25))
        answer = rng.choices(words, cum_weights=cum, k=rng.randint(40, 220))
        if rng.random() < 0.03:
            answer.insert(rng.randrange(len(answer)), rng.choice(phrases))
        lines.append("Interviewer: " + " ".join(question).capitalize() + "?")
        lines.append("Respondent: " + " ".join(answer).capitalize() + ".")
        count += len(question) + len(answer)
    if needle:
        lines.append("Respondent: and that is zanzibarito.")
    return "\n".join(lines).encode("utf-8")


def naive_search(query: str, filters: dict, corpus: list[tuple]) -> list[SearchHit]:
    """The same hits as search_transcripts, found by scanning every text in Python."""
    parsed = parse_query(query)
    patterns = []
    for clause in parsed.clauses:
        body = r"\W+".join(re.escape(t.word) + (r"\w*" if t.prefix else "") for t in clause)
        patterns.append(re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE))
    hits: list[SearchHit] = []
    for transcript_id, name, organisation, role, text_, turns in corpus:
        if filters.get("organisation") not in (None, organisation) or filters.get("role") not in (
            None,
            role,
        ):
            continue
        if not all(p.search(text_) for p in patterns):
            continue
        for speaker, start, end in turns:
            body_ = text_[start:end]
            for s, e in parsed.spans(body_):
                hits.append(
                    SearchHit(
                        transcript_id,
                        name,
                        organisation,
                        role,
                        speaker or None,
                        start + s,
                        start + e,
                        body_[max(0, s - 60) : s],
                        body_[s:e],
                        body_[e : e + 60],
                    )
                )
            if len(hits) >= LIMIT:
                return hits[:LIMIT]
    return hits


def open_postgres() -> tuple[Database, str]:
    import psycopg

    url = os.environ.get("STUDY_TEST_POSTGRES_URL")
    if not url:
        sys.exit(
            "--postgres needs STUDY_TEST_POSTGRES_URL (a server where databases may be created)."
        )
    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return Database(make_url(url).set(database=name).render_as_string(False)), name


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["STUDY_TEST_POSTGRES_URL"], autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=2000)
    parser.add_argument("--words", type=int, default=10_000, help="words per transcript")
    parser.add_argument("--quick", action="store_true", help="100 transcripts")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    n = 100 if args.quick else args.transcripts
    rng = random.Random(2017)
    english = make_vocabulary(rng, ENGLISH, slice(0, 20_000))
    danish = make_vocabulary(rng, DANISH, slice(5_000, None))
    pg_name = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            database, pg_name = open_postgres()
        else:
            database = Database(f"sqlite:///{tmp}/bench.db")
        try:
            migrate(database)
            with database.transaction() as session:
                for i in range(1, ORGANISATIONS + 1):
                    add_organisation(session, f"Organisation {i}", actor=OPERATOR)
            total_words, import_seconds = 0, 0.0
            batch = 25
            for first in range(0, n, batch):
                files = []
                for index in range(first, min(first + batch, n)):
                    is_danish = index % 5 == 4
                    data = make_transcript(
                        rng,
                        *(danish if is_danish else english),
                        DANISH_PHRASES if is_danish else ENGLISH_PHRASES,
                        args.words,
                        needle=index == n - 1,
                    )
                    total_words += len(data.split()) - data.count(b"\n") - 1
                    files.append((index, data))
                started = time.perf_counter()
                with database.transaction() as session:
                    for index, data in files:
                        import_transcript(
                            session,
                            data,
                            f"interview-{index:05d}.txt",
                            organisation=f"Organisation {index % ORGANISATIONS + 1}",
                            role=ROLES[index % len(ROLES)],
                            language="da" if index % 5 == 4 else "en",
                            actor=OPERATOR,
                        )
                import_seconds += time.perf_counter() - started
            vacuum = ""
            if database.backend == "postgresql":
                # What autovacuum does soon after a bulk import: planner statistics, and the
                # GIN index's pending list merged into the index.
                started = time.perf_counter()
                with database.engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "VACUUM ANALYZE turn_search"
                    )
                vacuum = f" vacuum_analyze_seconds={time.perf_counter() - started:.1f}"
            print(
                f"backend={database.backend} transcripts={n} words={total_words:,} "
                f"import_seconds={import_seconds:.1f} "
                f"import_words_per_s={total_words / import_seconds:,.0f}{vacuum}"
            )

            with database.transaction() as session:
                rows = session.execute(
                    select(
                        TranscriptRow.id,
                        TranscriptRow.name,
                        OrganisationRow.name,
                        TranscriptRow.interviewee_role,
                        TranscriptRow.text,
                    )
                    .join(OrganisationRow)
                    .order_by(TranscriptRow.id)
                ).all()
                turns: dict[int, list] = {}
                for tid, speaker, start, end in session.execute(
                    select(
                        TurnRow.transcript_id, TurnRow.speaker, TurnRow.start, TurnRow.end
                    ).order_by(TurnRow.transcript_id, TurnRow.position)
                ):
                    turns.setdefault(tid, []).append((speaker, start, end))
            corpus = [(*row, turns[row[0]]) for row in rows]

            with database.transaction() as session:
                # Build the tokenizer's tables once (process start-up, not per query).
                search_transcripts(session, "warm up", limit=1, viewer=OPERATOR)
            samples: list[float] = []
            ours_total = naive_total = 0.0
            mismatches = 0
            for query, filters in QUERIES:
                times = []
                for _ in range(RUNS):
                    with database.transaction() as session:
                        started = time.perf_counter()
                        hits = search_transcripts(
                            session, query, limit=LIMIT, **filters, viewer=OPERATOR
                        )
                        times.append(time.perf_counter() - started)
                started = time.perf_counter()
                expected = naive_search(query, filters, corpus)
                naive = time.perf_counter() - started
                same = [astuple(h) for h in hits] == [astuple(h) for h in expected]
                mismatches += not same
                samples += times
                ours_total += statistics.mean(times)
                naive_total += naive
                label = query + (f" {filters}" if filters else "")
                print(
                    f"{label:48s} hits={len(hits):3d} "
                    f"ours_ms={1000 * statistics.mean(times):8.2f} "
                    f"max_ms={1000 * max(times):8.2f} naive_ms={1000 * naive:9.1f} "
                    f"{'same' if same else 'DIFFERENT'}"
                )
            p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
            print(
                f"queries={len(QUERIES)} runs={RUNS} p95_ms={1000 * p95:.2f} "
                f"ours_total_ms={1000 * ours_total:.1f} naive_total_ms={1000 * naive_total:.1f}"
            )
        finally:
            database.dispose()
            if pg_name:
                drop_postgres(pg_name)
    if mismatches:
        print(f"ERROR: {mismatches} queries gave different hits from the naive scan")
        return 1
    print(f"speedup={naive_total / ours_total:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
