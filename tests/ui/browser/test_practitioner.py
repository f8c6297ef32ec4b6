"""End to end in headless Chromium: a practitioner downloads their benchmark spreadsheet."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.analysis.reports.benchmark_editions import publish_benchmark
from study.demo import DEMO_ORGANISATIONS, load_demo

pytestmark = pytest.mark.browser
PASSWORD = "a long secret password"
OWN = "Nordlys Bank"
OTHERS = [name for name, *_ in DEMO_ORGANISATIONS if name != OWN]


@pytest.fixture
def practitioner(database):
    with database.transaction() as session:
        load_demo(session)
        publish_benchmark(session, actor=OPERATOR)  # practitioners see published editions only
        add_account(
            session,
            "pia@nordlys.example",
            role="practitioner",
            password=PASSWORD,
            organisation=OWN,
            actor=OPERATOR,
        )
    return "pia@nordlys.example"


def test_practitioner_sees_only_their_organisation_and_downloads_it(
    practitioner, live_app, page, tmp_path
):
    page.goto(live_app)
    page.get_by_role("textbox", name="E-mail").fill(practitioner)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Benchmark report").click()
    page.get_by_role("heading", name=f"{OWN} against the benchmark").wait_for(timeout=60_000)
    # No chooser of organisations, and no page that compares named organisations.
    assert page.get_by_role("combobox").count() == 0
    assert page.get_by_role("link", name="Compare organisations").count() == 0
    visible = page.get_by_test_id("stMain").inner_text()
    assert OWN in visible
    assert not [name for name in OTHERS if name in visible]
    page.screenshot(path=str(tmp_path / "benchmark.png"), full_page=True)

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the benchmark spreadsheet (.xlsx)").click()
    assert download.value.suggested_filename == "benchmark-nordlys-bank.xlsx"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)

    workbook = load_workbook(saved)
    assert "Summary" in workbook.sheetnames
    organisations = {row[0] for row in workbook["Summary"].iter_rows(min_row=2, values_only=True)}
    assert organisations == {OWN}
    with zipfile.ZipFile(saved) as xlsx:
        everything = "\n".join(xlsx.read(n).decode("utf-8", "replace") for n in xlsx.namelist())
    assert OWN in everything
    assert not [name for name in OTHERS if name in everything]
