"""The public survey page: consent, one page per section, every answer saved as it is given.

No login, no researcher navigation and no staff cookie. Each answer is written to
the database when its widget commits it (a tap, or leaving a text field), and the
page's answers again on Back/Next, so a reload, a language switch, a lost
connection or a reopened link continues with nothing lost. Session state keeps
plain values only (the response id, the page, the answers last stored); an
open-link respondent's resume code also sits in the address (``&r=``), so a
reload resumes. When the database cannot be used, the step is retried with
back-off and the respondent sees one polite sentence while the answers stay
in the page.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from study.errors import InvalidToken, StudyError
from study.surveys.anonymity import consent_notice
from study.surveys.instruments import Instrument, Item
from study.surveys.responding import (SurveyLink, open_link, response_state, resume_with_code,
                                      save_page, start_response, stored_answers, submit_response)
from study.surveys.mailing import opt_out
from study.surveys.tokens import format_resume_code
from study.ui.failsafe import BUSY, POLITE, StepFailed, polite, with_retries
from study.ui.plain_text import markdown_literal as lit
from study.ui.state import database_or_raise

T = TypeVar("T")
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
           "code_again": "Resume code: **{code}**",
           "fix": "Please answer the questions marked below before you continue.",
           "thanks": "Thank you for taking part. Your answers have been saved.",
           "close": "You can close this page now.",
           "no_link": "Please open the survey with the link from your invitation. If the link "
                      "does not work, ask the person who sent it for a new one.",
           "anonymous": "Your answers are anonymous: we store no name, e-mail or IP address.",
           "legend": "Questions marked \\* need an answer.", "survey": "Survey",
           "opted_out": "You will get no more e-mails about this survey. The link in the "
                        "e-mail still works if you change your mind."},
    "da": {"start": "Jeg accepterer, start spørgeskemaet", "next": "Næste", "back": "Tilbage",
           "submit": "Indsend mine svar", "page": "Side {n} af {total}",
           "resume_title": "Fortsæt med en genoptagelseskode",
           "resume_help": "Skriv den kode, du fik vist, da du startede.",
           "resume": "Fortsæt", "code": "Genoptagelseskode",
           "your_code": "Din genoptagelseskode er **{code}**. Skriv den ned: med dette link og "
                        "koden kan du fortsætte senere, også på en anden enhed.",
           "code_again": "Genoptagelseskode: **{code}**",
           "fix": "Besvar venligst de markerede spørgsmål, før du fortsætter.",
           "thanks": "Tak fordi du deltog. Dine svar er gemt.",
           "close": "Du kan lukke siden nu.",
           "no_link": "Åbn spørgeskemaet med linket fra din invitation. Hvis linket ikke virker, "
                      "så bed afsenderen om et nyt.",
           "anonymous": "Dine svar er anonyme: vi gemmer ikke navn, e-mail eller IP-adresse.",
           "legend": "Spørgsmål markeret med \\* skal besvares.", "survey": "Spørgeskema",
           "opted_out": "Du får ikke flere e-mails om dette spørgeskema. Linket i e-mailen "
                        "virker stadig, hvis du skifter mening."},
}
# Static CSS only (no participant text): touch targets of at least 44 px on phones,
# and no large gaps between the questions.
TOUCH_CSS = """<style>
div[data-testid="stRadio"] label, div[data-testid="stCheckbox"] label {
  min-height: 44px; padding: 6px 4px; align-items: center; }
div[data-testid="stRadio"] > div { gap: 2px; }
div[data-testid="stButtonGroup"] button { min-height: 44px; min-width: 44px; }
.stButton button { min-height: 48px; min-width: 120px; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; }
[data-testid="stMain"], [data-testid="stAppViewContainer"] { overflow-anchor: none; }
div[data-testid="stNumberInput"] input, div[data-testid="stNumberInput"] button { min-height: 44px; }
.matrix-head { display: none; }
@media (min-width: 800px) {  /* on a desktop, Likert statements form a matrix (Qualtrics-like) */
  .matrix-head { display: grid; grid-template-columns: 45% 1fr; font-size: 0.85rem;
    color: #555; text-align: center; }
  .matrix-head > div { display: grid; grid-template-columns: repeat(var(--points), 1fr); }
  div[class*="st-key-matrix"] div[data-testid="stRadio"] { display: grid;
    grid-template-columns: 45% 1fr; align-items: center; border-top: 1px solid #e6e6e6;
    padding-top: 4px; }
  div[class*="st-key-matrix"] [role="radiogroup"] { display: grid; flex-direction: row; }
  div[class*="st-key-matrix5"] [role="radiogroup"] { grid-template-columns: repeat(5, 1fr); }
  div[class*="st-key-matrix7"] [role="radiogroup"] { grid-template-columns: repeat(7, 1fr); }
  div[class*="st-key-matrix"] [role="radiogroup"] label { justify-content: center; margin: 0; }
  div[class*="st-key-matrix"] [data-testid="stElementContainer"] { width: 100%; }
  div[class*="st-key-matrix"] [role="radiogroup"] label [data-testid="stMarkdownContainer"] {
    font-size: 0; }  /* the column heads show the labels; screen readers still read them */
}
</style>"""
# After Back/Next the new page starts at the top, not where the buttons were. Streamlit
# may still be laying out the page when the script first runs, so it scrolls up again for
# a moment, unless the respondent has started scrolling or typing.
SCROLL_TOP = """<script>/* page {n} */
(() => {{
  const top = () => {{ for (const el of [document.querySelector('[data-testid="stMain"]'),
      document.querySelector('[data-testid="stAppViewContainer"]'), document.scrollingElement])
      {{ if (el) el.scrollTo(0, 0); }} }};
  let moved = false;
  const mine = () => {{ moved = true; }};
  for (const kind of ["touchstart", "wheel", "keydown", "mousedown"])
    window.addEventListener(kind, mine, {{once: true, capture: true, passive: true}});
  top();
  for (const ms of [30, 100, 250, 500, 900]) setTimeout(() => {{ if (!moved) top(); }}, ms);
}})();
</script>"""


def _t(language: str, key: str, **values) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def _state_key(token: str) -> str:
    return f"survey_response:{token}"


def _link_key(token: str) -> str:
    return f"survey_link:{token}"


def _in_transaction(step: Callable[[Any], T], what: str) -> T:
    """Run ``step(session)`` in one transaction, retried with back-off (see failsafe)."""
    def attempt() -> T:
        with database_or_raise().transaction() as session:
            return step(session)
    return with_retries(attempt, what)


def _loaded(response_id: int, code: str | None) -> dict[str, Any]:
    """The respondent's plain state, read from the database (a new tab, reload or resume)."""
    def read(session):
        return response_state(session, response_id), stored_answers(session, response_id)
    (status, page, language), answers = _in_transaction(read, "load response")
    return {"response_id": response_id, "code": code, "page": page, "language": language,
            "answers": answers, "problems": {}, "complete": status == "complete",
            "notice": None, "moves": 0}


def _mine(token: str, link: SurveyLink) -> dict[str, Any] | None:
    """This tab's response: from session state, a reopened personal link, or ``&r=CODE``."""
    mine = st.session_state.get(_state_key(token))
    if mine is not None:
        return mine
    if link.response_id is not None:  # a reopened personal link
        mine = _loaded(link.response_id, None)
    elif link.mode == "open" and st.query_params.get("r"):
        code = st.query_params["r"]
        try:
            resumed = _in_transaction(lambda s: resume_with_code(s, token, code), "resume")
        except InvalidToken:  # submitted meanwhile, or a mangled address: start afresh
            del st.query_params["r"]
            return None
        mine = _loaded(resumed.response_id, code)
    else:
        return None
    st.session_state[_state_key(token)] = mine
    return mine


def _language(instrument: Instrument, mine: dict | None) -> str:
    wanted = (st.session_state.get("survey_language") or (mine or {}).get("language")
              or st.query_params.get("lang"))
    return wanted if wanted in instrument.languages else instrument.languages[0]


def _keep_language(current: str) -> None:
    """A second tap on the chosen language keeps it chosen (it would unselect both)."""
    choice = st.session_state.get("survey_language_choice")
    if choice is None:
        st.session_state["survey_language_choice"] = current
    else:
        st.session_state["survey_language"] = choice
        st.query_params["lang"] = choice


def _language_selector(instrument: Instrument, language: str) -> None:
    if len(instrument.languages) < 2:
        return
    st.session_state.setdefault("survey_language_choice", language)
    st.segmented_control("Language / Sprog", instrument.languages,
                         format_func=lambda code: LANGUAGE_NAMES.get(code, code),
                         label_visibility="collapsed", key="survey_language_choice",
                         on_change=_keep_language, args=(language,))


def _answer_key(response_id: int, item: Item) -> str:
    return f"answer:{response_id}:{item.id}"


def _number_input(item: Item, label: str, key: str, stored: Any, on_change, args) -> None:
    # One numeric type for value, min and max (Streamlit refuses a mix): whole numbers
    # when the bounds and the stored answer are whole, else floats.
    bounds = [b for b in (item.min, item.max, stored) if b is not None]
    cast = int if all(float(b).is_integer() for b in bounds) else float
    st.number_input(label, key=key, value=cast(stored) if stored is not None else None,
                    min_value=cast(item.min) if item.min is not None else None,
                    max_value=cast(item.max) if item.max is not None else None,
                    step=1 if cast is int else None, placeholder="",
                    on_change=on_change, args=args)


def _widget(item: Item, language: str, key: str, stored, problem: str | None,
            on_change, args) -> None:
    label = lit(item.text[language]) + ("  \\*" if item.required else "")
    if item.type == "likert":
        st.radio(label, list(range(1, item.points + 1)), key=key,
                 format_func=lambda v: lit(item.label(v, language)),
                 index=stored - 1 if isinstance(stored, int) else None,
                 on_change=on_change, args=args)
    elif item.type == "single_choice":
        ids = [o.id for o in item.options]
        st.radio(label, ids, key=key, format_func=lambda i: lit(item.option(i).label[language]),
                 index=ids.index(stored) if stored in ids else None,
                 on_change=on_change, args=args)
    elif item.type == "multiple_choice":
        ids = [o.id for o in item.options]
        st.pills(label, ids, selection_mode="multi", key=key,
                 format_func=lambda i: lit(item.option(i).label[language]),
                 default=[i for i in (stored or []) if i in ids], on_change=on_change, args=args)
    elif item.type == "number":
        _number_input(item, label, key, stored, on_change, args)
    else:
        st.text_area(label, key=key, value=stored or "", max_chars=item.max_length,
                     on_change=on_change, args=args)
    if problem:
        st.error(problem, icon=":material/error:")


def _matrix_groups(items: list[Item]) -> list[list[Item]]:
    """Runs of Likert items with the same labels (one matrix on a desktop); others alone."""
    groups: list[list[Item]] = []
    for item in items:
        previous = groups[-1][-1] if groups else None
        if (item.type == "likert" and previous is not None and previous.type == "likert"
                and previous.labels == item.labels):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _matrix_head(item: Item, language: str) -> str:
    """The scale's labels as column heads (shown on a desktop only; escaped text)."""
    cells = "".join(f"<span>{html.escape(item.label(v, language))}</span>"
                    for v in range(1, item.points + 1))
    return (f'<div class="matrix-head" style="--points: {item.points}" aria-hidden="true">'
            f"<span></span><div>{cells}</div></div>")


def _page_values(link: SurveyLink, mine: dict) -> dict[str, Any]:
    """The current page's answers as the widgets hold them (stored ones where none)."""
    instrument = link.instrument
    page = instrument.pages[mine["page"]]
    return {item.id: st.session_state.get(_answer_key(mine["response_id"], item),
                                          mine["answers"].get(item.id))
            for item in instrument.page_items(page)}


def _step(token: str, what: str, step: Callable[[Any], T]) -> T | None:
    """Run a respondent's step; on failure keep the page as it is and say so politely."""
    mine = st.session_state[_state_key(token)]
    try:
        result = _in_transaction(step, what)
    except StepFailed as exc:
        mine["notice"] = exc.error_id
        return None
    except InvalidToken as exc:
        st.session_state.pop(_state_key(token), None)
        st.session_state["survey_gone"] = str(exc)
        return None
    mine["notice"] = None
    return result


def _remember(mine: dict, values: dict[str, Any], problems: dict[str, str]) -> None:
    """Keep what was just stored as the page's answers (no second query to read it back)."""
    for item_id, value in values.items():
        if item_id in problems:
            continue
        if value is None or value == [] or value == "":
            mine["answers"].pop(item_id, None)
        else:
            mine["answers"][item_id] = value


def _unsaved(link: SurveyLink, mine: dict) -> bool:
    """True when a widget of the page holds an answer that was not stored."""
    def plain(value):
        return None if value is None or value == "" or value == [] else value
    return any(plain(value) != plain(mine["answers"].get(item_id))
               for item_id, value in _page_values(link, mine).items())


def _autosave(token: str) -> None:
    """Store the page's answers as they are given (each widget commit; no page change)."""
    link, mine = st.session_state[_link_key(token)], st.session_state[_state_key(token)]
    values, page = _page_values(link, mine), mine["page"]
    if any(st.session_state.get(key) for key in (f"back-{page}", f"next-{page}", "submit")):
        return  # the same rerun also moves or submits, which stores the whole page once
    language = _language(link.instrument, mine)
    result = _step(token, "autosave", lambda s: save_page(s, mine["response_id"], values,
                                                          page=page, move_to=page,
                                                          language=language))
    if result is not None:
        _remember(mine, values, result.problems)


def _move(token: str, delta: int) -> None:
    """Back or Next: store the page, and move when nothing required is missing."""
    link, mine = st.session_state[_link_key(token)], st.session_state[_state_key(token)]
    values, page = _page_values(link, mine), mine["page"]
    language = _language(link.instrument, mine)

    result = _step(token, "page change", lambda s: save_page(
        s, mine["response_id"], values, page=page, move_to=page + delta, language=language))
    if result is None:
        return
    _remember(mine, values, result.problems)
    mine["problems"] = result.problems
    if result.ok:
        mine["page"] = page + delta
    mine["moves"] += 1


def _submit(token: str) -> None:
    link, mine = st.session_state[_link_key(token)], st.session_state[_state_key(token)]
    values, page = _page_values(link, mine), mine["page"]
    language = _language(link.instrument, mine)
    result = _step(token, "submit", lambda s: submit_response(
        s, mine["response_id"], values, page=page, language=language))
    if result is None:
        return
    mine["problems"] = result.problems
    mine["complete"] = result.ok
    mine["moves"] += 1


def _start(token: str, language: str) -> None:
    try:
        response_id, code = _in_transaction(lambda s: start_response(s, token, language=language),
                                            "start")
    except StepFailed as exc:
        st.session_state["survey_start_failed"] = exc.error_id
        return
    st.session_state[_state_key(token)] = {
        "response_id": response_id, "code": code, "page": 0, "language": language,
        "answers": {}, "problems": {}, "complete": False, "notice": None, "moves": 0}
    if code:  # a reload of this address resumes the response (open links)
        st.query_params["r"] = code


def _thank_you(instrument: Instrument, language: str) -> None:
    closing = instrument.closing[language] if instrument.closing else _t(language, "thanks")
    st.progress(1.0)
    st.success(lit(closing), icon=":material/check_circle:")
    st.caption(_t(language, "close"))


def _consent(token: str, link: SurveyLink, language: str) -> None:
    instrument = link.instrument
    st.markdown(lit(instrument.intro[language]))
    st.info(lit(instrument.consent[language]), icon=":material/verified_user:")
    # Further consent sentences from the library (e.g. how anonymous responses are
    # released) go here, rendered as text.
    notice = consent_notice(mode=link.mode, anonymous=link.anonymous, language=language)
    if notice:
        st.caption(lit(notice))
    failed = st.session_state.pop("survey_start_failed", None)
    if failed:
        st.warning(polite(POLITE, language, failed), icon=":material/sync_problem:")
    st.button(_t(language, "start"), type="primary", width="stretch", on_click=_start,
              args=(token, language))
    if link.mode == "open":
        # The code field appears on request, so the first screen loads no text-input code.
        if not st.session_state.get("survey_resume_open"):
            st.button(_t(language, "resume_title"), type="tertiary",
                      on_click=lambda: st.session_state.update(survey_resume_open=True))
            return
        with st.container(border=True):
            with st.form("resume"):
                code = st.text_input(_t(language, "code"), help=_t(language, "resume_help"))
                if st.form_submit_button(_t(language, "resume")):
                    try:
                        resumed = _in_transaction(lambda s: resume_with_code(s, token, code),
                                                  "resume")
                    except StepFailed as exc:
                        st.warning(polite(POLITE, language, exc.error_id))
                        return
                    st.session_state[_state_key(token)] = _loaded(resumed.response_id, code)
                    st.query_params["r"] = code.strip()
                    st.rerun()


def _questions(token: str, link: SurveyLink, mine: dict, language: str) -> None:
    instrument = link.instrument
    if _unsaved(link, mine):  # a change whose callback an interrupted rerun skipped
        _autosave(token)
    response_id, current = mine["response_id"], mine["page"]
    total = len(instrument.pages)
    page = instrument.pages[current]
    st.progress((current + 1) / total, text=_t(language, "page", n=current + 1, total=total))
    if mine.get("code"):
        key = "your_code" if current == 0 else "code_again"
        st.info(_t(language, key, code=format_resume_code(mine["code"])), icon=":material/key:")
    if mine.get("notice"):
        st.warning(polite(BUSY, language, mine["notice"]), icon=":material/sync_problem:")
    st.subheader(lit(page.title[language]))
    if page.intro:
        st.markdown(lit(page.intro[language]))
    problems = mine.get("problems", {})
    if problems:
        st.warning(_t(language, "fix"), icon=":material/warning:")
    items = instrument.page_items(page)
    if any(item.required for item in items):
        st.caption(_t(language, "legend"))
    for group in _matrix_groups(items):
        if len(group) < 2:
            _widget(group[0], language, _answer_key(response_id, group[0]),
                    mine["answers"].get(group[0].id), problems.get(group[0].id), _autosave,
                    (token,))
            continue
        with st.container(key=f"matrix{group[0].points}-{group[0].id}"):
            st.html(_matrix_head(group[0], language))
            for item in group:
                _widget(item, language, _answer_key(response_id, item),
                        mine["answers"].get(item.id), problems.get(item.id), _autosave, (token,))
    left, right = st.columns(2)
    left.button(_t(language, "back"), disabled=current == 0, width="stretch", on_click=_move,
                args=(token, -1), key=f"back-{current}")
    if current == total - 1:
        right.button(_t(language, "submit"), type="primary", width="stretch", on_click=_submit,
                     args=(token,), key="submit")
    else:
        right.button(_t(language, "next"), type="primary", width="stretch", on_click=_move,
                     args=(token, 1), key=f"next-{current}")


def _open(token: str) -> SurveyLink:
    """The link, read once per tab (a reload reads it again)."""
    link = st.session_state.get(_link_key(token))
    if link is None:
        link = _in_transaction(lambda s: open_link(s, token), "open link")
        st.session_state[_link_key(token)] = link
    return link


def _opt_out(token: str, language: str) -> None:
    """The opt-out link of an invitation e-mail: no more e-mails to this address."""
    st.title(_t(language, "survey"))
    try:
        _in_transaction(lambda s: opt_out(s, token), "opt out")
    except StepFailed as exc:
        st.warning(polite(POLITE, language, exc.error_id), icon=":material/sync_problem:")
    except StudyError as exc:
        st.warning(str(exc), icon=":material/info:")
    else:
        st.success(_t(language, "opted_out"), icon=":material/unsubscribe:")


def render() -> None:
    """The survey for the link's token, or a polite message when the link does not work."""
    # Markdown, not st.html: the first screen then needs no extra script bundle.
    st.markdown(TOUCH_CSS, unsafe_allow_html=True)
    token = st.query_params.get("t") or st.session_state.get(TOKEN_KEY)
    asked = "da" if st.query_params.get("lang") == "da" else "en"
    if not token:
        st.info(_t(asked, "no_link"))
        return
    st.session_state[TOKEN_KEY] = token
    if st.query_params.get("optout"):
        _opt_out(token, asked)
        return
    try:
        link = _open(token)
        mine = _mine(token, link)
    except StepFailed as exc:
        st.warning(polite(POLITE, asked, exc.error_id), icon=":material/sync_problem:")
        return
    except StudyError as exc:
        st.title(_t(asked, "survey"))
        st.warning(str(exc), icon=":material/info:")
        return
    instrument = link.instrument
    language = _language(instrument, mine)
    if mine is None or link.completed:  # the big title only on the first screen
        st.header(lit(instrument.title[language]))
    else:
        st.caption(lit(instrument.title[language]))
    _language_selector(instrument, language)
    gone = st.session_state.pop("survey_gone", None)
    if gone:
        st.warning(gone, icon=":material/info:")
    if link.completed or (mine is not None and mine["complete"]):
        if "r" in st.query_params:
            del st.query_params["r"]
        _thank_you(instrument, language)
    elif mine is None:
        _consent(token, link, language)
    else:
        _questions(token, link, mine, language)
        st.html(SCROLL_TOP.format(n=mine["moves"]), unsafe_allow_javascript=True)
    st.caption(_t(language, "anonymous"))


render()
