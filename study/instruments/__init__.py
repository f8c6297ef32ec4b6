"""Survey instruments and interview guides: YAML files in ``instruments/``, validated by pydantic.

- :mod:`study.instruments.survey`: the survey model (items, pages, scales).
- :mod:`study.instruments.guide`: the interview-guide model (sections, questions, probes).
- :mod:`study.instruments.answers`: the stored form of an answer per item type.
- :mod:`study.instruments.loading`: reading files and describing instruments as JSON.
"""

from __future__ import annotations

from study.instruments.answers import AnswerValue, answer_value
from study.instruments.guide import GuideQuestion, GuideSection, InterviewGuide
from study.instruments.loading import (DEFAULT_INSTRUMENTS_DIRECTORY, instrument_from_dict,
                                       instrument_json, load_instrument, load_instruments)
from study.instruments.survey import ITEM_TYPES, Instrument, Item, Option, Page, Scale

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
