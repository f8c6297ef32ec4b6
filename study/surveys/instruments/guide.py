"""The interview-guide model: sections of questions, each with follow-up probes, per language.

An interview guide is a YAML file with ``kind: interview_guide``; it shares ids,
languages and sources with surveys but has no answers to score, so it is its
own model rather than a survey with optional fields. Example::

    kind: interview_guide
    id: coordinator-interview-guide
    version: 1
    languages: [en, da]
    title: {en: Interview guide, da: Interviewguide}
    intro: {en: ..., da: ...}
    sections:
      - id: roles
        title: {en: Your role, da: Din rolle}
        questions:
          - id: q_role
            text: {en: How did you become coordinator?, da: Hvordan blev du koordinator?}
            probes:
              - {en: Who asked you?, da: Hvem spurgte dig?}
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from study.surveys.instruments.validation import (
    Identifier,
    Language,
    Localized,
    Slug,
    TitledBlock,
    duplicate_errors,
    language_errors,
    raise_problems,
    unique_languages,
)


class GuideQuestion(BaseModel):
    """One main question and the probes an interviewer may follow up with."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("text", "probes")

    id: Identifier
    text: Localized
    probes: list[Localized] = Field(default_factory=list)


class GuideSection(TitledBlock):
    """A themed block of questions (e.g. one of the four adoption challenges)."""

    questions: list[GuideQuestion] = Field(min_length=1)


class InterviewGuide(BaseModel):
    """A semi-structured interview guide (one version), printable with write_guide_docx."""

    model_config = ConfigDict(extra="forbid")
    LOCALIZED_FIELDS: ClassVar[tuple[str, ...]] = ("title", "intro", "audience", "closing")

    kind: Literal["interview_guide"]
    id: Slug
    version: PositiveInt
    languages: list[Language] = Field(min_length=1)
    title: Localized
    #: Who is interviewed (e.g. ISM coordinators).
    audience: Localized | None = None
    intro: Localized
    closing: Localized | None = None
    sources: list[str] = Field(default_factory=list)
    sections: list[GuideSection] = Field(min_length=1)

    _languages_unique = field_validator("languages")(unique_languages)

    @model_validator(mode="after")
    def _ids_unique_and_texts_complete(self) -> InterviewGuide:
        problems = duplicate_errors(
            [s.id for s in self.sections],
            [("sections", i, "id") for i in range(len(self.sections))],
            "section",
        )
        ids, locs = [], []
        for s, section in enumerate(self.sections):
            for q, question in enumerate(section.questions):
                ids.append(question.id)
                locs.append(("sections", s, "questions", q, "id"))
        problems += duplicate_errors(ids, locs, "question")
        problems += language_errors(self, self.languages)
        raise_problems("InterviewGuide", problems)
        return self

    def questions(self) -> list[GuideQuestion]:
        """Every question, in interview order."""
        return [question for section in self.sections for question in section.questions]
