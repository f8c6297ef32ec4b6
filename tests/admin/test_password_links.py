"""Set-password links: a link issued before a deactivation never works after it (issue 20, 6).

Real databases on both backends. Reactivating an account brought back the invitation
or reset link it had before it was deactivated.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from study.admin.accounts import add_account, deactivate_account, reactivate_account
from study.admin.password_links import (
    check_password_link,
    invite_account,
    reset_password,
    use_password_link,
)
from study.admin.permissions import OPERATOR
from study.db.models import AccountRow, PasswordLinkRow, utcnow
from study.errors import InvalidToken

PASSWORD = "correct horse battery"


@pytest.fixture
def admin(database):
    with database.transaction() as session:
        add_account(session, "admin@example.org", role="admin", password=PASSWORD, actor=OPERATOR)
        add_account(
            session, "rita@example.org", role="researcher", password=PASSWORD, actor=OPERATOR
        )


def token_of(link) -> str:
    return link.url.split("k=", 1)[1]


@pytest.mark.parametrize("issue", ["invite", "reset"])
def test_a_link_issued_before_deactivation_never_works_after_reactivation(database, admin, issue):
    with database.transaction() as session:
        link = (
            invite_account(session, "nina@example.org", role="coder", actor=OPERATOR)
            if issue == "invite"
            else reset_password(session, "rita@example.org", actor=OPERATOR)
        )
        email = link.account.email
    with database.transaction() as session:
        deactivate_account(session, email, actor=OPERATOR)
    with database.transaction() as session:
        reactivate_account(session, email, actor=OPERATOR)
    for attempt in (
        check_password_link,
        lambda s, t: use_password_link(s, t, "a new long password"),
    ):
        with database.transaction() as session, pytest.raises(InvalidToken, match="^This link"):
            attempt(session, token_of(link))
    # A new link, issued after the reactivation, works.
    with database.transaction() as session:
        fresh = reset_password(session, email, actor=OPERATOR)
    with database.transaction() as session:
        account, handoff = use_password_link(session, token_of(fresh), "a new long password")
    assert account.email == email and handoff  # the password is set and a session begins


def test_reactivation_ends_links_left_open_by_an_earlier_deactivation(database, admin):
    """A database deactivated before this fix still holds open links: reactivation ends them."""
    with database.transaction() as session:
        link = reset_password(session, "rita@example.org", actor=OPERATOR)
        session.scalar(
            select(AccountRow).where(AccountRow.email == "rita@example.org")
        ).deactivated_at = utcnow()
    with database.transaction() as session:
        assert session.scalar(select(PasswordLinkRow.used_at)) is None  # still open
        reactivate_account(session, "rita@example.org", actor=OPERATOR)
    with database.transaction() as session, pytest.raises(InvalidToken):
        use_password_link(session, token_of(link), "a new long password")
