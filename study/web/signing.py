"""Signed hidden form fields: the survey's CSRF protection and its only state between requests.

A survey form carries one field, ``form``, that the server signed when it rendered
the page: what the form is for (``page``, ``start``, ``optout``), what it is bound
to (the response id, or a hash of the link token before a response exists), the
page index, when it was issued, and a short hash of each answer as it was shown.
A POST is only acted on with a valid, unexpired signature, so another site cannot
make a browser post answers (no cookie is involved at all), and a stale tab's
unchanged answers can be told apart from the ones the respondent changed.

The key is derived with HMAC from the study's random ``export_secret`` (stored in
the database, so every process has the same one) and a purpose label, never used
raw; see :func:`derive_key`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PURPOSE = b"ism-study/survey-form/v1"
#: How long a rendered form may be posted (a page left open overnight still works).
FORM_SECONDS = 36 * 3600


def derive_key(secret: str) -> bytes:
    """The survey-form key: HMAC-SHA256 of a purpose label under the study's secret."""
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def answer_digest(value: Any) -> str:
    """A short hash of an answer as shown (None, "" and [] are all 'no answer')."""
    if value is None or value == "" or value == []:
        value = None
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:10]


def token_binding(token: str) -> str:
    """What a form shown before any response exists is bound to: a hash of the link token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FormState:
    """What a signed form says: its kind, binding, page and the answers as they were shown."""

    kind: str
    bound: str
    page: int = 0
    issued: int = 0
    shown: Mapping[str, str] = field(default_factory=dict)


class BadForm(Exception):
    """The form field is missing, altered, for something else, or expired (``expired``)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def sign_form(
    key: bytes,
    kind: str,
    bound: str | int,
    *,
    page: int = 0,
    shown: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> str:
    """The value of the hidden ``form`` field for a form of ``kind`` bound to ``bound``."""
    issued = int(now if now is not None else time.time())
    digests = ",".join(f"{item}:{answer_digest(value)}" for item, value in (shown or {}).items())
    payload = f"{kind}|{bound}|{page}|{issued}|{digests}"
    mac = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}|{mac}"


def check_form(key: bytes, value: str | None, kind: str, *, now: float | None = None) -> FormState:
    """Verify a ``form`` field of ``kind``; raise :class:`BadForm` when it cannot be trusted."""
    if not value or value.count("|") != 5:
        raise BadForm()
    payload, _, mac = value.rpartition("|")
    expected = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected):
        raise BadForm()
    found, bound, page, issued, digests = payload.split("|")
    if found != kind or not page.isdigit() or not issued.isdigit():
        raise BadForm()
    now = now if now is not None else time.time()
    if not -300 <= now - int(issued) <= FORM_SECONDS:
        raise BadForm(expired=True)
    shown = dict(entry.split(":", 1) for entry in digests.split(",") if ":" in entry)
    return FormState(kind, bound, int(page), int(issued), shown)
