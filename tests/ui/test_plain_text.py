"""Names and texts people typed are shown as text, never as Markdown, on every page.

A name such as ``![x](https://elsewhere/pixel.png)`` rendered as Markdown makes every
visitor's browser fetch an outside address (and ``[click](...)`` hides where a link
goes). The demo study is given such names (organisations, codes, a scheme, a
transcript, an account, a memo), then every page an admin sees (all but the survey) runs in
AppTest and everything it renders as Markdown is checked: the image syntax must
arrive escaped. The survey is plain HTML with its own tests (tests/web/).
"""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from study.admin.accounts import add_account
from study.admin.permissions import OPERATOR
from study.db.models import AccountRow, CodeRow, CodingSchemeRow, OrganisationRow, TranscriptRow
from study.ui.navigation import PAGES

from conftest import ROOT

IMAGE = "![x](http://evil.example/pixel.png)"
MARKDOWN_KINDS = (
    "markdown",
    "caption",
    "success",
    "info",
    "warning",
    "error",
    "title",
    "subheader",
    "header",
    "expander",
    "tabs",
)


@pytest.fixture
def hostile_accounts(demo_database):
    with demo_database.transaction() as session:
        for n, organisation in enumerate(
            session.scalars(select(OrganisationRow).order_by(OrganisationRow.id))
        ):
            organisation.name = f"{IMAGE} Org {n}"
        for n, code in enumerate(session.scalars(select(CodeRow).order_by(CodeRow.id))):
            code.name = f"{IMAGE} code {n}"
        for scheme in session.scalars(select(CodingSchemeRow)):
            scheme.title = f"{IMAGE} {scheme.title}"
        for transcript in session.scalars(select(TranscriptRow)):
            transcript.name = f"{IMAGE} {transcript.name}"
        for account in session.scalars(select(AccountRow)):
            account.display_name = f"{IMAGE} coder {account.id}"
        accounts = {
            role: add_account(
                session,
                f"{role}@example.org",
                role=role,
                password=None,
                display_name=f"{IMAGE} {role}",
                actor=OPERATOR,
            )
            for role in ("admin",)
        }
    return accounts


def rendered_markdown(at: AppTest) -> list[str]:
    texts: list[str] = []
    for kind in MARKDOWN_KINDS:
        for element in getattr(at, kind, []):
            for attribute in ("value", "label"):
                value = getattr(element, attribute, None)
                if isinstance(value, str):
                    texts.append(value)
    for widget in (
        "button",
        "checkbox",
        "selectbox",
        "multiselect",
        "radio",
        "text_input",
        "text_area",
        "toggle",
        "number_input",
        "date_input",
    ):
        texts += [w.label for w in getattr(at, widget, []) if isinstance(w.label, str)]
    return texts


def test_no_page_renders_user_text_as_markdown(hostile_accounts):
    role = "admin"  # sees every staff page
    account = asdict(hostile_accounts[role])
    live: dict[str, list[str]] = {}
    for spec in PAGES:
        if role not in spec.roles:
            continue
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["account"] = account
        at.run()
        at = at.switch_page(f"study/ui/pages/{spec.script}").run()
        found = [text for text in rendered_markdown(at) if IMAGE in text]
        if found:
            live[spec.script] = found
    assert live == {}, "\n".join(f"{page}: {texts}" for page, texts in live.items())
