"""Which pages exist for whom: the public survey, the login, and pages by role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from study.ui.state import current_account, database, set_account

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
    PageSpec("benchmark.py", "Benchmark report", "benchmark", ":material/leaderboard:", RESEARCH | {"practitioner"}, section="Analysis"),
)

SURVEY_PAGE = PageSpec("survey.py", "Survey", "survey", ":material/ballot:", frozenset())


def _page(spec: PageSpec, *, default: bool = False) -> st.Page:
    return st.Page(PAGES_DIR / spec.script, title=spec.title, url_path=spec.url_path, icon=spec.icon,
                   default=default)


def _account_box() -> None:
    account = current_account()
    with st.sidebar:
        st.caption(f"Logged in as **{account.email}** ({account.role})")
        if st.button("Log out", icon=":material/logout:"):
            set_account(None)
            st.rerun()


def build_navigation() -> st.navigation:
    """The navigation for this visitor: survey only, login only, or the pages of their role."""
    survey_page = _page(SURVEY_PAGE)
    if "t" in st.query_params:
        # The default page answers "/": send a link without the /survey path there too.
        def to_survey() -> None:
            st.switch_page(survey_page, query_params=st.query_params.to_dict())

        start = st.Page(to_survey, title="Survey", url_path="start", default=True)
        return st.navigation([start, survey_page], position="hidden")
    account = current_account()
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
    _account_box()
    return st.navigation(sections)
