"""The public survey page: consent, one page per section, save on every page change.

No login and no researcher navigation. Everything the respondent enters is
written to the database when they change page; session state only remembers
which response this browser tab is working on.
"""

from __future__ import annotations

import streamlit as st

from study.errors import InvalidToken, StudyError
from study.surveys.instruments import Instrument, Item
from study.surveys.responding import (open_link, response_state, resume_with_code, save_page,
                                      start_response, stored_answers, submit_response)
from study.surveys.tokens import format_resume_code
from study.ui.state import database

TOKEN_KEY = "survey_token"
LANGUAGE_NAMES = {"en": "English", "da": "Dansk"}
TEXTS = {
    "en": {"start": "I agree, start the survey", "next": "Next", "back": "Back",
           "submit": "Submit my answers", "page": "Page {n} of {total}",
           "resume_title": "Continue with a resume code",
           "resume_help": "Enter the code you were shown when you started.",
           "resume": "Continue", "code": "Resume code",
           "your_code": "Your resume code is **{code}**. Note it down: with this link and the "
                        "code you can continue later, also on another device.",
           "fix": "Please answer the questions marked below before you continue.",
           "thanks": "Thank you for taking part. Your answers have been saved.",
           "close": "You can close this page now.",
           "no_link": "Please open the survey with the link from your invitation. If the link "
                      "does not work, ask the person who sent it for a new one.",
           "anonymous": "Your answers are anonymous: we store no name, e-mail or IP address.",
           "required": "required"},
    "da": {"start": "Jeg accepterer, start spørgeskemaet", "next": "Næste", "back": "Tilbage",
           "submit": "Indsend mine svar", "page": "Side {n} af {total}",
           "resume_title": "Fortsæt med en genoptagelseskode",
           "resume_help": "Skriv den kode, du fik vist, da du startede.",
           "resume": "Fortsæt", "code": "Genoptagelseskode",
           "your_code": "Din genoptagelseskode er **{code}**. Skriv den ned: med dette link og "
                        "koden kan du fortsætte senere, også på en anden enhed.",
           "fix": "Besvar venligst de markerede spørgsmål, før du fortsætter.",
           "thanks": "Tak fordi du deltog. Dine svar er gemt.",
           "close": "Du kan lukke siden nu.",
           "no_link": "Åbn spørgeskemaet med linket fra din invitation. Hvis linket ikke virker, "
                      "så bed afsenderen om et nyt.",
           "anonymous": "Dine svar er anonyme: vi gemmer ikke navn, e-mail eller IP-adresse.",
           "required": "skal besvares"},
}
# Static CSS only (no participant text): larger touch targets for phones.
TOUCH_CSS = """<style>
div[data-testid="stRadio"] label, div[data-testid="stCheckbox"] label {
  min-height: 44px; padding: 6px 4px; align-items: center; }
div[data-testid="stRadio"] > div { gap: 2px; }
.stButton button, div[data-testid="stFormSubmitButton"] button { min-height: 48px; min-width: 120px; }
</style>"""


def _t(language: str, key: str, **values) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def _state_key(token: str) -> str:
    return f"survey_response:{token}"


def _language(instrument: Instrument, fallback: str | None) -> str:
    wanted = st.session_state.get("survey_language") or fallback or st.query_params.get("lang")
    return wanted if wanted in instrument.languages else instrument.languages[0]


def _language_selector(instrument: Instrument, language: str) -> str:
    if len(instrument.languages) < 2:
        return language
    choice = st.segmented_control("Language / Sprog", instrument.languages, default=language,
                                  format_func=lambda code: LANGUAGE_NAMES.get(code, code),
                                  label_visibility="collapsed", key="survey_language_choice")
    if choice and choice != language:
        st.session_state["survey_language"] = choice
        st.rerun()
    return language


def _widget(item: Item, language: str, key: str, stored, problem: str | None):
    label = item.text[language] + ("  \\*" if item.required else "")
    if item.type == "likert":
        options = list(range(1, item.points + 1))
        value = st.radio(label, options, key=key, format_func=lambda v: item.label(v, language),
                         index=stored - 1 if isinstance(stored, int) else None)
    elif item.type == "single_choice":
        ids = [o.id for o in item.options]
        value = st.radio(label, ids, key=key,
                         format_func=lambda i: item.option(i).label[language],
                         index=ids.index(stored) if stored in ids else None)
    elif item.type == "multiple_choice":
        ids = [o.id for o in item.options]
        value = st.pills(label, ids, selection_mode="multi", key=key,
                         format_func=lambda i: item.option(i).label[language],
                         default=[i for i in (stored or []) if i in ids])
    elif item.type == "number":
        value = st.number_input(label, key=key, value=stored, min_value=item.min,
                                max_value=item.max, placeholder="")
    else:
        value = st.text_area(label, key=key, value=stored or "", max_chars=item.max_length)
    if problem:
        st.error(problem, icon=":material/error:")
    return value


def _thank_you(instrument: Instrument, language: str) -> None:
    closing = instrument.closing[language] if instrument.closing else _t(language, "thanks")
    st.success(closing, icon=":material/check_circle:")
    st.caption(_t(language, "close"))


def _consent(token: str, link, language: str) -> None:
    instrument = link.instrument
    st.markdown(instrument.intro[language])
    st.info(instrument.consent[language], icon=":material/verified_user:")
    if st.button(_t(language, "start"), type="primary", width="stretch"):
        with database().transaction() as session:
            response_id, code = start_response(session, token, language=language)
        st.session_state[_state_key(token)] = {"response_id": response_id, "code": code}
        st.rerun()
    if link.mode == "open":
        with st.expander(_t(language, "resume_title")):
            with st.form("resume"):
                code = st.text_input(_t(language, "code"), help=_t(language, "resume_help"))
                if st.form_submit_button(_t(language, "resume")):
                    with database().transaction() as session:
                        resumed = resume_with_code(session, token, code)
                    st.session_state[_state_key(token)] = {"response_id": resumed.response_id,
                                                           "code": None}
                    st.rerun()


def _questions(token: str, link, response_id: int, language: str) -> None:
    instrument = link.instrument
    with database().transaction() as session:
        status, current, _ = response_state(session, response_id)
        stored = stored_answers(session, response_id)
    if status == "complete":
        _thank_you(instrument, language)
        return
    mine = st.session_state[_state_key(token)]
    if mine.get("code"):
        st.caption(_t(language, "your_code", code=format_resume_code(mine["code"])))
    total = len(instrument.pages)
    page = instrument.pages[current]
    st.progress(current / total, text=_t(language, "page", n=current + 1, total=total))
    st.subheader(page.title[language])
    if page.intro:
        st.markdown(page.intro[language])
    problems = mine.get("problems", {})
    if problems:
        st.warning(_t(language, "fix"), icon=":material/warning:")
    with st.form(f"page-{current}", border=False):
        values = {item.id: _widget(item, language, f"answer:{response_id}:{item.id}",
                                   stored.get(item.id), problems.get(item.id))
                  for item in instrument.page_items(page)}
        left, right = st.columns(2)
        back = left.form_submit_button(_t(language, "back"), disabled=current == 0,
                                       width="stretch")
        last = current == total - 1
        forward = right.form_submit_button(_t(language, "submit" if last else "next"),
                                           type="primary", width="stretch")
    if not (back or forward):
        return
    with database().transaction() as session:
        if forward and last:
            result = submit_response(session, response_id, values, page=current,
                                     language=language)
        else:
            result = save_page(session, response_id, values, page=current,
                               move_to=current - 1 if back else current + 1, language=language)
    mine["problems"] = result.problems
    st.rerun()


def render() -> None:
    """The survey for the link's token, or a polite message when the link does not work."""
    st.html(TOUCH_CSS)
    token = st.query_params.get("t") or st.session_state.get(TOKEN_KEY)
    if not token:
        st.info(_t(st.query_params.get("lang", "en"), "no_link"))
        return
    st.session_state[TOKEN_KEY] = token
    try:
        with database().transaction() as session:
            link = open_link(session, token)
    except StudyError as exc:
        st.title("Survey" if st.query_params.get("lang") != "da" else "Spørgeskema")
        st.warning(str(exc), icon=":material/info:")
        return
    instrument = link.instrument
    language = _language(instrument, link.language)
    st.header(instrument.title[language])
    language = _language_selector(instrument, language)
    if link.completed:
        _thank_you(instrument, language)
        return
    mine = st.session_state.get(_state_key(token))
    if mine is None and link.response_id is not None:  # a reopened personal link
        mine = st.session_state[_state_key(token)] = {"response_id": link.response_id,
                                                      "code": None}
    try:
        if mine is None:
            _consent(token, link, language)
        else:
            _questions(token, link, mine["response_id"], language)
    except InvalidToken as exc:
        st.session_state.pop(_state_key(token), None)
        st.warning(str(exc), icon=":material/info:")
    except StudyError as exc:
        st.error(str(exc), icon=":material/error:")
    st.caption(_t(language, "anonymous"))


render()
