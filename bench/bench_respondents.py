"""N respondents answer the survey over HTTP at once, against one app process (no browser).

Each respondent opens the survey's open link, agrees on the consent page, answers every
item of all eight pages (45 answers) and submits, as a browser with JavaScript off
does: GET a page, POST its form, follow the 303 redirect; 0.2-0.6 s think time per
page. The app is one `study serve` process (Streamlit plus the survey's routes,
``study/web``) on a fresh SQLite file (or PostgreSQL with ``--postgres URL``). The
baseline, in the same run, is a trivial Starlette form with the same fields, labels
and buttons that keeps answers in memory, on uvicorn, driven by the same client. The
client speaks HTTP/1.1 keep-alive on raw asyncio streams (httpx would need about half
the machine's CPU itself at these rates).

Reported per N: p50/p95 page step (the POST plus the GET of the next page), completed
surveys per second (wall clock), the server's CPU per completed survey, and lost
responses: respondents who saw the thank-you page whose response is not complete with
all 45 answers in the database (must be 0); failed = respondents who got an error.
``speedup`` = ours / baseline completed per second at N = 500 (target >= 0.3).

    .venv/bin/python bench/bench_respondents.py [--sizes 50,200,500,1000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from study.admin.permissions import OPERATOR  # noqa: E402
from study.surveys.instruments import load_instruments  # noqa: E402

SURVEY = load_instruments()["ism-adoption-survey"]
FORM = re.compile(r'name="form" value="([^"]+)"')
ACTION = re.compile(r'<form[^>]* action="([^"]+)"')

BASELINE_APP = '''
"""The baseline: the same survey form with answers in memory (no database, no signing)."""
import html
import itertools
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

from study.surveys.instruments import load_instruments  # noqa: E402

SURVEY = load_instruments()["ism-adoption-survey"]
ANSWERS = {}
SESSIONS = itertools.count(1)


def fields(item):
    name = "a-" + item.id
    if item.type == "likert":
        return "".join(f'<input type="radio" name="{name}" value="{v}" id="{item.id}-{v}">'
                       f'<label for="{item.id}-{v}">{html.escape(item.label(v, "en"))}</label>'
                       for v in range(1, item.points + 1))
    if item.type in ("single_choice", "multiple_choice"):
        kind = "radio" if item.type == "single_choice" else "checkbox"
        return "".join(f'<input type="{kind}" name="{name}" value="{o.id}" id="{item.id}-{o.id}">'
                       f'<label for="{item.id}-{o.id}">{html.escape(o.label["en"])}</label>'
                       for o in item.options)
    if item.type == "number":
        return f'<input name="{name}" id="{item.id}">'
    return f'<textarea name="{name}" id="{item.id}"></textarea>'


def page_html(session, index):
    if index < 0:
        body = (f"<h1>{html.escape(SURVEY.title['en'])}</h1><p>{html.escape(SURVEY.intro['en'])}</p>"
                f"<p>{html.escape(SURVEY.consent['en'])}</p>")
        button = "I agree, start the survey"
    elif index >= len(SURVEY.pages):
        return "<p>Thank you for taking part.</p>"
    else:
        page = SURVEY.pages[index]
        body = f"<h1>{html.escape(page.title['en'])}</h1>" + "".join(
            f"<fieldset><legend>{html.escape(i.text['en'])}</legend>{fields(i)}</fieldset>"
            for i in SURVEY.page_items(page))
        button = "Next"
    return (f'<!doctype html><html lang="en"><title>Survey</title><form method="post" '
            f'action="/survey?s={session}&amp;p={index}"><input type="hidden" name="form" '
            f'value="{session}">{body}<button name="action" value="next">{button}</button></form>')


async def survey(request):
    session = request.query_params.get("s") or str(next(SESSIONS))
    index = int(request.query_params.get("p", "-1"))
    if request.method == "POST":
        form = parse_qs((await request.body()).decode(), keep_blank_values=True)
        ANSWERS.setdefault(session, {}).update({k: v for k, v in form.items() if k.startswith("a-")})
        return RedirectResponse(f"/survey?s={session}&p={index + 1}", status_code=303)
    return HTMLResponse(page_html(session, index))


async def health(request):
    return PlainTextResponse("ok")

app = Starlette(routes=[Route("/survey", survey, methods=["GET", "POST"]),
                        Route("/_stcore/health", health)])
'''


class Connection:
    """One keep-alive HTTP/1.1 connection: request, read the status, headers and body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict, str]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Accept-Encoding: gzip\r\nContent-Length: {len(body)}\r\n"
            )
            if body:
                head += "Content-Type: application/x-www-form-urlencoded\r\n"
            try:
                self.writer.write(head.encode() + b"\r\n" + body)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, dict, str]:
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            raw = b""
            while size := int((await self.reader.readline()).strip(), 16):
                raw += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            raw = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("content-encoding") == "gzip":
            raw = zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if headers.get("connection") == "close":
            self.writer.close()
            self.writer = None
        return status, headers, raw.decode()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def answers_for(page, marker: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in SURVEY.page_items(page):
        if item.type == "likert":
            value = [str(1 + len(item.id) % item.points)]
        elif item.type == "single_choice":
            value = [item.options[-1].id]
        elif item.type == "multiple_choice":
            value = [item.options[0].id, item.options[2].id]
        elif item.type == "number":
            value = ["90"]
        else:
            value = [marker]
        found[f"a-{item.id}"] = value
    return found


class Respondent:
    """One employee: consent, eight pages, submit; latencies of each page step."""

    def __init__(self, port: int, start: str, marker: str) -> None:
        self.connection = Connection(port)
        self.start = start
        self.marker = marker
        self.latencies: list[float] = []
        self.thanked = False

    async def step(self, action: str, fields: dict[str, list[str]], page: str) -> str:
        form, target = FORM.search(page).group(1), html.unescape(ACTION.search(page).group(1))
        body = urlencode(
            {**fields, "form": form, "lang": "en", "action": action}, doseq=True
        ).encode()
        started = time.perf_counter()
        status, headers, _ = await self.connection.request("POST", target, body)
        if status != 303:
            raise RuntimeError(f"POST {target} answered {status}")
        status, _, text = await self.connection.request("GET", headers["location"])
        self.latencies.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"GET {headers['location']} answered {status}")
        return text

    async def answer_survey(self, think: tuple[float, float]) -> bool:
        try:
            await asyncio.sleep(
                random.uniform(0, 1 if think[1] else 0)
            )  # the e-mail reaches everyone within 1 s
            status, _, page = await self.connection.request("GET", self.start)
            if status != 200:
                raise RuntimeError(f"consent page answered {status}")
            await asyncio.sleep(random.uniform(*think))
            page = await self.step("start", {}, page)
            for survey_page in SURVEY.pages:
                await asyncio.sleep(random.uniform(*think))
                page = await self.step("next", answers_for(survey_page, self.marker), page)
            self.thanked = "Thank you for taking part" in page
            return self.thanked
        finally:
            self.connection.close()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _crowd(port: int, start: str, n: int, think, run: str) -> dict:
    respondents = [Respondent(port, start, f"bench {run} respondent {i}") for i in range(n)]
    started = time.perf_counter()
    results = await asyncio.gather(
        *(r.answer_survey(think) for r in respondents), return_exceptions=True
    )
    wall = time.perf_counter() - started
    latencies = sorted(x for r in respondents for x in r.latencies)
    failed = [r for r in results if isinstance(r, BaseException)]
    done = sum(1 for r in results if r is True)
    return {
        "n": n,
        "wall": wall,
        "done": done,
        "failed": failed,
        "markers": {r.marker for r in respondents if r.thanked},
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
        "rate": done / wall,
    }


def _serve(command: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
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


def _database(postgres: str | None, workdir: Path) -> str:
    from study.admin.organisations import add_organisation
    from study.db import Database, migrate

    url = postgres or f"sqlite:///{workdir / 'bench.db'}"
    database = Database(url)
    migrate(database)
    with database.transaction() as session:
        add_organisation(session, f"Bench {int(time.time())}", actor=OPERATOR)
    database.dispose()
    return url


def _campaign(url: str) -> str:
    from sqlalchemy import select

    from study.db import Database
    from study.db.models import OrganisationRow
    from study.surveys import create_campaign

    database = Database(url)
    with database.transaction() as session:
        name = session.scalars(
            select(OrganisationRow.name).order_by(OrganisationRow.id.desc())
        ).first()
        link = create_campaign(
            session, organisation=name, instrument="ism-adoption-survey", actor=OPERATOR
        ).link
    database.dispose()
    return link.split("t=")[1]


def _lost(url: str, token: str, markers: set[str]) -> tuple[int, int]:
    """(complete responses with every answer, respondents thanked whose response is not)."""
    from sqlalchemy import func, select

    from study.db import Database
    from study.db.models import AnswerRow, CampaignRow, ResponseRow

    database = Database(url)
    items = len(SURVEY.all_items())
    with database.transaction() as session:
        complete = (
            select(ResponseRow.id)
            .join(CampaignRow, CampaignRow.id == ResponseRow.campaign_id)
            .join(AnswerRow, AnswerRow.response_id == ResponseRow.id)
            .where(CampaignRow.token == token, ResponseRow.status == "complete")
            .group_by(ResponseRow.id)
            .having(func.count(AnswerRow.id) == items)
        )
        stored = set(
            session.scalars(
                select(AnswerRow.value_text).where(
                    AnswerRow.response_id.in_(complete), AnswerRow.item_id == "open_barriers"
                )
            )
        )
        whole = len(session.scalars(complete).all())
    database.dispose()
    return whole, len(markers - stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,500,1000")
    parser.add_argument("--postgres", help="a PostgreSQL URL (an empty database) instead of SQLite")
    parser.add_argument("--think", default="0.2,0.6", help="think time range in seconds")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    think = tuple(float(x) for x in args.think.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="bench-respondents-"))
    url = _database(args.postgres, workdir)
    (workdir / "baseline_app.py").write_text(BASELINE_APP)
    ports = {"ours": _free_port(), "baseline": _free_port()}
    env = {
        **os.environ,
        "STUDY_DATABASE_URL": url,
        "PYTHONPATH": f"{ROOT}:{workdir}",
        "STUDY_BASE_URL": f"http://127.0.0.1:{ports['ours']}",
    }
    ours = _serve(
        [sys.executable, "-m", "study.cli", "serve", "--port", str(ports["ours"])],
        env,
        ports["ours"],
        workdir / "ours.log",
    )
    baseline = _serve(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "baseline_app:app",
            "--port",
            str(ports["baseline"]),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env,
        ports["baseline"],
        workdir / "baseline.log",
    )
    backend = "postgresql" if args.postgres else "sqlite"
    print(
        f"backend={backend} sizes={sizes} think={think[0]}-{think[1]} s "
        f"items/response={len(SURVEY.all_items())} page steps/response={len(SURVEY.pages) + 1}"
    )
    print(
        "| N | ours p50 | ours p95 | ours completed/s | ours CPU/response | lost | failed "
        "| baseline p50 | baseline p95 | baseline completed/s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = {}
    try:
        for n in sizes:
            token = _campaign(url)
            cpu = _cpu_seconds(ours.pid)
            mine = asyncio.run(_crowd(ports["ours"], f"/survey?t={token}", n, think, f"{n}"))
            cpu = _cpu_seconds(ours.pid) - cpu
            _, lost = _lost(url, token, mine["markers"])
            bare = asyncio.run(_crowd(ports["baseline"], "/survey", n, think, f"base{n}"))
            ratios[n] = mine["rate"] / bare["rate"] if bare["rate"] else float("nan")
            print(
                f"| {n} | {mine['p50'] * 1000:.0f} ms | {mine['p95'] * 1000:.0f} ms | "
                f"{mine['rate']:.1f} | {cpu / max(mine['done'], 1) * 1000:.1f} ms | {lost} | "
                f"{len(mine['failed'])} | {bare['p50'] * 1000:.0f} ms | "
                f"{bare['p95'] * 1000:.0f} ms | {bare['rate']:.1f} | {ratios[n]:.2f} |",
                flush=True,
            )
            for error in mine["failed"][:3]:
                print(f"  ours failed: {error!r}")
    finally:
        for process in (ours, baseline):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    at = 500 if 500 in ratios else sizes[-1]
    print(f"speedup={ratios[at]:.2f}")


if __name__ == "__main__":
    main()
