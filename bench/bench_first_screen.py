"""The survey's first screen on a slow phone connection: bytes, requests, time to the consent text.

One `study serve` process with a fresh SQLite database and one open-link campaign.
Headless Chromium at 390 x 844 (mobile, touch, DPR 2) with the network throttled
through the DevTools protocol to 1.6 Mbps down, 750 kbps up and 150 ms latency (a
slow mobile connection) opens the survey link until the consent text is visible;
median of ``--runs`` fresh browser contexts (empty cache) after one warm-up visit.
Bytes are what crossed the network (compressed) for every request of the first
screen. The baseline, measured the same way in the same run, is a plain HTML page
with the same texts and button, served by Python's ``http.server`` (uncompressed).

``speedup`` = baseline time / our time (1.0: the survey costs no more than a plain
page). Targets: first screen at most 100 KB, consent text in under 1 s.

    .venv/bin/python bench/bench_first_screen.py [--runs 7]
"""

from __future__ import annotations

import argparse
import html
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_respondents import SURVEY, _campaign, _database, _free_port, _serve  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SLOW = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
CONSENT = SURVEY.consent["en"][:40]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _plain_page(folder: Path) -> None:
    text = {key: html.escape(getattr(SURVEY, key)["en"]) for key in ("title", "intro", "consent")}
    (folder / "index.html").write_text(
        f'<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>{text["title"]}</title>'
        f"<h1>{text['title']}</h1><p>{text['intro']}</p><p>{text['consent']}</p><form "
        f'method="post"><button>I agree, start the survey</button></form></html>',
        encoding="utf-8",
    )


def _visit(browser, url: str) -> dict:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW)
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: sizes.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.get_by_text(CONSENT).first.wait_for(timeout=120_000)
    seconds = time.perf_counter() - started
    page.wait_for_load_state("load")
    context.close()
    return {"seconds": seconds, "bytes": sum(sizes.values()), "requests": len(sizes)}


def _measure(browser, url: str, runs: int) -> dict:
    _visit(browser, url)  # warm-up: imports and caches of the server, not of the browser
    visits = [_visit(browser, url) for _ in range(runs)]
    return {key: statistics.median(v[key] for v in visits) for key in visits[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-first-screen-"))
    url = _database(None, workdir)
    _plain_page(workdir)
    port = _free_port()
    env = {**os.environ, "STUDY_DATABASE_URL": url, "STUDY_BASE_URL": f"http://127.0.0.1:{port}"}
    token = _campaign(url)
    ours = _serve(
        [sys.executable, "-m", "study.cli", "serve", "--port", str(port)],
        env,
        port,
        workdir / "ours.log",
    )
    plain = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(workdir)))
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    targets = {
        "ours": f"http://127.0.0.1:{port}/survey?t={token}",
        "plain page": f"http://127.0.0.1:{plain.server_address[1]}/index.html",
    }
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
            )
            for name, address in targets.items():
                results[name] = r = _measure(browser, address, args.runs)
                print(
                    f"{name}: consent text after {r['seconds']:.2f} s at 1.6 Mbps / 150 ms; "
                    f"first screen {r['bytes'] / 1024:.1f} KB in {r['requests']:.0f} requests",
                    flush=True,
                )
            browser.close()
    finally:
        plain.shutdown()
        os.killpg(ours.pid, signal.SIGTERM)
        ours.wait(timeout=20)
    mine = results["ours"]
    print(
        f"targets: first screen <= 100 KB: {'met' if mine['bytes'] <= 100 * 1024 else 'NOT met'}; "
        f"consent text < 1 s: {'met' if mine['seconds'] < 1 else 'NOT met'}"
    )
    print(f"speedup={results['plain page']['seconds'] / mine['seconds']:.2f}")


if __name__ == "__main__":
    main()
