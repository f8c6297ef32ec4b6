"""ISM Study: research toolkit for internal social media (ISM) in organisations.

The public API is what ``__all__`` lists; everything else may change.
"""

from study.accounts import AccountInfo, add_account, authenticate, log_in, set_password
from study.audit import list_events, record_event
from study.config import SETTINGS, setting
from study.db import Database, migrate
from study.demo import load_demo
from study.errors import (AlreadyExists, AuthenticationFailed, ConfigError, DatabaseUnavailable,
                          InsufficientData, InvalidFile, InvalidInput, InvalidToken, NotFound,
                          PermissionDenied, SchemaOutOfDate, StorageError, StudyError,
                          TooManyAttempts)
from study.organisations import add_organisation, get_organisation, list_organisations
from study.overview import StudyOverview, study_overview

__version__ = "0.1.0"

__all__ = [
    # errors
    "StudyError", "ConfigError", "StorageError", "DatabaseUnavailable", "SchemaOutOfDate",
    "InvalidInput", "InvalidFile", "InsufficientData", "NotFound", "AlreadyExists",
    "InvalidToken", "AuthenticationFailed", "TooManyAttempts", "PermissionDenied",
    # settings and storage
    "SETTINGS", "setting", "Database", "migrate",
    # accounts, organisations, audit
    "AccountInfo", "add_account", "authenticate", "log_in", "set_password",
    "add_organisation", "get_organisation", "list_organisations",
    "record_event", "list_events",
    # study
    "load_demo", "StudyOverview", "study_overview",
]
