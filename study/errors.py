"""The one exception tree of ISM Study.

Every error a user can cause or meet is a :class:`StudyError`. The CLI and the
Streamlit pages catch ``StudyError`` and show ``str(error)``: one sentence a
researcher, an employee or a practitioner understands, never a traceback.
Anything else that escapes is a bug.

::

    StudyError
    ├── ConfigError               a setting is malformed (e.g. STUDY_DATABASE_URL)
    ├── StorageError              the database cannot be used
    │   ├── DatabaseUnavailable   cannot connect, or the file is not a database
    │   └── SchemaOutOfDate       the database needs `study init` (migrations)
    ├── InvalidInput              an argument or form value is wrong
    │   ├── InvalidFile           a file's content is wrong (names file, line, field)
    │   │   └── FileTooLarge      an upload over the size limit
    │   └── InsufficientData      too little data for a computation
    ├── NotFound                  a named thing does not exist
    ├── AlreadyExists             a unique name is taken
    ├── InvalidToken              a survey link token is unknown or malformed
    │   └── CampaignClosed        the campaign is not open
    ├── AuthenticationFailed      wrong e-mail or password, or a locked account (alike)
    └── PermissionDenied          the account's role does not allow this
"""

from __future__ import annotations


class StudyError(Exception):
    """Base class: a problem the user can understand and act on."""


class ConfigError(StudyError):
    """A setting has a value that cannot be used."""


class StorageError(StudyError):
    """The database cannot be used."""


class DatabaseUnavailable(StorageError):
    """The database cannot be reached or opened."""


class SchemaOutOfDate(StorageError):
    """The database schema is older than this version of ISM Study."""


class InvalidInput(StudyError, ValueError):
    """An argument or a form value is not acceptable."""


class InvalidFile(InvalidInput):
    """A file's content is not acceptable.

    Parameters
    ----------
    message : str
        What is wrong, in one sentence.
    path : str, optional
        The file's name as the user knows it.
    line : int, optional
        1-based line number, where known.
    field : str, optional
        Dotted path of the offending field, where known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.path:
            where.append(str(self.path))
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class FileTooLarge(InvalidFile):
    """An uploaded file is larger than the configured limit."""


class InsufficientData(InvalidInput):
    """There is too little data to compute what was asked."""


class NotFound(StudyError, LookupError):
    """A named organisation, instrument, transcript, ... does not exist."""


class AlreadyExists(StudyError):
    """Something with that unique name already exists."""


class InvalidToken(StudyError):
    """A survey link's token is unknown, used or malformed."""


class CampaignClosed(InvalidToken):
    """The survey campaign is not open (not yet opened, or closed)."""


class AuthenticationFailed(StudyError):
    """The e-mail or password is wrong."""


class PermissionDenied(StudyError):
    """The account's role does not allow this action."""
