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
    Setting("STUDY_DATABASE_URL", "sqlite:///data/study.db",
            "SQLAlchemy URL of the database: SQLite for one machine, "
            "postgresql://user@host/db for several users or replicas."),
    Setting("STUDY_BASE_URL", "http://localhost:8501",
            "Public address of the app, used to build survey links."),
    Setting("STUDY_MIN_GROUP_SIZE", "5",
            "Smallest group whose results are shown in reports and benchmarks."),
    Setting("STUDY_MAX_UPLOAD_MB", "20",
            "Largest file, in megabytes, accepted by an import or upload."),
    Setting("STUDY_LOGIN_MAX_FAILURES", "5",
            "Failed logins in a row after which an account is throttled."),
    Setting("STUDY_LOGIN_LOCK_SECONDS", "300",
            "How long, in seconds, a throttled account must wait before the next try."),
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


def database_url() -> str:
    """Return STUDY_DATABASE_URL."""
    return setting("STUDY_DATABASE_URL")
