"""Which pages exist for whom: the public survey, the login, and pages by role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from study.ui.plain_text import markdown_literal
from study.ui.state import current_account, database, refresh_login

PAGES_DIR = Path(__file__).parent / "pages"

ALL_STAFF = frozenset({"admin", "researcher", "coder"})
RESEARCH = frozenset({"admin", "researcher"})


@dataclass(frozen=True)
class PageSpec:
    """A page script in study/ui/pages/ and the roles that may see it."""

    script: str
    title: str
    url_path: str
    icon: str
    roles: frozenset[str]
    section: str = "Study"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview.py", "Overview", "overview", ":material/dashboard:",
             ALL_STAFF | {"practitioner"}),
    PageSpec("organisations.py", "Organisations", "organisations", ":material/domain:",
             RESEARCH),
    PageSpec("campaigns.py", "Survey campaigns", "campaigns", ":material/campaign:", RESEARCH,
             section="Surveys"),
    PageSpec("instruments.py", "Instruments", "instruments", ":material/checklist:", RESEARCH,
             section="Surveys"),
    PageSpec("codebook.py", "Codebook", "codebook", ":material/account_tree:", ALL_STAFF,
             section="Interviews"),
    PageSpec("workbench.py", "Coding workbench", "workbench", ":material/ink_highlighter:",
             ALL_STAFF, section="Interviews"),
    PageSpec("segments.py", "Coded segments", "segments", ":material/format_quote:", ALL_STAFF,
             section="Interviews"),
    PageSpec("transcripts.py", "Transcripts", "transcripts", ":material/description:", ALL_STAFF, section="Interviews"),
    PageSpec("search.py", "Search", "search", ":material/search:", ALL_STAFF, section="Interviews"),
    PageSpec("reliability.py", "Reliability", "reliability", ":material/balance:", RESEARCH, section="Interviews"),
    PageSpec("exchange.py", "REFI-QDA exchange", "exchange", ":material/sync_alt:", RESEARCH, section="Interviews"),
    PageSpec("compare.py", "Compare organisations", "compare", ":material/compare_arrows:", RESEARCH, section="Analysis"),
    PageSpec("joint_display.py", "Joint display", "joint-display", ":material/join_inner:", RESEARCH, section="Analysis"),
    PageSpec("platform_activity.py", "Platform activity", "platform-activity", ":material/forum:",
             RESEARCH, section="Analysis"),
    PageSpec("benchmark.py", "Benchmark report", "benchmark", ":material/leaderboard:", RESEARCH | {"practitioner"}, section="Analysis"),
    PageSpec("accounts.py", "Accounts", "accounts", ":material/manage_accounts:",
             frozenset({"admin"}), section="Account"),
    PageSpec("my_account.py", "My account", "my-account", ":material/person:",
             ALL_STAFF | {"practitioner"}, section="Account"),
)

SURVEY_PAGE = PageSpec("survey.py", "Survey", "survey", ":material/ballot:", frozenset())
SET_PASSWORD_PAGE = PageSpec("set_password.py", "Set your password", "set-password",
                             ":material/password:", frozenset())
#: The query parameter of a set-password link (study.admin.password_links.LINK_PARAMETER).
LINK_PARAMETER = "k"


def _page(spec: PageSpec, *, default: bool = False) -> st.Page:
    return st.Page(PAGES_DIR / spec.script, title=spec.title, url_path=spec.url_path, icon=spec.icon,
                   default=default)


def _account_box() -> None:
    account = current_account()
    with st.sidebar:
        st.caption(f"Logged in as **{markdown_literal(account.display_name or account.email)}** "
                   f"({account.role})")
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


def build_navigation() -> st.navigation:
    """The navigation for this visitor: survey only, set-password only, login, or their pages.

    A survey link (``?t=TOKEN``) is decided first and never reads or sets the staff
    login cookie. Pages outside the account's role answer at their address with
    "You do not have access to this page" instead of sending the visitor elsewhere.
    """
    survey_page = _page(SURVEY_PAGE)
    if "t" in st.query_params:
        # The default page answers "/": send a link without the /survey path there too.
        def to_survey() -> None:
            st.switch_page(survey_page, query_params=st.query_params.to_dict())

        start = st.Page(to_survey, title="Survey", url_path="start", default=True)
        return st.navigation([start, survey_page], position="hidden")
    if st.session_state.pop("logged_out", False):
        from study.ui.components.session_cookie import drop_cookie
        drop_cookie()
        st.stop()
    set_password = _page(SET_PASSWORD_PAGE)
    if LINK_PARAMETER in st.query_params or st.session_state.get("password_link"):
        return st.navigation([set_password], position="hidden")
    account = refresh_login()
    if account is None:
        database()  # an unusable database is reported here, before anyone types a password
        login_page = st.Page(PAGES_DIR / "login.py", title="Log in", url_path="login",
                             icon=":material/login:", default=True)
        # A researcher's bookmarked page (or a reload, which starts a new session) shows
        # the login at that address; after logging in the same address shows the page.
        behind_login = [st.Page(PAGES_DIR / "login.py", title=spec.title,
                                url_path=spec.url_path) for spec in PAGES]
        return st.navigation([login_page, survey_page, *behind_login], position="hidden")
    allowed = [spec for spec in PAGES if account.role in spec.roles]
    sections: dict[str, list[st.Page]] = {}
    for index, spec in enumerate(allowed):
        sections.setdefault(spec.section, []).append(_page(spec, default=index == 0))
    # Other pages answer at their own address with one line, not a silent redirect.
    denied = [st.Page(PAGES_DIR / "denied.py", title=spec.title, url_path=spec.url_path,
                      visibility="hidden") for spec in PAGES if account.role not in spec.roles]
    if denied:
        sections[allowed[-1].section].extend(denied)
    _account_box()
    # expanded=True: every page of the role in the sidebar, no "View N more".
    return st.navigation(sections, expanded=True)
