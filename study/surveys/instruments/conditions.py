"""Survey logic in an instrument file: ``show_if`` conditions and ``randomise`` on a page.

A condition tests one earlier answer, or combines conditions with ``all`` / ``any``::

    show_if: {item: uses_platform, in: [yes]}          # a choice: one of these options
    show_if: {item: use1, at_least: 4}                 # likert or number: 4 or more
    show_if: {item: dept, not_in: [ops]}               # answered, and not one of these
    show_if: {item: comment, answered: true}           # any item: answered (or not)
    show_if:
      any:
        - {item: use1, at_most: 2}
        - all: [{item: dept, in: [support]}, {item: minutes, at_least: 60}]

``in`` / ``not_in`` take option ids for single and multiple choice items (a
multiple choice matches when any listed option is chosen) and points for likert
items; ``at_least`` / ``at_most`` (one or both) take points for likert items and
values for number items. Every test except ``answered: false`` is false while the
item has no answer, and an item that is not shown has no answer.

A condition may only use items on *earlier pages*: a page is a plain form, so what
it shows is decided when it opens. This module checks each condition's own shape
(:class:`Condition`); :func:`condition_errors` checks it against the instrument
(the item exists, is on an earlier page, the options exist, values fit the
scale). They are evaluated by :mod:`study.surveys.logic`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from study.surveys.instruments.validation import Identifier, Loc, problem, raise_problems

if TYPE_CHECKING:
    from study.surveys.instruments.survey import Item

#: The tests a condition on one item may use (``at_least`` and ``at_most`` may go together).
TESTS = ("in", "not_in", "at_least", "at_most", "answered")


def _absent(value: object) -> bool:
    return value is None


class Condition(BaseModel):
    """One ``show_if``: a test of one earlier item's answer, or ``all`` / ``any`` of conditions."""

    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    item: Identifier | None = Field(None, exclude_if=_absent)
    in_: list[StrictStr | StrictInt | float] | None = Field(
        None, alias="in", min_length=1, exclude_if=_absent
    )
    not_in: list[StrictStr | StrictInt | float] | None = Field(
        None, min_length=1, exclude_if=_absent
    )
    at_least: StrictInt | float | None = Field(None, exclude_if=_absent)
    at_most: StrictInt | float | None = Field(None, exclude_if=_absent)
    answered: bool | None = Field(None, exclude_if=_absent)
    all: list[Condition] | None = Field(None, min_length=1, exclude_if=_absent)
    any: list[Condition] | None = Field(None, min_length=1, exclude_if=_absent)

    @field_validator("in_", "not_in", mode="before")
    @classmethod
    def _yes_and_no_are_option_ids(cls, value: object) -> object:
        # YAML reads an unquoted yes / no as true / false; researchers mean the option ids.
        if isinstance(value, list):
            return ["yes" if v is True else "no" if v is False else v for v in value]
        return value

    @model_validator(mode="after")
    def _one_kind_of_test(self) -> Condition:
        tests = [name for name in TESTS if getattr(self, _field(name)) is not None]
        combined = [name for name in ("all", "any") if getattr(self, name) is not None]
        problems = []
        if combined:
            if len(combined) > 1 or self.item is not None or tests:
                problems.append(
                    problem(
                        (combined[0],),
                        f"'{combined[0]}' stands alone: put other tests inside its list",
                    )
                )
        elif self.item is None:
            problems.append(
                problem(
                    ("item",),
                    "a condition needs 'item' (the id of an earlier "
                    "item), or 'all' / 'any' with a list of conditions",
                )
            )
        elif not tests:
            problems.append(
                problem(("item",), f"say what to test about '{self.item}': {', '.join(TESTS)}")
            )
        elif (
            len(set(tests) - {"at_least", "at_most"}) + bool({"at_least", "at_most"} & set(tests))
            > 1
        ):
            problems.append(
                problem(
                    (tests[1],),
                    f"use one test per condition (found "
                    f"{', '.join(tests)}); combine conditions with 'all'",
                )
            )
        elif (
            self.at_least is not None and self.at_most is not None and self.at_least > self.at_most
        ):
            problems.append(
                problem(("at_most",), "'at_most' is below 'at_least': no answer can pass")
            )
        raise_problems("Condition", problems)
        return self

    def items(self) -> Iterator[str]:
        """The ids of every item this condition tests."""
        if self.item is not None:
            yield self.item
        for part in (self.all or []) + (self.any or []):
            yield from part.items()


def _field(name: str) -> str:
    return "in_" if name == "in" else name


def condition_errors(
    condition: Condition, loc: Loc, *, earlier: Mapping[str, Item], known: set[str]
) -> list:
    """Problems of ``condition`` (at ``loc``) given the items of earlier pages.

    ``earlier`` holds the items a condition here may use; ``known`` every item id
    of the instrument (to tell a misspelt id from one on this or a later page).
    """
    if condition.item is None:
        return [
            found
            for key in ("all", "any")
            for i, part in enumerate(getattr(condition, key) or [])
            for found in condition_errors(part, (*loc, key, i), earlier=earlier, known=known)
        ]
    name = condition.item
    if name not in earlier:
        if name in known:
            return [
                problem(
                    (*loc, "item"),
                    f"item '{name}' is not on an earlier page: a "
                    f"condition can only use answers given on earlier pages",
                )
            ]
        return [problem((*loc, "item"), f"there is no item '{name}'")]
    return _test_errors(condition, loc, earlier[name])


def _test_errors(condition: Condition, loc: Loc, item: Item) -> list:
    problems = []
    for key in ("in", "not_in"):
        values = getattr(condition, _field(key))
        for i, value in enumerate(values or []):
            message = _value_error(item, value)
            if message:
                problems.append(problem((*loc, key, i), message, value))
    for key in ("at_least", "at_most"):
        value = getattr(condition, key)
        if value is None:
            continue
        if item.type not in ("likert", "number"):
            problems.append(
                problem(
                    (*loc, key),
                    f"'{key}' applies to likert and number items; "
                    f"'{item.id}' is a {item.type} item",
                )
            )
        else:
            message = _range_error(item, value)
            if message:
                problems.append(problem((*loc, key), message, value))
    return problems


def _value_error(item: Item, value: Any) -> str | None:
    if item.type in ("single_choice", "multiple_choice"):
        ids = [option.id for option in item.options or []]
        if value not in ids:
            return f"item '{item.id}' has no option '{value}' (its options: {', '.join(ids)})"
        return None
    if item.type == "text":
        return f"'{item.id}' is a text item: test it with 'answered'"
    if isinstance(value, str):
        return f"'{value}' is not a number; '{item.id}' is a {item.type} item"
    if item.type == "likert" and not float(value).is_integer():
        return f"{value} is not a point of likert item '{item.id}'"
    return _range_error(item, value)


def _range_error(item: Item, value: float) -> str | None:
    low, high = (1, item.points or 0) if item.type == "likert" else (item.min, item.max)
    if (low is not None and value < low) or (high is not None and value > high):
        shown = (
            f"{_number(low) if low is not None else '...'} to "
            f"{_number(high) if high is not None else '...'}"
        )
        return f"{_number(value)} is outside item '{item.id}' ({shown})"
    return None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
