"""The staff's survey page in AppTest: a researcher opens a campaign.

The respondent's survey is plain HTML served by study/web (tests/web/).
"""

from __future__ import annotations

from dataclasses import asdict

from streamlit.testing.v1 import AppTest

from study.admin.accounts import add_account
from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.surveys import list_campaigns

from conftest import ROOT


def test_researcher_opens_a_campaign_on_the_page(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        account = add_account(
            session,
            "r@example.org",
            role="researcher",
            password="a long secret password",
            actor=OPERATOR,
        )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["account"] = asdict(account)
    at.run()
    at.switch_page("study/ui/pages/campaigns.py").run()
    assert not at.exception
    at.radio[0].set_value("Personal single-use invitations")
    at.number_input[0].set_value(12)
    at.button(key="FormSubmitter:create-campaign-Open campaign").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Opened campaign")
    with database.transaction() as session:
        (campaign,) = list_campaigns(session, viewer=OPERATOR)
        assert (campaign.mode, campaign.invitations) == ("personal", 12)
