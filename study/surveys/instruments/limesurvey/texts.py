"""The survey's languages and its texts in them: LimeSurvey language codes to ours, plain text.

Our languages are two-letter codes; a LimeSurvey code that gives none, or gives one already
taken by another language, is left out (noted). Every text becomes plain text per language;
one missing in a language takes the base language's text, and the notes say so.
"""

from __future__ import annotations

import re

from study.errors import InvalidFile
from study.surveys.instruments.foreign import plain_text

__all__ = ["Texts"]

_LANGUAGE = re.compile(r"^([A-Za-z]{2})(?:[-_].*)?$")
_EXPRESSION = re.compile(r"\{[A-Za-z_][^{}]*\}")
# Script and style blocks in LimeSurvey texts are code, not words for respondents.
_CODE_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


class Texts:
    """The survey's languages, and its texts made plain per language, collecting notes."""

    def __init__(self, codes: list[str], notes: list[str], filename: str) -> None:
        self.notes = notes
        self.languages: list[str] = []  # ours: two-letter codes
        self.source_language: dict[str, str] = {}  # ours -> LimeSurvey code
        self.filled: dict[str, list[str]] = {}
        self.untitled: list[str] = []
        self.expressions: list[str] = []
        for code in codes:
            match = _LANGUAGE.match(code)
            ours = match.group(1).lower() if match else None
            if ours is None:
                self.notes.append(
                    f"Language '{code}' has no two-letter code here; its texts were left out."
                )
            elif ours in self.source_language:
                self.notes.append(
                    f"Language '{code}' was left out: its texts would share the code '{ours}' "
                    f"with '{self.source_language[ours]}'."
                )
            else:
                self.source_language[ours] = code
                self.languages.append(ours)
        if not self.languages:
            raise InvalidFile("The file names no survey language that can be used.", path=filename)

    def localized(
        self, texts: dict[str, str], what: str, fallback: str | None = None
    ) -> dict[str, str] | None:
        """Plain text per language; missing languages get the base language's text (noted)."""
        result = {
            ours: plain_text(_CODE_BLOCK.sub("", texts.get(source, "")))
            for ours, source in self.source_language.items()
        }
        base = self.languages[0]
        if not result[base]:
            present = [text for text in result.values() if text]
            if present:
                result[base] = present[0]
            elif fallback is None:
                return None
            else:
                result = dict.fromkeys(self.languages, fallback)
                self.untitled.append(what)
                return result
        for language in self.languages[1:]:
            if not result[language]:
                result[language] = result[base]
                self.filled.setdefault(language, []).append(what)
        if any(_EXPRESSION.search(text) for text in result.values()):
            self.expressions.append(what)
        return result

    def summary_notes(self) -> None:
        """The notes on texts taken from the base language, missing or with expressions."""
        for language, whats in self.filled.items():
            base = self.languages[0]
            shown = ", ".join(whats[:10]) + (
                f" and {len(whats) - 10} more" if len(whats) > 10 else ""
            )
            self.notes.append(
                f"{len(whats)} text{'s' if len(whats) > 1 else ''} had no '{language}' version "
                f"and use the '{base}' text: {shown}."
            )
        if self.untitled:
            self.notes.append(
                f"Without any text, so their code is shown instead: {', '.join(self.untitled)}."
            )
        if self.expressions:
            self.notes.append(
                f"Texts with LimeSurvey expressions in {{...}}, shown as written: "
                f"{', '.join(dict.fromkeys(self.expressions))}."
            )
