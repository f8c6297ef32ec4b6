"""Load a YAML data file (instrument, coding scheme) into a pydantic model.

A validation error names the file, the line and the field, because the people
who edit these files are researchers, not programmers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from study.errors import InvalidFile

ModelT = TypeVar("ModelT", bound=BaseModel)


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Return the 1-based line of the YAML node at ``loc``, or its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            match = node.value[key]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


_TOO_DEEP = "the YAML is nested too deeply to be a data file"


def parse_yaml_model(text: str, model: type[ModelT], *, path: str = "<text>") -> ModelT:
    """Parse YAML ``text`` and validate it as ``model``.

    Raises
    ------
    InvalidFile
        If the text is not YAML or does not validate; the message names the
        file, the line and the field.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidFile(
            f"not valid YAML ({problem})", path=path, line=mark.line + 1 if mark else None
        ) from None
    except RecursionError:  # "[[[[...]]]]" thousands deep: no data file nests like that
        raise InvalidFile(_TOO_DEEP, path=path) from None
    if not isinstance(data, dict):
        raise InvalidFile("expected a mapping of fields at the top level", path=path, line=1)
    try:
        return model.model_validate(data)
    except RecursionError:
        raise InvalidFile(_TOO_DEEP, path=path) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(
            p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        field = ".".join(str(p) for p in loc) or None
        raise InvalidFile(first["msg"], path=path, line=_line_of(node, loc), field=field) from None


def load_yaml_model(path: str | Path, model: type[ModelT]) -> ModelT:
    """Read the YAML file at ``path`` and validate it as ``model`` (see :func:`parse_yaml_model`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidFile("file not found", path=str(path)) from None
    except UnicodeDecodeError:
        raise InvalidFile("not UTF-8 text", path=str(path)) from None
    return parse_yaml_model(text, model, path=str(path))


def load_models_by_id(
    paths: Iterable[Path], load: Callable[[Path], ModelT], clash: str
) -> dict[str, ModelT]:
    """Load each file of ``paths`` with ``load`` into ``{id: model}``, in the order given.

    A second file declaring an id is :class:`~study.errors.InvalidFile` at its field ``id``,
    with the message ``clash`` formatted with ``id`` and ``first`` (the path that declared
    it first).
    """
    found: dict[str, ModelT] = {}
    first: dict[str, Path] = {}
    for path in paths:
        model = load(path)
        key = model.id  # type: ignore[attr-defined]
        if key in found:
            raise InvalidFile(clash.format(id=key, first=first[key]), path=str(path), field="id")
        found[key] = model
        first[key] = path
    return found
