"""End to end in headless Chromium: a coder on a blind scheme sees only their own counts.

Issue 20, finding 1: the Codebook page showed coders every coder's frequencies and
co-occurrences (heatmaps and CSV downloads) on a scheme in blind mode. Here a new
coder with one coding logs in to the demo study and reads the Overview and the
Codebook, and downloads every CSV of the Codebook page.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from study.admin.permissions import OPERATOR
from study.interviews.coding import list_codings, set_blind

from coding_study import coder_with_one_coding

pytestmark = pytest.mark.browser
PASSWORD = "a long secret password"
SCHEME = "ism-adoption-challenges"


@pytest.fixture
def carl(demo_database):
    with demo_database.transaction() as session:
        carl = coder_with_one_coding(session, password=PASSWORD)
        others = len(list_codings(session, scheme=SCHEME, viewer=OPERATOR)) - 1
        set_blind(session, SCHEME, True, actor=OPERATOR)
    return {"email": carl.email, "others": others}


def _settled(page) -> None:
    """Wait until the app has finished its run (a download button's click reruns the page)."""
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
    page.wait_for_timeout(300)


def _download(page, button, folder) -> tuple[str, str]:
    """Click a download button and read the file (again if a rerun cancelled it)."""
    for attempt in range(3):
        _settled(page)
        with page.expect_download(timeout=60_000) as download:
            button.click()
        path = folder / download.value.suggested_filename
        try:
            download.value.save_as(path)
        except PlaywrightError:
            if attempt == 2:
                raise
            continue
        return path.name, path.read_text(encoding="utf-8-sig")
    raise AssertionError("unreachable")


def _numbers(text: str) -> int:
    rows = list(csv.reader(io.StringIO(text)))
    return sum(int(float(cell)) for row in rows[1:] for cell in row[1:] if cell.strip())


def test_a_coder_sees_only_their_own_counts_on_every_page_and_download(
    carl, live_demo_app, page, tmp_path
):
    page.goto(live_demo_app)
    page.get_by_role("textbox", name="E-mail").fill(carl["email"])
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Codebook").click()
    page.get_by_role("heading", name="How often each code was used").wait_for(timeout=60_000)
    downloads = {}

    def download_every_visible_csv():
        buttons = page.get_by_role(
            "button", name=re.compile(r"^Download( co-occurrence)? \(CSV\)$")
        )
        buttons.first.wait_for()
        for index in range(buttons.count()):
            if buttons.nth(index).is_visible():
                name, text = _download(page, buttons.nth(index), tmp_path)
                downloads[name] = text

    download_every_visible_csv()
    page.get_by_role("tab", name="Codings per organisation").click()
    download_every_visible_csv()
    page.screenshot(path=str(tmp_path / "codebook.png"), full_page=True)
    assert len(downloads) == 3, downloads.keys()
    for name, text in downloads.items():
        assert _numbers(text) == 1, name  # Carl's one coding, never the other coders'
    assert carl["others"] > 100  # the demo coders' codings exist, and are not shown
    page.get_by_role("link", name="Overview").click()
    page.get_by_text("Codings").first.wait_for()
    metric = page.get_by_test_id("stMetric").filter(has_text="Codings")
    shown = int(metric.get_by_test_id("stMetricValue").inner_text().replace(",", ""))
    assert shown < carl["others"]  # the blind scheme's other codings are not counted
    assert page.get_by_test_id("stException").count() == 0
