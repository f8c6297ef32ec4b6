"""Coding schemes (codebooks): YAML files validated into a tree of codes.

A coding scheme gives every code a name, a definition, inclusion and exclusion
criteria, example quotes and keywords per language, the way a published
codebook does. Codes form a hierarchy through ``parent``. The files live in
``coding_schemes/`` and are edited by researchers, so every validation error
names the file, the line and the field (see :mod:`study.yamlfile`).

Example file::

    id: ism-adoption-challenges
    title: Challenges in adopting internal social media
    version: "1.0"
    sources:
      - Madsen, V. T. (2017). Journal of Communication Management, 21(1), 2-16.
    codes:
      - id: not-work-related
        name: Not work-related
        colour: "#1F77B4"
        definition: ...
        inclusion: ...
        exclusion: ...
        examples: ["..."]
        keywords: {en: [waste of time], da: [spild af tid]}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, NoReturn

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from study.errors import InvalidFile, NotFound
from study.yamlfile import load_models_by_id, load_yaml_model

__all__ = [
    "Code",
    "CodingScheme",
    "DEFAULT_SCHEMES_DIRECTORY",
    "load_scheme",
    "load_schemes",
]

#: The schemes shipped with ISM Study (``coding_schemes/`` at the project root).
DEFAULT_SCHEMES_DIRECTORY = Path(__file__).resolve().parents[2] / "coding_schemes"

_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, pattern=_ID_PATTERN)]


class Code(BaseModel):
    """One code of a scheme: what it means, when to use it, and words that hint at it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: Text
    parent: Identifier | None = None
    colour: str
    definition: Text
    inclusion: Text
    exclusion: Text
    examples: list[Text] = Field(min_length=1)
    keywords: dict[str, list[Text]] = Field(default_factory=dict)

    @field_validator("colour")
    @classmethod
    def _colour_is_hex(cls, value: str) -> str:
        value = value.strip()
        if not _COLOUR.match(value):
            raise ValueError(f"colour must be written #RRGGBB (for example #1F77B4), not {value!r}")
        return value.upper()

    @field_validator("keywords")
    @classmethod
    def _languages_are_codes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for language in value:
            if not _LANGUAGE.match(language):
                raise ValueError(
                    f"keyword language must be a two-letter code such as en or da, not {language!r}"
                )
        return value


class CodingScheme(BaseModel):
    """A codebook: metadata, sources and a hierarchy of codes (validated as a tree)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    title: Text
    version: Text
    description: str = ""
    sources: list[Text] = Field(min_length=1)
    codes: list[Code] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        # `version: 1.0` in YAML is a float; researchers should not need quotes.
        return str(value) if isinstance(value, (int, float)) else value

    @model_validator(mode="after")
    def _codes_form_a_tree(self) -> CodingScheme:
        positions: dict[str, int] = {}
        for index, code in enumerate(self.codes):
            if code.id in positions:
                _fail(
                    ("codes", index, "id"),
                    code.id,
                    f"code id '{code.id}' is used twice (also by code {positions[code.id] + 1})",
                )
            positions[code.id] = index
        for index, code in enumerate(self.codes):
            if code.parent is not None and code.parent not in positions:
                _fail(
                    ("codes", index, "parent"),
                    code.parent,
                    f"parent '{code.parent}' of code '{code.id}' is not a code of this scheme",
                )
        parents = {code.id: code.parent for code in self.codes}
        for index, code in enumerate(self.codes):
            seen = [code.id]
            current = code.parent
            while current is not None:
                if current in seen:
                    cycle = " -> ".join([*seen, current])
                    _fail(
                        ("codes", index, "parent"),
                        code.parent,
                        f"code '{code.id}' is its own ancestor ({cycle})",
                    )
                seen.append(current)
                current = parents[current]
        return self

    # -- tree helpers ----------------------------------------------------

    def code(self, code_id: str) -> Code:
        """Return the code with ``code_id``; raise NotFound if the scheme has none."""
        for code in self.codes:
            if code.id == code_id:
                return code
        raise NotFound(f"Coding scheme '{self.id}' has no code '{code_id}'.")

    def roots(self) -> list[Code]:
        """Return the top-level codes, in file order."""
        return [code for code in self.codes if code.parent is None]

    def children(self, code_id: str | None) -> list[Code]:
        """Return the direct children of ``code_id`` in file order (``None``: the roots)."""
        if code_id is not None:
            self.code(code_id)
        return [code for code in self.codes if code.parent == code_id]

    def descendants(self, code_id: str) -> list[Code]:
        """Return all codes below ``code_id``, depth first, in file order."""
        found: list[Code] = []
        for child in self.children(code_id):
            found.append(child)
            found.extend(self.descendants(child.id))
        return found

    def ancestors(self, code_id: str) -> list[Code]:
        """Return the chain of parents of ``code_id``, nearest first."""
        chain: list[Code] = []
        parent = self.code(code_id).parent
        while parent is not None:
            code = self.code(parent)
            chain.append(code)
            parent = code.parent
        return chain

    def walk(self) -> list[tuple[int, Code]]:
        """Return ``(depth, code)`` for every code, depth first: the order to display a tree."""
        ordered: list[tuple[int, Code]] = []

        def visit(parent: str | None, depth: int) -> None:
            for code in self.codes:
                if code.parent == parent:
                    ordered.append((depth, code))
                    visit(code.id, depth + 1)

        visit(None, 0)
        return ordered

    def keywords(self, language: str) -> dict[str, list[str]]:
        """Return ``{code_id: keywords}`` in ``language`` for codes that have any."""
        return {
            code.id: list(code.keywords[language])
            for code in self.codes
            if code.keywords.get(language)
        }


def _fail(loc: tuple[str | int, ...], value: Any, message: str) -> NoReturn:
    """Raise a validation error located at ``loc`` so the YAML loader can name its line."""
    error = PydanticCustomError("scheme_tree", message)
    raise ValidationError.from_exception_data(
        "CodingScheme", [InitErrorDetails(type=error, loc=loc, input=value)]
    )


def load_scheme(path: str | Path) -> CodingScheme:
    """Read and validate one coding scheme YAML file.

    Raises
    ------
    InvalidFile
        If the file is missing, not YAML, or not a valid scheme; the message
        names the file, the line and the field.
    """
    return load_yaml_model(path, CodingScheme)


def load_schemes(directory: str | Path | None = None) -> dict[str, CodingScheme]:
    """Read every ``*.yaml``/``*.yml`` scheme in ``directory`` into ``{scheme_id: scheme}``.

    ``directory`` defaults to the schemes shipped with ISM Study
    (:data:`DEFAULT_SCHEMES_DIRECTORY`). Schemes are ordered by id.

    Raises
    ------
    InvalidFile
        If the directory does not exist, a file is invalid, or two files
        declare the same scheme id.
    """
    folder = Path(directory) if directory is not None else DEFAULT_SCHEMES_DIRECTORY
    if not folder.is_dir():
        raise InvalidFile("folder of coding schemes not found", path=str(folder))
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".yaml", ".yml"})
    schemes = load_models_by_id(
        files, load_scheme, "scheme id '{id}' is already used by {first.name}"
    )
    return dict(sorted(schemes.items()))
