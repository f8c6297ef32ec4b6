"""End to end in headless Chromium: a researcher checks agreement and builds the consensus."""

from __future__ import annotations

import pytest

from study.coding.codings import list_codings

from icr_study import CODE, PASSWORD, build_icr_study

pytestmark = pytest.mark.browser


@pytest.fixture
def study(database):
    with database.transaction() as session:
        return build_icr_study(session, passwords=True)


def log_in(page, email: str, password: str) -> None:
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_researcher_sees_alpha_per_code_and_resolves_a_disagreement(study, database, live_app,
                                                                    page, tmp_path):
    page.goto(live_app)
    log_in(page, "rita@example.org", PASSWORD)
    page.get_by_role("link", name="Reliability").click()
    page.get_by_role("heading", name="Reliability", exact=True).wait_for()
    # Ana and Ben are picked by default; at sentence level Krippendorff's alpha for
    # "Not work-related" is 0.650 (worked out in tests/test_reliability_db.py).
    table = page.get_by_test_id("stTable")
    table.get_by_role("row").filter(has_text="Not work-related").get_by_text("0.650").wait_for()
    assert table.get_by_role("row").filter(
        has_text="Management support in words, not action").get_by_text("reliable").count() == 1
    page.get_by_text("Disagreement 1 of 2").wait_for()
    page.get_by_role("button", name="Next disagreement").click()
    page.get_by_text("Disagreement 2 of 2").wait_for()
    page.get_by_role("button", name="Previous disagreement").click()
    page.get_by_text("Disagreement 1 of 2").wait_for()
    page.get_by_role("button", name="Accept Ana").click()
    page.get_by_text("The consensus version now codes Not work-related on 4 passages").wait_for()
    page.get_by_text("consensus: accepted Ana").wait_for()
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(tmp_path / "reliability.png"), full_page=True)
    with database.transaction() as session:
        frame = list_codings(session)
    consensus = frame[(frame["origin"] == "consensus") & (frame["code"] == CODE)]
    assert len(consensus) == 4
    assert set(consensus["coder"]) == {f"consensus-{study.ana}-{study.ben}@consensus.invalid"}
