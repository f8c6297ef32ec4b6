"""Where the survey's first screen on a phone spends its time (headless Chromium, 390 x 844).

One `study serve` process with a fresh SQLite database and one open-link campaign;
the baseline is the trivial Streamlit page of ``bench_respondents.py`` (same
config), started the same way. Measured, median of ``--runs`` fresh browser
contexts after one warm-up visit:

- ``html+js``: navigation to DOMContentLoaded (Streamlit's page and script bundle);
- ``first screen``: navigation until the consent text is visible;
- ``script``: the server's part, one fresh session's first run over the websocket
  (send to ``script_finished``), measured without a browser;
- the cold first visit after the process started (imports, instrument load).

``speedup`` = baseline first screen / survey first screen (1.0: the survey costs no
more than an empty Streamlit page); the target is a first screen under 2 s.

    .venv/bin/python bench/bench_first_screen.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_respondents import (BASELINE_APP, Respondent, _campaign, _database,  # noqa: E402
                               _free_port, _serve)
from playwright.sync_api import sync_playwright  # noqa: E402

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def _visit(browser, url: str, text: str) -> tuple[float, float]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    page.get_by_text(text).first.wait_for(timeout=60_000)
    first = time.perf_counter() - started
    dom = page.evaluate("() => performance.getEntriesByType('navigation')[0]"
                        ".domContentLoadedEventEnd") / 1000
    context.close()
    return dom, first


async def _script_time(port: int, query: str, page_name: str) -> float:
    import websockets
    respondent = Respondent(f"ws://127.0.0.1:{port}/_stcore/stream", query, page_name)
    async with websockets.connect(respondent.url, subprotocols=["streamlit"],
                                  max_size=None) as ws:
        await respondent.rerun(ws, [])
    return respondent.latencies[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-first-screen-"))
    url = _database(None, workdir)
    (workdir / "baseline_app.py").write_text(BASELINE_APP)
    ports = {"survey": _free_port(), "baseline": _free_port()}
    env = {**os.environ, "STUDY_DATABASE_URL": url, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           "STUDY_BASE_URL": f"http://127.0.0.1:{ports['survey']}", "PYTHONPATH": str(ROOT)}
    token = _campaign(url)
    survey = _serve([sys.executable, "-m", "study.cli", "serve", "--port", str(ports["survey"])],
                    env, ports["survey"], workdir / "survey.log")
    baseline = _serve([sys.executable, "-m", "streamlit", "run", str(workdir / "baseline_app.py"),
                       "--server.port", str(ports["baseline"]), "--server.headless", "true"],
                      env, ports["baseline"], workdir / "baseline.log")
    targets = {"survey": (f"http://127.0.0.1:{ports['survey']}/survey?t={token}",
                          "Taking part is voluntary", f"t={token}", "survey"),
               "baseline": (f"http://127.0.0.1:{ports['baseline']}/", "Taking part is voluntary",
                            "", "")}
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 headless=True, args=["--no-sandbox"])
            for name, (address, text, _, _) in targets.items():
                cold = _visit(browser, address, text)[1]
                visits = [_visit(browser, address, text) for _ in range(args.runs)]
                results[name] = {"cold": cold,
                                 "dom": statistics.median(v[0] for v in visits),
                                 "first": statistics.median(v[1] for v in visits)}
            browser.close()
        for name, (_, _, query, page_name) in targets.items():  # outside Playwright's loop
            results[name]["script"] = statistics.median(
                asyncio.run(_script_time(ports[name], query, page_name))
                for _ in range(args.runs))
            r = results[name]
            print(f"{name}: first screen {r['first']:.2f} s (html+js {r['dom']:.2f} s, "
                  f"server script {r['script'] * 1000:.0f} ms); cold first visit "
                  f"{r['cold']:.2f} s", flush=True)
    finally:
        for process in (survey, baseline):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    ours, bare = results["survey"], results["baseline"]
    print(f"target: first screen < 2 s: {'met' if ours['first'] < 2 else 'NOT met'}")
    print(f"speedup={bare['first'] / ours['first']:.2f}")


if __name__ == "__main__":
    main()
