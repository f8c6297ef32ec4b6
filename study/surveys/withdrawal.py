"""A respondent's rights over their survey answers: see them, and withdraw them (GDPR Art. 15, 17).

The key is a code only the respondent holds: an open link's resume code (kept after
submission), the withdrawal code a personal link's response gets when it is submitted
(shown on the thank-you page), or, while the personal link still leads to the answers
(in progress, or in a pseudonymous study), the personal link's token. Nobody else can
tell whose answers a code opens: the code is random and stored only on the response.

Withdrawal deletes the response and its answers, until the study's analysis freeze date
(``StudyRow.freeze_on``); afterwards it is refused with a sentence saying so. A published
benchmark edition keeps the ids it was built from, so it can say how many of its
responses were withdrawn since (:func:`withdrawn_since`), never which organisation's.
The audit log records the withdrawal with the campaign and who asked (the respondent, or
a researcher acting on a request), never an answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from study.admin.accounts import acting
from study.admin.audit import record_event
from study.admin.permissions import Actor
from study.admin.records import PlainRecord
from study.admin.studies import current_study
from study.db.models import CampaignRow, InvitationRow, ResponseRow
from study.db.rows import secure_delete
from study.errors import InvalidInput, InvalidToken, NotFound
from study.surveys.answers import stored_answers
from study.surveys.instrument_store import stored_instrument
from study.surveys.responding import today
from study.surveys.tokens import RESUME_LENGTH, normalise_resume_code

__all__ = [
    "NO_ANSWERS",
    "OwnAnswers",
    "Withdrawn",
    "own_answers",
    "withdraw_response",
    "withdrawal_deadline",
    "withdrawn_since",
]

#: What a code that opens no answers gets (the same for every reason, so a guess learns nothing).
NO_ANSWERS = (
    "No answers are stored under that code. Check the code on your thank-you page or in "
    "the link you saved; answers already withdrawn are gone."
)
UNLINKED = (
    "This personal link no longer leads to your answers: in an anonymous survey the link is "
    "separated from the answers when they are submitted. Use the code shown on the "
    "thank-you page."
)


@dataclass(frozen=True)
class Withdrawn(PlainRecord):
    """What a withdrawal deleted."""

    campaign_id: int
    answers: int
    status: str


@dataclass(frozen=True)
class OwnAnswers(PlainRecord):
    """What is stored about one response: its answers, each with its question, nothing more."""

    survey: str
    language: str
    status: str
    answers: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {
            "survey": self.survey,
            "language": self.language,
            "status": self.status,
            "answers": [{"question": q, "answer": a} for q, a in self.answers],
        }


def withdrawal_deadline(session: Session) -> dt.date | None:
    """The last day answers can be withdrawn (the study's analysis freeze date), or None."""
    study = current_study(session)
    return study.freeze_on if study is not None else None


def _response(session: Session, code: str, token: str | None, *, lock: bool = False) -> ResponseRow:
    """The response ``code`` opens (checked against the survey link ``token`` when given)."""
    code = (code or "").strip()
    query = select(ResponseRow)
    if lock:
        query = query.with_for_update()
    if len(code.replace("-", "").replace(" ", "")) > RESUME_LENGTH:  # a personal link's token
        invitation = session.scalar(select(InvitationRow).where(InvitationRow.token == code))
        if invitation is None:
            raise NotFound(NO_ANSWERS)
        if invitation.response_id is None:
            raise NotFound(UNLINKED if invitation.completed else NO_ANSWERS)
        response = session.scalar(query.where(ResponseRow.id == invitation.response_id))
    else:
        try:
            code = normalise_resume_code(code)
        except InvalidToken:
            raise NotFound(NO_ANSWERS) from None
        response = session.scalar(query.where(ResponseRow.resume_code == code))
    if response is None or (token is not None and not _same_survey(session, response, token)):
        raise NotFound(NO_ANSWERS)
    return response


def _same_survey(session: Session, response: ResponseRow, token: str) -> bool:
    """Does the survey link ``token`` (open or personal) belong to the response's campaign?"""
    campaign = session.scalar(select(CampaignRow.id).where(CampaignRow.token == token))
    if campaign is None:
        campaign = session.scalar(
            select(InvitationRow.campaign_id).where(InvitationRow.token == token)
        )
    return campaign == response.campaign_id


def withdraw_response(
    session: Session,
    code: str,
    *,
    token: str | None = None,
    actor: Actor | int | None = None,
    on: dt.date | None = None,
) -> Withdrawn:
    """Delete the response ``code`` opens, with its answers (the respondent's own request, or
    ``actor``, a researcher acting on one).

    ``token`` is the survey link the request came through (the web page's), ``on`` the
    day (default today).

    Raises
    ------
    NotFound
        If no stored response has that code (one sentence, whatever the reason).
    InvalidInput
        After the study's analysis freeze date.
    """
    actor_id = acting(session, actor, "manage_participant_data") if actor is not None else None
    deadline = withdrawal_deadline(session)
    on = on or today()
    if deadline is not None and on > deadline:
        raise InvalidInput(
            f"The study's analysis was frozen on {deadline.isoformat()}, so answers can no "
            "longer be withdrawn. Please write to the research team."
        )
    response = _response(session, code, token, lock=True)
    answers = len(stored_answers(session, response.id))
    withdrawn = Withdrawn(response.campaign_id, answers, response.status)
    with secure_delete(session):  # SQLite: no copy of the answers left in free pages
        _delete(session, response, actor_id, by="researcher" if actor is not None else "respondent")
    return withdrawn


def _delete(session: Session, response: ResponseRow, actor_id: int | None, *, by: str) -> None:
    record_event(
        session,
        "response.withdraw",
        actor_id=actor_id,
        details={"campaign_id": response.campaign_id, "status": response.status, "by": by},
    )
    session.delete(response)  # answers go with it; an invitation keeps only completed yes/no
    session.flush()


def own_answers(session: Session, code: str, *, token: str | None = None) -> OwnAnswers:
    """Everything stored about the response ``code`` opens: each question with its answer."""
    response = _response(session, code, token)
    instrument = stored_instrument(session, response.instrument_id).model
    language = response.language if response.language in instrument.languages else "en"
    stored = stored_answers(session, response.id)
    shown = []
    for item in instrument.all_items():
        if item.id in stored:
            shown.append((item.text[language], _answer_text(item, stored[item.id], language)))
    return OwnAnswers(instrument.title[language], language, response.status, tuple(shown))


def _answer_text(item: Any, value: Any, language: str) -> str:
    """An answer as the respondent chose it: the label of a point or option, or the text."""
    try:
        if item.type == "likert":
            return f"{int(value)} ({item.label(int(value), language)})"
        if item.type == "single_choice":
            return item.option(str(value)).label[language]
        if item.type == "multiple_choice":
            return "; ".join(item.option(str(v)).label[language] for v in value)
    except (KeyError, IndexError, ValueError, TypeError):
        pass  # an answer from an older version of the item: shown as stored
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def withdrawn_since(session: Session, response_ids: list[Any]) -> int:
    """How many of a published edition's responses have been withdrawn since."""
    ids = [int(i) for i in response_ids]
    if not ids:
        return 0
    left = 0
    for first in range(0, len(ids), 1000):  # keep each IN list short
        left += session.scalar(
            select(func.count(ResponseRow.id)).where(ResponseRow.id.in_(ids[first : first + 1000]))
        )
    return len(ids) - left
