"""Reading the survey's HTML the way a browser does: forms, their fields and buttons.

Shared by the HTTP tests of ``tests/web/``: a respondent is a client that GETs a page,
fills the form's fields and POSTs them with one of its buttons, as a browser with
JavaScript off would.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from study.admin.organisations import add_organisation
from study.admin.permissions import OPERATOR
from study.surveys import create_campaign, invitation_links
from study.surveys.instruments import load_instruments

SURVEY = load_instruments()["ism-adoption-survey"]
SURVEYS = [i for i in load_instruments().values() if i.kind == "survey"]

# The buttons and the thank-you heading as respondents read them, written out (not taken
# from study.web.texts) so that a changed text fails a test.
START = {"en": "I agree, start the survey", "da": "Jeg accepterer, start spørgeskemaet"}
NEXT = {"en": "Next", "da": "Næste"}
BACK = {"en": "Back", "da": "Tilbage"}
SUBMIT = {"en": "Submit my answers", "da": "Indsend mine svar"}
THANKS = {"en": "Thank you for taking part", "da": "Tak fordi du deltog"}


@dataclass
class Form:
    """One form of a page: its action, hidden fields, inputs and submit buttons."""

    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)  # type, value, on
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name=value, text)

    def button_value(self, text: str) -> str:
        for value, label in self.buttons:
            if label.strip() == text:
                return value
        raise AssertionError(f"no button {text!r} in {self.buttons}")

    def values(self) -> dict[str, list[str]]:
        """What the browser would send for the fields as they are shown (checked, typed)."""
        sent: dict[str, list[str]] = {name: [value] for name, value in self.hidden.items()}
        for name, entries in self.inputs.items():
            for kind, value, on in entries:
                if kind in ("radio", "checkbox"):
                    if on:
                        sent.setdefault(name, []).append(value)
                else:
                    sent.setdefault(name, []).append(value)
        return sent


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._button: list | None = None
        self._textarea: list | None = None
        self.ids: set[str] = set()
        self.lang: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif tag == "input" and self.forms:
            kind = a.get("type", "text")
            if kind == "hidden":
                self.forms[-1].hidden[a["name"]] = a.get("value", "")
            else:
                self.forms[-1].inputs.setdefault(a["name"], []).append(
                    (kind, a.get("value", ""), "checked" in a)
                )
        elif tag == "textarea" and self.forms:
            self._textarea = [a["name"], ""]
        elif tag == "button" and self.forms and "aria-hidden" not in a:
            self._button = [f"{a.get('name')}={a.get('value')}", ""]

    def handle_data(self, data):
        if self._button is not None:
            self._button[1] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self.forms[-1].buttons.append(tuple(self._button))
            self._button = None
        if tag == "textarea" and self._textarea is not None:
            self.forms[-1].inputs[self._textarea[0]] = [("textarea", self._textarea[1], True)]
            self._textarea = None


def parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    return parser


def forms(html: str) -> list[Form]:
    return parse(html).forms


def fill(form: Form, answers: dict[str, object]) -> dict[str, list[str]]:
    """The form's values with ``answers`` (item id -> value) set as a respondent would."""
    sent = form.values()
    for item_id, value in answers.items():
        name = f"a-{item_id}"
        if isinstance(value, list):
            sent[name] = [str(v) for v in value]
        elif value is None:
            sent.pop(name, None)
        else:
            sent[name] = [str(value)]
    return sent


def planned_answer(item):
    """What the respondents of these tests give each item (also what must be stored)."""
    if item.type == "likert":
        return 4 if len(item.id) % 2 else 2
    if item.type == "single_choice":
        return item.options[-1].id
    if item.type == "multiple_choice":
        return [item.options[0].id, item.options[2].id]
    if item.type == "number":
        return 90
    return f"Mere tid til {item.id} – og færre møder\nog en linje mere"


def open_token(database, instrument: str = "ism-adoption-survey", **options) -> str:
    """A new open-link campaign's token."""
    with database.transaction() as session:
        add_organisation(session, "Nordlys Bank", actor=OPERATOR)
        info = create_campaign(
            session, organisation="Nordlys Bank", instrument=instrument, **options, actor=OPERATOR
        )
    return info.link.split("t=")[1]


def personal_campaign(session, invitations: int = 1, **options):
    """Nordlys Bank (added here) and its adoption survey campaign with personal links."""
    add_organisation(session, "Nordlys Bank", actor=OPERATOR)
    options.update(organisation="Nordlys Bank", instrument="ism-adoption-survey", actor=OPERATOR)
    return create_campaign(session, invitations=invitations, **options)


def personal_tokens(database, count: int = 1, **options) -> list[str]:
    with database.transaction() as session:
        info = personal_campaign(session, count, **options)
        links = invitation_links(session, info.id, viewer=OPERATOR)["link"]
    return [urlsplit(link).query.split("t=")[1] for link in links]


# -- an HTTP respondent (Starlette's TestClient on the survey's routes) -----------------------


def make_client(prefix: str = ""):
    """A TestClient on the survey's routes and middleware (no redirects followed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from starlette.applications import Starlette

    from study.web.routes import survey_middleware, survey_routes

    app = Starlette(routes=survey_routes(prefix), middleware=survey_middleware(prefix))
    return TestClient(app, follow_redirects=False, raise_server_exceptions=False)


class Respondent:
    """One browser tab: the page it shows and the buttons it presses."""

    def __init__(self, client, address: str) -> None:
        self.client = client
        self.address = address
        self.reply = client.get(address)

    @property
    def html(self) -> str:
        return self.reply.text

    @property
    def form(self):
        return forms(self.html)[0]

    def press(self, button: str, answers: dict | None = None, *, form=None, **headers):
        form = form or self.form
        name_value = form.button_value(button)
        data = fill(form, answers or {})
        data[name_value.split("=")[0]] = [name_value.split("=", 1)[1]]
        self.reply = self.client.post(
            form.action.replace("&amp;", "&"), data=data, headers=headers or None
        )
        if self.reply.status_code == 303:
            self.address = self.reply.headers["location"]
            self.reply = self.client.get(self.address)
        return self.reply

    def reload(self):
        self.reply = self.client.get(self.address)
        return self.reply


def page_heading(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.DOTALL).group(1).strip()
