"""A .qsf as loaded: the JSON checked, its survey elements sorted out, its languages and texts.

A .qsf is JSON: ``SurveyEntry`` (name, language) and ``SurveyElements``, among them the
blocks (``BL``), the survey flow (``FL``), one ``SQ`` element per question and the notes
(``NT``, see :mod:`~study.surveys.instruments.qualtrics.notes`). :class:`Document` holds
them for the reader, with what the reading gathers on the way: the notes on what was not
kept, the languages found and the texts missing in one of them. Also here: the small
helpers for the loosely typed values of such a file, and the ids made from its tags.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from study.errors import InvalidFile
from study.surveys.instruments.foreign import plain_text
from study.surveys.instruments.qualtrics.notes import read_note

__all__ = [
    "MAX_QUESTIONS",
    "Document",
    "as_dict",
    "finite_number",
    "identifier",
    "invalid",
    "parse",
    "short",
    "unique",
]

#: A survey file with more questions than this is refused (real surveys have hundreds).
MAX_QUESTIONS = 5000

_NOT_ID = re.compile(r"[^A-Za-z0-9_]+")
_LANGUAGE = re.compile(r"^([A-Za-z]{2})(?:[-_][A-Za-z]+)?$")


def invalid(filename: str, says: str) -> InvalidFile:
    """The one-sentence refusal of ``filename``: its name, then what ``says`` is wrong."""
    return InvalidFile(f"{filename} {says}", path=filename)


def parse(data: bytes, filename: str) -> dict:
    """The file's JSON, checked to be a Qualtrics survey file (a dict with SurveyElements)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid(
            filename, "is not a Qualtrics survey file (.qsf): it is not UTF-8 text."
        ) from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise invalid(filename, "is nested too deeply to be a Qualtrics survey file.") from None
    except ValueError:
        raise invalid(filename, "is not a Qualtrics survey file (.qsf): it is not JSON.") from None
    if not isinstance(document, dict) or not isinstance(document.get("SurveyElements"), list):
        raise invalid(filename, "is not a Qualtrics survey file (.qsf): it has no SurveyElements.")
    return document


def _language(code: object) -> str | None:
    """A Qualtrics language code (EN, DA, EN-GB, PT-BR) as ours (en, da), or None."""
    match = _LANGUAGE.match(str(code or "").strip())
    return match.group(1).lower() if match else None


def identifier(value: object, fallback: str) -> str:
    """An item/page/option id made from a Qualtrics tag or text."""
    made = _NOT_ID.sub("_", plain_text(value)).strip("_")
    if not made or not made[0].isalpha() or not made.isascii():
        made = f"{fallback}_{made}" if made and made.isascii() else fallback
    return made[:60].rstrip("_") or fallback


def unique(wanted: str, taken: set[str]) -> str:
    """``wanted``, or it with a number appended, not yet in ``taken`` (now added to it)."""
    made, n = wanted, 2
    while made.lower() in taken:
        suffix = f"_{n}"
        made, n = wanted[: 60 - len(suffix)] + suffix, n + 1
    taken.add(made.lower())
    return made


def as_dict(value: object) -> dict:
    """``value`` if it is a dict, else an empty one."""
    return value if isinstance(value, dict) else {}


def finite_number(value: object) -> float | None:
    """``value`` (a number or its text) as a finite float, or None."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def short(text: str) -> str:
    """``text`` on one line, quoted, cut to 80 characters for a note."""
    text = " ".join(text.split())
    return f"'{text[:77]}...'" if len(text) > 80 else f"'{text}'"


class Document:
    """The survey elements of a .qsf, and the notes, languages and gaps found reading them."""

    def __init__(self, document: dict, filename: str, instrument_id: str | None) -> None:
        self.filename = filename
        self.instrument_id = instrument_id
        self.entry = as_dict(document.get("SurveyEntry"))
        self.notes: list[str] = []
        self.questions: dict[str, dict] = {}
        self.blocks: list[dict] = []
        self.flow: dict = {}
        self.meta: dict = {}
        self.item_meta: dict[str, dict] = {}
        #: QID -> (index of its page, the items read from it), filled page by page.
        self.located: dict[str, tuple[int, list[dict]]] = {}
        count = 0
        for element in document["SurveyElements"]:
            if not isinstance(element, dict):
                continue
            kind, payload = element.get("Element"), element.get("Payload")
            if kind == "SQ" and isinstance(payload, dict):
                count += 1
                if count > MAX_QUESTIONS:
                    raise invalid(filename, f"has more than {MAX_QUESTIONS} questions.")
                qid = str(payload.get("QuestionID") or element.get("PrimaryAttribute") or "")
                self.questions[qid] = payload
            elif kind == "BL":
                values = payload.values() if isinstance(payload, dict) else payload
                if isinstance(values, Iterable) and not isinstance(values, (str, bytes)):
                    self.blocks = [b for b in values if isinstance(b, dict)]
            elif kind == "FL" and isinstance(payload, dict):
                self.flow = payload
            elif kind == "NT" and isinstance(payload, dict):
                for note, value in read_note(payload):
                    if note == "survey":
                        self.meta = value
                    else:
                        self.item_meta[str(payload.get("ParentID"))] = value
        self.primary = _language(self.entry.get("SurveyLanguage")) or "en"
        self.languages = [self.primary]
        self.missing: dict[str, list[str]] = {}

    def _translations(self, payload: dict) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for code, texts in as_dict(payload.get("Language")).items():
            language = _language(code)
            if language is None or language == self.primary or not isinstance(texts, dict):
                continue
            found[language] = texts
            if language not in self.languages:
                self.languages.append(language)
        return found

    def _texts(self, qid: str, main: object, translated: dict[str, object]) -> dict[str, str]:
        texts = {self.primary: plain_text(main)}
        for language, text in translated.items():
            if plain_text(text):
                texts[language] = plain_text(text)
        return texts

    def _fill(
        self, texts: dict[str, str], qid: str, fallback: str, *, note: bool = True
    ) -> dict[str, str]:
        """Every language's text; a missing one is the primary text (noted once per question)."""
        base = texts.get(self.primary) or fallback
        filled = {}
        for language in self.languages:
            if texts.get(language):
                filled[language] = texts[language]
            else:
                filled[language] = base
                if language != self.primary and note:
                    self.missing.setdefault(language, [])
                    if qid not in self.missing[language]:
                        self.missing[language].append(qid)
        return filled

    def _db_texts(self, payload: dict) -> dict[str, str]:
        translations = self._translations(payload)
        return self._texts(
            "",
            payload.get("QuestionText"),
            {k: v.get("QuestionText") for k, v in translations.items()},
        )
