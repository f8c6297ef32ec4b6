"""Display logic and flow branches, read as ``show_if`` conditions and written from them.

An item's display logic (tests of an earlier question's choices: selected, not
selected; or of its text entry: empty, compared) is its ``show_if``; a flow branch
around a block is the page's. A condition must test an item on an earlier page. Logic
on devices, embedded data or matrix answers, branches around more than whole blocks, and
mixes of 'and' and 'or' have no ``show_if`` form: each becomes a note naming the
question. A condition kept in the item's or page's note replaces the one read only when
both say the same.

Written, a condition becomes a Qualtrics ``BooleanExpression``: an 'and' of groups, each
an 'or' of expressions on a question's choices or text entry.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from study.surveys.instruments.conditions import Condition, condition_errors
from study.surveys.instruments.qualtrics.document import Document, as_dict, finite_number
from study.surveys.instruments.qualtrics.notes import plain_options
from study.surveys.instruments.survey import Item

__all__ = ["LogicReader", "qsf_logic", "qsf_number"]

_QID = re.compile(
    r"^q://(QID\d+|[A-Za-z0-9_]+)/(SelectableChoice|ChoiceTextEntryValue)(?:/(\w+))?$"
)


class _Untranslatable(Exception):
    """A display logic (or branch) with no ``show_if`` form; the message says why."""


# -- reading ------------------------------------------------------------------------------


class LogicReader(Document):
    """Turns the display logic of questions and the flow's branches into conditions."""

    def _branches(self) -> dict[str, Any]:
        """Block id -> the display logic of a flow Branch holding only that block."""
        found: dict[str, Any] = {}

        def walk(flow: object, depth: int) -> None:
            if depth > 20 or not isinstance(flow, list):
                return
            for element in flow:
                element = as_dict(element)
                if element.get("Type") == "Branch":
                    inner = [as_dict(e) for e in element.get("Flow") or []]
                    blocks = [e.get("ID") for e in inner if e.get("Type") in ("Block", "Standard")]
                    if blocks and len(blocks) == len(inner):
                        for block in blocks:
                            found[str(block)] = element.get("BranchLogic")
                    else:
                        self.notes.append(
                            f"Flow branch {element.get('FlowID')} kept out: only a branch around "
                            "whole blocks becomes a page condition."
                        )
                        walk(element.get("Flow"), depth + 1)
                elif element.get("Type") in ("Group", "BlockRandomizer"):
                    walk(element.get("Flow"), depth + 1)

        walk(self.flow.get("Flow"), 0)
        return found

    def _conditions(self, pages: list[dict]) -> None:
        earlier: dict[str, Item] = {}
        known = {item["id"] for page in pages for item in page["items"]}
        for index, page in enumerate(pages):
            branch = page.pop("_branch", None)
            if branch is not None:
                page_meta = as_dict(page.get("_meta"))
                condition = self._condition(
                    branch,
                    index,
                    earlier,
                    known,
                    f"the branch around page '{page['id']}'",
                    page_meta.get("show_if"),
                )
                if condition is not None:
                    page["show_if"] = condition
            for item in page["items"]:
                qid = item["_qid"]
                logic = self.questions[qid].get("DisplayLogic")
                if logic:
                    condition = self._condition(
                        logic,
                        index,
                        earlier,
                        known,
                        f"display logic of {qid}",
                        as_dict(item.get("_meta")).get("show_if"),
                    )
                    if condition is not None:
                        item["show_if"] = condition
            for item in page["items"]:
                try:
                    earlier[item["id"]] = Item.model_validate(
                        {k: v for k, v in item.items() if not k.startswith("_")}
                        | {"options": plain_options(item.get("options")), "show_if": None}
                    )
                except ValidationError:
                    pass

    def _condition(
        self,
        logic: object,
        index: int,
        earlier: dict[str, Item],
        known: set[str],
        what: str,
        stored: object,
    ) -> dict | None:
        try:
            condition = self._translate(logic, index)
        except _Untranslatable as reason:
            self.notes.append(f"{what} kept out: {reason}")
            return None
        if stored is not None:
            try:
                written = qsf_logic(Condition.model_validate(stored), self._qsf_items(), "")
                if written is not None and self._translate(written, index) == condition:
                    condition = stored
            except (ValidationError, _Untranslatable, KeyError, ValueError, TypeError):
                pass
        try:
            parsed = Condition.model_validate(condition)
        except ValidationError:
            self.notes.append(f"{what} kept out: it gives no valid condition.")
            return None
        errors = condition_errors(parsed, (), earlier=earlier, known=known)
        if errors:
            self.notes.append(f"{what} kept out: {errors[0]['type'].message()}.")
            return None
        return parsed.model_dump(mode="json", by_alias=True)

    def _qsf_items(self) -> dict[str, tuple[str, dict]]:
        """Item id -> (QID, what the writer knows of it) for items that are a whole question."""
        found = {}
        for qid, (_, items) in self.located.items():
            if len(items) == 1:
                item = items[0]
                choices = {value: choice for choice, value in item.get("_choices", {}).items()}
                found[item["id"]] = (qid, {"type": item["type"], "choices": choices})
        return found

    def _translate(self, logic: object, index: int) -> dict:
        logic = as_dict(logic)
        groups = [logic[k] for k in sorted((k for k in logic if k.isdigit()), key=int)]
        if not groups:
            raise _Untranslatable("it has no conditions")
        joined: list[dict] = []
        outer = None
        for g, group in enumerate(groups):
            group = as_dict(group)
            if g:
                kind = {"AndIf": "all", "OrIf": "any"}.get(str(group.get("Type")))
                if kind is None or (outer is not None and kind != outer):
                    raise _Untranslatable("it mixes 'and' and 'or' between groups")
                outer = kind
            expressions = [group[k] for k in sorted((k for k in group if k.isdigit()), key=int)]
            inner = None
            parts = []
            for e, expression in enumerate(expressions):
                expression = as_dict(expression)
                if e:
                    kind = {"and": "all", "or": "any"}.get(
                        str(expression.get("Conjuction")).lower()
                    )
                    if kind is None or (inner is not None and kind != inner):
                        raise _Untranslatable("it mixes 'and' and 'or'")
                    inner = kind
                parts.append(self._expression(expression, index))
            joined.append(_combine(inner or "all", parts))
        return _combine(outer or "all", joined)

    def _expression(self, expression: dict, index: int) -> dict:
        if expression.get("LogicType") != "Question":
            raise _Untranslatable(f"it tests {expression.get('LogicType')}, not an answer")
        match = _QID.match(str(expression.get("LeftOperand") or ""))
        if not match:
            raise _Untranslatable(f"it tests '{expression.get('LeftOperand')}'")
        qid, path, choice = match.groups()
        if qid not in self.located:
            raise _Untranslatable(f"{qid} is not a question read from the file")
        where, items = self.located[qid]
        if where >= index:
            raise _Untranslatable(f"{qid} is not on an earlier page")
        if len(items) != 1:
            raise _Untranslatable(f"{qid} is a matrix")
        item = items[0]
        operator = str(expression.get("Operator"))
        name = item["id"]
        if path == "SelectableChoice":
            value = _choice_value(item, choice)
            if value is None:
                raise _Untranslatable(f"{qid} has no choice {choice}")
            if operator == "Selected":
                return {"item": name, "in": [value]}
            if operator == "NotSelected":
                return {
                    "any": [{"item": name, "not_in": [value]}, {"item": name, "answered": False}]
                }
            raise _Untranslatable(f"the operator '{operator}' has no counterpart")
        right = finite_number(expression.get("RightOperand"))
        if operator == "Empty":
            return {"item": name, "answered": False}
        if operator == "NotEmpty":
            return {"item": name, "answered": True}
        if item["type"] == "number" and right is not None:
            number = int(right) if right.is_integer() else right
            tests = {
                "GreaterThanOrEqual": {"at_least": number},
                "LessThanOrEqual": {"at_most": number},
                "EqualTo": {"in": [number]},
            }
            if operator in tests:
                return {"item": name, **tests[operator]}
        raise _Untranslatable(f"the operator '{operator}' on {qid} has no counterpart")


def _choice_value(item: dict, choice: str | None) -> object:
    return item.get("_choices", {}).get(str(choice))


def _combine(kind: str, parts: list[dict]) -> dict:
    """``all`` / ``any`` of ``parts``, merging single-item ``in`` tests under ``any``."""
    if kind == "any":
        merged: list[dict] = []
        for part in parts:
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and set(part) == {"item", "in"} == set(previous)
                and previous["item"] == part["item"]
            ):
                previous["in"] = previous["in"] + [v for v in part["in"] if v not in previous["in"]]
            else:
                merged.append(dict(part))
        parts = merged
    return parts[0] if len(parts) == 1 else {kind: parts}


# -- writing ------------------------------------------------------------------------------


def qsf_number(value: float | None) -> str:
    """A number as Qualtrics text: whole numbers without ``.0``, None as empty."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _qsf_expression(qid: str, operand: str, operator: str, right: str | None = None) -> dict:
    locator = f"q://{qid}/{operand}"
    expression = {
        "LogicType": "Question",
        "QuestionID": qid,
        "QuestionIsInLoop": "no",
        "ChoiceLocator": locator,
        "Operator": operator,
        "QuestionIDFromLocator": qid,
        "LeftOperand": locator,
        "Type": "Expression",
    }
    if right is not None:
        expression["RightOperand"] = right
    return expression


def _clauses(condition: Condition, located: dict[str, tuple[str, dict]]) -> list[list[dict]]:
    """The condition as an 'and' of 'or' clauses of Qualtrics expressions."""
    if condition.all is not None:
        return [clause for part in condition.all for clause in _clauses(part, located)]
    if condition.any is not None:
        product: list[list[dict]] = [[]]
        for part in condition.any:
            product = [left + right for left in product for right in _clauses(part, located)]
        return product
    qid, item = located[str(condition.item)]
    if item["type"] in ("text", "number"):
        entry = "ChoiceTextEntryValue"
        if condition.answered is not None:
            return [[_qsf_expression(qid, entry, "NotEmpty" if condition.answered else "Empty")]]
        if condition.in_ is not None:
            return [[_qsf_expression(qid, entry, "EqualTo", qsf_number(v)) for v in condition.in_]]
        if condition.not_in is not None:
            return [[_qsf_expression(qid, entry, "NotEmpty")]] + [
                [_qsf_expression(qid, entry, "NotEqualTo", qsf_number(v))] for v in condition.not_in
            ]
        clauses = []
        if condition.at_least is not None:
            clauses.append(
                [_qsf_expression(qid, entry, "GreaterThanOrEqual", qsf_number(condition.at_least))]
            )
        if condition.at_most is not None:
            clauses.append(
                [_qsf_expression(qid, entry, "LessThanOrEqual", qsf_number(condition.at_most))]
            )
        return clauses
    choices: dict[object, str] = item["choices"]  # value tested -> Qualtrics choice id
    every = list(choices)
    if condition.answered is not None:
        if condition.answered:
            chosen = every
        else:
            return [
                [_qsf_expression(qid, f"SelectableChoice/{choices[v]}", "NotSelected")]
                for v in every
            ]
    elif condition.in_ is not None:
        chosen = [v for v in every if v in condition.in_]
    elif condition.not_in is not None:
        chosen = [v for v in every if v not in condition.not_in]
        clauses = [
            [_qsf_expression(qid, f"SelectableChoice/{choices[v]}", "Selected") for v in chosen]
        ]
        if item["type"] == "multiple_choice":
            clauses += [
                [_qsf_expression(qid, f"SelectableChoice/{choices[v]}", "NotSelected")]
                for v in every
                if v in condition.not_in
            ]
        return clauses
    else:
        low = condition.at_least if condition.at_least is not None else 1
        high = condition.at_most if condition.at_most is not None else len(every)
        chosen = [v for v in every if low <= v <= high]
    return [[_qsf_expression(qid, f"SelectableChoice/{choices[v]}", "Selected") for v in chosen]]


def qsf_logic(
    condition: Condition, located: dict[str, tuple[str, dict]], description: str
) -> dict | None:
    """A Qualtrics display logic (BooleanExpression) for ``condition``."""
    clauses = [clause for clause in _clauses(condition, located) if clause]
    if not clauses:
        return None
    logic: dict[str, Any] = {}
    for g, clause in enumerate(clauses):
        group: dict[str, Any] = {}
        for e, expression in enumerate(clause):
            expression = dict(expression)
            if e:
                expression["Conjuction"] = "Or"
            group[str(e)] = expression
        group["Type"] = "AndIf" if g else "If"
        logic[str(g)] = group
    logic["Type"] = "BooleanExpression"
    logic["inPage"] = False
    return logic
