"""LimeSurvey questions as survey items: question types, answers, subquestions, likert scales.

- ``L`` list, ``!`` dropdown, ``O`` list with comment, ``Y`` yes/no and ``G`` gender become
  single choice items; ``M`` / ``P`` multiple choice items (their subquestions the options);
- arrays (``F``, ``H``, ``A``, ``B``, ``C``, ``E``, ``1``) one item per subquestion: ``F`` and
  ``H`` with five or seven answers numbered in order become likert items, other answer
  lists single choice items with the answer codes; ``A`` and ``5`` are 5-point likert items;
- ``S`` / ``T`` / ``U`` texts become text items (``Q``: one per subquestion); ``N`` numbers
  number items (``K``: one per subquestion).

Other question types, comment fields and the text typed into an 'other' option have no
counterpart here; the notes name them.
"""

from __future__ import annotations

import re
from typing import Any

from study.surveys.instruments.limesurvey.document import Question, as_int, as_number
from study.surveys.instruments.limesurvey.texts import Texts

__all__ = ["Items", "code_id", "trailing_number"]

_TYPE_NAMES = {
    "1": "array dual scale",
    "5": "5 point choice",
    "A": "array 5 point choice",
    "B": "array 10 point choice",
    "C": "array yes/no/uncertain",
    "D": "date",
    "E": "array increase/same/decrease",
    "F": "array",
    "G": "gender",
    "H": "array by column",
    "I": "language switch",
    "K": "multiple numerical input",
    "L": "list (radio)",
    "M": "multiple choice",
    "N": "numerical input",
    "O": "list with comment",
    "P": "multiple choice with comments",
    "Q": "multiple short text",
    "R": "ranking",
    "S": "short free text",
    "T": "long free text",
    "U": "huge free text",
    "X": "text display",
    "Y": "yes/no",
    "!": "list (dropdown)",
    ":": "array (numbers)",
    ";": "array (texts)",
    "|": "file upload",
    "*": "equation",
}
_ARRAYS = set("FHABCE1")
_SINGLE = set("L!O")
_MULTI = set("MP")
_TEXTS = set("STU")

# Fixed answer labels of LimeSurvey's built-in answer lists; other languages get English.
_FIXED: dict[str, dict[str, list[str]]] = {
    "Y": {"en": ["Yes", "No"], "da": ["Ja", "Nej"], "de": ["Ja", "Nein"]},
    "G": {"en": ["Female", "Male"], "da": ["Kvinde", "Mand"], "de": ["Weiblich", "Männlich"]},
    "C": {
        "en": ["Yes", "No", "Uncertain"],
        "da": ["Ja", "Nej", "Usikker"],
        "de": ["Ja", "Nein", "Unsicher"],
    },
    "E": {
        "en": ["Increase", "Same", "Decrease"],
        "da": ["Stigning", "Uændret", "Fald"],
        "de": ["Zunahme", "Gleich", "Abnahme"],
    },
}
_FIXED_CODES = {"Y": ["Y", "N"], "G": ["F", "M"], "C": ["Y", "N", "U"], "E": ["I", "S", "D"]}
_OTHER = {"en": "Other", "da": "Andet", "de": "Sonstiges"}

_NOT_ID = re.compile(r"[^A-Za-z0-9_]+")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TRAILING_NUMBER = re.compile(r"(\d+)$")


def code_id(code: str) -> str:
    """The option id of an answer code that is no identifier."""
    return f"a{_NOT_ID.sub('_', code)}"


def trailing_number(code: str) -> int | None:
    """The number an answer code ends with (``A3``: 3), ``None`` when it ends in no digit."""
    found = _TRAILING_NUMBER.search(code)
    return int(found.group(1)) if found else None


class Items:
    """Makes the items of each question, with unique ids, collecting notes."""

    def __init__(self, texts: Texts, notes: list[str]) -> None:
        self.texts = texts
        self.languages = texts.languages
        self.notes = notes
        self.ids: set[str] = set()
        self.items_by_code: dict[str, dict[str, Any]] = {}  # LimeSurvey code -> our item
        self.codes_by_item: dict[str, dict[str, Any]] = {}
        self.english_fixed: set[str] = set()

    def fixed_labels(self, kind: str, code: str) -> list[dict[str, str]]:
        table = _FIXED[kind]
        labels = []
        for position in range(len(_FIXED_CODES[kind])):
            labels.append({lang: table.get(lang, table["en"])[position] for lang in self.languages})
        if any(lang not in table for lang in self.languages):
            self.english_fixed.add(code)
        return labels

    def summary_notes(self) -> None:
        """The note on fixed answer labels left in English."""
        if self.english_fixed:
            self.notes.append(
                f"The fixed answer labels of {', '.join(sorted(self.english_fixed))} are in "
                f"English in languages without a translation here; translate them."
            )

    # ids

    def unique_id(self, *parts: str) -> str:
        made = "_".join(_NOT_ID.sub("_", part).strip("_") for part in parts if part)
        made = made or "q"
        if not made[0].isalpha():
            made = f"q{made}"
        made = made[:56]
        candidate, number = made, 2
        while candidate.lower() in self.ids:
            candidate = f"{made}_{number}"
            number += 1
        self.ids.add(candidate.lower())
        return candidate

    # options

    def options(self, entries: list[tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
        """Options from (code, label) pairs: the code as id where it is an identifier."""
        numeric = all(re.fullmatch(r"-?\d+", code) for code, _ in entries)
        values = [int(code) for code, _ in entries] if numeric else []
        if len(set(values)) != len(values):
            values = []
        used: set[str] = set()
        options = []
        for position, (code, label) in enumerate(entries, start=1):
            option_id = code if _IDENTIFIER.match(code) else code_id(code)
            base, number = option_id[:56], 2
            while option_id.lower() in used:
                option_id = f"{base}_{number}"
                number += 1
            used.add(option_id.lower())
            options.append(
                {
                    "id": option_id,
                    "value": values[position - 1] if values else position,
                    "label": label,
                }
            )
        return options

    def answer_options(self, question: Question, scale: str = "0") -> list[dict[str, Any]]:
        entries = [
            (
                a.code,
                self.texts.localized(a.text, f"{question.title} answer {a.code}", a.code) or {},
            )
            for a in question.answers
            if a.scale == scale
        ]
        return self.options(entries)

    def add_other(self, question: Question, options: list[dict[str, Any]]) -> None:
        if not question.other:
            return
        label = {lang: _OTHER.get(lang, "Other") for lang in self.languages}
        ids = {o["id"].lower() for o in options}
        option_id = "other" if "other" not in ids else "other_answer"
        options.append({"id": option_id, "value": None, "label": label})
        self._renumber(options)
        self.notes.append(
            f"The 'other' option of {question.title} was kept, but not the text respondents "
            f"type into it."
        )

    @staticmethod
    def _renumber(options: list[dict[str, Any]]) -> None:
        values = [o["value"] for o in options if o["value"] is not None]
        top = max(values, default=0)
        for option in options:
            if option["value"] is None:
                top += 1
                option["value"] = top

    def likert_from_answers(self, question: Question) -> dict[str, Any] | None:
        """Points and labels when the answers are five or seven, numbered 1..n in order."""
        answers = [a for a in question.answers if a.scale == "0"]
        if len(answers) not in (5, 7):
            return None
        sources = self.texts.source_language.values()
        for position, answer in enumerate(answers, start=1):
            if trailing_number(answer.code) != position:
                return None
            if not all(answer.text.get(s, "").strip() for s in sources):
                return None
        labels: dict[str, list[str]] = {lang: [] for lang in self.languages}
        for answer in answers:
            what = f"{question.title} answer {answer.code}"
            texts = self.texts.localized(answer.text, what, "")
            for lang in self.languages:
                labels[lang].append((texts or {}).get(lang, "") or answer.code)
        return {"type": "likert", "points": len(answers), "labels": labels}

    # items

    def item(
        self,
        question: Question,
        kind: str,
        *,
        sub: Question | None = None,
        suffix: str = "",
        **fields: Any,
    ) -> dict[str, Any]:
        code = question.title if sub is None else f"{question.title}_{sub.title}{suffix}"
        item_id = self.unique_id(question.title, sub.title if sub else "", suffix.strip("_"))
        text = self.texts.localized(question.text, question.title, question.title) or {}
        if sub is not None:
            sub_text = self.texts.localized(sub.text, code, sub.title) or {}
            text = {lang: f"{text[lang]}\n{sub_text[lang]}" for lang in self.languages}
        made: dict[str, Any] = {"id": item_id, "type": kind, "text": text, **fields}
        if question.mandatory == "Y":
            made["required"] = True
        self.items_by_code[code] = made
        self.codes_by_item[item_id] = {"question": question, "sub": sub}
        return made

    def of_question(self, question: Question) -> list[dict[str, Any]]:
        """The items of one question (none for an unsupported type; a note says so)."""
        kind = question.type
        subs = [q for q in question.children if q.scale == "0"]
        if kind in _SINGLE:
            options = self.answer_options(question)
            self.add_other(question, options)
            if kind == "O":
                self.notes.append(f"The comment field of {question.title} was not kept.")
            return self._choice(question, "single_choice", options)
        if kind in ("Y", "G"):
            entries = list(zip(_FIXED_CODES[kind], self.fixed_labels(kind, question.title)))
            return [self.item(question, "single_choice", options=self.options(entries))]
        if kind in _MULTI:
            entries = [
                (
                    s.title,
                    self.texts.localized(s.text, f"{question.title}_{s.title}", s.title) or {},
                )
                for s in subs
            ]
            options = self.options(entries)
            self.add_other(question, options)
            if kind == "P":
                self.notes.append(f"The comment fields of {question.title} were not kept.")
            return self._choice(question, "multiple_choice", options)
        if kind == "5":
            return [self.item(question, "likert", points=5, labels=self._digits(5))]
        if kind in _ARRAYS:
            return self._array(question, subs)
        if kind in _TEXTS:
            return [self.item(question, "text", **self._text_fields(question))]
        if kind == "Q":
            fields = self._text_fields(question)
            return [self.item(question, "text", sub=s, **fields) for s in subs]
        if kind == "N":
            return [self.item(question, "number", **self._number_fields(question))]
        if kind == "K":
            fields = self._number_fields(question)
            return [self.item(question, "number", sub=s, **fields) for s in subs]
        name = _TYPE_NAMES.get(kind, "unknown type")
        self.notes.append(
            f"Question {question.title or question.qid} (LimeSurvey type '{kind}', {name}) "
            f"has no counterpart here and was left out."
        )
        return []

    def _choice(
        self, question: Question, kind: str, options: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if len(options) < 2:
            self.notes.append(
                f"Question {question.title} has fewer than two answer options and was left out."
            )
            return []
        return [self.item(question, kind, options=options)]

    def _digits(self, points: int) -> dict[str, list[str]]:
        return {lang: [str(n) for n in range(1, points + 1)] for lang in self.languages}

    def _array(self, question: Question, subs: list[Question]) -> list[dict[str, Any]]:
        kind = question.type
        if not subs:
            self.notes.append(f"Array {question.title} has no subquestions and was left out.")
            return []
        scales: list[tuple[str, dict[str, Any]]] = []
        if kind == "A":
            scales.append(("", {"type": "likert", "points": 5, "labels": self._digits(5)}))
        elif kind == "B":
            entries = [(str(n), {lang: str(n) for lang in self.languages}) for n in range(1, 11)]
            scales.append(("", {"type": "single_choice", "options": self.options(entries)}))
        elif kind in ("C", "E"):
            entries = list(zip(_FIXED_CODES[kind], self.fixed_labels(kind, question.title)))
            scales.append(("", {"type": "single_choice", "options": self.options(entries)}))
        else:  # F, H, 1: the question's own answers
            for scale in ("0", "1") if kind == "1" else ("0",):
                likert = self.likert_from_answers(question) if scale == "0" else None
                if likert is None:
                    likert = {
                        "type": "single_choice",
                        "options": self.answer_options(question, scale),
                    }
                scales.append(("" if scale == "0" else "_2", likert))
        made = []
        for suffix, fields in scales:
            if fields["type"] == "single_choice" and len(fields["options"]) < 2:
                self.notes.append(
                    f"Array {question.title} has fewer than two answers"
                    f"{' on its second scale' if suffix else ''}; that part was left out."
                )
                continue
            fields = dict(fields)
            kind_of_item = fields.pop("type")
            for sub in subs:
                made.append(self.item(question, kind_of_item, sub=sub, suffix=suffix, **fields))
        return made

    def _text_fields(self, question: Question) -> dict[str, Any]:
        longest = as_int(question.attributes.get("maximum_chars"), 0)
        return {"max_length": longest} if longest > 0 else {}

    def _number_fields(self, question: Question) -> dict[str, Any]:
        low = as_number(question.attributes.get("min_num_value_n"))
        high = as_number(question.attributes.get("max_num_value_n"))
        if low is not None and high is not None and low >= high:
            return {}
        return {name: value for name, value in (("min", low), ("max", high)) if value is not None}
