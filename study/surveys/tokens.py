"""Survey link tokens and resume codes: unguessable, checked before any database lookup."""

from __future__ import annotations

import re
import secrets

from study.config import base_url
from study.errors import InvalidToken

TOKEN_BYTES = 24  # 192 bits from the OS's CSPRNG; the issue asks for at least 128
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
# No 0/O, 1/I/L: codes are read off a screen and typed on a phone.
RESUME_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RESUME_LENGTH = 10  # about 49 bits, and only useful together with the campaign's link
_RESUME = re.compile(rf"^[{RESUME_ALPHABET}]{{{RESUME_LENGTH}}}$")

NOT_VALID = (
    "This survey link is not valid. Please check that you copied the whole link, "
    "or ask the person who sent it for a new one."
)


def new_token() -> str:
    """A new URL-safe token (32 characters, 192 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def check_token(token: str | None) -> str:
    """Return ``token`` if it is well-formed, else raise InvalidToken (no database lookup)."""
    token = (token or "").strip()
    if not _TOKEN.match(token):
        raise InvalidToken(NOT_VALID)
    return token


def new_resume_code() -> str:
    """A short code the respondent can note down to continue later."""
    return "".join(secrets.choice(RESUME_ALPHABET) for _ in range(RESUME_LENGTH))


def normalise_resume_code(code: str) -> str:
    """Upper-case, without spaces or dashes; raise InvalidToken when malformed."""
    cleaned = re.sub(r"[\s-]", "", code or "").upper()
    if not _RESUME.match(cleaned):
        raise InvalidToken(
            "That resume code is not valid; it has 10 letters and digits, "
            "as shown when you started."
        )
    return cleaned


def format_resume_code(code: str) -> str:
    """The code in two groups of five, easier to read off a screen."""
    return f"{code[:5]}-{code[5:]}"


def survey_link(token: str, *, language: str | None = None) -> str:
    """The public link for ``token``, built on :func:`study.config.base_url`."""
    base = base_url()
    link = f"{base}/survey?t={token}"
    return f"{link}&lang={language}" if language else link
