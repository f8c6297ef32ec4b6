"""Qualtrics questions as items: question types, choices and their recode values, matrices.

Multiple choice questions become single_choice, multiple_choice or likert items, text
entry becomes text or number, a Likert matrix one item per statement; option values are
the recode values, else the choice ids (the package's table,
:mod:`study.surveys.instruments.qualtrics`, gives the whole mapping). Other question
types, text boxes on choices and choice-level logic become notes. Items are dicts here,
with working keys starting with ``_`` (the question's QID, its notes, its choice ids)
that the reader removes before validating them.
"""

from __future__ import annotations

import re

from study.surveys.instruments.foreign import plain_text
from study.surveys.instruments.qualtrics.document import (
    Document,
    as_dict,
    finite_number,
    identifier,
    short,
    unique,
)

__all__ = ["QuestionReader"]

_SINGLE = {"SAVR", "SAHR", "SACOL", "DL", "SB"}
_MULTIPLE = {"MAVR", "MAHR", "MACOL", "MSB"}
_TEXT = {"SL", "ML", "ESTB", "PW"}
_AGREE = re.compile(r"agree|enig|uenig|d'accord|zustimm", re.IGNORECASE)


class QuestionReader(Document):
    """Reads one ``SQ`` payload as the items it becomes (none, one, or one per statement)."""

    def _items(self, qid: str, payload: dict, item_ids: set[str]) -> list[dict]:
        kind = str(payload.get("QuestionType"))
        selector = str(payload.get("Selector"))
        sub = str(payload.get("SubSelector"))
        text = plain_text(payload.get("QuestionText"))
        tag = payload.get("DataExportTag") or qid
        translations = self._translations(payload)
        texts = self._texts(
            qid,
            payload.get("QuestionText"),
            {k: v.get("QuestionText") for k, v in translations.items()},
        )
        if not texts[self.primary]:
            texts[self.primary] = plain_text(payload.get("QuestionDescription")) or str(tag)
        required = (
            str(as_dict(as_dict(payload.get("Validation")).get("Settings")).get("ForceResponse"))
            == "ON"
        )
        base = {"text": texts, "required": required}
        meta = self.item_meta.get(qid, {})
        if kind == "MC" and (selector in _SINGLE or selector in _MULTIPLE):
            item_type = "single_choice" if selector in _SINGLE else "multiple_choice"
            options = self._options(qid, payload, translations, "Choices", "ChoiceOrder")
            if options is None:
                return []
            item = {"id": self._item_id(tag, qid, item_ids), "type": item_type, **base}
            likert = (
                meta.get("type") == "likert"
                if meta
                else any(_AGREE.search(o["label"][self.primary]) for o in options)
            )
            if item_type == "single_choice" and likert and _is_scale(options):
                item.update(type="likert", points=len(options), labels=_labels(options))
                item["_points"] = {o["_choice"]: o["value"] for o in options}
            else:
                item["options"] = options
            self._choice_notes(qid, payload)
            return [item]
        if (
            kind == "Matrix"
            and selector == "Likert"
            and sub in ("SingleAnswer", "MultipleAnswer", "DL")
        ):
            return self._matrix(qid, payload, base, translations, sub, item_ids)
        if kind == "TE" and selector in _TEXT:
            settings = as_dict(as_dict(payload.get("Validation")).get("Settings"))
            content = settings.get("ContentType") or as_dict(payload.get("Configuration")).get(
                "ContentType"
            )
            item = {"id": self._item_id(tag, qid, item_ids), **base}
            if content == "ValidNumber":
                item["type"] = "number"
                bounds = as_dict(settings.get("ValidNumber"))
                low, high = finite_number(bounds.get("Min")), finite_number(bounds.get("Max"))
                if low is not None:
                    item["min"] = low
                if high is not None and (low is None or high > low):
                    item["max"] = high
            else:
                item["type"] = "text"
            return [item]
        self.notes.append(
            f"{qid} ({kind}/{selector}{'/' + sub if sub != 'None' else ''}) has no counterpart "
            f"here and was left out: {short(text)}"
        )
        return []

    def _item_id(self, tag: object, qid: str, item_ids: set[str]) -> str:
        made = unique(identifier(tag, "q"), item_ids)
        if made != str(tag):
            self.notes.append(f"{qid}: export tag '{tag}' became item id '{made}'.")
        return made

    def _options(
        self, qid: str, payload: dict, translations: dict[str, dict], key: str, order_key: str
    ) -> list[dict] | None:
        choices = as_dict(payload.get(key))
        order = _order(choices, payload.get(order_key))
        if len(order) < 2:
            self.notes.append(f"{qid} has fewer than two choices and was left out.")
            return None
        recodes = (
            as_dict(payload.get("RecodeValues"))
            if key == "Choices"
            else as_dict(payload.get("AnswerRecodeValues") or payload.get("RecodeValues"))
        )
        values = []
        for position, choice in enumerate(order, start=1):
            code = _int(recodes[choice]) if choice in recodes else _int(choice)
            values.append(code if code is not None else position)
        if len(set(values)) != len(values) or any(
            choice in recodes and _int(recodes[choice]) is None for choice in order
        ):
            self.notes.append(
                f"{qid}: its recode values are not distinct whole numbers; "
                "the choices are coded by position."
            )
            values = list(range(1, len(order) + 1))
        taken: set[str] = set()
        options = []
        for choice, value in zip(order, values):
            label = plain_text(as_dict(choices[choice]).get("Display"))
            if not label:
                label = f"Choice {choice}"
                self.notes.append(f"{qid}: choice {choice} has no text; it is called '{label}'.")
            labels = {self.primary: label}
            for language, texts in translations.items():
                found = plain_text(as_dict(as_dict(texts.get(key)).get(choice)).get("Display"))
                if found:
                    labels[language] = found
            ascii_label = label.encode("ascii", "ignore").decode()
            option_id = unique(identifier(ascii_label.lower(), f"c{choice}")[:30], taken)
            options.append({"id": option_id, "value": value, "label": labels, "_choice": choice})
        return options

    def _choice_notes(self, qid: str, payload: dict) -> None:
        for choice_id, choice in as_dict(payload.get("Choices")).items():
            choice = as_dict(choice)
            if str(choice.get("TextEntry")).lower() == "true":
                self.notes.append(
                    f"{qid}: the text box of choice {choice_id} is left out (the choice is kept)."
                )
            if choice.get("DisplayLogic"):
                self.notes.append(
                    f"{qid}: display logic of choice {choice_id} kept out: "
                    "options are always shown here."
                )

    def _matrix(
        self,
        qid: str,
        payload: dict,
        base: dict,
        translations: dict[str, dict],
        sub: str,
        item_ids: set[str],
    ) -> list[dict]:
        answers = self._options(qid, payload, translations, "Answers", "AnswerOrder")
        statements = as_dict(payload.get("Choices"))
        order = _order(statements, payload.get("ChoiceOrder"))
        if answers is None or not order:
            return []
        tags = as_dict(payload.get("ChoiceDataExportTags"))
        tag = payload.get("DataExportTag") or qid
        items = []
        for statement in order:
            label = plain_text(as_dict(statements[statement]).get("Display"))
            texts = {}
            for language, question in base["text"].items():
                found = as_dict(as_dict(translations.get(language)).get("Choices"))
                row = plain_text(as_dict(found.get(statement)).get("Display")) or label
                texts[language] = f"{question} - {row}" if question and row else question or row
            wanted = tags.get(statement) or f"{tag}_{statement}"
            item = {
                "id": self._item_id(wanted, qid, item_ids),
                "text": texts,
                "required": base["required"],
            }
            copied = [{**o, "label": dict(o["label"])} for o in answers]
            if sub == "MultipleAnswer":
                item.update(type="multiple_choice", options=copied)
            elif _is_scale(copied):
                item.update(type="likert", points=len(copied), labels=_labels(copied))
                item["_points"] = {o["_choice"]: o["value"] for o in copied}
            else:
                item.update(type="single_choice", options=copied)
            items.append(item)
            if as_dict(statements[statement]).get("DisplayLogic"):
                self.notes.append(f"{qid}: display logic of statement {statement} kept out.")
        return items

    def _fill_item(self, item: dict) -> None:
        qid = item.get("_qid", item["id"])
        item["text"] = self._fill(item["text"], qid, item["id"])
        if isinstance(item.get("labels"), dict):
            labels = item["labels"]
            item["labels"] = {
                language: labels[language]
                if language in labels and all(labels[language])
                else labels[self.primary]
                for language in self.languages
            }
        for option in item.get("options") or []:
            option["label"] = self._fill(option["label"], qid, option["id"])


def _order(mapping: dict, order: object) -> list[str]:
    """Keys of ``mapping`` in ``order`` (ChoiceOrder / AnswerOrder), else numerically."""
    keys = [str(k) for k in mapping]
    ordered = [str(k) for k in order if str(k) in keys] if isinstance(order, list) else []
    rest = sorted(
        (k for k in keys if k not in ordered), key=lambda k: (not k.isdigit(), k.zfill(9))
    )
    return list(dict.fromkeys(ordered + rest))


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d{1,18}", text) else None


def _is_scale(options: list[dict]) -> bool:
    return len(options) in (5, 7) and [o["value"] for o in options] == list(
        range(1, len(options) + 1)
    )


def _labels(options: list[dict]) -> dict[str, list[str]]:
    languages = {language for o in options for language in o["label"]}
    return {
        language: [o["label"].get(language, "") for o in options] for language in sorted(languages)
    }
