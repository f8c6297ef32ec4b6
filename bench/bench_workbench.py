"""How fast the coding workbench reruns on a 15,000-word transcript with 400 codings.

Builds a SQLite study in a temporary folder, then times with Streamlit's AppTest:
the first run of the page (loads the transcript, cuts it into runs, caches
the view) and warm reruns (what a coder waits for after each click), against
a baseline rerun of the Overview page in the same process. Also times
build_span_view alone and reports the size of the data sent to the browser.

Run: .venv/bin/python bench/bench_workbench.py
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from study.admin.permissions import OPERATOR

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "the platform managers never post anything themselves colleagues think it is a waste "
    "of time ledelsen siger at det er vigtigt men ingen skriver på væggen æøå 🙈 "
    "people are afraid of being judged when everybody can see what they write"
).split()


def transcript(words: int, turns: int) -> str:
    rng = random.Random(7)
    per_turn = words // turns
    blocks = []
    for n in range(turns):
        speaker = "Interviewer" if n % 2 == 0 else "Coordinator"
        size = per_turn // 4 if n % 2 == 0 else per_turn * 7 // 4
        blocks.append(f"{speaker}: " + " ".join(rng.choice(WORDS) for _ in range(size)) + ".")
    return "\n\n".join(blocks) + "\n"


def build_coded_transcript(
    url: str,
    text: str,
    *,
    password: str | None = None,
    display_name: str | None = None,
    markers: list[str] = (),
) -> tuple[object, dict]:
    """A migrated study with one coder, the ISM scheme, ``text`` as one transcript and 400
    random codings that leave the ``markers`` words uncoded; return the coder and the
    stored transcript (``transcript_json``)."""
    from study.admin.accounts import add_account
    from study.admin.organisations import add_organisation
    from study.admin.studies import ensure_study
    from study.db import Database, migrate
    from study.interviews.coding import list_codes, load_scheme_into_db
    from study.interviews.transcripts.store import import_transcript, transcript_json

    database = Database(url)
    migrate(database)
    rng = random.Random(11)
    with database.transaction() as session:
        ensure_study(session)
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        coder = add_account(
            session,
            "cora@example.org",
            role="coder",
            password=password,
            display_name=display_name,
            actor=OPERATOR,
        )
        scheme = load_scheme_into_db(
            session, ROOT / "coding_schemes" / "ism-adoption-challenges.yaml", actor=OPERATOR
        )
        codes = [c.id for c in list_codes(session, scheme.id, viewer=OPERATOR)]
        info = import_transcript(
            session,
            text.encode(),
            "long.txt",
            organisation="Nordlys Bank",
            role="coordinator",
            language="en",
            actor=OPERATOR,
        )
        data = transcript_json(session, info.id, viewer=OPERATOR)
        marked = {data["text"].index(m) for m in markers}
        add_random_codings(session, info.id, data["turns"], codes, coder.id, rng, avoid=marked)
    database.dispose()
    return coder, data


def build(url: str) -> tuple[object, int]:
    coder, data = build_coded_transcript(url, transcript(15_000, 300))
    return coder, len(data["text"].split())


def add_random_codings(
    session,
    transcript_id: int,
    turns: list[dict],
    codes: list[int],
    coder_id: int,
    rng: random.Random,
    *,
    count: int = 400,
    avoid: set[int] = frozenset(),
) -> None:
    """``count`` codings of 20-400 characters inside turns, none touching an ``avoid`` offset."""
    from study.interviews.coding import add_coding

    added = 0
    while added < count:
        turn = rng.choice(turns)
        if turn["end"] - turn["start"] < 40:
            continue
        start = rng.randrange(turn["start"], turn["end"] - 30)
        end = min(start + rng.randrange(20, 400), turn["end"])
        if any(start < m + 9 and m < end for m in avoid):
            continue  # leave the marker words uncoded
        try:
            add_coding(
                session,
                transcript_id=transcript_id,
                start=start,
                end=end,
                code_id=rng.choice(codes),
                coder_id=coder_id,
                actor=OPERATOR,
            )
            added += 1
        except Exception:  # a duplicate span: draw again
            continue


def main() -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    os.environ["STUDY_DATABASE_URL"] = url
    coder, words = build(url)
    st.cache_resource.clear()

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["account"] = asdict(coder)
    at.run()
    baseline = []
    for _ in range(5):
        started = time.perf_counter()
        at.run()
        baseline.append(time.perf_counter() - started)

    started = time.perf_counter()
    at.switch_page("study/ui/pages/workbench.py").run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    warm = []
    for _ in range(10):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)

    from study.db import Database
    from study.interviews.coding import list_codes, list_codings
    from study.interviews.coding.span_view import build_span_view
    from study.interviews.coding.workbench_data import coding_marks
    from study.interviews.transcripts.store import transcript_json

    database = Database(url)
    with database.transaction() as session:
        data = transcript_json(session, 1, viewer=OPERATOR)
        codings = list_codings(session, transcript_id=1, viewer=OPERATOR)
        colours = {c.id: c.colour for c in list_codes(session, viewer=OPERATOR)}
    from study.ui.components.transcript_source import TurnSpan

    turns = [TurnSpan(t["speaker"], t["start"], t["end"], i) for i, t in enumerate(data["turns"])]
    marks = coding_marks(codings, colours, me=coder.id)
    started = time.perf_counter()
    for _ in range(10):
        view = build_span_view(data["text"], turns, marks, version="x")
    build_ms = (time.perf_counter() - started) / 10 * 1000
    size = len(json.dumps(view, ensure_ascii=False).encode())
    runs = sum(len(t["runs"]) for t in view["turns"])

    base = statistics.median(baseline) * 1000
    warm_ms = statistics.median(warm) * 1000
    print(
        f"transcript: {words:,} words, {len(data['text']):,} characters, {len(turns)} turns, "
        f"{len(codings)} codings, {runs:,} runs"
    )
    print(f"overview page rerun (baseline), median of 5: {base:.0f} ms")
    print(f"workbench first run (load, cut, cache):     {first * 1000:.0f} ms")
    print(
        f"workbench warm rerun, median of 10:         {warm_ms:.0f} ms "
        f"({warm_ms / base:.1f}x the baseline)"
    )
    print(f"build_span_view alone, mean of 10:          {build_ms:.1f} ms")
    print(f"data sent to the browser once:              {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
