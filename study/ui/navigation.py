"""Which pages exist for whom: the login, the set-password page, and pages by role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from study.admin.permissions import can, roles_with
from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, refresh_login

PAGES_DIR = Path(__file__).parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    """A page script in study/ui/pages/ and the permission that opens it (admin.permissions)."""

    script: str
    title: str
    url_path: str
    icon: str
    permission: str | None  # None: a public page (no login)
    section: str = "Study"

    def opens_for(self, account) -> bool:
        """True when ``account`` may open this page."""
        return self.permission is not None and can(account, self.permission)

    @property
    def roles(self) -> frozenset[str]:
        """The roles that may open this page (from the permission table)."""
        return roles_with(self.permission) if self.permission else frozenset()


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "Overview", "overview", ":material/dashboard:", "see_overview"),
    PageSpec(
        "organisations.py",
        "Organisations",
        "organisations",
        ":material/domain:",
        "manage_organisations",
    ),
    PageSpec(
        "campaigns.py",
        "Survey campaigns",
        "campaigns",
        ":material/campaign:",
        "run_surveys",
        section="Surveys",
    ),
    PageSpec(
        "instruments.py",
        "Instruments",
        "instruments",
        ":material/checklist:",
        "run_surveys",
        section="Surveys",
    ),
    PageSpec(
        "codebook.py",
        "Codebook",
        "codebook",
        ":material/account_tree:",
        "code",
        section="Interviews",
    ),
    PageSpec(
        "workbench.py",
        "Coding workbench",
        "workbench",
        ":material/ink_highlighter:",
        "code",
        section="Interviews",
    ),
    PageSpec(
        "segments.py",
        "Coded segments",
        "segments",
        ":material/format_quote:",
        "code",
        section="Interviews",
    ),
    PageSpec(
        "transcripts.py",
        "Transcripts",
        "transcripts",
        ":material/description:",
        "read_transcripts",
        section="Interviews",
    ),
    PageSpec(
        "search.py",
        "Search",
        "search",
        ":material/search:",
        "read_transcripts",
        section="Interviews",
    ),
    PageSpec(
        "reliability.py",
        "Reliability",
        "reliability",
        ":material/balance:",
        "check_reliability",
        section="Interviews",
    ),
    PageSpec(
        "exchange.py",
        "REFI-QDA exchange",
        "exchange",
        ":material/sync_alt:",
        "exchange_projects",
        section="Interviews",
    ),
    PageSpec(
        "compare.py",
        "Compare organisations",
        "compare",
        ":material/compare_arrows:",
        "analyse",
        section="Analysis",
    ),
    PageSpec(
        "joint_display.py",
        "Joint display",
        "joint-display",
        ":material/join_inner:",
        "analyse",
        section="Analysis",
    ),
    PageSpec(
        "platform_activity.py",
        "Platform activity",
        "platform-activity",
        ":material/forum:",
        "analyse",
        section="Analysis",
    ),
    PageSpec(
        "benchmark.py",
        "Benchmark report",
        "benchmark",
        ":material/leaderboard:",
        "download_benchmark",
        section="Analysis",
    ),
    PageSpec(
        "accounts.py",
        "Accounts",
        "accounts",
        ":material/manage_accounts:",
        "manage_accounts",
        section="Account",
    ),
    PageSpec(
        "my_account.py",
        "My account",
        "my-account",
        ":material/person:",
        "manage_own_account",
        section="Account",
    ),
)

SET_PASSWORD_PAGE = PageSpec(
    "set_password.py", "Set your password", "set-password", ":material/password:", None
)
#: The query parameter of a set-password link (study.admin.password_links.LINK_PARAMETER).
LINK_PARAMETER = "k"


def _page(spec: PageSpec, *, default: bool = False) -> st.Page:
    return st.Page(
        PAGES_DIR / spec.script,
        title=spec.title,
        url_path=spec.url_path,
        icon=spec.icon,
        default=default,
    )


def _account_box() -> None:
    account = current_account()
    with st.sidebar:
        st.caption(
            f"Logged in as **{markdown_literal(account.display_name or account.email)}** "
            f"({account.role})"
        )
        if st.button("Log out", icon=":material/logout:"):
            from study.admin.sessions import log_out
            from study.ui.state import session_token, set_account

            token = session_token()
            if token:
                log_out(database(), token)
            set_account(None)
            st.session_state.clear()
            st.session_state["logged_out"] = True
            st.rerun()


def _to_survey() -> None:
    """A survey link that reached the Streamlit app: a plain link to the survey (study/web)."""
    from urllib.parse import urlencode

    query = urlencode(st.query_params.to_dict())
    st.markdown(f"[Open the survey / Åbn spørgeskemaet](./survey?{query})")


def build_navigation() -> st.navigation:
    """The navigation for this visitor: a survey link, set-password only, login, or their pages.

    A survey link (``?t=TOKEN``) is decided first and never reads or sets the staff
    login cookie; the survey itself is plain HTML served by :mod:`study.web`. Pages
    outside the account's role answer at their address with "You do not have access
    to this page" instead of sending the visitor elsewhere.
    """
    if "t" in st.query_params:
        # Survey links are served by study/web at /survey (the server redirects "/?t=");
        # a link that still reaches the Streamlit app gets a plain link there.
        return st.navigation(
            [st.Page(_to_survey, title="Survey", url_path="start", default=True)], position="hidden"
        )
    if st.session_state.pop("logged_out", False):
        from study.ui.components.session_cookie import drop_cookie

        drop_cookie()
        st.stop()
    if LINK_PARAMETER in st.query_params or st.session_state.get("password_link"):
        # Streamlit gives the default page the address "/", so a lone set-password page
        # (the default) did not exist at /set-password and the link opened under a "Page
        # not found" modal (issue 20). The page lives at its own address; the same
        # script is the default for "/?k=".
        start = st.Page(
            PAGES_DIR / SET_PASSWORD_PAGE.script,
            title=SET_PASSWORD_PAGE.title,
            url_path="set-password-start",
            default=True,
        )
        return st.navigation([start, _page(SET_PASSWORD_PAGE)], position="hidden")
    account = refresh_login()
    if account is None:
        database()  # an unusable database is reported here, before anyone types a password
        login_page = st.Page(
            PAGES_DIR / "login.py",
            title="Log in",
            url_path="login",
            icon=":material/login:",
            default=True,
        )
        # A researcher's bookmarked page (or a reload, which starts a new session) shows
        # the login at that address; after logging in the same address shows the page.
        behind_login = [
            st.Page(PAGES_DIR / "login.py", title=spec.title, url_path=spec.url_path)
            for spec in PAGES
        ]
        return st.navigation([login_page, *behind_login], position="hidden")
    allowed = [spec for spec in PAGES if spec.opens_for(account)]
    sections: dict[str, list[st.Page]] = {}
    for index, spec in enumerate(allowed):
        sections.setdefault(spec.section, []).append(_page(spec, default=index == 0))
    # Other pages answer at their own address with one line, not a silent redirect.
    denied = [
        st.Page(
            PAGES_DIR / "denied.py", title=spec.title, url_path=spec.url_path, visibility="hidden"
        )
        for spec in PAGES
        if not spec.opens_for(account)
    ]
    if denied:
        sections[allowed[-1].section].extend(denied)
    _account_box()
    # expanded=True: every page of the role in the sidebar, no "View N more".
    return st.navigation(sections, expanded=True)
