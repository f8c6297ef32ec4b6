"""What every survey page handler shares: the request (:class:`Visit`), the answer
(:class:`Reply`), one retried transaction per step (:func:`in_transaction`), a page's common
context and a one-sentence page (:func:`message`).

Used by :mod:`study.web.survey` (the questions) and :mod:`study.web.rights` (the
respondent's own answers); :mod:`study.web.routes` turns a :class:`Reply` into HTTP.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy.exc import SQLAlchemyError

from study.config import database_url
from study.db import Database
from study.errors import DatabaseUnavailable, InvalidInput, InvalidToken, StudyError
from study.surveys.responding import SurveyLink
from study.surveys.response_store import export_key
from study.web.signing import derive_key
from study.web.texts import LANGUAGE_NAMES, library_message, text

LOG = logging.getLogger("study.web")
T = TypeVar("T")
#: Pauses between attempts of a database step (seconds): a locked SQLite, a failover.
RETRY_DELAYS = (0.2, 0.6, 1.5)


@dataclass
class Reply:
    """What a handler answers: a template with its context, or a redirect."""

    template: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    redirect: str | None = None
    #: A file to download instead of a page: (file name, body, media type).
    download: tuple[str, bytes, str] | None = None


@dataclass(frozen=True)
class Visit:
    """One request: where the survey is mounted, the query, and the posted form."""

    path: str
    query: Mapping[str, str]
    form: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return self.query.get("t", "")

    def language(self, link: SurveyLink | None = None, stored: str | None = None) -> str:
        """The asked language if the survey has it, else the stored one, else the first."""
        asked = self.query.get("lang") or (self.form.get("lang") or [""])[-1]
        languages = link.instrument.languages if link else ["en", "da"]
        for candidate in (asked, stored):
            if candidate in languages:
                return candidate
        return languages[0]

    def address(self, **changes: Any) -> str:
        """This survey's address with ``changes`` to the query (None drops a parameter)."""
        query = {k: v for k, v in self.query.items() if k in ("t", "r", "lang", "p")}
        query.update(changes)
        return f"{self.path}?{urlencode({k: v for k, v in query.items() if v is not None})}"


class StepFailed(Exception):
    """A database step failed after its retries; ``error_id`` finds it in the log."""

    def __init__(self, error_id: str) -> None:
        super().__init__(error_id)
        self.error_id = error_id


def log_failure(exc: BaseException, what: str) -> str:
    """Log ``exc`` with its traceback under a new short id and return the id."""
    error_id = secrets.token_hex(4)
    LOG.error("error id %s: %s", error_id, what, exc_info=exc)
    return error_id


@functools.cache
def _database(url: str) -> Database:
    return Database(url)


_KEYS: dict[str, bytes] = {}


def _key(session, url: str) -> bytes:
    """The form key of this database (read once per process: the secret never changes)."""
    key = _KEYS.get(url)
    if key is None:
        key = _KEYS[url] = derive_key(export_key(session))
    return key


def in_transaction(step: Callable[[Any, bytes], T], what: str) -> T:
    """Run ``step(session, key)`` in one transaction, retried with back-off when the database
    is busy or away; raise :class:`StepFailed` at the end. A ``StudyError`` is raised at once."""
    url = database_url()
    failure: BaseException | None = None
    for attempt in range(len(RETRY_DELAYS) + 1):
        try:
            with _database(url).transaction() as session:
                return step(session, _key(session, url))
        except DatabaseUnavailable as exc:
            failure = exc
        except StudyError:
            raise
        except SQLAlchemyError as exc:  # locked, timed out, connection lost, ...
            failure = exc
        if attempt < len(RETRY_DELAYS):
            time.sleep(RETRY_DELAYS[attempt])
    raise StepFailed(log_failure(failure, what))


def base_context(visit: Visit, link: SurveyLink | None, language: str, **context: Any) -> dict:
    switch = []
    if link is not None:
        switch = [
            (code, LANGUAGE_NAMES.get(code, code), visit.address(lang=code))
            for code in link.instrument.languages
            if code != language
        ]
    return {
        "language": language,
        "title": link.instrument.title[language] if link else text(language, "survey"),
        "switch": switch,
        "t": functools.partial(text, language),
        **context,
    }


def message(
    visit: Visit,
    language: str,
    sentence: str,
    *,
    status: int = 200,
    link: SurveyLink | None = None,
    heading: str | None = None,
) -> Reply:
    """A page with one sentence (a closed survey, a bad link, an opt-out)."""
    return Reply(
        "message.html",
        base_context(
            visit, link, language, heading=heading or text(language, "survey"), sentence=sentence
        ),
        status,
    )


def answered(visit: Visit, step: Callable[[Any, bytes], Reply], what: str) -> Reply:
    """Run a step; a link that does not work or a database that does not answer says so politely."""
    language = visit.language()
    try:
        return in_transaction(step, what)
    except StepFailed as exc:
        return message(visit, language, text(language, "polite", id=exc.error_id), status=503)
    except StudyError as exc:
        status = 404 if isinstance(exc, InvalidToken) and "not valid" in str(exc) else 200
        if isinstance(exc, InvalidInput):
            status = 400
        return message(visit, language, library_message(str(exc), language), status=status)
