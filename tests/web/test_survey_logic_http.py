"""Survey logic on the web page: pages and items shown on earlier answers, each respondent's order.

The instrument is tests/data/surveys/logic-survey.yaml (see tests/surveys/test_logic_responses.py):
page ``platform`` (pa1-pa3 in a per-respondent order) only for ``uses_platform: yes``; on
page ``about``, ``why_not`` only for ``no`` and ``heavy_use`` for frequent users. The page
renders what :mod:`study.surveys.logic` says, and Next and Back skip hidden pages.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.db.models import ResponseRow
from study.surveys import create_campaign
from study.surveys.answers import stored_answers
from study.surveys.instrument_store import store_instrument
from study.surveys.instruments import load_instrument
from study.surveys.logic import shown_items
from study.surveys.response_rows import response_seed

from conftest import DATA as TEST_DATA
from survey_forms import Respondent, make_client, page_heading

INSTRUMENT = load_instrument(TEST_DATA / "surveys" / "logic-survey.yaml")


def started(database) -> Respondent:
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        store_instrument(session, INSTRUMENT)
        token = create_campaign(
            session, organisation="Nordlys Bank", instrument=INSTRUMENT.id, actor=OPERATOR
        ).link.split("t=")[1]
    tab = Respondent(make_client(), f"/survey?t={token}")
    tab.press("I agree, start the survey")
    return tab


def item_names(html: str) -> list[str]:
    """The items on the page, in the order shown."""
    seen: list[str] = []
    for name in re.findall(r'name="a-(\w+)"', html):
        if name not in seen:
            seen.append(name)
    return seen


def test_a_non_user_skips_the_platform_page_both_ways(database):
    tab = started(database)
    assert "Page 1 of 2" in tab.html  # the platform page counts once it is shown
    tab.press("Next", {"uses_platform": "no", "use1": 2})
    assert page_heading(tab.html) == "About you"
    assert "Page 2 of 2" in tab.html  # the platform page is not counted either
    assert item_names(tab.html) == ["why_not", "dept"]
    tab.press("Submit my answers", {"dept": "ops"})
    assert "Why not?" in tab.html and "needs an answer" in tab.html  # why_not is required
    tab.press("Back")
    assert page_heading(tab.html) == "Your use"  # Back skips the hidden page too
    tab.press("Next")
    tab.press("Submit my answers", {"why_not": "No time"})
    assert "Thank you for taking part" in tab.html


def test_a_user_gets_the_platform_page_in_their_own_order_and_the_follow_up(database):
    tab = started(database)
    tab.press("Next", {"uses_platform": "yes", "use1": 5})
    assert page_heading(tab.html) == "The platform"
    with database.transaction() as session:
        response_id = session.scalar(select(ResponseRow.id))
        seed = response_seed(session, response_id)
        answers = stored_answers(session, response_id)
    expected = [item.id for item in shown_items(INSTRUMENT, 1, answers, seed=seed)]
    assert seed is not None and sorted(expected) == ["pa1", "pa2", "pa3"]
    assert item_names(tab.html) == expected  # the respondent's order, as stored
    tab.reload()
    assert item_names(tab.html) == expected  # and the same order again
    tab.press("Next", {"pa1": 4, "pa2": 3, "pa3": 2})
    assert item_names(tab.html) == ["heavy_use", "dept"]
    tab.press("Submit my answers", {"heavy_use": "News", "dept": "support"})
    assert "Thank you for taking part" in tab.html
    with database.transaction() as session:
        assert stored_answers(session, response_id) == {
            "uses_platform": "yes",
            "use1": 5,
            "pa1": 4,
            "pa2": 3,
            "pa3": 2,
            "heavy_use": "News",
            "dept": "support",
        }
