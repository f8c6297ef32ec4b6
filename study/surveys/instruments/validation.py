"""Validation building blocks shared by the survey and interview-guide models: ids, texts per language.

Every text a respondent or an interviewer reads is a mapping from language code
to text (``{en: "...", da: "..."}``); a model lists its translated fields in
``LOCALIZED_FIELDS`` so :func:`language_errors` can check that every declared
language is present, and point at the exact field when one is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

#: Item, option, page, scale and question ids: usable as SPSS variable names,
#: Qualtrics export tags and LimeSurvey codes.
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=60, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
]
#: Instrument ids are file-like slugs (``ism-adoption-survey``).
Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=80, pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
    ),
]
Language = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z]{2}$")]
#: A text per language, e.g. ``{"en": "Title", "da": "Titel"}``.
Localized = dict[str, str]

Loc = tuple[str | int, ...]


def unique_languages(value: list[str]) -> list[str]:
    """A model's ``languages``, refused when one is listed twice (a field validator)."""
    if len(set(value)) != len(value):
        raise ValueError("a language is listed twice")
    return value


class TitledBlock(BaseModel):
    """A block with an id, a title and an optional intro: a survey page, a guide section."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("title", "intro")

    id: Identifier
    title: Localized
    intro: Localized | None = None


def problem(loc: Loc, message: str, value: Any = None) -> InitErrorDetails:
    """One validation problem at ``loc`` (relative to the model being validated)."""
    return InitErrorDetails(
        type=PydanticCustomError("instrument", "{message}", {"message": message}),
        loc=loc,
        input=value,
    )


def raise_problems(title: str, problems: list[InitErrorDetails]) -> None:
    """Raise all ``problems`` as one ValidationError, so pydantic keeps each location."""
    if problems:
        raise ValidationError.from_exception_data(title, problems)


def _localized_values(model: BaseModel, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    """Yield (location, value) of every translated field in ``model`` and the models inside it."""
    localized = getattr(type(model), "LOCALIZED_FIELDS", ())
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in localized:
            if isinstance(value, list) and name == "probes":
                for i, text in enumerate(value):
                    yield (*loc, name, i), text
            elif value is not None:
                yield (*loc, name), value
        elif isinstance(value, BaseModel):
            yield from _localized_values(value, (*loc, name))
        elif isinstance(value, list):
            for i, element in enumerate(value):
                if isinstance(element, BaseModel):
                    yield from _localized_values(element, (*loc, name, i))


def language_errors(model: BaseModel, languages: list[str]) -> list[InitErrorDetails]:
    """Check that every translated text in ``model`` has exactly the declared ``languages``."""
    problems = []
    declared = ", ".join(languages)
    for loc, texts in _localized_values(model, ()):
        if not isinstance(texts, dict):
            continue  # a label-set reference, checked where it is resolved
        for language in languages:
            text = texts.get(language)
            if text is None:
                problems.append(
                    problem(
                        (*loc,),
                        f"the '{language}' text is missing "
                        f"(every text needs each declared language: {declared})",
                    )
                )
            elif (isinstance(text, str) and not text.strip()) or (
                isinstance(text, list) and not all(str(t).strip() for t in text)
            ):
                problems.append(problem((*loc, language), f"the '{language}' text is empty"))
        for language in texts:
            if language not in languages:
                problems.append(
                    problem(
                        (*loc, language),
                        f"'{language}' is not one of the declared languages ({declared})",
                    )
                )
    return problems


def duplicate_errors(ids: list[str], loc_of: list[Loc], what: str) -> list[InitErrorDetails]:
    """Report every id that occurs more than once (case-insensitively, as exports ignore case)."""
    seen: dict[str, int] = {}
    problems = []
    for position, identifier in enumerate(ids):
        key = identifier.lower()
        if key in seen:
            problems.append(problem(loc_of[position], f"{what} id '{identifier}' is used twice"))
        else:
            seen[key] = position
    return problems
