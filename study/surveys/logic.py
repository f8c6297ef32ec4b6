"""Survey logic on the server: which pages and items a respondent sees, and in which order.

Conditions (``show_if`` on a page or an item, syntax in
:mod:`study.surveys.instruments.conditions`) use answers of earlier pages only, so
one pass through the pages in order decides everything: a page is shown when its
condition holds for the answers to items shown so far, and an item when its page
is shown and its own condition holds. An answer to an item that is not shown does
not count (it is dropped when the response is saved, see
:mod:`study.surveys.responding`), so hiding an item also hides what depends on it.

A page with ``randomise: true`` shows its items in an order of the respondent's own;
``randomise: [a, b, c]`` lets only those items trade places. The order is a pure
function of the response's seed (stored with the response) and the page id, made
with SHA-256 rather than :mod:`random` so that it can never change with the Python
version: exports recompute it to say which order each respondent saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from study.surveys.instruments import Instrument, Item, Page
from study.surveys.instruments.conditions import Condition


@dataclass(frozen=True)
class Visibility:
    """What a respondent with some answers sees: pages (indexes), items (ids), counted answers."""

    pages: list[int]
    items: frozenset[str]
    answers: dict[str, Any]


def answered(value: Any) -> bool:
    """True for an answer; None, blank text and an empty choice list are no answer."""
    if value is None or value == [] or value == ():
        return False
    return not (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _matches(item: Item, value: Any, wanted: list[Any]) -> bool:
    if item.type == "multiple_choice":
        chosen = value if isinstance(value, (list, tuple)) else [value]
        return any(str(c) in {str(w) for w in wanted} for c in chosen)
    if item.type in ("likert", "number"):
        number = _number(value)
        return number is not None and any(
            number == float(w) for w in wanted if _number(w) is not None
        )
    return str(value) in {str(w) for w in wanted}


def condition_holds(
    instrument: Instrument, condition: Condition, answers: Mapping[str, Any]
) -> bool:
    """Whether ``condition`` holds for ``answers`` (item id -> answer, stored or form values).

    Every test but ``answered: false`` fails while its item has no answer.
    """
    if condition.all is not None:
        return all(condition_holds(instrument, part, answers) for part in condition.all)
    if condition.any is not None:
        return any(condition_holds(instrument, part, answers) for part in condition.any)
    value = answers.get(condition.item or "")
    if condition.answered is not None:
        return answered(value) == condition.answered
    if not answered(value):
        return False
    item = instrument.item(condition.item or "")
    if condition.in_ is not None:
        return _matches(item, value, condition.in_)
    if condition.not_in is not None:
        return not _matches(item, value, condition.not_in)
    number = _number(value)
    if number is None:
        return False
    return (condition.at_least is None or number >= condition.at_least) and (
        condition.at_most is None or number <= condition.at_most
    )


#: Per instrument object: None when it has conditions, else (every page, every item id).
#: Stored instrument models are shared and never change, so the identity is the key.
_UNCONDITIONAL: dict[int, tuple[Instrument, tuple[list[int], frozenset[str]] | None]] = {}


def _unconditional(instrument: Instrument) -> tuple[list[int], frozenset[str]] | None:
    """Every page and item id when no page or item of ``instrument`` has a condition."""
    cached = _UNCONDITIONAL.get(id(instrument))
    if cached is not None and cached[0] is instrument:
        return cached[1]
    conditional = any(
        page.show_if is not None
        or any(item.show_if is not None for item in instrument.page_items(page))
        for page in instrument.pages
    )
    everything = (
        None
        if conditional
        else (
            list(range(len(instrument.pages))),
            frozenset(item.id for item in instrument.all_items()),
        )
    )
    if len(_UNCONDITIONAL) > 256:
        _UNCONDITIONAL.clear()
    _UNCONDITIONAL[id(instrument)] = (instrument, everything)
    return everything


def visibility(instrument: Instrument, answers: Mapping[str, Any]) -> Visibility:
    """The pages and items shown to a respondent with ``answers``, in one pass over the pages."""
    everything = _unconditional(instrument)
    if everything is not None:  # the common case: no conditions, so everything shows
        pages, all_items = everything
        counted = {key: value for key, value in answers.items() if key in all_items}
        return Visibility(list(pages), all_items, counted)
    counted: dict[str, Any] = {}
    pages: list[int] = []
    items: set[str] = set()
    for index, page in enumerate(instrument.pages):
        if page.show_if is not None and not condition_holds(instrument, page.show_if, counted):
            continue
        pages.append(index)
        shown = [
            item.id
            for item in instrument.page_items(page)
            if item.show_if is None or condition_holds(instrument, item.show_if, counted)
        ]
        items.update(shown)
        # Added after the whole page: conditions only use earlier pages' answers.
        counted.update((item_id, answers[item_id]) for item_id in shown if item_id in answers)
    return Visibility(pages, frozenset(items), counted)


def hidden_items(instrument: Instrument, answers: Mapping[str, Any]) -> set[str]:
    """Ids of the items not shown to a respondent with ``answers`` (their answers do not count)."""
    shown = visibility(instrument, answers).items
    return {item.id for item in instrument.all_items() if item.id not in shown}


def shown_pages(instrument: Instrument, answers: Mapping[str, Any]) -> list[int]:
    """Indexes of the instrument's pages shown to a respondent with these answers so far."""
    return visibility(instrument, answers).pages


def shown_items(
    instrument: Instrument, page_index: int, answers: Mapping[str, Any], *, seed: int | None
) -> list[Item]:
    """The items of page ``page_index`` shown to this respondent, in this respondent's order.

    Empty when the page itself is not shown. ``seed`` is the response's seed
    (:func:`study.surveys.response_rows.response_seed`); None keeps the file's order.
    """
    seen = visibility(instrument, answers)
    if page_index not in seen.pages:
        return []
    return [item for item in item_order(instrument, page_index, seed) if item.id in seen.items]


def randomised(page: Page) -> bool:
    """Whether ``page`` shows (some of) its items in a per-respondent order."""
    return page.randomise is not False


def item_order(instrument: Instrument, page_index: int, seed: int | None) -> list[Item]:
    """Every item of page ``page_index`` in the order a respondent with ``seed`` sees them."""
    page = instrument.pages[page_index]
    items = instrument.page_items(page)
    if seed is None or not randomised(page):
        return items
    slots = [
        i for i, item in enumerate(items) if page.randomise is True or item.id in page.randomise
    ]  # type: ignore[operator]
    ordered = list(items)
    for slot, source in zip(slots, permutation(len(slots), f"{seed}:{page.id}")):
        ordered[slot] = items[slots[source]]
    return ordered


def permutation(n: int, key: str) -> list[int]:
    """A permutation of ``range(n)`` fixed by ``key``: Fisher-Yates with SHA-256 draws.

    Each draw takes 64 bits modulo at most ``n``, so the bias is below n / 2**64.

    Examples
    --------
    >>> permutation(4, "7:p2") == permutation(4, "7:p2")
    True
    >>> sorted(permutation(4, "7:p2"))
    [0, 1, 2, 3]
    """
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        draw = int.from_bytes(hashlib.sha256(f"{key}:{i}".encode()).digest()[:8], "big")
        j = draw % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def order_columns(instrument: Instrument) -> list[str]:
    """Names of the export columns holding each randomised page's order: ``<page id>_order``."""
    return [f"{page.id}_order" for page in instrument.pages if randomised(page)]


def shown_order(
    instrument: Instrument, seed: int | None, answers: Mapping[str, Any] | None = None
) -> dict[str, str | None]:
    """Per randomised page, the order its randomised items were shown in: ``"pa2;pa3;pa1"``.

    None without a seed (responses imported, or from before randomisation was stored)
    and, given the response's ``answers``, for a page its conditions did not show. The
    order lists every randomised item of the page; those a respondent did not see are
    system-missing in their own columns.
    """
    pages = None if answers is None else visibility(instrument, answers).pages
    result: dict[str, str | None] = {}
    for index, page in enumerate(instrument.pages):
        if not randomised(page):
            continue
        if pages is not None and index not in pages:
            result[f"{page.id}_order"] = None
            continue
        ids = [
            item.id
            for item in item_order(instrument, index, seed)
            if page.randomise is True or item.id in page.randomise
        ]  # type: ignore[operator]
        result[f"{page.id}_order"] = None if seed is None else ";".join(ids)
    return result
