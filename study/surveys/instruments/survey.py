"""The survey instrument model: items, pages and scales, validated from a YAML file.

A survey file declares its languages once; every text (title, intro, consent,
item texts, labels, option labels) must then exist in each of them. Pages list
item ids or hold items inline. Likert items may belong to a scale, and a scale
is scored as the mean of its items after reverse-keying (see
:mod:`study.surveys.scoring`). Example::

    id: small-survey
    version: 1
    languages: [en, da]
    title: {en: A survey, da: Et spørgeskema}
    intro: {en: ..., da: ...}
    consent: {en: ..., da: ...}
    label_sets:
      agree5: {en: [Strongly disagree, ..., Strongly agree], da: [Helt uenig, ..., Helt enig]}
    scales:
      - {id: commitment, label: {en: Commitment, da: Engagement}, min_answered: 0.5}
    pages:
      - id: p1
        title: {en: Your work, da: Dit arbejde}
        items:
          - {id: com1, type: likert, points: 5, labels: agree5, scale: commitment,
             text: {en: ..., da: ...}}
          - {id: com2, type: likert, points: 5, labels: agree5, scale: commitment,
             reverse: true, text: {en: ..., da: ...}}

``Instrument.model_dump(mode="json")`` round-trips through ``Instrument.model_validate``:
label-set references are resolved into each item at validation, so the dump
is self-contained and can be stored as the definition of one version.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from study.surveys.instruments.conditions import Condition, condition_errors
from study.surveys.instruments.validation import (
    Identifier,
    Language,
    Localized,
    Slug,
    TitledBlock,
    duplicate_errors,
    language_errors,
    problem,
    raise_problems,
    unique_languages,
)

ItemType = Literal["likert", "single_choice", "multiple_choice", "text", "number"]
ITEM_TYPES: tuple[str, ...] = ("likert", "single_choice", "multiple_choice", "text", "number")

# Which optional fields each item type may use; anything else set is a mistake in the file.
_FIELDS_BY_TYPE: dict[str, set[str]] = {
    "likert": {"points", "labels", "reverse", "scale"},
    "single_choice": {"options"},
    "multiple_choice": {"options"},
    "text": {"max_length"},
    "number": {"min", "max"},
}
_TYPED_FIELDS = set().union(*_FIELDS_BY_TYPE.values())


class Option(BaseModel):
    """One answer option of a choice item: a stable id, a numeric code, a label per language."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("label",)

    id: Identifier
    #: Numeric code used in SPSS files and matched in imports; defaults to the 1-based position.
    value: int | None = None
    label: Localized


class Item(BaseModel):
    """One question. Type-specific fields are only allowed on the type that uses them."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("text", "labels")

    id: Identifier
    type: ItemType
    text: Localized
    required: bool = False
    #: Coarse background question (department group, tenure band, ...), not a measure.
    demographic: bool = False
    # likert
    points: Literal[5, 7] | None = None
    #: Point labels per language (one per point), or the name of a ``label_sets`` entry.
    labels: dict[str, list[str]] | str | None = None
    reverse: bool = False
    scale: Identifier | None = None
    # single_choice, multiple_choice
    options: list[Option] | None = None
    # number
    min: float | None = None
    max: float | None = None
    # text
    max_length: PositiveInt | None = None
    #: Shown only when this holds for earlier pages' answers (see ...instruments.conditions);
    #: left out of the stored definition when absent, so older versions keep their hash.
    show_if: Condition | None = Field(None, exclude_if=lambda value: value is None)

    @model_validator(mode="after")
    def _fits_its_type(self) -> Item:
        allowed = _FIELDS_BY_TYPE[self.type]
        problems = []
        for name in sorted(_TYPED_FIELDS - allowed):
            value = getattr(self, name)
            if value not in (None, False):
                problems.append(problem((name,), f"'{name}' does not apply to a {self.type} item"))
        if self.type == "likert":
            if self.points is None:
                problems.append(problem(("points",), "a likert item needs 'points' (5 or 7)"))
            if self.labels is None:
                problems.append(
                    problem(
                        ("labels",),
                        "a likert item needs 'labels' (one per point "
                        "per language, or the name of a label set)",
                    )
                )
            elif isinstance(self.labels, dict) and self.points is not None:
                problems += label_count_errors(self.labels, self.points, ("labels",))
        if self.type in ("single_choice", "multiple_choice"):
            problems += self._option_errors()
        if (
            self.type == "number"
            and self.min is not None
            and self.max is not None
            and self.min >= self.max
        ):
            problems.append(problem(("max",), "'max' must be greater than 'min'"))
        raise_problems("Item", problems)
        return self

    def _option_errors(self) -> list:
        if not self.options or len(self.options) < 2:
            return [problem(("options",), f"a {self.type} item needs at least two options")]
        for position, option in enumerate(self.options, start=1):
            if option.value is None:
                option.value = position
        locs = [("options", i) for i in range(len(self.options))]
        problems = duplicate_errors(
            [o.id for o in self.options], [(*loc, "id") for loc in locs], "option"
        )
        values = [str(o.value) for o in self.options]
        problems += duplicate_errors(values, [(*loc, "value") for loc in locs], "option value")
        return problems

    def label(self, value: int, language: str) -> str:
        """The label of likert point ``value`` (1-based) in ``language``."""
        labels = self.labels if isinstance(self.labels, dict) else {}  # resolved at validation
        return labels[language][value - 1]

    def option(self, option_id: str) -> Option:
        """The option with id ``option_id`` (KeyError if there is none)."""
        for option in self.options or []:
            if option.id == option_id:
                return option
        raise KeyError(option_id)


def label_count_errors(labels: dict[str, list[str]], points: int, loc: tuple) -> list:
    """One problem per language whose label list does not have ``points`` entries."""
    return [
        problem(
            (*loc, language),
            f"{len(texts)} labels for {points} points in '{language}' (give one label per point)",
        )
        for language, texts in labels.items()
        if len(texts) != points
    ]


class Scale(BaseModel):
    """A scale: the items that name it in ``scale``, scored as their mean after reverse-keying."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("label",)

    id: Identifier
    label: Localized
    rule: Literal["mean"] = "mean"
    #: Minimum share of the scale's items answered for a score; fewer gives no score (NaN).
    min_answered: float = Field(0.5, gt=0, le=1)
    #: For researchers: what the scale measures, which direction is high, where it comes from.
    note: str | None = None


class Page(TitledBlock):
    """One survey page: a title and its items, as ids of top-level items or inline items."""

    items: list[Identifier | Item] = Field(min_length=1)
    #: Shown only when this holds for earlier pages' answers (see ...instruments.conditions).
    show_if: Condition | None = Field(None, exclude_if=lambda value: value is None)
    #: ``true``: the page's items in a per-respondent order; a list of item ids: those
    #: items trade places among themselves, the others stay put (see study.surveys.logic).
    randomise: bool | list[Identifier] = Field(False, exclude_if=lambda value: value is False)

    @field_validator("items", mode="before")
    @classmethod
    def _inline_items_are_items(cls, value: object) -> object:
        # Validate inline items here, so an error points into the item and not at a union.
        if not isinstance(value, list):
            return value
        entries = []
        for index, entry in enumerate(value):
            if isinstance(entry, dict):
                try:
                    entry = Item.model_validate(entry)
                except ValidationError as exc:
                    raise_problems(
                        "Item",
                        [
                            problem((index, *e["loc"]), e["msg"], e.get("input"))
                            for e in exc.errors()
                        ],
                    )
            entries.append(entry)
        return entries


#: Placeholders a mail template may (and its body must) use.
MAIL_PLACEHOLDERS = ("link", "opt_out", "organisation", "title")
_PLACEHOLDER = re.compile(r"{([^{}]*)}")
# Consent wording that promises every question may be skipped (English, Danish).
_SKIP_ANY = re.compile(
    r"skip (any|every|all)( of the)? questions?\b(?! not marked)"
    r"|spring\w* (ethvert |alle |et hvilket som helst )?spørgsmål over"
    r"(?! som ikke)",
    re.IGNORECASE,
)


class MailTemplate(BaseModel):
    """An e-mail (subject and body per language) with ``{link}`` and ``{opt_out}`` in the body."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("subject", "body")

    subject: Localized
    body: Localized

    @model_validator(mode="after")
    def _placeholders_known(self) -> MailTemplate:
        problems = []
        for name in ("subject", "body"):
            for language, text in getattr(self, name).items():
                for found in _PLACEHOLDER.findall(text):
                    if found not in MAIL_PLACEHOLDERS:
                        problems.append(
                            problem(
                                (name, language),
                                f"unknown placeholder "
                                f"{{{found}}}; use {', '.join(MAIL_PLACEHOLDERS)}",
                            )
                        )
        for language, text in self.body.items():
            for needed in ("link", "opt_out"):
                if f"{{{needed}}}" not in text:
                    problems.append(problem(("body", language), f"the body needs {{{needed}}}"))
        raise_problems("MailTemplate", problems)
        return self


class Instrument(BaseModel):
    """A survey instrument: languages, texts, scales and pages of items (one version)."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("title", "intro", "consent", "closing")

    kind: Literal["survey"] = "survey"
    id: Slug
    version: PositiveInt
    languages: list[Language] = Field(min_length=1)
    title: Localized
    intro: Localized
    consent: Localized
    closing: Localized | None = None
    sources: list[str] = Field(default_factory=list)
    label_sets: dict[Identifier, dict[str, list[str]]] = Field(default_factory=dict)
    scales: list[Scale] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    pages: list[Page] = Field(min_length=1)
    #: E-mail invitation and reminder texts (`study campaign send`); left out of the
    #: stored definition when absent, so older versions keep their content hash.
    invitation: MailTemplate | None = Field(None, exclude_if=lambda value: value is None)
    reminder: MailTemplate | None = Field(None, exclude_if=lambda value: value is None)
    _item_index: dict[str, Item] | None = PrivateAttr(default=None)

    _languages_unique = field_validator("languages")(unique_languages)

    @model_validator(mode="after")
    def _references_hold(self) -> Instrument:
        problems = self._page_errors()
        raise_problems("Instrument", problems)
        problems = self._label_errors() + self._scale_errors() + self._consent_errors()
        problems += self._logic_errors()
        problems += language_errors(self, self.languages)
        for name, labels in self.label_sets.items():
            for found in language_errors(_LabelSet(labels=labels), self.languages):
                found["loc"] = ("label_sets", name, *found["loc"][1:])
                problems.append(found)
        raise_problems("Instrument", problems)
        return self

    def _page_errors(self) -> list:
        top = {item.id: i for i, item in enumerate(self.items)}
        ids = [item.id for item in self.items]
        locs: list[tuple] = [("items", i, "id") for i in range(len(self.items))]
        placed: dict[str, tuple] = {}
        problems = duplicate_errors(
            [p.id for p in self.pages], [("pages", i, "id") for i in range(len(self.pages))], "page"
        )
        for p, page in enumerate(self.pages):
            for e, entry in enumerate(page.items):
                loc = ("pages", p, "items", e)
                if isinstance(entry, Item):
                    ids.append(entry.id)
                    locs.append((*loc, "id"))
                    continue
                if entry not in top:
                    problems.append(problem(loc, f"there is no item '{entry}' in 'items'"))
                elif entry in placed:
                    problems.append(problem(loc, f"item '{entry}' is already on another page"))
                placed[entry] = loc
        problems += duplicate_errors(ids, locs, "item")
        problems += [
            problem(("items", i), f"item '{item.id}' is not on any page")
            for i, item in enumerate(self.items)
            if item.id not in placed
        ]
        return problems

    def _logic_errors(self) -> list:
        """Conditions use items of earlier pages correctly; randomised items are the page's."""
        top = {item.id: item for item in self.items}
        pages = [
            [entry if isinstance(entry, Item) else top[entry] for entry in page.items]
            for page in self.pages
        ]
        known = {item.id for items in pages for item in items}
        earlier: dict[str, Item] = {}
        problems = []
        for p, (page, items) in enumerate(zip(self.pages, pages)):
            if page.show_if is not None:
                problems += condition_errors(
                    page.show_if, ("pages", p, "show_if"), earlier=earlier, known=known
                )
            for e, (entry, item) in enumerate(zip(page.items, items)):
                if item.show_if is not None:
                    loc = (
                        ("pages", p, "items", e)
                        if isinstance(entry, Item)
                        else ("items", list(top).index(item.id))
                    )
                    problems += condition_errors(
                        item.show_if, (*loc, "show_if"), earlier=earlier, known=known
                    )
            problems += self._randomise_errors(p, page, [item.id for item in items], known)
            earlier.update((item.id, item) for item in items)
        return problems

    @staticmethod
    def _randomise_errors(p: int, page: Page, ids: list[str], known: set[str]) -> list:
        problems = []
        if page.randomise is not False and f"{page.id}_order" in known:
            problems.append(
                problem(
                    ("pages", p, "randomise"),
                    f"item id '{page.id}_order' is the name of this page's order column in exports",
                )
            )
        if not isinstance(page.randomise, list):
            return problems
        for i, item_id in enumerate(page.randomise):
            if item_id not in ids:
                problems.append(
                    problem(
                        ("pages", p, "randomise", i), f"item '{item_id}' is not on page '{page.id}'"
                    )
                )
        problems += duplicate_errors(
            page.randomise,
            [("pages", p, "randomise", i) for i in range(len(page.randomise))],
            "randomised item",
        )
        if len(page.randomise) < 2:
            problems.append(
                problem(
                    ("pages", p, "randomise"),
                    "list at least two items to "
                    "randomise (or write 'randomise: true' for the whole page)",
                )
            )
        return problems

    def _consent_errors(self) -> list:
        """The consent must not promise that any question may be skipped when one is required."""
        required = [item.id for _, item in self._items_with_locs() if item.required]
        if not required:
            return []
        return [
            problem(
                ("consent", language),
                f"the consent says any question may be "
                f"skipped, but {', '.join(repr(i) for i in required)} "
                f"{'is' if len(required) == 1 else 'are'} required: reword the consent "
                f"or make the item optional",
            )
            for language, text in self.consent.items()
            if _SKIP_ANY.search(text)
        ]

    def _label_errors(self) -> list:
        problems = []
        for name, labels in self.label_sets.items():
            counts = {len(texts) for texts in labels.values()}
            if len(counts) > 1:
                problems.append(
                    problem(("label_sets", name), "every language needs the same number of labels")
                )
        for loc, item in self._items_with_locs():
            if isinstance(item.labels, str):
                if item.labels not in self.label_sets:
                    problems.append(
                        problem(
                            (*loc, "labels"),
                            f"there is no label set '{item.labels}' in 'label_sets'",
                        )
                    )
                    continue
                item.labels = {k: list(v) for k, v in self.label_sets[item.labels].items()}
                problems += label_count_errors(item.labels, item.points or 0, (*loc, "labels"))
        return problems

    def _scale_errors(self) -> list:
        problems = duplicate_errors(
            [s.id for s in self.scales],
            [("scales", i, "id") for i in range(len(self.scales))],
            "scale",
        )
        known = {s.id for s in self.scales}
        points: dict[str, set[int]] = {s.id: set() for s in self.scales}
        for loc, item in self._items_with_locs():
            if item.scale is None:
                continue
            if item.scale not in known:
                problems.append(
                    problem((*loc, "scale"), f"there is no scale '{item.scale}' in 'scales'")
                )
            else:
                points[item.scale].add(item.points or 0)
        for i, scale in enumerate(self.scales):
            if not points[scale.id]:
                problems.append(problem(("scales", i), f"no item belongs to scale '{scale.id}'"))
            elif len(points[scale.id]) > 1:
                problems.append(
                    problem(
                        ("scales", i),
                        f"the items of scale '{scale.id}' have different numbers of points",
                    )
                )
        return problems

    def _items_with_locs(self) -> list[tuple[tuple, Item]]:
        found: list[tuple[tuple, Item]] = [
            (("items", i), item) for i, item in enumerate(self.items)
        ]
        for p, page in enumerate(self.pages):
            found += [
                (("pages", p, "items", e), entry)
                for e, entry in enumerate(page.items)
                if isinstance(entry, Item)
            ]
        return found

    # -- reading the instrument ------------------------------------------------------------

    def all_items(self) -> list[Item]:
        """Every item, in the order respondents see them (page by page)."""
        top = {item.id: item for item in self.items}
        return [
            entry if isinstance(entry, Item) else top[entry]
            for page in self.pages
            for entry in page.items
        ]

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id`` (KeyError if there is none)."""
        # Built on first use: answering a page looks up every item, and stored
        # instrument models are shared read-only (see study.surveys.instrument_store).
        if self._item_index is None:
            self._item_index = {item.id: item for item in self.all_items()}
        return self._item_index[item_id]

    def page_items(self, page: Page) -> list[Item]:
        """The items of ``page``, in order."""
        top = {item.id: item for item in self.items}
        return [entry if isinstance(entry, Item) else top[entry] for entry in page.items]

    def scale(self, scale_id: str) -> Scale:
        """The scale with id ``scale_id`` (KeyError if there is none)."""
        for scale in self.scales:
            if scale.id == scale_id:
                return scale
        raise KeyError(scale_id)

    def scale_items(self, scale_id: str) -> list[Item]:
        """The items belonging to scale ``scale_id``, in survey order."""
        return [item for item in self.all_items() if item.scale == scale_id]


class _LabelSet(BaseModel):
    """Wrapper so label sets get the same language check as item labels."""

    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("labels",)
    labels: dict[str, list[str]]
