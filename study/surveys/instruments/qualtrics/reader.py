"""Reading a .qsf: :func:`read_qsf` puts the survey together from its blocks and questions.

Blocks become pages (split at page breaks, titled by the block's description); a
descriptive text opening a block is the page's intro, and in the first block the texts
tagged ``intro`` / ``consent`` are the survey's intro and consent. Questions become items
(:mod:`~study.surveys.instruments.qualtrics.questions`), display logic and branches
conditions (:mod:`~study.surveys.instruments.qualtrics.logic`), and what the ``ism-study:``
notes kept is merged in last (:mod:`~study.surveys.instruments.qualtrics.notes`). Skip
logic and questions in Qualtrics' trash are left out, with a note.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from study.errors import StudyError
from study.surveys.instruments.foreign import ImportedInstrument, check_size, plain_text, slug
from study.surveys.instruments.qualtrics.document import (
    as_dict,
    identifier,
    invalid,
    parse,
    short,
    unique,
)
from study.surveys.instruments.qualtrics.logic import LogicReader
from study.surveys.instruments.qualtrics.notes import plain_page, with_notes
from study.surveys.instruments.qualtrics.questions import QuestionReader
from study.surveys.instruments.survey import Instrument

__all__ = ["read_qsf"]


def read_qsf(
    data: bytes, *, filename: str = "survey.qsf", instrument_id: str | None = None
) -> ImportedInstrument:
    """Read a Qualtrics survey export (.qsf) as an instrument, with notes on what was not kept.

    ``filename`` is the file's name as the user knows it (for messages); the instrument's
    id is ``instrument_id``, else the one stored by :func:`write_qsf`, else a slug of the
    survey's name. A file too large, not JSON, not a Qualtrics survey, or giving no valid
    survey raises ``InvalidFile`` (one sentence naming the file).
    """
    check_size(data, filename)
    document = parse(data, filename)
    try:
        return _Reader(document, filename, instrument_id).read()
    except StudyError:
        raise
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise invalid(filename, f"gives no valid survey ({where}: {first['msg']}).") from None
    except RecursionError:
        raise invalid(filename, "is nested too deeply to be a survey.") from None
    except (KeyError, IndexError, TypeError, AttributeError, ValueError):
        raise invalid(
            filename,
            "is not a Qualtrics survey file this program can read: its structure is unexpected.",
        ) from None


class _Reader(QuestionReader, LogicReader):
    """The whole survey: pages from the blocks, then texts, conditions and notes in place."""

    # -- the survey --------------------------------------------------------------------

    def read(self) -> ImportedInstrument:
        imported = self._read()
        notes = list(dict.fromkeys(imported.notes))
        return ImportedInstrument(imported.instrument, notes, imported.source)

    def _read(self) -> ImportedInstrument:
        pages, intro, consent = self._pages()
        if not pages:
            raise invalid(self.filename, "has no questions this program can read.")
        for page in pages:  # texts gathered before all languages were known
            for item in page["items"]:
                self._fill_item(item)
            page["title"] = self._fill(page["title"], page["id"], page["id"], note=False)
            if page.get("intro"):
                page["intro"] = self._fill(page["intro"], page["id"], page["id"])
        name = plain_text(self.entry.get("SurveyName")) or "Imported survey"
        definition: dict[str, Any] = {
            "id": self.instrument_id or slug(name),
            "version": 1,
            "languages": list(self.languages),
            "title": {language: name for language in self.languages},
            "intro": self._fill(intro, "intro", name) if intro else None,
            "consent": self._fill(consent, "consent", "") if consent else None,
            "pages": pages,
        }
        if not intro:
            description = plain_text(self.entry.get("SurveyDescription"))
            definition["intro"] = {language: description or name for language in self.languages}
        if not consent:
            self.notes.append(
                "The file has no consent text (a descriptive text tagged 'consent' in the "
                "first block); write one before running the survey."
            )
            definition["consent"] = {
                language: "(Consent text missing: write it before use.)"
                for language in self.languages
            }
        for language, qids in self.missing.items():
            self.notes.append(
                f"No '{language}' text for {', '.join(qids)}: the {self.primary} text is used."
            )
        plain = dict(definition)
        plain["pages"] = [plain_page(page) for page in pages]
        if self.meta or self.item_meta:
            try:
                instrument = Instrument.model_validate(
                    with_notes(
                        definition, self.meta, self.primary, id_given=bool(self.instrument_id)
                    )
                )
            except (ValidationError, ValueError, TypeError, KeyError):
                self.notes.append(
                    "The ISM Study details stored in the file's notes no longer fit the "
                    "survey and were left out."
                )
            else:
                return ImportedInstrument(instrument, self.notes, self.filename)
        instrument = Instrument.model_validate(plain)
        return ImportedInstrument(instrument, self.notes, self.filename)

    # -- pages -------------------------------------------------------------------------

    def _pages(self) -> tuple[list[dict], dict, dict]:
        blocks = [b for b in self.blocks if str(b.get("Type")) != "Trash"]
        trashed = [
            str(e.get("QuestionID"))
            for b in self.blocks
            if str(b.get("Type")) == "Trash"
            for e in b.get("BlockElements") or []
            if isinstance(e, dict) and e.get("QuestionID")
        ]
        if trashed:
            self.notes.append(
                f"{len(trashed)} question(s) in Qualtrics' trash were left out: "
                f"{', '.join(trashed[:20])}."
            )
        branches = self._branches()
        pages: list[dict] = []
        intro: dict[str, str] = {}
        consent: dict[str, str] = {}
        page_ids: set[str] = set()
        item_ids: set[str] = set()
        for number, block in enumerate(blocks):
            parts: list[list[str]] = [[]]
            for element in block.get("BlockElements") or []:
                element = as_dict(element)
                if element.get("Type") == "Page Break":
                    parts.append([])
                elif element.get("Type") == "Question" and element.get("QuestionID"):
                    parts[-1].append(str(element["QuestionID"]))
                if element.get("SkipLogic"):
                    self.notes.append(
                        f"Skip logic of {element.get('QuestionID')} kept out: "
                        "ISM Study pages have no skip logic."
                    )
            parts = [part for part in parts if part]
            block_id = str(block.get("ID") or "")
            title = plain_text(block.get("Description")) or f"Page {len(pages) + 1}"
            page_meta = as_dict(as_dict(self.meta.get("pages")).get(block_id))
            for p, qids in enumerate(parts):
                if number == 0 and p == 0:
                    qids = self._survey_texts(qids, intro, consent)
                if not qids:
                    continue
                wanted = page_meta.get("id") if isinstance(page_meta.get("id"), str) else None
                base = (
                    identifier(wanted or title, "page")
                    if wanted
                    else identifier(title.lower(), "page")
                )
                page_id = unique(base if p == 0 else f"{base}_{p + 1}", page_ids)
                page = {
                    "id": page_id,
                    "title": {self.primary: title},
                    "items": [],
                    "_meta": page_meta if p == 0 else {},
                    "_block": block_id,
                }
                self._fill_page(page, qids, item_ids, len(pages))
                if not page["items"]:
                    self.notes.append(
                        f"Block '{title}' has no question this program can read; it was left out."
                    )
                    continue
                condition = branches.get(block_id)
                if condition is not None:
                    page["_branch"] = condition
                pages.append(page)
        self._conditions(pages)
        for page in pages:
            page.pop("_block", None)
        return pages, intro, consent

    def _survey_texts(self, qids: list[str], intro: dict, consent: dict) -> list[str]:
        """Take the survey's intro and consent from the first block's descriptive texts."""
        payloads = [self.questions.get(q) for q in qids]
        only_texts = all(p is not None and p.get("QuestionType") == "DB" for p in payloads)
        rest = []
        texts: list[tuple[str, dict]] = []
        for qid, payload in zip(qids, payloads):
            if payload is None or payload.get("QuestionType") != "DB":
                rest.append(qid)
                continue
            tag = str(payload.get("DataExportTag") or "").lower()
            if tag in ("intro", "consent") or only_texts:
                texts.append((tag, self._db_texts(payload)))
            else:
                rest.append(qid)
        tagged = any(tag in ("intro", "consent") for tag, _ in texts)
        for n, (tag, found) in enumerate(texts):
            target = consent if (tag == "consent" if tagged else n > 0) else intro
            for language, text in found.items():
                target[language] = f"{target[language]}\n{text}" if language in target else text
        return rest

    def _fill_page(self, page: dict, qids: list[str], item_ids: set[str], index: int) -> None:
        for qid in qids:
            payload = self.questions.get(qid)
            if payload is None:
                self.notes.append(f"{qid} is in a block but not in the file; it was left out.")
                continue
            if payload.get("QuestionType") == "DB":
                text = self._db_texts(payload)
                if not page["items"] and text.get(self.primary):
                    intro = page.setdefault("intro", {})
                    for language, value in text.items():
                        intro[language] = (
                            f"{intro[language]}\n{value}" if language in intro else value
                        )
                else:
                    self.notes.append(
                        f"{qid} (descriptive text after a question) kept out: "
                        f"{short(text.get(self.primary, ''))}"
                    )
                continue
            items = self._items(qid, payload, item_ids)
            meta = self.item_meta.get(qid, {})
            for item in items:
                item["_qid"] = qid
                item["_meta"] = meta
                ids = meta.get("options")
                options = item.get("options")
                if (
                    len(items) == 1
                    and options
                    and isinstance(ids, list)
                    and len(ids) == len(options)
                    and all(isinstance(i, str) for i in ids)
                    and len({i.lower() for i in ids}) == len(ids)
                ):
                    for option, option_id in zip(options, ids):
                        option["id"] = option_id
                item["_choices"] = {
                    o["_choice"]: o["id"] for o in item.get("options") or []
                } or dict(item.pop("_points", {}))
            page["items"].extend(items)
            if items:
                self.located[qid] = (index, items)
