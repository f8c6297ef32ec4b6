"""Settings, declared once: name, default and help.

Every setting is read from the environment. The CLI (`study settings`), the
README and the tests use this one table, so a setting's name, default and
meaning never drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from study.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One configuration value read from the environment."""

    name: str
    default: str
    help: str

    def read(self) -> str:
        """Return the environment's value, or the default when unset or empty."""
        return os.environ.get(self.name) or self.default


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "STUDY_DATABASE_URL",
        "sqlite:///data/study.db",
        "SQLAlchemy URL of the database: SQLite for one machine, "
        "postgresql://user@host/db for several users or replicas.",
    ),
    Setting(
        "STUDY_BASE_URL",
        "http://localhost:8501",
        "Public address of the app, used to build survey and password links; unset, "
        "links follow the port the app is served on (http://localhost:PORT).",
    ),
    Setting(
        "STUDY_MIN_GROUP_SIZE",
        "5",
        "Smallest group whose results are shown in reports and benchmarks.",
    ),
    Setting(
        "STUDY_MIN_BENCHMARK_ORGS",
        "5",
        "Fewest other organisations a benchmark statistic pools, and fewest new "
        "organisations a new published benchmark edition needs.",
    ),
    Setting(
        "STUDY_MAX_UPLOAD_MB", "20", "Largest file, in megabytes, accepted by an import or upload."
    ),
    Setting(
        "STUDY_MAX_UNPACKED_MB",
        "100",
        "Most megabytes one ZIP-based file (.docx, .xlsx, .qdpx, platform export) "
        "may unpack to; larger ones are refused as possible zip bombs.",
    ),
    Setting(
        "STUDY_LOGIN_MAX_FAILURES",
        "5",
        "Failed logins in a row after which an account is throttled.",
    ),
    Setting(
        "STUDY_LOGIN_LOCK_SECONDS",
        "300",
        "How long, in seconds, a throttled account must wait before the next try.",
    ),
    Setting(
        "STUDY_SESSION_IDLE_MINUTES",
        "120",
        "A staff login ends after this many minutes without activity.",
    ),
    Setting(
        "STUDY_SESSION_MAX_HOURS",
        "12",
        "A staff login ends this many hours after it began, active or not.",
    ),
    Setting(
        "STUDY_INVITE_HOURS",
        "72",
        "How long, in hours, a set-password link (invitation or reset) stays valid.",
    ),
    Setting(
        "STUDY_SSO_NAME",
        "single sign-on",
        'Name of the identity provider on the login page\'s button ("Sign in with ..."), '
        "when single sign-on is configured in .streamlit/secrets.toml.",
    ),
    Setting(
        "STUDY_SQLITE_BUSY_TIMEOUT_MS",
        "15000",
        "How long, in milliseconds, a SQLite statement waits for another writer before it "
        "fails (the survey page then retries with back-off).",
    ),
    Setting(
        "STUDY_SMTP_URL",
        "",
        "SMTP server for survey invitations, e.g. smtp://user:password@host:587?starttls=1 "
        "(smtps:// for TLS from the start; &from=address sets the sender); empty: no e-mail.",
    ),
    Setting(
        "STUDY_MAIL_PER_MINUTE",
        "60",
        "Most invitation e-mails sent per minute (rate limit of `study campaign send`).",
    ),
    Setting(
        "STUDY_PLATFORM_SALT_FILE",
        "data/platform-salt.key",
        "The secret salt that pseudonymises people in platform exports (Slack, Viva Engage); "
        "created on first use. Keep it outside the database and back it up: another salt "
        "gives the same people other pseudonyms.",
    ),
    Setting(
        "STUDY_LEADER_TITLES",
        "executive:ceo|cfo|coo|cto|cio|chief|president|vice president|vp|director|"
        "direktør|adm. direktør|koncernchef;"
        "manager:manager|head of|lead|leder|chef|afdelingsleder|mellemleder|teamleder",
        "Job-title patterns that mark leaders in platform exports: level:word|word;... "
        "(case-insensitive, English and Danish); a title matching none is staff.",
    ),
    Setting(
        "STUDY_WORKING_HOURS",
        "Europe/Copenhagen 08-17",
        "Time zone and working hours (Monday to Friday) for the platform routine measures: "
        "ZONE HH-HH.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    """Return the current value of the setting called ``name``."""
    try:
        return _BY_NAME[name].read()
    except KeyError:
        raise ConfigError(f"There is no setting called {name}.") from None


def int_setting(name: str) -> int:
    """Return the setting ``name`` as a positive integer, or raise ConfigError."""
    raw = setting(name)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}.")
    return value


def mask_url(url: str) -> str:
    """``url`` with the password in it replaced by ``***``, for anything shown or logged.

    Works on any ``scheme://user:password@host...`` address (database, SMTP), and on a
    malformed one (``postgresql//user:password@host``), without parsing it as one kind:
    the user part ends at the last ``@`` before the query, so even a password with an
    unencoded ``@`` or ``/`` never shows. An address without a password comes back
    unchanged.
    """
    slashes = url.find("//")
    start = slashes + 2 if slashes >= 0 else 0
    at = url.partition("?")[0].rfind("@")
    user_part = url[start : max(at, start)]
    if at < start or user_part.startswith("/") or ":" not in user_part:
        return url
    return f"{url[:start]}{user_part.partition(':')[0]}:***@{url[at + 1 :]}"


#: The address this process serves the app on, when a server recorded it (:func:`serve_at`).
_SERVED: list[str] = []


def serve_at(url: str) -> None:
    """Record the address the app is served on (``server.py`` does, at start-up).

    Links then follow it while STUDY_BASE_URL is unset: ``./run.sh --server.port 8600``
    builds links to port 8600, not to the default's 8501.
    """
    _SERVED[:] = [url.rstrip("/")]


def served_url() -> str | None:
    """The address recorded by :func:`serve_at`, or None outside a running server."""
    return _SERVED[0] if _SERVED else None


def base_url_is_set() -> bool:
    """Whether STUDY_BASE_URL is set (not empty) in the environment."""
    return bool(os.environ.get("STUDY_BASE_URL"))


def base_url() -> str:
    """The public address links are built on, without a trailing slash.

    STUDY_BASE_URL when set; otherwise the address the app is served on, as the
    server recorded it (:func:`serve_at`); otherwise the setting's default.
    """
    if base_url_is_set() or not _SERVED:
        return setting("STUDY_BASE_URL").rstrip("/")
    return _SERVED[0]


def database_url() -> str:
    """Return STUDY_DATABASE_URL."""
    return setting("STUDY_DATABASE_URL")
