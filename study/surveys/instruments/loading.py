"""Load instrument files (surveys and interview guides) and describe them as plain JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from study.errors import InvalidInput
from study.surveys.instruments.guide import InterviewGuide
from study.surveys.instruments.survey import Instrument, Item
from study.yamlfile import load_models_by_id, load_yaml_model

#: The instruments shipped with ISM Study (``instruments/`` at the project root).
DEFAULT_INSTRUMENTS_DIRECTORY = Path(__file__).resolve().parents[3] / "instruments"


def _kind_of(path: Path) -> str:
    """Peek at ``kind`` so the file is validated against the right model."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return "survey"  # load_yaml_model reports the problem with file and line
    return str(data.get("kind", "survey")) if isinstance(data, dict) else "survey"


def load_instrument(path: str | Path) -> Instrument | InterviewGuide:
    """Read one instrument file: a survey, or an interview guide when ``kind: interview_guide``.

    Raises
    ------
    InvalidFile
        If the file is missing, not YAML, or does not validate; the message names
        the file, the line and the field.
    """
    path = Path(path)
    model = InterviewGuide if _kind_of(path) == "interview_guide" else Instrument
    return load_yaml_model(path, model)


def load_instruments(
    directory: str | Path = DEFAULT_INSTRUMENTS_DIRECTORY,
) -> dict[str, Instrument | InterviewGuide]:
    """Read every ``*.yaml`` instrument in ``directory``, keyed by instrument id.

    Raises
    ------
    InvalidFile
        If a file does not validate, or two files declare the same id.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a folder of instrument files.")
    return load_models_by_id(
        sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]),
        load_instrument,
        "instrument id '{id}' is also used by {first}",
    )


def instrument_from_dict(data: dict[str, Any]) -> Instrument | InterviewGuide:
    """Rebuild an instrument from ``model_dump(mode="json")`` (e.g. as stored in the database)."""
    if data.get("kind") == "interview_guide":
        return InterviewGuide.model_validate(data)
    return Instrument.model_validate(data)


def _item_json(item: Item) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": item.id,
        "type": item.type,
        "text": dict(item.text),
        "required": item.required,
        "scale": item.scale,
        "reverse": item.reverse,
    }
    if item.type == "likert":
        described["points"] = item.points
        described["labels"] = dict(item.labels) if isinstance(item.labels, dict) else None
    if item.options is not None:
        described["options"] = [
            {"id": o.id, "value": o.value, "label": dict(o.label)} for o in item.options
        ]
    if item.type == "number":
        described["min"], described["max"] = item.min, item.max
    if item.demographic:
        described["demographic"] = True
    return described


def instrument_json(instrument: Instrument | InterviewGuide) -> dict[str, Any]:
    """Describe an instrument as plain JSON (what ``study instruments show ID --format json`` prints).

    A survey gives ``id``, ``version``, ``languages``, ``title``, ``pages`` (id, title,
    item ids), ``scales`` and ``items``: each with ``id``, ``type``, ``text`` per
    language, ``scale``, ``reverse``, ``points`` and ``labels`` (likert) or
    ``options`` (choice items), ``min``/``max`` (number) and ``required``.
    An interview guide gives ``sections`` with ``questions`` and ``probes`` instead.
    """
    head: dict[str, Any] = {
        "id": instrument.id,
        "kind": instrument.kind,
        "version": instrument.version,
        "languages": list(instrument.languages),
        "title": dict(instrument.title),
    }
    if isinstance(instrument, InterviewGuide):
        head["sections"] = [
            {
                "id": s.id,
                "title": dict(s.title),
                "questions": [
                    {"id": q.id, "text": dict(q.text), "probes": [dict(p) for p in q.probes]}
                    for q in s.questions
                ],
            }
            for s in instrument.sections
        ]
        return head
    head["pages"] = [
        {
            "id": page.id,
            "title": dict(page.title),
            "items": [item.id for item in instrument.page_items(page)],
        }
        for page in instrument.pages
    ]
    head["scales"] = [
        {
            "id": s.id,
            "label": dict(s.label),
            "rule": s.rule,
            "min_answered": s.min_answered,
            "items": [i.id for i in instrument.scale_items(s.id)],
        }
        for s in instrument.scales
    ]
    head["items"] = [_item_json(item) for item in instrument.all_items()]
    return head
