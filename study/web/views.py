"""What a survey page shows: its items grouped for rendering, their values, and error messages.

Pure functions over the instrument and the answers (no request, no database), so the
handlers in :mod:`study.web.survey` stay short and the rules are tested directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from study.errors import InvalidInput
from study.surveys.instruments import Item, answer_value
from study.web.texts import text

FIELD_PREFIX = "a-"


@dataclass
class ItemView:
    """One question as the template renders it."""

    item: Item
    text: str
    value: Any  # what the inputs show: stored, or what was just posted
    error: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    hint: str | None = None

    @property
    def name(self) -> str:
        """The form field name of this item."""
        return FIELD_PREFIX + self.item.id

    @property
    def described_by(self) -> str:
        """The ids of the hint and the error message, for ``aria-describedby``."""
        return " ".join(
            f"{self.item.id}-{part}"
            for part, there in (("hint", self.hint), ("error", self.error))
            if there
        )

    @property
    def first_input(self) -> str:
        """The id of the input an error summary link moves to."""
        if self.item.type in ("text", "number"):
            return f"{self.item.id}-input"
        return f"{self.item.id}-1"

    def checked(self, value: str) -> bool:
        """Whether the choice ``value`` is selected."""
        current = self.value
        if isinstance(current, list):
            return value in [str(v) for v in current]
        if current is None:
            return False
        if isinstance(current, float) and current.is_integer():
            current = int(current)
        return str(current) == value

    @property
    def shown_text(self) -> str:
        """The value of a text or number input."""
        if self.value is None:
            return ""
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value)


@dataclass
class Group:
    """Items rendered together: a run of Likert items with the same labels is one matrix."""

    items: list[ItemView]
    matrix: bool = False
    labels: list[str] = field(default_factory=list)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def item_view(item: Item, language: str, value: Any, error: str | None = None) -> ItemView:
    """The view of ``item`` in ``language`` showing ``value``."""
    view = ItemView(item, item.text[language], value, error)
    if item.type == "likert":
        view.choices = [(str(v), item.label(v, language)) for v in range(1, (item.points or 0) + 1)]
    elif item.type in ("single_choice", "multiple_choice"):
        view.choices = [(o.id, o.label[language]) for o in item.options or []]
    elif item.type == "number" and item.min is not None and item.max is not None:
        view.hint = text(language, "range_hint", min=_number(item.min), max=_number(item.max))
    elif item.type == "text" and item.max_length:
        view.hint = text(language, "max_chars", max=item.max_length)
    return view


def groups(views: Sequence[ItemView], language: str) -> list[Group]:
    """Runs of two or more Likert items with the same labels become one matrix; others alone."""
    found: list[Group] = []
    for view in views:
        last = found[-1].items[-1].item if found else None
        if (
            view.item.type == "likert"
            and last is not None
            and last.type == "likert"
            and last.labels == view.item.labels
            and last.points == view.item.points
        ):
            found[-1].items.append(view)
            continue
        found.append(Group([view]))
    for group in found:
        if len(group.items) > 1:
            group.matrix = True
            group.labels = [label for _, label in group.items[0].choices]
    return found


def posted_answers(items: Sequence[Item], form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The raw answers a form sent for ``items`` (absent radios and boxes are None / [])."""
    found: dict[str, Any] = {}
    for item in items:
        values = form.get(FIELD_PREFIX + item.id, [])
        if item.type == "multiple_choice":
            found[item.id] = list(values)
        elif not values:
            found[item.id] = None
        else:
            # Browsers send a textarea's line breaks as CRLF; stored text uses LF.
            found[item.id] = values[-1].replace("\r\n", "\n").replace("\r", "\n")
    return found


def canonical(item: Item, raw: Any) -> Any:
    """The stored form of a posted answer, or the raw value when it is not a valid answer."""
    try:
        return answer_value(item, raw)
    except InvalidInput:
        return raw


def problem_text(item: Item, raw: Any, language: str) -> str:
    """The respondent's sentence for an answer the page cannot take (in their language)."""
    blank = raw is None or raw == [] or (isinstance(raw, str) and not raw.strip())
    if blank:
        return text(language, "required")
    if item.type == "number":
        low, high = _number(item.min), _number(item.max)
        if low and high:
            return text(language, "number_range", min=low, max=high)
        if low:
            return text(language, "number_min", min=low)
        if high:
            return text(language, "number_max", max=high)
        return text(language, "number")
    if item.type == "text" and item.max_length:
        return text(language, "too_long", max=item.max_length)
    return text(language, "invalid")
