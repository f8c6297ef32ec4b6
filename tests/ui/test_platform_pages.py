"""The Platform activity page, and the platform columns of Joint display and Compare, in AppTest."""

from __future__ import annotations

import pytest

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.ui.navigation import PAGES

from conftest import open_app_page


@pytest.fixture
def researcher(demo_database):
    with demo_database.transaction() as session:
        return add_account(
            session,
            "rita@example.org",
            role="researcher",
            password="a long secret password",
            actor=OPERATOR,
        )


def opened(account, script: str):
    at = open_app_page(account, script, timeout=120)
    assert not at.exception, at.exception
    return at


def test_platform_page_is_for_researchers_in_analysis():
    spec = next(s for s in PAGES if s.script == "platform_activity.py")
    assert spec.section == "Analysis" and "practitioner" not in spec.roles
    assert "coder" not in spec.roles


def test_platform_page_shows_the_demo_measures_and_one_organisation_by_week(researcher):
    at = opened(researcher, "platform_activity.py")
    assert at.title[0].value == "Platform activity"
    table = at.dataframe[0].value
    assert set(table.columns) == {
        "Blue Ridge Software",
        "Fjordvind Energi",
        "Nordlys Bank",
        "Prairie Mutual Insurance",
        "Riverbend Logistics",
    }
    assert "Share who never post (lurkers)" in table.index
    assert table.loc["Members", "Nordlys Bank"] == 180
    assert at.selectbox[-1].value == "Blue Ridge Software"
    assert "Blue Ridge Software, week by week" in [s.value for s in at.subheader]
    at.selectbox[-1].set_value("Prairie Mutual Insurance").run()
    assert not at.exception
    assert "Prairie Mutual Insurance, week by week" in [s.value for s in at.subheader]


def test_joint_display_sets_leaders_replies_beside_words_not_action(researcher):
    at = opened(researcher, "joint_display.py")
    management = at.dataframe[3].value  # the fourth challenge's tab
    prairie = management[management["organisation"] == "Prairie Mutual Insurance"].iloc[0]
    fjordvind = management[management["organisation"] == "Fjordvind Energi"].iloc[0]
    # Prairie's survey says "words, not action" most; its leaders reply least.
    assert prairie["survey_mean"] > fjordvind["survey_mean"]
    assert prairie["platform_value"] < fjordvind["platform_value"]


def test_compare_page_has_the_platform_behaviour_tab(researcher):
    at = opened(researcher, "compare.py")
    frame = at.dataframe[-2].value if at.dataframe[-1].value.empty else at.dataframe[-1].value
    assert "leader_reply_share" in frame.columns
    assert "mean:challenge_management_words" in frame.columns
    row = frame[frame["organisation"] == "Riverbend Logistics"].iloc[0]
    assert row["working_hours_share"] < 0.6
