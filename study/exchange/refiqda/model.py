"""Plain dataclasses for a REFI-QDA project, independent of any database.

The reader builds these from a .qdpx/.qdc file and the writer turns them back
into one, so the rest of ISM Study only ever sees these objects.

Conventions
-----------
- GUIDs are stored uppercase without braces ("8-4-4-4-12" hex), which is what
  MAXQDA and ATLAS.ti write; :func:`normalise_guid` brings any form the schema
  allows to that form.
- Colours are ``"#RRGGBB"`` uppercase, or ``None``.
- Coding positions count Unicode code points (Python ``str`` indices) in the
  source's text, ``end`` exclusive, so ``source.text[start:end] == coding.text``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from study.errors import InvalidInput

_GUID = re.compile(
    r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?"
)
_COLOUR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


# Deterministic GUIDs for things the model does not name (selections, variables),
# so exporting the same project twice gives the same file.
_GUID_NAMESPACE = uuid.UUID("6f1c1f0e-3b1a-4a53-9a5e-5e3a1d2c9b70")


def derived_guid(kind: str, key: str) -> str:
    """Return a stable GUID for a ``kind`` of element identified by ``key``."""
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}")).upper()


def new_guid() -> str:
    """Return a fresh random GUID in the project's canonical (uppercase) form."""
    return str(uuid.uuid4()).upper()


def normalise_guid(value: str) -> str:
    """Return ``value`` as an uppercase GUID without braces, or raise InvalidInput."""
    match = _GUID.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(f"'{value}' is not a GUID (expected 8-4-4-4-12 hexadecimal digits).")
    return match.group(1).upper()


def normalise_colour(value: str | None) -> str | None:
    """Return a colour as ``#RRGGBB`` uppercase (expanding ``#RGB``), or raise InvalidInput."""
    if value is None or value == "":
        return None
    match = _COLOUR.fullmatch(value.strip())
    if match is None:
        raise InvalidInput(f"'{value}' is not a colour (expected #RRGGBB).")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits.upper()


@dataclass
class QdaUser:
    """A coder or author as REFI-QDA knows them."""

    guid: str
    name: str


@dataclass
class QdaCode:
    """A code of the codebook, with its sub-codes.

    ``description`` carries definition, inclusion and exclusion criteria and an
    example in the layout of :func:`study.exchange.refiqda.codebook.format_code_description`.
    """

    guid: str
    name: str
    color: str | None = None
    description: str = ""
    children: list[QdaCode] = field(default_factory=list)
    is_codable: bool = True


@dataclass
class QdaCase:
    """A case (in ISM Study: an organisation) with its variables as text."""

    guid: str
    name: str
    variables: dict[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass
class QdaCoding:
    """One code applied to one passage of a text source.

    ``start``/``end`` are code-point offsets into the source text, ``end``
    exclusive; ``text`` is the selected text itself.
    """

    guid: str
    start: int
    end: int
    code_guid: str
    creating_user_guid: str | None = None
    creation_datetime: datetime | None = None
    text: str = ""
    #: How the coding came about where a machine proposed it ("suggested": an accepted
    #: learned suggestion, "suggestion": a keyword one); "" otherwise.
    origin: str = ""


@dataclass
class QdaTextSource:
    """A plain-text document (an interview transcript) with its codings.

    ``notes`` is the source's own description (REFI ``Description``), e.g. the
    interview context; memos written about the source are :class:`QdaNote`
    objects in ``QdaProject.notes`` whose ``target_guid`` is this source.
    ``variables`` are the source's own variable values (a peer's document
    variables, such as a language), by variable name.
    """

    guid: str
    name: str
    text: str
    case_guids: list[str] = field(default_factory=list)
    codings: list[QdaCoding] = field(default_factory=list)
    notes: str = ""
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class QdaNote:
    """A memo; ``target_guid`` names the source, code or coding it is about (None: the project).

    ``start``/``end`` anchor a note about a source to a passage of its text (a
    peer's annotation, such as QualCoder's), as code points like a coding's, or
    are None.
    """

    guid: str
    text: str
    target_guid: str | None = None
    creating_user_guid: str | None = None
    created: datetime | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class QdaProject:
    """Everything ISM Study exchanges through a .qdpx file.

    ``warnings`` lists, in sentences, what a read could not import or had to
    correct; it is empty for a project ISM Study wrote itself.
    """

    name: str
    users: list[QdaUser] = field(default_factory=list)
    codes: list[QdaCode] = field(default_factory=list)
    cases: list[QdaCase] = field(default_factory=list)
    sources: list[QdaTextSource] = field(default_factory=list)
    notes: list[QdaNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    description: str = ""


def iter_codes(codes: list[QdaCode]) -> Iterator[QdaCode]:
    """Yield every code of a hierarchy, parents before their children."""
    for code in codes:
        yield code
        yield from iter_codes(code.children)
