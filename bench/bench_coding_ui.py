"""Drag-to-highlight time in the coding workbench, in headless Chromium (issue 11).

Builds a SQLite study with a 15,000-word transcript and 400 codings (the same
data as bench_workbench.py, plus one marker word per coordinator turn to find
passages by), serves the real app with `study serve`, logs in as the coder
and codes 50 passages the way a coder does: a mouse drag over the words, then
one click on a code in the tree. Times, measured in the page with
performance.now():

- drag-to-highlight: from the drag's mouseup to the first animation frame
  after the new highlight is in the DOM (what the coder sees);
- drag-to-stored: from the mouseup until the page has stored the coding and
  the rerun has drawn the server's version (the browser no longer holds it
  as pending).

The baseline is the issue's measurement of the old workbench (multiselect and
Apply: median 3.2 s from drag to highlight); speedup = 3.2 s / median
drag-to-highlight. Also checks that all 450 codings are in the database.

Run: .venv/bin/python bench/bench_coding_ui.py [--codings 50]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_workbench import WORDS, build_coded_transcript  # noqa: E402

from study.admin.permissions import OPERATOR  # noqa: E402

BASELINE_MS = 3200.0  # issue 11: median drag-to-highlight of the multiselect workbench
PASSWORD = "a long secret password"
CHROMIUM = "/usr/bin/chromium"
CODE = "Management support in words, not action"

# In-page helpers: find a marker word in the shadow root, scroll it into view and
# return its box; time from mouseup to the frame after the highlight appears.
SETUP = """() => {
  const shadow = () => {
    for (const element of document.querySelectorAll('*')) {
      if (element.shadowRoot && element.shadowRoot.querySelector('.ism-workbench')) {
        return element.shadowRoot;
      }
    }
    return null;
  };
  window.__bench = {shadow, t0: null, marks: null};
  document.addEventListener('mouseup', () => {
    const root = shadow();
    window.__bench.t0 = performance.now();
    window.__bench.marks = root.querySelectorAll('.run[data-m]').length;
  }, true);
}"""

BOX = """(word) => {
  const root = window.__bench.shadow();
  const host = root.querySelector('.ism-transcript');
  const walker = document.createTreeWalker(host, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const at = node.data.indexOf(word);
    if (at < 0) continue;
    if (node.parentElement.dataset.m) return null;  // already coded
    node.parentElement.scrollIntoView({block: 'center'});
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + word.length);
    const r = range.getBoundingClientRect();
    return {x1: r.left + 1, x2: r.right - 1, y: r.top + r.height / 2};
  }
  return null;
}"""

HIGHLIGHT = """(word) => new Promise((resolve) => {
  const root = window.__bench.shadow();
  const seen = () => Array.from(root.querySelectorAll('.run[data-m]'))
    .some((run) => run.textContent.includes(word));
  const done = () => requestAnimationFrame(() => resolve(performance.now() - window.__bench.t0));
  if (seen()) { done(); return; }
  const observer = new MutationObserver(() => {
    if (seen()) { observer.disconnect(); done(); }
  });
  observer.observe(root, {childList: true, subtree: true});
})"""

STORED = """([word, version]) => new Promise((resolve) => {
  const root = window.__bench.shadow();
  const check = () => {
    const shell = root.querySelector('.ism-workbench');
    if (shell.dataset.pending === '0' && shell.dataset.version !== version) {
      resolve(performance.now() - window.__bench.t0);
    } else {
      setTimeout(check, 5);
    }
  };
  check();
})"""


def build(url: str) -> tuple[int, list[str]]:
    """The study: 15,000 words in 300 turns, 400 codings; return the transcript id and markers."""
    rng = random.Random(7)
    blocks, markers = [], []
    for n in range(300):
        speaker = "Interviewer" if n % 2 == 0 else "Coordinator"
        size = 12 if n % 2 == 0 else 86
        words = [rng.choice(WORDS) for _ in range(size)]
        if n % 2:
            marker = f"marker{n:03d}"
            words[size // 2] = marker
            markers.append(marker)
        blocks.append(f"{speaker}: " + " ".join(words) + ".")
    text = "\n\n".join(blocks) + "\n"

    _, data = build_coded_transcript(
        url, text, password=PASSWORD, display_name="Cora", markers=markers
    )
    print(
        f"transcript: {len(data['text'].split()):,} words, {len(data['turns'])} turns, 400 codings"
    )
    return data["id"], markers


def serve(url: str, folder: str) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "STUDY_DATABASE_URL": url, "STUDY_BASE_URL": base}
    log = open(Path(folder) / "app.log", "w")  # noqa: SIM115 (closed with the process)
    command = [sys.executable, "-m", "study.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the app did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=50)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.db"
    transcript_id, markers = build(url)
    process, base = serve(url, folder)
    highlight, stored_ms = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(base)
            page.get_by_role("textbox", name="E-mail").fill("cora@example.org")
            page.get_by_role("textbox", name="Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("link", name="Coding workbench").click()
            page.locator(".ism-tree .code-apply").first.wait_for()
            page.wait_for_timeout(1000)
            page.evaluate(SETUP)
            code = page.locator(".ism-tree .code-apply").filter(has_text=CODE).first
            chosen = random.Random(3).sample(markers, args.codings)
            for word in chosen:
                box = page.evaluate(BOX, word)
                assert box is not None, word
                version = page.evaluate(
                    "() => window.__bench.shadow().querySelector('.ism-workbench').dataset.version"
                )
                page.mouse.move(box["x1"], box["y"])
                page.mouse.down()
                page.mouse.move(box["x2"], box["y"], steps=4)
                page.mouse.up()
                code.click()
                highlight.append(page.evaluate(HIGHLIGHT, word))
                stored_ms.append(page.evaluate(STORED, [word, version]))
            page.screenshot(path=str(Path(folder) / "bench-coding-ui.png"))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)

    from study.db import Database
    from study.interviews.coding import list_codings

    database = Database(url)
    with database.transaction() as session:
        total = len(list_codings(session, transcript_id=transcript_id, viewer=OPERATOR))
    database.dispose()
    median = statistics.median(highlight)
    print(
        f"codings made: {len(highlight)}; codings stored now: {total} (expected "
        f"{400 + len(highlight)})"
    )
    print(
        f"drag-to-highlight: median {median:.0f} ms, p95 {percentile(highlight, 0.95):.0f} ms, "
        f"max {max(highlight):.0f} ms"
    )
    print(
        f"drag-to-stored (rerun drew it): median {statistics.median(stored_ms):.0f} ms, "
        f"p95 {percentile(stored_ms, 0.95):.0f} ms"
    )
    print(f"baseline (issue 11, multiselect + Apply): median {BASELINE_MS:.0f} ms")
    if total != 400 + len(highlight):
        raise SystemExit("codings were lost")
    print(f"speedup={BASELINE_MS / median:.1f}")


if __name__ == "__main__":
    main()
