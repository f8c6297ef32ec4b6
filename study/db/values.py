"""Refuse values the database cannot hold, the same way on SQLite and PostgreSQL.

SQLite stores a NUL character, a 300-character name in a ``VARCHAR(200)`` or a
25-digit number without complaint; PostgreSQL refuses all three with a driver
error that used to reach users as "Cannot use the database". Before every
flush, :func:`check_values` looks at the rows about to be written and raises
:class:`~study.errors.InvalidInput` naming the field, on both backends. What
reaches the driver anyway (a lookup by a huge id, a bulk insert) is turned into
the same kind of sentence by :func:`refused_value`.

Names people type (``ONE_LINE``: organisations, account display names, campaigns,
codes, schemes) reach e-mail headers, file names and one-line displays, so a line
break or other control character in one is refused the same way (issue 20: a CR/LF
in an organisation name crashed `study campaign send`); :func:`one_line` lets the
library say so where the name enters.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import BigInteger, Integer, String, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from study.errors import InvalidInput

__all__ = ["ONE_LINE", "check_parameters", "check_values", "one_line", "refused_value"]

_INT32 = 2**31 - 1
_INT64 = 2**63 - 1
_TOO_LARGE = "A number is too large for the database: ids and counts must be below 2,147,483,648."


#: (table, column) of the names that must be one line without control characters.
ONE_LINE = frozenset(
    {
        ("organisation", "name"),
        ("organisation", "sector"),
        ("organisation", "size_band"),
        ("organisation", "country"),
        ("account", "email"),
        ("account", "display_name"),
        ("campaign", "name"),
        ("code", "key"),
        ("code", "name"),
        ("coding_scheme", "key"),
        ("coding_scheme", "title"),
        ("mail_recipient", "email"),
    }
)
#: C0 and C1 control characters (CR, LF, tab, escape, NEL ...), DEL, and the Unicode
#: line and paragraph separators; NUL has its own sentence (any text column).
_CONTROL = re.compile("[\x01-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: str, field: str) -> str:
    """``value``, or InvalidInput when it holds a line break or another control character.

    ``field`` names it in the sentence: "organisation name", "campaign name".
    """
    if isinstance(value, str) and _CONTROL.search(value):
        raise InvalidInput(
            f"The {field} must be one line without control characters (no line breaks or tabs)."
        )
    return value


def _field(obj: Any, key: str) -> str:
    return f"{type(obj).__name__.removesuffix('Row').lower()} {key.replace('_', ' ')}"


def _check(obj: Any) -> None:
    state = inspect(obj)
    for attribute in state.mapper.column_attrs:
        value = state.dict.get(attribute.key)
        if value is None:
            continue
        column_type = attribute.columns[0].type
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidInput(
                    f"The {_field(obj, attribute.key)} must not contain a NUL character (byte 0)."
                )
            if (state.mapper.local_table.name, attribute.key) in ONE_LINE:
                one_line(value, _field(obj, attribute.key))
            length = getattr(column_type, "length", None)
            if isinstance(column_type, String) and length and len(value) > length:
                raise InvalidInput(
                    f"The {_field(obj, attribute.key)} may be at most {length:,} "
                    f"characters long, not {len(value):,}."
                )
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and isinstance(column_type, Integer)
        ):
            limit = _INT64 if isinstance(column_type, BigInteger) else _INT32
            if not -limit - 1 <= value <= limit:
                raise InvalidInput(
                    f"The {_field(obj, attribute.key)} {value} is too large for the database."
                )


@event.listens_for(Session, "before_flush")
def check_values(session: Session, _context: object, _instances: object) -> None:
    """Raise InvalidInput for a NUL, an over-long text or an out-of-range number about to be written."""
    for obj in [*session.new, *session.dirty]:
        _check(obj)


def _table_of(context: Any) -> str | None:
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    table = getattr(statement, "table", None)
    if table is None and hasattr(statement, "get_final_froms"):
        froms = statement.get_final_froms()
        table = froms[0] if len(froms) == 1 else None
    name = getattr(table, "name", None)
    return name.replace("_", " ") if isinstance(name, str) else None


def _values(parameters: Any):
    """Every value sent with one cursor execution (a dict, a tuple, or a list of them)."""
    if isinstance(parameters, dict):
        yield from parameters.values()
    elif isinstance(parameters, (list, tuple)):
        for entry in parameters:
            if isinstance(entry, (dict, list, tuple)):
                yield from _values(entry)
            else:
                yield entry


def _bind_name(context: Any, bad: str) -> str:
    for parameters in getattr(context, "compiled_parameters", None) or ():
        for key, value in parameters.items():
            if value is bad or value == bad:
                return re.sub(r"_\d+$", "", key).replace("_", " ")
    return "param"


@event.listens_for(Engine, "before_cursor_execute")
def check_parameters(
    _connection: Any,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    """Refuse a NUL in any text and a number beyond 64 bits in any statement, on both backends.

    Lookups send values too (``WHERE name = ?``): SQLite would search for the NUL,
    PostgreSQL's driver refuses it, and SQLite cannot bind a 25-digit id at all. Only
    the values of this execution are scanned (a bulk insert runs in batches).
    """
    for value in _values(parameters):
        if isinstance(value, str):
            if "\x00" in value:
                column = _bind_name(context, value)
                table = _table_of(context)
                field = f"{table} {column}" if table and column != "param" else "text"
                raise InvalidInput(f"The {field} must not contain a NUL character (byte 0).")
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not -_INT64 - 1 <= value <= _INT64
        ):
            raise InvalidInput(_TOO_LARGE)


def refused_value(error: BaseException) -> InvalidInput | None:
    """The sentence for a driver's refusal of a value (NUL, too long, too large), else None."""
    original = error.orig if isinstance(error, StatementError) else error
    if isinstance(original, OverflowError):  # sqlite3: a Python int beyond 64 bits
        return InvalidInput(_TOO_LARGE)
    state = getattr(original, "sqlstate", None)
    text = str(original)
    if state == "22003":  # numeric_value_out_of_range
        return InvalidInput(_TOO_LARGE)
    if state == "22001":  # string_data_right_truncation
        return InvalidInput(f"A text is too long for the database ({text.splitlines()[0]}).")
    if "NUL (0x00)" in text or state == "22021":  # psycopg refuses NUL before sending
        return InvalidInput("A text must not contain a NUL character (byte 0).")
    return None
