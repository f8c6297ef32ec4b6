"""The respondent's own answers: see them, download them, withdraw them (plain pages, no script).

``/survey?t=TOKEN&mine=1&w=CODE`` shows what is stored (each question with its answer;
``&download=1`` gives it as CSV), ``/survey?t=TOKEN&withdraw=1[&w=CODE]`` asks before
deleting. ``CODE`` is the code the thank-you page shows (an open link's resume code, a
personal link's withdrawal code); a personal link that still leads to its answers (in
progress, or in a pseudonymous study) needs none, which is how the invitation e-mail's
"withdraw" link works. The library decides: :mod:`study.surveys.withdrawal`.
"""

from __future__ import annotations

import csv
import io

from study.errors import InvalidToken, StudyError
from study.surveys.tokens import format_resume_code, normalise_resume_code
from study.surveys.withdrawal import own_answers, withdraw_response, withdrawal_deadline
from study.web.replies import (
    Reply,
    StepFailed,
    Visit,
    answered,
    base_context,
    in_transaction,
    message,
)
from study.web.signing import BadForm, check_form, sign_form, token_binding
from study.web.texts import library_message, text

__all__ = ["post_withdraw", "rights_links", "show_mine", "show_withdraw"]


def _code(visit: Visit) -> str:
    """The code in the address or the posted form, as typed (checked by the library)."""
    return (visit.form.get("code") or [visit.query.get("w", "")])[-1].strip()


def _shown_code(code: str) -> str:
    """The code as the thank-you page shows it (ABCDE-FGH23), or as typed if it is not one."""
    try:
        return format_resume_code(normalise_resume_code(code))
    except InvalidToken:
        return code


def rights_links(visit: Visit, code: str, language: str) -> dict[str, str]:
    """What the thank-you page offers with the respondent's code."""
    try:
        shown = format_resume_code(normalise_resume_code(code))
    except InvalidToken:
        return {}
    common = {"done": None, "r": None, "p": None, "lang": language, "w": code}
    return {
        "rights_code": shown,
        "mine_href": visit.address(**common, mine=1),
        "withdraw_href": visit.address(**common, withdraw=1),
    }


def show_mine(visit: Visit) -> Reply:
    """GET ``&mine=1``: the stored answers, or their CSV with ``&download=1``."""
    language = visit.language()
    code = _code(visit) or visit.token

    def read(session, key):
        mine = own_answers(session, code, token=visit.token)
        if visit.query.get("download"):
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow([text(language, "question"), text(language, "answer")])
            for question, answer in mine.answers:
                writer.writerow([_cell(question), _cell(answer)])
            body = ("\ufeff" + out.getvalue()).encode("utf-8")  # a BOM: Excel reads UTF-8
            return Reply(download=("my-answers.csv", body, "text/csv; charset=utf-8"))
        return Reply(
            "mine.html",
            base_context(
                visit,
                None,
                language,
                heading=text(language, "mine_title"),
                survey=mine.survey,
                answers=mine.answers,
                download_href=visit.address(mine=1, w=code, download=1, lang=language),
                withdraw_href=visit.address(withdraw=1, w=code, lang=language),
            ),
        )

    return answered(visit, read, "own answers")


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (see study.cells)."""
    from study.cells import csv_field

    return csv_field(value)


def show_withdraw(visit: Visit, *, problem: str | None = None) -> Reply:
    """GET ``&withdraw=1``: what withdrawing means, the deadline, the code, one button."""
    language = visit.language()
    if visit.query.get("done"):
        return message(
            visit, language, text(language, "withdrawn"), heading=text(language, "withdraw_title")
        )

    def read(session, key):
        deadline = withdrawal_deadline(session)
        return Reply(
            "withdraw.html",
            base_context(
                visit,
                None,
                language,
                heading=text(language, "withdraw_title"),
                deadline=deadline.isoformat() if deadline else None,
                form=sign_form(key, "withdraw", token_binding(visit.token)),
                action=visit.address(r=None, p=None, withdraw=1, w=None),
                code=_shown_code(_code(visit)),
                code_error=problem,
            ),
            422 if problem else 200,
        )

    return answered(visit, read, "withdrawal page")


def post_withdraw(visit: Visit) -> Reply:
    """POST ``&withdraw=1``: delete the answers the code (or the personal link) opens."""
    language = visit.language()
    code = _code(visit) or visit.token

    def step(session, key):
        check_form(key, (visit.form.get("form") or [""])[-1], "withdraw")
        withdraw_response(session, code, token=visit.token)
        return Reply(redirect=visit.address(r=None, p=None, withdraw=1, done=1, lang=language))

    try:
        return in_transaction(step, "withdraw answers")
    except BadForm:
        return show_withdraw(visit)
    except StepFailed as exc:
        return message(visit, language, text(language, "polite", id=exc.error_id), status=503)
    except StudyError as exc:  # no answers under that code, or after the freeze date
        return show_withdraw(visit, problem=library_message(str(exc), language))
