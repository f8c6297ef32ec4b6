"""The survey's requests: GET shows the page the link is at, POST stores it and redirects.

``/survey?t=TOKEN`` is the whole address space: ``&lang=da`` chooses the language,
``&r=CODE`` resumes an open link (it is put in the address after consent, so a
reload or a bookmark resumes), ``&p=N`` names the page (so browser Back and a
reload show that page), ``&optout=1`` leads to the opt-out form and ``&done=1`` to
the thank-you page. Every POST carries a signed ``form`` field
(:mod:`study.web.signing`) and, when the browser says where it came from, must come
from this site. A page's POST merges what the respondent changed into what is
stored (answers a stale tab did not touch are kept), saves with
:func:`study.surveys.responding.save_page` or
:func:`~study.surveys.responding.submit_response` in one transaction, and redirects
(303); a page with problems is shown again with an error summary, nothing typed lost.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from study.errors import InvalidInput, InvalidToken, StudyError
from study.surveys.anonymity import consent_notice
from study.surveys.answers import stored_answers
from study.surveys.logic import randomised, shown_items, shown_pages
from study.surveys.mailing import opt_out
from study.surveys.responding import (
    SurveyLink,
    open_link,
    resume_with_code,
    save_page,
    start_response,
    submit_response,
)
from study.surveys.response_rows import lock_response, response_seed, response_state
from study.surveys.tokens import (
    RESUME_ALPHABET,
    RESUME_LENGTH,
    format_resume_code,
    normalise_resume_code,
    survey_link,
)
from study.web.replies import (
    Reply,
    StepFailed,
    Visit,
    answered,
    base_context,
    in_transaction,
    message,
)
from study.web.rights import post_withdraw, rights_links, show_mine, show_withdraw
from study.web.signing import (
    BadForm,
    answer_digest,
    check_form,
    sign_form,
    token_binding,
)
from study.web.texts import LANGUAGE_NAMES, library_message, text
from study.web.views import canonical, groups, item_view, posted_answers, problem_text

# -- the pages ------------------------------------------------------------------------------


def thanks(visit: Visit, link: SurveyLink, language: str) -> Reply:
    closing = link.instrument.closing
    sentence = closing[language] if closing else text(language, "thanks")
    code = visit.query.get("w", "")
    return Reply(
        "thanks.html",
        base_context(
            visit,
            link,
            language,
            heading=sentence,
            switch=[
                (c, n, visit.address(r=None, p=None, done=1, lang=c, w=code or None))
                for c, n, _ in base_context(visit, link, language)["switch"]
            ],
            **(rights_links(visit, code, language) if code else {}),
        ),
    )


def consent(
    visit: Visit,
    link: SurveyLink,
    language: str,
    key: bytes,
    *,
    code_error: str | None = None,
    code: str = "",
) -> Reply:
    instrument = link.instrument
    context = base_context(
        visit,
        link,
        language,
        heading=instrument.title[language],
        intro=instrument.intro[language],
        consent=instrument.consent[language],
        notice=consent_notice(mode=link.mode, anonymous=link.anonymous, language=language),
        form=sign_form(key, "start", f"{token_binding(visit.token)}.{secrets.token_hex(8)}"),
        action=visit.address(r=None, p=None),
        open_link=link.mode == "open",
        code_error=code_error,
        code=code,
    )
    return Reply("consent.html", context, 422 if code_error else 200)


def resume_links(token: str, code: str, language: str, title: str) -> dict[str, str]:
    """The open link's way back without a cookie: its address with the resume code, and a
    ``mailto:`` that puts that address in an e-mail to oneself (no script, no tracking)."""
    code = normalise_resume_code(code)
    address = f"{survey_link(token, language=language)}&r={code}"
    subject = text(language, "mail_subject", title=title)
    body = text(language, "mail_body", link=address, code=format_resume_code(code))
    return {
        "resume_link": address,
        "mail_href": f"mailto:?subject={quote(subject)}&body={quote(body)}",
    }


def question_page(
    visit: Visit,
    link: SurveyLink,
    response_id: int,
    page: int,
    language: str,
    key: bytes,
    answers: Mapping[str, Any],
    *,
    seed: int | None,
    code: str | None = None,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, str] | None = None,
    notice: str | None = None,
    form: str | None = None,
) -> Reply:
    """Page ``page`` showing ``values`` (else the stored ``answers``) and any ``problems``."""
    instrument = link.instrument
    shown = shown_pages(instrument, answers)
    items = shown_items(instrument, page, answers, seed=seed)
    problems = problems or {}
    views = [
        item_view(
            item,
            language,
            (values if values is not None and item.id in values else answers).get(item.id),
            problems.get(item.id),
        )
        for item in items
    ]
    position = shown.index(page) + 1 if page in shown else 1
    later = [p for p in shown if p > page]
    form = form or sign_form(
        key, "page", response_id, page=page, shown={item.id: answers.get(item.id) for item in items}
    )
    title = instrument.pages[page].title[language]
    intro = instrument.pages[page].intro
    switch = [
        (c, n, f"lang:{c}")
        for c in instrument.languages
        if c != language
        for n in [LANGUAGE_NAMES.get(c, c)]
    ]
    context = base_context(
        visit,
        link,
        language,
        heading=title,
        intro=intro[language] if intro else None,
        groups=groups(views, language),
        errors=[v for v in views if v.error],
        position=position,
        total=len(shown),
        last=not later,
        first=not [p for p in shown if p < page],
        form=form,
        notice=notice,
        code=format_resume_code(code) if code else None,
        code_first=position == 1,
        **(
            resume_links(visit.token, code, language, link.instrument.title[language])
            if code
            else {}
        ),
        action=visit.address(p=page),
        required=any(i.required for i in items),
        buttons=switch,
    )
    context["switch"] = []  # the language buttons are submit buttons inside the form
    return Reply("page.html", context, 422 if problems else 200)


# -- GET ----------------------------------------------------------------------------------


def _requested_page(visit: Visit) -> int | None:
    raw = visit.query.get("p", "")
    return int(raw) if raw.isdigit() and len(raw) < 4 else None


def show(visit: Visit) -> Reply:
    """GET /survey: the page this link is at."""
    asked = visit.language()
    if not visit.token:
        return message(visit, asked, text(asked, "no_link"), status=404)
    if visit.query.get("optout"):
        return show_opt_out(visit)
    if visit.query.get("mine") or visit.query.get("withdraw"):
        return show_mine(visit) if visit.query.get("mine") else show_withdraw(visit)

    def read(session, key):
        code = visit.query.get("r") if not visit.query.get("done") else None
        if code:  # an open link's response: the link and the respondent's progress at once
            try:
                link = resume_with_code(session, visit.token, code)
                code = normalise_resume_code(code)
            except InvalidToken as exc:
                link = open_link(session, visit.token)  # a closed or bogus link raises here
                if link.mode == "open" and not link.completed:
                    return consent(
                        visit,
                        link,
                        visit.language(link),
                        key,
                        code_error=library_message(str(exc), visit.language(link)),
                        code=code,
                    )
                code = None
        else:
            link = open_link(session, visit.token)
        remember_link(visit.token, link)
        language = visit.language(link, link.language)
        if link.completed or visit.query.get("done"):
            return thanks(visit, link, language)
        response_id = link.response_id
        if response_id is None:
            return consent(visit, link, language, key)
        answers = stored_answers(session, response_id)
        shown = shown_pages(link.instrument, answers)
        page = _requested_page(visit)
        if page not in shown or page > link.current_page:
            earlier = [p for p in shown if p <= link.current_page]
            page = earlier[-1] if earlier else shown[0]
        seed = (
            response_seed(session, response_id) if randomised(link.instrument.pages[page]) else None
        )  # a page in file order needs no seed: one query less per page
        return question_page(
            visit, link, response_id, page, language, key, answers, seed=seed, code=code
        )

    return answered(visit, read, "show survey page")


def show_opt_out(visit: Visit) -> Reply:
    language = visit.language()
    if visit.query.get("done"):
        return message(
            visit, language, text(language, "opted_out"), heading=text(language, "optout_title")
        )

    def read(session, key):
        return Reply(
            "optout.html",
            base_context(
                visit,
                None,
                language,
                heading=text(language, "optout_title"),
                form=sign_form(key, "optout", token_binding(visit.token)),
                action=visit.address(r=None, p=None, optout=1),
            ),
        )

    return answered(visit, read, "opt-out page")


# -- POST ---------------------------------------------------------------------------------


def post(visit: Visit) -> Reply:
    """POST /survey: consent, resume, a page's Back / Next / language / Submit, or opt-out."""
    action = (visit.form.get("action") or [""])[-1]
    if visit.query.get("optout"):
        return post_opt_out(visit)
    if visit.query.get("withdraw"):
        return post_withdraw(visit)
    if action in ("start", "resume"):
        return post_start(visit, action)
    return post_page(visit, action)


def post_opt_out(visit: Visit) -> Reply:
    one_click = visit.form.get("List-Unsubscribe") == ["One-Click"]  # RFC 8058, from a mail app

    def step(session, key):
        if not one_click:
            check_form(key, (visit.form.get("form") or [""])[-1], "optout")
        opt_out(session, visit.token)
        return Reply(redirect=visit.address(r=None, p=None, optout=1, done=1))

    try:
        return answered(visit, step, "opt out")
    except BadForm:
        return show_opt_out(visit)


def post_start(visit: Visit, action: str) -> Reply:
    def step(session, key):
        link = open_link(session, visit.token)
        language = visit.language(link)
        state = check_form(key, (visit.form.get("form") or [""])[-1], "start")
        binding, _, nonce = state.bound.partition(".")
        if binding != token_binding(visit.token) or not nonce:
            raise BadForm()
        if action == "resume":
            code = (visit.form.get("code") or [""])[-1]
            try:
                resumed = resume_with_code(session, visit.token, code)
            except InvalidToken as exc:
                return consent(
                    visit,
                    link,
                    language,
                    key,
                    code_error=library_message(str(exc), language),
                    code=code,
                )
            return Reply(
                redirect=visit.address(
                    r=normalise_resume_code(code), p=resumed.current_page, lang=language
                )
            )
        response_id, code = _start_once(session, key, visit.token, nonce, link, language)
        first = shown_pages(link.instrument, stored_answers(session, response_id))[0]
        return Reply(redirect=visit.address(r=code, p=first, lang=language))

    try:
        return answered(visit, step, "start")
    except BadForm:  # an old or foreign consent form: show the consent again, nothing done
        return show(visit)


def _start_once(
    session, key: bytes, token: str, nonce: str, link: SurveyLink, language: str
) -> tuple[int, str | None]:
    """Start a response for this consent form, or continue the one it already started.

    An open link's resume code is derived from the form's nonce, so a double-clicked
    consent (or a resent POST) finds the response the first click started; the
    unique index on resume codes settles two clicks at the same moment (the loser's
    transaction is retried and finds the winner's response).
    """
    if link.mode != "open":
        return start_response(session, token, language=language)
    digest = hmac.new(key, f"resume-code|{nonce}".encode(), hashlib.sha256).digest()
    code = "".join(RESUME_ALPHABET[byte % len(RESUME_ALPHABET)] for byte in digest[:RESUME_LENGTH])
    try:
        return resume_with_code(session, token, code).response_id, code
    except InvalidToken:
        pass
    return start_response(session, token, language=language, resume_code=code)


def post_page(visit: Visit, action: str) -> Reply:
    """Back, Next, Submit or a language button on a question page."""
    posted_form = (visit.form.get("form") or [""])[-1]
    values_posted: dict[str, Any] = {}

    def step(session, key):
        link = open_link(session, visit.token)
        remember_link(visit.token, link)
        try:
            state = check_form(key, posted_form, "page")
        except BadForm as exc:
            return _stale_page(visit, session, key, link, expired=exc.expired)
        response_id, page = int(state.bound), state.page
        # The response is locked first, so the answers read next stay what is stored
        # until this transaction saves; both go to the library (no second read).
        row = lock_response(session, response_id)
        language = visit.language(link, row.language)
        if row.status == "complete":
            return Reply(redirect=visit.address(r=None, p=None, done=1, lang=language))
        instrument = link.instrument
        if not 0 <= page < len(instrument.pages):
            raise BadForm()
        stored = stored_answers(session, response_id)
        page_items = instrument.page_items(instrument.pages[page])
        in_form = [item for item in page_items if item.id in state.shown]
        posted = posted_answers(in_form, visit.form)
        values_posted.update(posted)
        merged = {item.id: stored.get(item.id) for item in page_items}
        for item in in_form:  # what this form changed replaces what is stored; the rest stays
            if answer_digest(canonical(item, posted[item.id])) != state.shown[item.id]:
                merged[item.id] = posted[item.id]
        after = dict(stored)
        for item in page_items:
            value = canonical(item, merged[item.id])
            if value is None or value == [] or isinstance(value, str) and item.type == "number":
                after.pop(item.id, None)
            else:
                after[item.id] = value
        shown = shown_pages(instrument, after)
        code = visit.query.get("r") if link.mode == "open" else None
        if action.startswith("lang:") and action[5:] in instrument.languages:
            language = action[5:]
        saving = {"language": language, "state": row, "stored": stored}
        if action.startswith("lang:") and action[5:] in instrument.languages:
            result = save_page(session, response_id, merged, page=page, move_to=page, **saving)
            target = page
        elif action == "back":
            earlier = [p for p in shown if p < page]
            target = earlier[-1] if earlier else page
            result = save_page(session, response_id, merged, page=page, move_to=target, **saving)
        else:
            later = [p for p in shown if p > page]
            if later:
                target = later[0]
                result = save_page(
                    session, response_id, merged, page=page, move_to=target, **saving
                )
            else:
                result = submit_response(session, response_id, merged, page=page, **saving)
                if result.ok:  # the thank-you page shows the code that opens these answers
                    return Reply(
                        redirect=visit.address(
                            r=None, p=None, done=1, lang=language, w=result.code or code
                        )
                    )
                target = None
        if result.ok:
            return Reply(redirect=visit.address(p=target, lang=language))
        answers = stored_answers(session, response_id)
        here = {item.id for item in page_items}
        if not here & set(result.problems):  # missing answers on another page: go there
            page = next(
                (
                    p
                    for p in shown
                    for item in instrument.page_items(instrument.pages[p])
                    if item.id in result.problems
                ),
                page,
            )
            merged = {}
        items = {item.id: item for item in instrument.all_items()}
        problems = {
            item_id: problem_text(items[item_id], merged.get(item_id), language)
            for item_id in result.problems
            if item_id in items
        }
        return question_page(
            visit,
            link,
            response_id,
            page,
            language,
            key,
            answers,
            seed=response_seed(session, response_id),
            code=code,
            values=merged if page in (state.page,) else None,
            problems=problems,
        )

    try:
        return in_transaction(step, "save page")
    except StepFailed as exc:
        return _busy_page(visit, exc.error_id, posted_form, values_posted)
    except StudyError as exc:
        language = visit.language()
        return message(
            visit,
            language,
            library_message(str(exc), language),
            status=400 if isinstance(exc, InvalidInput) else 200,
        )


def _stale_page(visit: Visit, session, key: bytes, link: SurveyLink, *, expired: bool) -> Reply:
    """A form whose signature is too old (or was altered): show the page again, store nothing.

    The posted answers are shown as they were sent, with a fresh form field, so the
    respondent presses the button once more and nothing typed is lost.
    """
    response_id = link.response_id
    if response_id is None and link.mode == "open" and visit.query.get("r"):
        response_id = resume_with_code(session, visit.token, visit.query["r"]).response_id
    if response_id is None:
        return consent(visit, link, visit.language(link), key)
    status, current, stored_language = response_state(session, response_id)
    language = visit.language(link, stored_language)
    if status == "complete":
        return thanks(visit, link, language)
    answers = stored_answers(session, response_id)
    page = _requested_page(visit)
    if page is None or not 0 <= page < len(link.instrument.pages):
        page = current
    items = link.instrument.page_items(link.instrument.pages[page])
    values = posted_answers(items, visit.form) if expired else None
    return question_page(
        visit,
        link,
        response_id,
        page,
        language,
        key,
        answers,
        seed=response_seed(session, response_id),
        code=visit.query.get("r") if link.mode == "open" else None,
        values=values,
        notice=text(language, "stale") if expired else None,
    )


_LINKS: dict[str, SurveyLink] = {}


def remember_link(token: str, link: SurveyLink) -> None:
    """Keep the last links' instruments in memory: a failed save can then show the page again."""
    if len(_LINKS) > 1024:
        _LINKS.clear()
    _LINKS[token] = link


def _busy_page(visit: Visit, error_id: str, posted_form: str, values: Mapping[str, Any]) -> Reply:
    """The database did not answer: the page again with what was posted, and one sentence."""
    language = visit.language()
    link = _LINKS.get(visit.token)
    parts = posted_form.split("|")
    if (
        link is None
        or len(parts) != 6
        or not parts[1].isdigit()
        or not parts[2].isdigit()
        or not 0 <= int(parts[2]) < len(link.instrument.pages)
    ):
        return message(visit, language, text(language, "busy", id=error_id), status=503)
    page = int(parts[2])
    items = link.instrument.page_items(link.instrument.pages[page])
    shown = posted_answers(items, visit.form)
    reply = question_page(
        visit,
        link,
        int(parts[1]),
        page,
        visit.language(link),
        b"",
        {},
        seed=None,
        code=visit.query.get("r") if link.mode == "open" else None,
        values=shown,
        notice=text(visit.language(link), "busy", id=error_id),
        form=posted_form,
    )
    reply.status = 503
    return reply
