"""N headless respondents answer the real survey over Streamlit's websocket protocol.

Each respondent opens the survey's open link, agrees on the consent page, answers
every item of every page and submits: one rerun per page step (the widget values
plus the Next/Submit trigger, as the browser sends them), with a short think time.
All run against one `study serve` process on a fresh SQLite database (or
PostgreSQL with ``--postgres URL``). The baseline, in the same run, is a trivial
Streamlit page with the same widgets, labels and buttons that keeps the answers
in session state only, served the same way with the same config.

Reported per N: p50/p95 page-step latency (send to ``script_finished``), completed
responses per second (wall clock), and lost responses: respondents who saw the
thank-you page without a complete response with all their answers in the
database (must be 0). ``speedup`` = survey throughput / baseline throughput at
the largest N (target >= 0.5).

    .venv/bin/python bench/bench_respondents.py [--sizes 50,100,200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS = ("radio", "button_group", "number_input", "text_area")
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}

BASELINE_APP = '''
import streamlit as st
from study.surveys.instruments import load_instruments

@st.cache_resource
def survey():
    return load_instruments()["ism-adoption-survey"]

SURVEY = survey()
st.set_page_config(page_title="Baseline", layout="wide")
state = st.session_state
state.setdefault("page", -1)

def move(delta):
    state.page += delta

def submit():
    state.page = "done"

if state.page == -1:
    st.header(SURVEY.title["en"])
    st.markdown(SURVEY.intro["en"])
    st.info(SURVEY.consent["en"])
    st.button("I agree, start the survey", on_click=move, args=(1,))
elif state.page == "done":
    st.success("Thank you for taking part.")
else:
    page = SURVEY.pages[state.page]
    st.progress((state.page + 1) / len(SURVEY.pages), text=f"Page {state.page + 1}")
    st.subheader(page.title["en"])
    for item in SURVEY.page_items(page):
        key = f"a:{item.id}"
        if item.type == "likert":
            st.radio(item.text["en"], list(range(1, item.points + 1)), key=key, index=None,
                     format_func=lambda v, i=item: i.label(v, "en"))
        elif item.type == "single_choice":
            st.radio(item.text["en"], [o.id for o in item.options], key=key, index=None,
                     format_func=lambda o, i=item: i.option(o).label["en"])
        elif item.type == "multiple_choice":
            st.pills(item.text["en"], [o.id for o in item.options], selection_mode="multi",
                     key=key, format_func=lambda o, i=item: i.option(o).label["en"])
        elif item.type == "number":
            st.number_input(item.text["en"], key=key, value=None, min_value=0, max_value=2400)
        else:
            st.text_area(item.text["en"], key=key)
    left, right = st.columns(2)
    left.button("Back", on_click=move, args=(-1,), disabled=state.page == 0)
    if state.page == len(SURVEY.pages) - 1:
        right.button("Submit my answers", on_click=submit)
    else:
        right.button("Next", on_click=move, args=(1,))
'''


class Respondent:
    """One browser-less respondent speaking Streamlit's websocket protocol."""

    def __init__(self, url: str, query: str, page_name: str) -> None:
        self.url, self.query, self.page_name = url, query, page_name
        self.page_hash = ""
        self.elements: list = []
        self.latencies: list[float] = []

    async def rerun(self, ws, states: list[WidgetState], *, timed: bool = True) -> None:
        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string, rerun.page_name = self.query, self.page_name
        rerun.page_script_hash = self.page_hash
        rerun.widget_states.widgets.extend(states)
        started = time.perf_counter()
        await ws.send(message.SerializeToString())
        self.elements = []
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await ws.recv())
            kind = forward.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = forward.new_session.page_script_hash
                self.elements = []
            elif kind == "page_info_changed":
                self.query = forward.page_info_changed.query_string
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                self.elements.append(forward.delta.new_element)
            elif kind == "script_finished" and forward.script_finished in FINISHED:
                break
        if timed:
            self.latencies.append(time.perf_counter() - started)

    def widgets(self, kind: str) -> list:
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    def button(self, label: str):
        for button in self.widgets("button"):
            if button.label == label:
                return button
        return None

    def text(self) -> str:
        parts = [e.markdown.body for e in self.elements if e.WhichOneof("type") == "markdown"]
        parts += [e.alert.body for e in self.elements if e.WhichOneof("type") == "alert"]
        return "\n".join(parts)

    def answers(self) -> list[WidgetState]:
        """A value for every answer widget on the page (the language chooser keeps its own)."""
        states = []
        for element in self.elements:
            kind = element.WhichOneof("type")
            if kind not in ANSWERS:
                continue
            widget = getattr(element, kind)
            if kind == "button_group" and widget.label.startswith("Language"):
                continue
            state = WidgetState(id=widget.id)
            if kind == "radio":
                state.string_value = widget.options[min(3, len(widget.options) - 1)]
            elif kind == "button_group":
                state.string_array_value.data.extend([o.content for o in widget.options[:2]])
            elif kind == "number_input":
                state.double_value = 90
            else:
                state.string_value = "More time for it, and fewer meetings."
            states.append(state)
        return states

    async def answer_survey(self, think: tuple[float, float]) -> bool:
        """Consent, every page, submit; True when the thank-you page was shown."""
        async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None,
                                      compression=None, open_timeout=120,
                                      ping_interval=None) as ws:
            await self.rerun(ws, [], timed=False)  # the first screen
            start = self.button("I agree, start the survey")
            if start is None:
                raise RuntimeError(f"no consent button: {self.text()[:200]}")
            for _ in range(40):
                await asyncio.sleep(random.uniform(*think))
                trigger = (self.button("I agree, start the survey") or self.button("Next")
                           or self.button("Submit my answers"))
                if trigger is None:
                    break
                await self.rerun(ws, [*self.answers(), WidgetState(id=trigger.id,
                                                                   trigger_value=True)])
            return "Thank you for taking part" in self.text()


def _serve(command: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(f"the app did not start; see {log}")


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _crowd(url: str, query: str, page_name: str, n: int, think) -> dict:
    respondents = [Respondent(url, query, page_name) for _ in range(n)]
    started = time.perf_counter()
    results = await asyncio.gather(*(r.answer_survey(think) for r in respondents),
                                   return_exceptions=True)
    wall = time.perf_counter() - started
    latencies = sorted(x for r in respondents for x in r.latencies)
    errors = [r for r in results if isinstance(r, BaseException)]
    done = sum(1 for r in results if r is True)
    return {"n": n, "wall": wall, "done": done, "errors": errors,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
            "rate": done / wall}


def _database(postgres: str | None, workdir: Path) -> str:
    from study.admin.organisations import add_organisation
    from study.db import Database, migrate
    if postgres:
        url = postgres
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    database = Database(url)
    migrate(database)
    with database.transaction() as session:
        add_organisation(session, f"Bench {int(time.time())}")
    database.dispose()
    return url


def _campaign(url: str) -> str:
    from sqlalchemy import select

    from study.db import Database
    from study.db.models import Organisation
    from study.surveys import create_campaign
    database = Database(url)
    with database.transaction() as session:
        name = session.scalars(select(Organisation.name).order_by(Organisation.id.desc())).first()
        link = create_campaign(session, organisation=name, instrument="ism-adoption-survey").link
    database.dispose()
    return link.split("t=")[1]


def _lost(url: str, token: str, done: int) -> tuple[int, int]:
    """(complete responses in the database, lost responses) for the campaign of ``token``."""
    from sqlalchemy import func, select

    from study.db import Database
    from study.db.models import Answer, Campaign, Response
    from study.surveys.instruments import load_instruments
    items = len(load_instruments()["ism-adoption-survey"].all_items())
    database = Database(url)
    with database.transaction() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.token == token))
        counts = session.execute(
            select(Response.id, func.count(Answer.id)).join(Answer, Answer.response_id == Response.id)
            .where(Response.campaign_id == campaign_id, Response.status == "complete")
            .group_by(Response.id)).all()
    database.dispose()
    whole = sum(1 for _, answered in counts if answered == items)
    return len(counts), max(0, done - whole)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200")
    parser.add_argument("--postgres", help="PostgreSQL URL of an empty database to use")
    parser.add_argument("--think", default="0.2,0.6", help="think time range in seconds")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    think = tuple(float(x) for x in args.think.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="bench-respondents-"))
    url = _database(args.postgres, workdir)
    baseline_script = workdir / "baseline_app.py"
    baseline_script.write_text(BASELINE_APP)
    survey_port, baseline_port = _free_port(), _free_port()
    # No file watcher: edits in the checkout during a run must not reload modules.
    env = {**os.environ, "STUDY_DATABASE_URL": url, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           "STUDY_BASE_URL": f"http://127.0.0.1:{survey_port}", "PYTHONPATH": str(ROOT)}
    survey = _serve([sys.executable, "-m", "study.cli", "serve", "--port", str(survey_port)],
                    env, survey_port, workdir / "survey.log")
    baseline = _serve([sys.executable, "-m", "streamlit", "run", str(baseline_script),
                       "--server.port", str(baseline_port), "--server.headless", "true"],
                      env, baseline_port, workdir / "baseline.log")
    print(f"backend={url.split(':')[0]} sizes={sizes} think={think[0]}-{think[1]} s "
          f"items/response=45 page steps/response=9")
    rows = []
    try:
        warm = _campaign(url)  # first runs import and build caches: not measured
        asyncio.run(_crowd(f"ws://127.0.0.1:{survey_port}/_stcore/stream", f"t={warm}", "survey",
                           3, (0, 0)))
        asyncio.run(_crowd(f"ws://127.0.0.1:{baseline_port}/_stcore/stream", "", "", 3, (0, 0)))
        for n in sizes:
            token = _campaign(url)
            ours = asyncio.run(_crowd(f"ws://127.0.0.1:{survey_port}/_stcore/stream",
                                      f"t={token}", "survey", n, think))
            stored, lost = _lost(url, token, ours["done"])
            lost += len(ours["errors"]) + (n - ours["done"] - len(ours["errors"]))
            bare = asyncio.run(_crowd(f"ws://127.0.0.1:{baseline_port}/_stcore/stream", "", "",
                                      n, think))
            rows.append((n, ours, bare, stored, lost))
            print(f"N={n}: survey p50 {ours['p50'] * 1000:.0f} ms p95 {ours['p95'] * 1000:.0f} ms, "
                  f"{ours['rate']:.2f} completed/s ({ours['done']} done, {stored} stored, "
                  f"lost {lost}); baseline p50 {bare['p50'] * 1000:.0f} ms "
                  f"p95 {bare['p95'] * 1000:.0f} ms, {bare['rate']:.2f} completed/s"
                  + (f"; errors: {ours['errors'][:2]}" if ours["errors"] else ""), flush=True)
    finally:
        for process in (survey, baseline):  # `study serve` runs Streamlit as a child
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    print("| N | survey p50 | survey p95 | survey completed/s | lost | baseline p50 | "
          "baseline p95 | baseline completed/s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, ours, bare, _, lost in rows:
        print(f"| {n} | {ours['p50'] * 1000:.0f} ms | {ours['p95'] * 1000:.0f} ms | "
              f"{ours['rate']:.2f} | {lost} | {bare['p50'] * 1000:.0f} ms | "
              f"{bare['p95'] * 1000:.0f} ms | {bare['rate']:.2f} | "
              f"{ours['rate'] / bare['rate']:.2f} |")
    _, ours, bare, _, _ = rows[-1]
    if any(row[4] for row in rows):
        print("lost responses: FAIL")
    print(f"speedup={ours['rate'] / bare['rate']:.2f}")


if __name__ == "__main__":
    main()
