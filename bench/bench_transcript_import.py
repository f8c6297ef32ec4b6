"""Benchmark: importing a long transcript is linear in its turns, against the old per-turn ORM store.

A generated .txt transcript of N short turns ("I: w1" / "R: w2", about 6-10
bytes a turn, like the attack run's 0.6 MB file of 100,000 turns) is imported
with ``study.interviews.transcripts.store.import_transcript`` (parse, bulk
insert of the turns, search index) into a fresh temporary SQLite database,
for 10,000 and for 100,000 turns. The baseline is the store as it was: one
``Turn`` ORM object per turn added through the transcript's relationship and
flushed (what took 92 s on the attack run's machine), on the same parsed text
and into an identical fresh database, with the same search index.

Printed: seconds for each size and path, the 100k/10k ratio of ours (about 10
is linear), and as the last line ``speedup=<baseline 100k / ours 100k>``.

Run: ``.venv/bin/python bench/bench_transcript_import.py`` (``--quick``: 2,000
and 20,000 turns).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from study.admin.organisations import add_organisation, get_organisation
from study.admin.permissions import OPERATOR
from study.db import Database, migrate
from study.db.models import TranscriptRow, TurnRow
from study.interviews.search import index_turns
from study.interviews.transcripts.parsing import parse_transcript
from study.interviews.transcripts.store import import_transcript


def transcript_bytes(turns: int) -> bytes:
    return "".join(f"{'I' if i % 2 == 0 else 'R'}: w{i}\n" for i in range(turns)).encode()


def fresh_database(folder: Path, name: str) -> Database:
    database = Database(f"sqlite:///{folder / name}.db")
    migrate(database)
    with database.transaction() as session:
        add_organisation(session, "Org", actor=OPERATOR)
    return database


def ours(database: Database, data: bytes) -> float:
    started = time.perf_counter()
    with database.transaction() as session:
        import_transcript(
            session, data, "long.txt", organisation="Org", role="employee", actor=OPERATOR
        )
    return time.perf_counter() - started


def baseline(database: Database, data: bytes) -> float:
    """The store as it was before issue 13: parse, then one ORM object per turn."""
    started = time.perf_counter()
    with database.transaction() as session:
        org = get_organisation(session, "Org", viewer=OPERATOR)
        parsed = parse_transcript(data, "long.txt")
        transcript = TranscriptRow(
            organisation_id=org.id,
            name="long",
            interviewee_role="employee",
            language="en",
            text=parsed.text,
            text_sha256=hashlib.sha256(parsed.text.encode()).hexdigest(),
            source_filename="long.txt",
        )
        transcript.turns = [
            TurnRow(
                position=p,
                speaker=t.speaker or "",
                start=t.start,
                end=t.end,
                started_at=t.started_at,
                ended_at=t.ended_at,
            )
            for p, t in enumerate(parsed.turns)
        ]
        session.add(transcript)
        session.flush()
        index_turns(
            session,
            transcript.id,
            parsed.text,
            [(t.id, t.position, t.start, t.end) for t in transcript.turns],
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 turns")
    args = parser.parse_args()
    small, large = (2_000, 20_000) if args.quick else (10_000, 100_000)
    results: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for turns in (small, large):
            data = transcript_bytes(turns)
            for name, run in (("ours", ours), ("baseline", baseline)):
                database = fresh_database(Path(folder), f"{name}-{turns}")
                results[name, turns] = run(database, data)
                database.dispose()
                print(
                    f"{name:8} {turns:>7,} turns ({len(data) / 1e6:.2f} MB): "
                    f"{results[name, turns]:7.2f} s",
                    flush=True,
                )
    for name in ("ours", "baseline"):
        print(
            f"{name}: {large // small}x the turns took "
            f"{results[name, large] / results[name, small]:.1f}x the time"
        )
    print(f"speedup={results['baseline', large] / results['ours', large]:.1f}")


if __name__ == "__main__":
    main()
