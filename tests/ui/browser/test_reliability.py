"""End to end in headless Chromium: a researcher checks the demo coders' agreement and
resolves a disagreement into the consensus version."""

from __future__ import annotations

import math

import pytest

from study.admin.accounts import add_account
from study.admin.audit import list_events
from study.admin.permissions import OPERATOR
from study.demo import load_demo
from study.interviews.coding.codings import list_codings
from study.interviews.coding.schemes_store import list_schemes
from study.reliability.consensus import list_disagreements
from study.reliability.report import reliability_report

from span_dom import PHRASE_BOX

pytestmark = pytest.mark.browser
PASSWORD = "a long secret password"
CODERS = ["ana@demo.example", "ben@demo.example"]


@pytest.fixture
def demo(database):
    """The demo study, a researcher, and what the page must show for its first scheme."""
    with database.transaction() as session:
        load_demo(session)
        add_account(
            session, "rita@example.org", role="researcher", password=PASSWORD, actor=OPERATOR
        )
        scheme = list_schemes(session, viewer=OPERATOR)[0].key  # the page's default scheme
        report = reliability_report(
            session, scheme=scheme, unit="sentence", coders=CODERS, n_boot=0, viewer=OPERATOR
        )
        first = list_disagreements(
            session,
            scheme=scheme,
            transcript_id=report.transcripts[0],
            coder_a=CODERS[0],
            coder_b=CODERS[1],
            viewer=OPERATOR,
        )
    assert len(first) >= 2
    return report, first


def log_in(page, email: str, password: str) -> None:
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_researcher_sees_alpha_per_code_and_resolves_a_disagreement(
    demo, database, live_app, page, tmp_path
):
    report, disagreements = demo
    page.goto(live_app)
    log_in(page, "rita@example.org", PASSWORD)
    page.get_by_role("link", name="Reliability").click()
    page.get_by_role("heading", name="Reliability", exact=True).wait_for()
    # Ana and Ben, sentence level, are the defaults; every alpha the library
    # computes is on the page, to three decimals.
    table = page.get_by_test_id("stTable")
    table.wait_for()
    shown = 0
    for row in report.table.itertuples():
        if math.isnan(row.alpha) or row.code == "(all codes)":
            continue
        cells = table.get_by_role("row").filter(
            has=page.get_by_role("cell", name=row.code_name, exact=True)
        )
        assert cells.get_by_text(f"{row.alpha:.3f}", exact=True).count() >= 1, row.code_name
        shown += 1
    assert shown >= 3
    page.get_by_text(f"Disagreement 1 of {len(disagreements)}").wait_for()
    page.get_by_role("button", name="Next disagreement").click()
    page.get_by_text(f"Disagreement 2 of {len(disagreements)}").wait_for()
    second = disagreements[1]
    page.get_by_role("heading", name=second.code_name).wait_for()
    page.get_by_role("button", name="Accept Ben").click()
    page.get_by_text("The consensus version now codes").wait_for()
    # a decision moves on to the next disagreement; the decided one says what was decided
    page.get_by_text(f"Disagreement 3 of {len(disagreements)}").wait_for()
    page.get_by_role("button", name="Previous disagreement").click()
    page.get_by_text("consensus: accepted Ben").wait_for()
    assert page.get_by_text("Traceback").count() == 0
    page.screenshot(path=str(tmp_path / "reliability.png"), full_page=True)
    with database.transaction() as session:
        frame = list_codings(session, transcript_id=second.transcript_id, viewer=OPERATOR)
        events = list_events(session, action_prefix="consensus.resolve", viewer=OPERATOR)
    consensus = frame[frame["origin"] == "consensus"]
    assert len(consensus) > 0
    resolved = consensus[consensus["code_id"] == second.code_id]
    ben_coded = second.coder == "ben@demo.example"
    covered = any(
        s <= second.start and second.end <= e for s, e in zip(resolved["start"], resolved["end"])
    )
    assert covered == ben_coded
    (event,) = events.itertuples()
    assert event.actor == "rita@example.org"
    assert event.details["decision"] == "accept_b"
    assert (event.details["start"], event.details["end"]) == (second.start, second.end)


def test_researcher_drags_the_consensus_span_and_moves_on(demo, database, live_app, page):
    report, disagreements = demo
    first = disagreements[0]
    with database.transaction() as session:
        from study.interviews.transcripts.store import transcript_json

        text = transcript_json(session, first.transcript_id, viewer=OPERATOR)["text"]
    # drag the consensus span's end to the end of a word after it, one that occurs once in
    # the drawn window (so the test finds the same word the researcher sees)
    window = text[max(0, first.start - 200) : first.end + 200]
    after = text[first.end : first.end + 80]
    phrase = next(w for w in after.split()[1:] if len(w) > 3 and window.count(w) == 1)
    new_end = first.end + after.index(phrase) + len(phrase)
    disputed = text[first.start : first.end]
    new_start = first.start + len(disputed) - len(disputed.lstrip())  # white space is left out

    page.goto(live_app)
    log_in(page, "rita@example.org", PASSWORD)
    page.get_by_role("link", name="Reliability").click()
    page.get_by_text(f"Disagreement 1 of {len(disagreements)}").wait_for()
    # both coders' spans and the consensus span are drawn on the text
    page.locator(".chip-name", has_text="Consensus").wait_for()
    assert page.locator(".chip-other .chip-name").filter(has_text="Ana").count() >= 1
    page.locator(".chip-name", has_text="Consensus").click()
    handle = page.locator(".ism-transcript .handle-end")
    handle.wait_for()
    page.screenshot(path="/tmp/ism-e2e-consensus-1-focused.png")
    target = page.evaluate(PHRASE_BOX, phrase)
    grip = handle.bounding_box()
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x2"], target["y2"], steps=10)
    page.mouse.up()
    page.get_by_text("Dragged span: saved").wait_for()
    page.get_by_text(f"Disagreement 2 of {len(disagreements)}").wait_for()
    page.screenshot(path="/tmp/ism-e2e-consensus-2-next.png")
    assert page.get_by_text("Traceback").count() == 0
    with database.transaction() as session:
        events = list_events(session, action_prefix="consensus.resolve", viewer=OPERATOR)
        frame = list_codings(session, transcript_id=first.transcript_id, viewer=OPERATOR)
    (event,) = events.itertuples()
    assert event.details["decision"] == "edit"
    assert event.details["span"] == [new_start, new_end]
    consensus = frame[(frame["origin"] == "consensus") & (frame["code_id"] == first.code_id)]
    assert any(
        s <= new_start and e == new_end for s, e in zip(consensus["start"], consensus["end"])
    )
