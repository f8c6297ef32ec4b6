"""The ``ism-study:`` notes: what a .qsf keeps for ISM Study where Qualtrics has no field.

The instrument id and version, translations of the title and page titles, the closing
text, sources, scales, label sets, e-mail texts, option ids, and an item's scale,
reverse, demographic and max_length are written into Qualtrics *notes* (``NT``
elements: comments on a question that Qualtrics keeps, shows only in its editor and
leaves out of the data), as one JSON text starting with ``ism-study:`` and a kind:
``survey`` (on the intro question) or ``item`` (on the item's question).

Here are both directions: what the writer puts into a note, how a note is read back,
and how the details read back are merged into the definition read from the questions
(only where they still fit it). The reader carries them, and its other working values,
under keys starting with ``_``; :func:`plain_page` removes those keys again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from study.surveys.instruments.survey import Instrument, Item, MailTemplate, Page, Scale

__all__ = [
    "NOTE_PREFIX",
    "item_note",
    "note_message",
    "page_note",
    "plain_options",
    "plain_page",
    "read_note",
    "survey_note",
    "with_notes",
]

#: Qualtrics notes carrying what Qualtrics has no place for start with this.
NOTE_PREFIX = "ism-study:"


# -- writing ------------------------------------------------------------------------------


def note_message(kind: str, value: dict) -> str:
    """The text of a note of ``kind`` (``survey`` or ``item``) holding ``value``."""
    return f"{NOTE_PREFIX}{kind} " + json.dumps(value, ensure_ascii=False, sort_keys=True)


def item_note(item: Item) -> dict:
    """What the ``item`` note keeps of ``item``: its id, type and what Qualtrics cannot hold."""
    meta: dict[str, Any] = {"id": item.id, "type": item.type}
    if item.type == "likert":
        meta.update(scale=item.scale, reverse=item.reverse)
    elif item.type in ("single_choice", "multiple_choice"):
        meta["options"] = [option.id for option in item.options or []]
    elif item.type != "number":
        meta["max_length"] = item.max_length
    if item.demographic:
        meta["demographic"] = True
    if item.show_if is not None:
        meta["show_if"] = item.show_if.model_dump(mode="json", by_alias=True)
    return {k: v for k, v in meta.items() if v not in (None, False)}


def page_note(page: Page) -> dict:
    """What the ``survey`` note keeps of one page (under its block's id)."""
    page_meta: dict[str, Any] = {"id": page.id, "title": dict(page.title)}
    if page.randomise is not False:
        page_meta["randomise"] = page.randomise
    if page.show_if is not None:
        page_meta["show_if"] = page.show_if.model_dump(mode="json", by_alias=True)
    return page_meta


def survey_note(instrument: Instrument, pages: dict[str, dict]) -> dict:
    """What the ``survey`` note keeps of ``instrument``; ``pages``: block id -> page note."""
    survey_meta = {
        "id": instrument.id,
        "version": instrument.version,
        "title": dict(instrument.title),
        "closing": dict(instrument.closing) if instrument.closing else None,
        "sources": list(instrument.sources),
        "label_sets": {name: dict(texts) for name, texts in instrument.label_sets.items()},
        "scales": [scale.model_dump(mode="json") for scale in instrument.scales],
        "invitation": instrument.invitation.model_dump(mode="json")
        if instrument.invitation
        else None,
        "reminder": instrument.reminder.model_dump(mode="json") if instrument.reminder else None,
        "pages": pages,
    }
    return {k: v for k, v in survey_meta.items() if v is not None}


# -- reading ------------------------------------------------------------------------------


def read_note(payload: dict) -> Iterator[tuple[str, dict]]:
    """``(kind, details)`` of each ``ism-study:`` note in an ``NT`` element's payload."""
    for note in payload.get("Notes") or []:
        if not isinstance(note, dict):
            continue
        message = note.get("Message")
        if note.get("Removed") or not isinstance(message, str):
            continue
        if not message.startswith(NOTE_PREFIX):
            continue
        kind, _, body = message[len(NOTE_PREFIX) :].partition(" ")
        try:
            value = json.loads(body)
        except ValueError:
            continue
        if kind in ("survey", "item") and isinstance(value, dict):
            yield kind, value


def with_notes(definition: dict, meta: dict, primary: str, *, id_given: bool) -> dict:
    """``definition`` (pages still carrying ``_meta``) with the details the notes kept.

    ``meta`` is the ``survey`` note; each page and item carries its own under ``_meta``.
    A stored id is used unless ``id_given``; titles only where the ``primary`` text is
    still the one read from the file.
    """
    languages = definition["languages"]
    merged = dict(definition)

    def localized(value: object) -> dict | None:
        if not isinstance(value, dict):
            return None
        texts = {k: v for k, v in value.items() if k in languages}
        return texts if set(texts) == set(languages) else None

    if not id_given and isinstance(meta.get("id"), str):
        merged["id"] = meta["id"]
    if isinstance(meta.get("version"), int):
        merged["version"] = meta["version"]
    title = localized(meta.get("title"))
    if title and title.get(primary) == definition["title"][primary]:
        merged["title"] = title
    for key in ("closing",):
        if localized(meta.get(key)):
            merged[key] = localized(meta.get(key))
    if isinstance(meta.get("sources"), list):
        merged["sources"] = [str(s) for s in meta["sources"]]
    if isinstance(meta.get("label_sets"), dict):
        merged["label_sets"] = {
            name: texts for name, texts in meta["label_sets"].items() if localized(texts)
        }
    for key in ("invitation", "reminder"):
        if isinstance(meta.get(key), dict):
            merged[key] = MailTemplate.model_validate(meta[key]).model_dump(mode="json")
    pages = []
    for raw in definition["pages"]:
        page = plain_page(raw)
        page_meta = raw.get("_meta")
        if page_meta:
            title = localized(page_meta.get("title"))
            if title and title.get(primary) == page["title"][primary]:
                page["title"] = title
            if page_meta.get("randomise") not in (None, False):
                page["randomise"] = page_meta["randomise"]
        page["items"] = [
            _item_with_notes(item, found.get("_meta"))
            for item, found in zip(page["items"], raw["items"])
        ]
        pages.append(page)
    merged["pages"] = pages
    used = {item.get("scale") for page in pages for item in page["items"]}
    scales = []
    for scale in meta.get("scales") or []:
        if isinstance(scale, dict) and scale.get("id") in used:
            scales.append(Scale.model_validate(scale).model_dump(mode="json"))
    merged["scales"] = scales
    for page in pages:
        for item in page["items"]:
            if item.get("scale") not in {s["id"] for s in scales}:
                item.pop("scale", None)
    return merged


def _item_with_notes(item: dict, meta: dict | None) -> dict:
    if not meta:
        return item
    if item["type"] == "likert":
        if isinstance(meta.get("scale"), str):
            item["scale"] = meta["scale"]
        if meta.get("reverse") is True:
            item["reverse"] = True
    if meta.get("demographic") is True:
        item["demographic"] = True
    if item["type"] == "text" and isinstance(meta.get("max_length"), int):
        item["max_length"] = meta["max_length"]
    return item


def plain_options(options: object) -> object:
    """``options`` without the reader's working keys (those starting with ``_``)."""
    if not isinstance(options, list):
        return None
    return [{k: v for k, v in o.items() if not k.startswith("_")} for o in options]


def plain_page(page: dict) -> dict:
    """A page as read, without the reader's working keys on it, its items and options."""
    page = {k: v for k, v in page.items() if not k.startswith("_")}
    items = []
    for item in page["items"]:
        item = {k: v for k, v in item.items() if not k.startswith("_")}
        if "options" in item:
            item["options"] = plain_options(item["options"])
        items.append(item)
    page["items"] = items
    return page
