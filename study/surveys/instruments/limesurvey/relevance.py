"""LimeSurvey relevance equations as ``show_if`` conditions, or notes where there is none.

A simple equation on a question of an earlier page becomes a condition: ``is_empty(Q)``,
``Q == "A1"`` / ``Q != "A1"`` (``eq`` / ``ne``) on a single choice, likert or number item,
``Q_SQ == "Y"`` on a multiple choice option, joined with ``&&`` / ``and`` and ``||`` / ``or``.
Any other equation is kept out, and the notes quote it.
"""

from __future__ import annotations

import re
from typing import Any

from study.surveys.instruments.limesurvey.document import Question, as_number
from study.surveys.instruments.limesurvey.questions import Items, code_id, trailing_number

__all__ = ["Relevance"]


class Relevance:
    """Turns the relevance of questions and groups into conditions on earlier items."""

    def __init__(self, items: Items, notes: list[str]) -> None:
        self.items = items
        self.notes = notes
        self.page_of_item: dict[str, int] = {}

    def place(self, items: list[dict[str, Any]], page: int) -> None:
        """Records that ``items`` stand on page number ``page``."""
        for item in items:
            self.page_of_item[item["id"]] = page

    def apply(self, question: Question, items: list[dict[str, Any]], page: int) -> None:
        """The relevance of ``question`` and its subquestions set on its ``items`` (or noted)."""
        if not items:
            return
        show_if = self.condition(question.relevance, page)
        if show_if is False:
            self.notes.append(
                f"relevance of {question.title} kept out: {question.relevance.strip()}"
            )
        elif show_if is not None:
            for item in items:
                item["show_if"] = show_if
        for sub in question.children:
            sub_condition = self.condition(sub.relevance, page)
            if sub_condition is False:
                self.notes.append(
                    f"relevance of {question.title}_{sub.title} kept out: {sub.relevance.strip()}"
                )
                continue
            if sub_condition is None:
                continue
            for item in items:
                if self.items.codes_by_item.get(item["id"], {}).get("sub") is sub:
                    item["show_if"] = (
                        {"all": [item["show_if"], sub_condition]}
                        if "show_if" in item
                        else sub_condition
                    )
                    break
            else:
                self.notes.append(
                    f"relevance of {question.title}_{sub.title} kept out: {sub.relevance.strip()}"
                )

    def condition(self, equation: str, page: int) -> dict[str, Any] | None | bool:
        """``None`` when always shown, a condition dict, or ``False`` when not expressible."""
        text = equation.strip()
        while _outer_parens(text):
            text = text[1:-1].strip()
        if text in ("", "1", "true", "TRUE"):
            return None
        for words, combine in ((("||", " or "), "any"), (("&&", " and "), "all")):
            parts = _split_top(text, words)
            if len(parts) > 1:
                made = [self.condition(part, page) for part in parts]
                if any(p is None or p is False for p in made):
                    return False
                return {combine: made}
        return self._simple(text, page)

    def _simple(self, text: str, page: int) -> dict[str, Any] | bool:
        found = re.fullmatch(r"(!)?\s*is_empty\(\s*([A-Za-z0-9_]+)(?:\.NAOK)?\s*\)", text)
        if found:
            target = self._target(found.group(2), page)
            if target is None or target[1] is not None:
                return False
            return {"item": target[0]["id"], "answered": bool(found.group(1))}
        found = re.fullmatch(
            r"([A-Za-z0-9_]+)(?:\.NAOK)?\s*(==|!=|eq|ne)\s*(?:\"([^\"]*)\"|'([^']*)'|(-?\d+(?:\.\d+)?))",
            text,
        )
        if not found:
            return False
        target = self._target(found.group(1), page)
        if target is None:
            return False
        item, option = target
        value = next(v for v in found.group(3, 4, 5) if v is not None)
        negate = found.group(2) in ("!=", "ne")
        if option is not None:  # a multiple choice option: "Y" means chosen
            if value != "Y":
                return False
            return self._test(item["id"], option, negate)
        answer = self._answer_value(item, value)
        if answer is None:
            return False
        return self._test(item["id"], answer, negate)

    @staticmethod
    def _test(item_id: str, value: Any, negate: bool) -> dict[str, Any]:
        if not negate:
            return {"item": item_id, "in": [value]}
        # LimeSurvey's != also holds while the question has no answer.
        return {"any": [{"item": item_id, "not_in": [value]}, {"item": item_id, "answered": False}]}

    def _target(self, code: str, page: int) -> tuple[dict[str, Any], str | None] | None:
        """The item (on an earlier page) a code names, and the option for ``Q_SQ`` codes."""
        item = self.items.items_by_code.get(code)
        option = None
        if item is None and "_" in code:
            title, _, sub = code.partition("_")
            parent = self.items.items_by_code.get(title)
            if parent is not None and parent["type"] == "multiple_choice":
                ids = {o["id"]: o["id"] for o in parent["options"]}
                if sub in ids:
                    item, option = parent, sub
        if item is None or self.page_of_item.get(item["id"], page) >= page:
            return None
        return item, option

    @staticmethod
    def _answer_value(item: dict[str, Any], value: str) -> Any:
        if item["type"] == "single_choice":
            for option in item["options"]:
                if option["id"] == value or option["id"] == code_id(value):
                    return option["id"]
            return None
        if item["type"] == "likert":
            point = trailing_number(value) or 0
            return point if 1 <= point <= item["points"] else None
        if item["type"] == "number":
            return as_number(value)
        return None


def _outer_parens(text: str) -> bool:
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for position, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and position < len(text) - 1:
            return False
    return True


def _split_top(text: str, words: tuple[str, ...]) -> list[str]:
    """``text`` split on any of ``words`` outside parentheses and quotes."""
    parts, depth, quote, start, position = [], 0, "", 0, 0
    lowered = text.lower()
    while position < len(text):
        char = text[position]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            word = next((w for w in words if lowered.startswith(w, position)), None)
            if word:
                parts.append(text[start:position].strip())
                position += len(word)
                start = position
                continue
        position += 1
    parts.append(text[start:].strip())
    return parts
