"""Writing a .qsf: :func:`write_qsf` turns an instrument into a file Qualtrics can import.

The survey's intro and consent open the first block as descriptive texts tagged
``intro`` and ``consent``; each page is a block (its intro a descriptive text first),
each item one question: likert and choice items multiple choice with recode values,
numbers text entry validated as a number, texts text entry. Every language but the
main one is a Qualtrics translation. A page's condition is a flow branch around its
block, an item's its display logic (:mod:`~study.surveys.instruments.qualtrics.logic`);
what Qualtrics has no field for goes into the ``ism-study:`` notes
(:mod:`~study.surveys.instruments.qualtrics.notes`).
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Any

from study.errors import InvalidInput
from study.surveys.instruments.qualtrics.logic import qsf_logic, qsf_number
from study.surveys.instruments.qualtrics.notes import (
    item_note,
    note_message,
    page_note,
    survey_note,
)
from study.surveys.instruments.survey import Instrument, Item

__all__ = ["write_qsf"]


def write_qsf(instrument: Instrument, *, language: str | None = None) -> bytes:
    """The instrument as a Qualtrics survey file (.qsf) that Qualtrics can import.

    ``language`` is the survey's main language in Qualtrics (default: the instrument's
    first); every other language is written as a Qualtrics translation.

    Raises
    ------
    InvalidInput
        If ``language`` is not one of the instrument's languages.
    """
    primary = language or instrument.languages[0]
    if primary not in instrument.languages:
        raise InvalidInput(
            f"'{primary}' is not a language of {instrument.id} ({', '.join(instrument.languages)})."
        )
    return _Writer(instrument, primary).write()


def _html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _code(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()[:15]


def _settings(required: bool, **extra: Any) -> dict:
    return {
        "Settings": {
            "ForceResponse": "ON" if required else "OFF",
            "ForceResponseType": "ON",
            "Type": "None",
            **extra,
        }
    }


class _Writer:
    def __init__(self, instrument: Instrument, primary: str) -> None:
        self.instrument = instrument
        self.primary = primary
        self.others = [language for language in instrument.languages if language != primary]
        self.survey_id = f"SV_{_code(instrument.id)}"
        self.elements: list[dict] = []
        self.questions: list[dict] = []
        self.notes: list[dict] = []
        self.count = 0
        #: item id -> (QID, {"type", "choices": value tested -> choice id})
        self.located: dict[str, tuple[str, dict]] = {}

    def element(self, kind: str, primary: str, payload: Any, secondary: Any = None) -> dict:
        return {
            "SurveyID": self.survey_id,
            "Element": kind,
            "PrimaryAttribute": primary,
            "SecondaryAttribute": secondary,
            "TertiaryAttribute": None,
            "Payload": payload,
        }

    def next_qid(self) -> str:
        self.count += 1
        return f"QID{self.count}"

    def note(self, qid: str, kind: str, value: dict) -> None:
        note_id = f"NT_{_code(qid + kind)}"
        self.notes.append(
            self.element(
                "NT",
                note_id,
                {
                    "Notes": [
                        {
                            "Message": note_message(kind, value),
                            "ID": f"NO_{_code(note_id)}",
                            "UserID": "",
                            "Timestamp": 0,
                            "Removed": False,
                        }
                    ],
                    "UserStatuses": {},
                    "ParentID": qid,
                    "ID": note_id,
                },
            )
        )

    def translations(
        self, texts: dict[str, str], choices: dict[str, dict[str, str]] | None = None
    ) -> dict | list:
        found: dict[str, dict] = {}
        for language in self.others:
            entry: dict[str, Any] = {"QuestionText": _html(texts[language])}
            if choices is not None:
                entry["Choices"] = {
                    choice: {"Display": _html(labels[language])}
                    for choice, labels in choices.items()
                }
            found[language.upper()] = entry
        return found or []

    def question(
        self, qid: str, tag: str, texts: dict[str, str], kind: str, selector: str, **rest: Any
    ) -> dict:
        payload = {
            "QuestionText": _html(texts[self.primary]),
            "DataExportTag": tag,
            "QuestionType": kind,
            "Selector": selector,
            "Configuration": {"QuestionDescriptionOption": "UseText"},
            "QuestionDescription": " ".join(texts[self.primary].split())[:100],
            "Language": rest.pop("language", []),
            "DataVisibility": {"Private": False, "Hidden": False},
            "QuestionID": qid,
            **rest,
        }
        self.questions.append(self.element("SQ", qid, payload, payload["QuestionDescription"]))
        return payload

    def text_block(self, tag: str, texts: dict[str, str]) -> str:
        qid = self.next_qid()
        self.question(
            qid,
            tag,
            texts,
            "DB",
            "TB",
            Validation={"Settings": {"Type": "None"}},
            language=self.translations(texts),
        )
        return qid

    def item(self, item: Item) -> str:
        qid = self.next_qid()
        if item.type in ("likert", "single_choice", "multiple_choice"):
            if item.type == "likert":
                labels = item.labels if isinstance(item.labels, dict) else {}
                rows = [
                    (str(n), n, {language: labels[language][n - 1] for language in labels})
                    for n in range(1, (item.points or 0) + 1)
                ]
            else:
                rows = [
                    (str(n), option.id, dict(option.label))
                    for n, option in enumerate(item.options or [], start=1)
                ]
            codes = (
                {str(n): str(n) for n in range(1, len(rows) + 1)}
                if item.type == "likert"
                else {str(n): str(o.value) for n, o in enumerate(item.options or [], start=1)}
            )
            choices = {choice: labels for choice, _, labels in rows}
            self.question(
                qid,
                item.id,
                dict(item.text),
                "MC",
                "MAVR" if item.type == "multiple_choice" else "SAVR",
                SubSelector="TX",
                Choices={
                    c: {"Display": _html(labels[self.primary])} for c, labels in choices.items()
                },
                ChoiceOrder=[int(c) for c in choices],
                RecodeValues=codes,
                Validation=_settings(item.required),
                NextChoiceId=len(rows) + 1,
                NextAnswerId=1,
                language=self.translations(dict(item.text), choices),
            )
            self.located[item.id] = (
                qid,
                {"type": item.type, "choices": {v: c for c, v, _ in rows}},
            )
        elif item.type == "number":
            bounds = {"Min": qsf_number(item.min), "Max": qsf_number(item.max), "NumDecimals": ""}
            self.question(
                qid,
                item.id,
                dict(item.text),
                "TE",
                "SL",
                SubSelector=None,
                DefaultChoices=False,
                Validation=_settings(
                    item.required, Type="ContentType", ContentType="ValidNumber", ValidNumber=bounds
                ),
                language=self.translations(dict(item.text)),
            )
            self.located[item.id] = (qid, {"type": "number"})
        else:
            self.question(
                qid,
                item.id,
                dict(item.text),
                "TE",
                "ML" if (item.max_length or 1000) > 255 else "SL",
                SubSelector=None,
                DefaultChoices=False,
                Validation=_settings(item.required),
                language=self.translations(dict(item.text)),
            )
            self.located[item.id] = (qid, {"type": "text"})
        if item.show_if is not None:
            logic = qsf_logic(item.show_if, self.located, "")
            if logic is not None:
                self.questions[-1]["Payload"]["DisplayLogic"] = logic
        self.note(qid, "item", item_note(item))
        return qid

    def write(self) -> bytes:
        instrument = self.instrument
        blocks: list[dict] = []
        flow: list[dict] = []
        intro_qid = self.text_block("intro", dict(instrument.intro))
        consent_qid = self.text_block("consent", dict(instrument.consent))
        first_id = f"BL_{_code(instrument.id + ':intro')}"
        blocks.append(
            {
                "Type": "Default",
                "Description": "Introduction",
                "ID": first_id,
                "BlockElements": [
                    {"Type": "Question", "QuestionID": intro_qid},
                    {"Type": "Question", "QuestionID": consent_qid},
                ],
            }
        )
        flow.append({"Type": "Block", "ID": first_id, "FlowID": "FL_2"})
        pages_meta: dict[str, dict] = {}
        for n, page in enumerate(instrument.pages):
            block_id = f"BL_{_code(instrument.id + ':' + page.id)}"
            elements = []
            if page.intro:
                elements.append(
                    {
                        "Type": "Question",
                        "QuestionID": self.text_block(f"{page.id}_intro", dict(page.intro)),
                    }
                )
            for item in instrument.page_items(page):
                elements.append({"Type": "Question", "QuestionID": self.item(item)})
            block: dict[str, Any] = {
                "Type": "Standard",
                "SubType": "",
                "Description": page.title[self.primary],
                "ID": block_id,
                "BlockElements": elements,
                "Options": {"BlockLocking": "false", "RandomizeQuestions": "false"},
            }
            if page.randomise is True:
                block["Options"]["Randomization"] = {
                    "Advanced": None,
                    "Type": "All",
                    "EvenPresentation": False,
                }
            blocks.append(block)
            entry = {"Type": "Standard", "ID": block_id, "FlowID": f"FL_{n + 3}"}
            if page.show_if is not None:
                logic = qsf_logic(page.show_if, self.located, "")
                if logic is not None:
                    logic.pop("inPage", None)
                    entry = {
                        "Type": "Branch",
                        "FlowID": f"FL_{n + 3}",
                        "Description": f"Show page {page.id}",
                        "BranchLogic": logic,
                        "Flow": [{**entry, "FlowID": f"FL_{n + 3 + len(instrument.pages)}"}],
                    }
            pages_meta[block_id] = page_note(page)
            flow.append(entry)
        blocks.append(
            {
                "Type": "Trash",
                "Description": "Trash / Unused Questions",
                "ID": f"BL_{_code(instrument.id + ':trash')}",
                "BlockElements": [],
            }
        )
        self.note(intro_qid, "survey", survey_note(instrument, pages_meta))
        self.elements = [
            self.element("BL", "Survey Blocks", blocks),
            self.element(
                "FL",
                "Survey Flow",
                {
                    "Type": "Root",
                    "FlowID": "FL_1",
                    "Flow": flow,
                    "Properties": {"Count": 2 + 2 * len(instrument.pages)},
                },
            ),
            self.element("SO", "Survey Options", self.options()),
            self.element(
                "SCO",
                "Scoring",
                {
                    "ScoringCategories": [],
                    "ScoringCategoryGroups": [],
                    "ScoringSummaryCategory": None,
                    "ScoringSummaryAfterQuestions": 0,
                    "ScoringSummaryAfterSurvey": 0,
                    "DefaultScoringCategory": None,
                    "AutoScoringCategory": None,
                },
            ),
            self.element("PROJ", "CORE", {"ProjectCategory": "CORE", "SchemaVersion": "1.1.0"}),
            self.element(
                "STAT", "Survey Statistics", {"MobileCompatible": True, "ID": "Survey Statistics"}
            ),
            self.element("QC", "Survey Question Count", None, str(len(self.questions))),
            self.element("RS", f"RS_{_code(instrument.id + ':rs')}", None, "Default Response Set"),
            *self.questions,
            *self.notes,
        ]
        document = {
            "SurveyEntry": {
                "SurveyID": self.survey_id,
                "SurveyName": instrument.title[self.primary],
                "SurveyDescription": None,
                "SurveyOwnerID": "",
                "SurveyBrandID": "",
                "DivisionID": None,
                "SurveyLanguage": self.primary.upper(),
                "SurveyActiveResponseSet": f"RS_{_code(instrument.id + ':rs')}",
                "SurveyStatus": "Inactive",
                "SurveyStartDate": "0000-00-00 00:00:00",
                "SurveyExpirationDate": "0000-00-00 00:00:00",
                "SurveyCreationDate": "0000-00-00 00:00:00",
                "CreatorID": "",
                "LastModified": "0000-00-00 00:00:00",
                "LastAccessed": "0000-00-00 00:00:00",
                "LastActivated": "0000-00-00 00:00:00",
                "Deleted": None,
            },
            "SurveyElements": self.elements,
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")

    def options(self) -> dict:
        options: dict[str, Any] = {
            "BackButton": "true",
            "SaveAndContinue": "true",
            "SurveyProtection": "PublicSurvey",
            "BallotBoxStuffingPrevention": "false",
            "NoIndex": "Yes",
            "SecureResponseFiles": "true",
            "SurveyExpiration": "None",
            "SurveyTermination": "DefaultMessage",
            "Header": "",
            "Footer": "",
            "ProgressBarDisplay": "None",
            "PartialData": "+1 week",
            "ValidationMessage": "",
            "PreviousButton": " ← ",
            "NextButton": " → ",
            "SkinType": "templated",
            "Skin": {"brandingId": None, "templateId": "*base", "overrides": None},
            "NewScoring": 1,
        }
        if self.others:
            options["AvailableLanguages"] = {
                language.upper(): [] for language in self.instrument.languages
            }
        return options
