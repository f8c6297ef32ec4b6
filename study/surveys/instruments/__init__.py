"""Survey instruments and interview guides: YAML files in ``instruments/``, validated by pydantic.

- :mod:`study.surveys.instruments.survey`: the survey model (items, pages, scales).
- :mod:`study.surveys.instruments.guide`: the interview-guide model (sections, questions, probes).
- :mod:`study.surveys.instruments.answers`: the stored form of an answer per item type.
- :mod:`study.surveys.instruments.loading`: reading files and describing instruments as JSON.
"""

from __future__ import annotations

from study.surveys.instruments.answers import AnswerValue, answer_value
from study.surveys.instruments.guide import GuideQuestion, GuideSection, InterviewGuide
from study.surveys.instruments.loading import (
    DEFAULT_INSTRUMENTS_DIRECTORY,
    instrument_from_dict,
    instrument_json,
    load_instrument,
    load_instruments,
)
from study.surveys.instruments.survey import ITEM_TYPES, Instrument, Item, Option, Page, Scale

__all__ = [
    "AnswerValue",
    "DEFAULT_INSTRUMENTS_DIRECTORY",
    "GuideQuestion",
    "GuideSection",
    "ITEM_TYPES",
    "Instrument",
    "InterviewGuide",
    "Item",
    "Option",
    "Page",
    "Scale",
    "answer_value",
    "instrument_from_dict",
    "instrument_json",
    "load_instrument",
    "load_instruments",
]
