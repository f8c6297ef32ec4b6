"""Turn a raw answer (form value, CSV cell, label text) into the one stored form per item type.

Stored (canonical) answer values, used by the database, scoring, imports and exports:

==================  =====================================================
item type           value
==================  =====================================================
``likert``          ``int`` from 1 to ``points`` (as answered, not reverse-keyed)
``single_choice``   ``str``: the option id
``multiple_choice`` ``list[str]``: the chosen option ids, in option order
``number``          ``float`` within ``min``/``max``
``text``            ``str``, stripped, never empty
==================  =====================================================

An empty answer (None, NaN, blank text) is ``None``: not answered.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from study.errors import InvalidInput
from study.surveys.instruments.survey import Item, Option

AnswerValue = int | float | str | list[str]

_SEPARATORS = re.compile(r"\s*[;,]\s*")


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def _as_number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    try:
        return float(str(raw).strip().replace(",", "."))
    except ValueError:
        return None


def _likert(item: Item, raw: Any) -> int:
    points = item.points or 0
    number = _as_number(raw)
    if number is None:
        text = str(raw).strip().casefold()
        labels = item.labels if isinstance(item.labels, dict) else {}
        for texts in labels.values():
            for position, label in enumerate(texts, start=1):
                if label.casefold() == text:
                    return position
        raise InvalidInput(f"{raw!r} is neither a number from 1 to {points} nor one of the labels")
    if not number.is_integer() or not 1 <= number <= points:
        raise InvalidInput(f"{_show(raw)} is not a whole number from 1 to {points}")
    return int(number)


def _option(item: Item, raw: Any) -> Option:
    text = str(raw).strip()
    number = _as_number(raw)
    for option in item.options or []:
        if option.id.casefold() == text.casefold():
            return option
    for option in item.options or []:
        if number is not None and option.value == number:
            return option
    for option in item.options or []:
        if any(label.casefold() == text.casefold() for label in option.label.values()):
            return option
    known = ", ".join(o.id for o in item.options or [])
    raise InvalidInput(f"{raw!r} is not one of the options ({known})")


def _choices(item: Item, raw: Any) -> list[str]:
    entries: Iterable[Any]
    if isinstance(raw, (list, tuple, set)):
        entries = raw
    else:
        entries = [e for e in _SEPARATORS.split(str(raw).strip()) if e]
    chosen = {_option(item, entry).id for entry in entries}
    return [o.id for o in item.options or [] if o.id in chosen]


def _number(item: Item, raw: Any) -> float:
    number = _as_number(raw)
    if number is None or math.isnan(number) or math.isinf(number):
        raise InvalidInput(f"{raw!r} is not a number")
    if item.min is not None and number < item.min:
        raise InvalidInput(f"{_show(raw)} is below the minimum {item.min:g}")
    if item.max is not None and number > item.max:
        raise InvalidInput(f"{_show(raw)} is above the maximum {item.max:g}")
    return number


def _show(raw: Any) -> str:
    return f"{raw:g}" if isinstance(raw, float) else str(raw)


def answer_value(item: Item, raw: Any) -> AnswerValue | None:
    """Return the stored form of ``raw`` as an answer to ``item``, or None when blank.

    Likert answers may be given as the point number or a label (any language);
    choice answers as option id, option value or label; several choices as a
    list or a text separated by ``;`` or ``,``.

    Raises
    ------
    InvalidInput
        If ``raw`` is not an acceptable answer (out of range, unknown option, ...).
    """
    if _is_blank(raw) and not (item.type == "multiple_choice" and isinstance(raw, list)):
        return None
    if item.type == "likert":
        return _likert(item, raw)
    if item.type == "single_choice":
        return _option(item, raw).id
    if item.type == "multiple_choice":
        return _choices(item, raw)
    if item.type == "number":
        return _number(item, raw)
    text = str(raw).strip()
    if item.max_length is not None and len(text) > item.max_length:
        raise InvalidInput(f"the text is longer than {item.max_length} characters")
    return text
