"""A read LimeSurvey survey assembled into an :class:`Instrument`: pages, survey texts, notes.

Question groups become pages (in ``group_order``), their questions items (in
``question_order``); a ``X`` text display joins its page's intro. The survey's title,
description and welcome text, data policy notice and end text become the instrument's title,
intro, consent and closing. Help texts, soft mandatory questions and LimeSurvey conditions
have no counterpart here; the notes name them.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from study.errors import InvalidFile
from study.surveys.instruments.foreign import ImportedInstrument, check_size, slug
from study.surveys.instruments.limesurvey.document import (
    Question,
    Survey,
    read_document,
    sort_key,
)
from study.surveys.instruments.limesurvey.questions import Items
from study.surveys.instruments.limesurvey.relevance import Relevance
from study.surveys.instruments.limesurvey.texts import Texts
from study.surveys.instruments.survey import Instrument

__all__ = ["read_lss"]

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class _Builder:
    """Turns a read survey into the pages of an :class:`Instrument`, collecting notes."""

    def __init__(self, survey: Survey, filename: str) -> None:
        self.survey = survey
        self.notes: list[str] = []
        self.texts = Texts(survey.language_codes(), self.notes, filename)
        self.languages = self.texts.languages
        self.items = Items(self.texts, self.notes)
        self.relevance = Relevance(self.items, self.notes)
        self.helps: list[str] = []

    def pages(self) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        kept_out: list[str] = []
        groups = sorted(self.survey.groups.values(), key=lambda g: sort_key(g.order, g.gid))
        localized = self.texts.localized
        for group in groups:
            number = len(pages) + 1
            name = localized(group.name, f"group {group.gid}", f"Page {number}") or {}
            intro = localized(group.description, f"group {group.gid} description")
            items: list[dict[str, Any]] = []
            displays: list[str] = []
            for question in self.survey.top_questions(group.gid):
                if question.type == "X":
                    shown = localized(question.text, question.title)
                    if shown:
                        intro = {
                            lang: "\n".join(t for t in ((intro or {}).get(lang), shown[lang]) if t)
                            for lang in self.languages
                        }
                        if items:
                            displays.append(question.title)
                    continue
                made = self.items.of_question(question)
                self.relevance.apply(question, made, number)
                self._question_notes(question)
                items += made
            if not items:
                kept_out.append(name[self.languages[0]])
                continue
            page: dict[str, Any] = {"id": f"p{number}", "title": name, "items": items}
            if intro:
                page["intro"] = intro
            if displays:
                self.notes.append(
                    f"Text display {', '.join(displays)} is shown at the top of page "
                    f"'{name[self.languages[0]]}', before its questions."
                )
            show_if = self.relevance.condition(group.relevance, number)
            if show_if is False:
                self.notes.append(
                    f"relevance of group '{name[self.languages[0]]}' kept out: "
                    f"{group.relevance.strip()}"
                )
            elif show_if is not None:
                page["show_if"] = show_if
            self.relevance.place(items, number)
            pages.append(page)
        if kept_out:
            self.notes.append(
                f"Question group{'s' if len(kept_out) > 1 else ''} "
                f"{', '.join(repr(n) for n in kept_out)} had no question to import and "
                f"became no page."
            )
        return pages

    def _question_notes(self, question: Question) -> None:
        """Notes on what of ``question`` no item keeps: help text, soft mandatory, conditions."""
        sources = self.texts.source_language.values()
        if any(question.help.get(s, "").strip() for s in sources):
            self.helps.append(question.title)
        if question.mandatory == "S":
            self.notes.append(
                f"{question.title} is soft mandatory in LimeSurvey; here it is optional."
            )
        if question.qid in self.survey.conditioned and not question.relevance.strip():
            self.notes.append(f"The LimeSurvey conditions of {question.title} were not translated.")

    def summary_notes(self) -> None:
        if self.helps:
            self.notes.append(
                f"Help texts were not kept (a survey item here has no help text): "
                f"{', '.join(self.helps)}."
            )
        self.texts.summary_notes()
        self.items.summary_notes()


def read_lss(
    data: bytes, *, filename: str = "survey.lss", instrument_id: str | None = None
) -> ImportedInstrument:
    """A LimeSurvey survey structure file (.lss) as an instrument and its import notes.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        The file's name as the user knows it (only its last part is used in messages).
    instrument_id : str, optional
        The new instrument's id (a slug); by default made from the survey's title.

    Raises
    ------
    InvalidFile
        When the file is too large, not well-formed XML, not a LimeSurvey survey, or holds
        no question that can be imported (one sentence each).
    """
    filename = PurePath(str(filename).replace("\\", "/")).name or "survey.lss"
    check_size(data, filename)
    if instrument_id is not None and not _SLUG.match(instrument_id):
        raise InvalidFile(
            f"'{instrument_id}' is not a usable instrument id (lower-case letters, digits "
            f"and dashes).",
            path=filename,
        )
    survey = Survey(read_document(data, filename))
    builder = _Builder(survey, filename)
    settings, language_rows = survey.settings()
    by_language: dict[str, dict[str, str]] = {
        row.get("surveyls_language", ""): row for row in language_rows
    }

    def texts(*fields: str) -> dict[str, str]:
        return {
            language: "\n".join(row.get(name, "") for name in fields if row.get(name, "").strip())
            for language, row in by_language.items()
        }

    localized = builder.texts.localized
    stem = PurePath(filename).stem or "LimeSurvey survey"
    title = localized(texts("surveyls_title"), "survey title", stem) or {}
    pages = builder.pages()
    if not pages:
        raise InvalidFile(
            "The file holds no question that can be imported as a survey item.",
            path=filename,
        )
    intro = localized(texts("surveyls_description", "surveyls_welcometext"), "intro")
    if intro is None:
        intro = dict(title)
        builder.notes.append(
            "The survey has no description or welcome text; the intro is its title."
        )
    consent = localized(texts("surveyls_policy_notice"), "consent")
    if consent is None:
        consent = dict.fromkeys(
            builder.languages,
            "[Write the consent text here: what taking part means and how answers are used.]",
        )
        builder.notes.append(
            "The survey has no data policy notice, so the consent is a placeholder: write it "
            "in every language before the survey is used."
        )
    closing = localized(texts("surveyls_endtext"), "closing")
    builder.summary_notes()
    sid = settings.get("sid", "").strip()
    definition: dict[str, Any] = {
        "id": instrument_id or slug(title[builder.languages[0]], slug(stem)),
        "version": 1,
        "languages": builder.languages,
        "title": title,
        "intro": intro,
        "consent": consent,
        "sources": [
            f"Imported from the LimeSurvey file {filename}" + (f" (survey {sid})." if sid else ".")
        ],
        "pages": pages,
    }
    if closing:
        definition["closing"] = closing
    instrument = _validated(definition, filename, builder.notes)
    return ImportedInstrument(instrument=instrument, notes=builder.notes, source="limesurvey")


def _validated(definition: dict[str, Any], filename: str, notes: list[str]) -> Instrument:
    """The instrument; a condition our model refuses is dropped (noted) rather than failing."""
    for _ in range(50):
        try:
            return Instrument.model_validate(definition)
        except ValidationError as exc:
            if not _drop_condition(definition, exc, notes):
                first = exc.errors()[0]
                raise InvalidFile(
                    f"The file could not be turned into a survey: {first['msg']}.",
                    path=filename,
                ) from None
    raise InvalidFile("The file could not be turned into a survey.", path=filename)


def _drop_condition(definition: dict[str, Any], exc: ValidationError, notes: list[str]) -> bool:
    for error in exc.errors():
        loc = list(error["loc"])
        if "show_if" not in loc:
            continue
        holder: Any = definition
        for key in loc[: loc.index("show_if")]:
            holder = holder[key]
        if isinstance(holder, dict) and holder.pop("show_if", None) is not None:
            notes.append(f"The condition of {holder.get('id', '?')} was dropped: {error['msg']}.")
            return True
    return False
