"""The staff's survey page in AppTest: a researcher opens a campaign.

The respondent's survey is plain HTML served by study/web (tests/web/).
"""

from __future__ import annotations

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.surveys import list_campaigns

from conftest import add_user, open_app_page


def test_researcher_opens_a_campaign_on_the_page(database):
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        account = add_user(session, "r@example.org", "researcher")
    at = open_app_page(account, "campaigns.py", timeout=30)
    assert not at.exception
    at.radio[0].set_value("Personal single-use invitations")
    at.number_input[0].set_value(12)
    at.button(key="FormSubmitter:create-campaign-Open campaign").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Opened campaign")
    with database.transaction() as session:
        (campaign,) = list_campaigns(session, viewer=OPERATOR)
        assert (campaign.mode, campaign.invitations) == ("personal", 12)
