"""REFI-QDA codebooks (.qdc) and the layout of a code's description.

A REFI-QDA code has one free-text ``Description``; ISM Study codebooks give
each code a definition, inclusion and exclusion criteria and an example, so
they are written into that one field in a layout people can read in MAXQDA,
ATLAS.ti or NVivo, and split back on import when a description follows it.

Taguette imports codebooks only as CSV with ``tag`` and ``description``
columns (:func:`codebook_csv`); a sub-code's tag is its path of names joined
by ``.``, as Taguette shows tag hierarchies. Taguette's import shows each
description in a one-line input, which drops line breaks, so the CSV writes a
description on one line (:func:`one_line_description`). :func:`read_codebook`
reads such a CSV back (a ``name`` or ``path`` column is taken too, as Taguette
does), and reads dotted names the same way in a CSV and in a .qdc.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree as ET

from study.cells import csv_field, unescape_formula
from study.errors import InvalidFile, InvalidInput
from study.exchange.refiqda.code_elements import (
    check_unique_code_guids,
    code_from_element,
    code_to_element,
)
from study.exchange.refiqda.model import QdaCode, derived_guid
from study.exchange.refiqda.reader import read_qdpx
from study.exchange.refiqda.validation import CODEBOOK_NS, read_peer_xml, validate_codebook_xml

_LABELS = (
    ("definition", "Definition"),
    ("inclusion", "Use when"),
    ("exclusion", "Do not use when"),
    ("example", "Example"),
)
_LABEL_AT_PARAGRAPH = re.compile(
    r"(?:\A|\n[ \t]*\n)(Definition|Use when|Do not use when|Example):[ \t]*"
)
_MAX_CODEBOOK_BYTES = 20_000_000
#: In a one-line description: between the labelled parts, and for line breaks.
PART_SEPARATOR = " — "
LINE_BREAK_MARK = "¶"
_PART_BREAK = re.compile(r"\n\n(?=(?:Use when|Do not use when|Example):)")
_PART_SEPARATED = re.compile(r" — (?=(?:Use when|Do not use when|Example):)")
_LABEL_FIRST = re.compile(r"(?:Definition|Use when|Do not use when|Example):")
_LINE_BREAKS = re.compile(r"\n+")
_MARKED_BREAKS = re.compile(r" (¶+) ")


@dataclass
class CodeDescription:
    """The parts of a code's description in an ISM Study codebook."""

    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""


def format_code_description(
    definition: str, inclusion: str = "", exclusion: str = "", example: str = ""
) -> str:
    """Join a code's definition, criteria and example into one readable description.

    A definition alone is returned as it is; otherwise each non-empty part is
    a paragraph starting with its label::

        Definition: ...

        Use when: ...

        Do not use when: ...

        Example: ...

    Examples
    --------
    >>> text = format_code_description("Posting feels like not working.", "Time on ISM is called "
    ...                                "a waste.", "Complaints about e-mail.")
    >>> parse_code_description(text).exclusion
    'Complaints about e-mail.'
    """
    parts = {
        "definition": definition.strip(),
        "inclusion": inclusion.strip(),
        "exclusion": exclusion.strip(),
        "example": example.strip(),
    }
    if not any(parts[key] for key in ("inclusion", "exclusion", "example")):
        return parts["definition"]
    return "\n\n".join(f"{label}: {parts[key]}" for key, label in _LABELS if parts[key])


def parse_code_description(text: str) -> CodeDescription:
    """Split a description written by :func:`format_code_description` back into its parts.

    A description that does not start with a label, or whose labels are out of
    order or repeated, is kept whole as the definition.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    matches = list(_LABEL_AT_PARAGRAPH.finditer(text))
    if not matches or matches[0].start() != 0:
        return CodeDescription(definition=text)
    order = [label for _, label in _LABELS]
    found = [order.index(match.group(1)) for match in matches]
    if found != sorted(set(found)):
        return CodeDescription(definition=text)
    parts: dict[str, str] = {}
    for index, match in enumerate(matches):
        stop = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        key = _LABELS[order.index(match.group(1))][0]
        parts[key] = text[match.end() : stop].strip()
    return CodeDescription(**parts)


def one_line_description(text: str) -> str:
    """A code's description on one line, as Taguette's one-line input keeps it.

    The labelled parts of :func:`format_code_description` are joined by
    ``" — "`` instead of a blank line, and every other run of line breaks becomes
    as many ``¶`` between spaces (``"a.\\n\\nb"`` -> ``"a. ¶¶ b"``), so nothing
    runs together. :func:`multi_line_description` gives back the exact text
    (unless the text itself holds ``" ¶ "``, or ``" — "`` before a label).

    Examples
    --------
    >>> one_line_description(format_code_description("Feels like a break.", "Time is wasted."))
    'Definition: Feels like a break. — Use when: Time is wasted.'
    >>> one_line_description("First line\\nsecond line")
    'First line ¶ second line'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _LABEL_FIRST.match(text):
        text = _PART_BREAK.sub(PART_SEPARATOR, text)
    return _LINE_BREAKS.sub(lambda m: f" {LINE_BREAK_MARK * len(m.group())} ", text)


def multi_line_description(text: str) -> str:
    """Undo :func:`one_line_description`: the description with its line breaks.

    Examples
    --------
    >>> multi_line_description("Definition: Feels like a break. — Use when: Time is wasted.")
    'Definition: Feels like a break.\\n\\nUse when: Time is wasted.'
    """
    text = _MARKED_BREAKS.sub(lambda m: "\n" * len(m.group(1)), text)
    if _LABEL_FIRST.match(text):
        text = _PART_SEPARATED.sub("\n\n", text)
    return text


def codebook_xml(codes: list[QdaCode], *, origin: str = "ISM Study") -> bytes:
    """Return the bytes of a schema-valid .qdc codebook holding ``codes``."""
    if not codes:
        raise InvalidInput("A codebook needs at least one code.")
    check_unique_code_guids(codes)
    # Unqualified tags plus an explicit xmlns attribute: ElementTree's own
    # namespace handling is either global state or refuses unqualified attributes.
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": origin})
    container = ET.SubElement(root, "Codes")
    for code in codes:
        container.append(code_to_element(code))
    ET.indent(root, space=" ")
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    validate_codebook_xml(data)
    return data


def codebook_csv(codes: list[QdaCode], *, exact: bool = False) -> bytes:
    """Return a codebook as CSV for Taguette: ``tag`` (the path of names) and ``description``.

    UTF-8 without a byte-order mark, which Taguette's character detection reads.
    Each description is on one line (:func:`one_line_description`): Taguette's
    import drops line breaks, which would run its parts together. Names and
    descriptions starting with ``= + - @`` get an apostrophe against spreadsheet
    formulas, unless ``exact`` (then the file must not be opened in a spreadsheet).
    """
    if not codes:
        raise InvalidInput("A codebook needs at least one code.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["tag", "description"])

    def rows(tree: list[QdaCode], prefix: str) -> None:
        for code in tree:
            path = f"{prefix}{code.name.strip()}"
            # Formula-like names are escaped for spreadsheets and unescaped on import.
            description = one_line_description(code.description)
            writer.writerow([csv_field(path, exact=exact), csv_field(description, exact=exact)])
            rows(code.children, path + ".")

    rows(codes, "")
    return buffer.getvalue().encode("utf-8")


def write_codebook(
    codes: list[QdaCode],
    out_path: str | os.PathLike[str] | BinaryIO,
    *,
    format: str = "qdc",
    exact: bool = False,
) -> None:
    """Write ``codes`` as a REFI-QDA codebook (``"qdc"``) or a Taguette CSV (``"csv"``).

    ``exact``: see :func:`codebook_csv`.
    """
    if format not in ("qdc", "csv"):
        raise InvalidInput(f"A codebook is written as qdc or csv, not {format!r}.")
    data = codebook_xml(codes) if format == "qdc" else codebook_csv(codes, exact=exact)
    if hasattr(out_path, "write"):
        out_path.write(data)
        return
    target = Path(out_path)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, target)


def read_codebook(
    path: str | os.PathLike[str] | BinaryIO, *, warnings: list[str] | None = None
) -> list[QdaCode]:
    """Read the code hierarchy of a .qdc codebook, a .qdpx project's codebook or a Taguette CSV.

    Known peer deviations (Taguette's empty ``<Sets/>``) are read with a
    warning appended to ``warnings``.

    Dotted names, one rule for a CSV and a .qdc: in a file that lists all its
    codes flat (a CSV always; a .qdc with no nested ``<Code>``, as Taguette
    writes its tag hierarchy ``challenges``, ``challenges.self-censorship`` in
    both), a code named ``a.b`` becomes the sub-code ``b`` of the code named by
    the path ``a`` when that code comes before it; with no such code before
    it, it stays one code named ``a.b``. A .qdc that nests its codes says its
    hierarchy that way, and its names are kept as they are, dots and all; so
    are a .qdpx project's.
    A CSV's one-line descriptions get their line breaks back
    (:func:`multi_line_description`).

    Raises
    ------
    InvalidFile
        If the file is not a schema-valid codebook, or two codes share a GUID.
    """
    name = _display_name(path)
    data = path.read() if hasattr(path, "read") else Path(path).read_bytes()
    warnings = [] if warnings is None else warnings
    if len(data) > _MAX_CODEBOOK_BYTES:
        raise InvalidFile("The codebook is larger than 20 MB, which no codebook needs.", path=name)
    if zipfile.is_zipfile(io.BytesIO(data)):
        # A .qdpx carries its codebook: the project's codes.
        project = read_qdpx(io.BytesIO(data), name=name)
        warnings.extend(project.warnings)
        return project.codes
    if name.lower().endswith(".csv"):
        return _read_csv(data, name)
    root = read_peer_xml(data, codebook=True, warnings=warnings, path=name)
    codes = [
        code_from_element(element, CODEBOOK_NS)
        for element in root.findall(f"{{{CODEBOOK_NS}}}Codes/{{{CODEBOOK_NS}}}Code")
    ]
    check_unique_code_guids(codes, path=name, reading=True)
    return codes if any(code.children for code in codes) else _nest_dotted(codes)


def _nest_dotted(roots: list[QdaCode]) -> list[QdaCode]:
    """Put each code of a flat list named ``a.b`` under an earlier one with path ``a`` (as ``b``)."""
    by_path: dict[str, QdaCode] = {}

    def index(code: QdaCode, path: str) -> None:
        by_path.setdefault(path, code)
        for child in code.children:
            index(child, f"{path}.{child.name}")

    kept: list[QdaCode] = []
    for code in roots:
        path = code.name
        parent_path, dot, leaf = path.rpartition(".")
        parent = by_path.get(parent_path) if dot and parent_path and leaf.strip() else None
        if parent is not None:
            code.name = leaf
            parent.children.append(code)
        else:
            kept.append(code)
        index(code, path)
    return kept


def _read_csv(data: bytes, name: str) -> list[QdaCode]:
    """Codes from a CSV codebook (Taguette's): ``tag`` (or ``name``, ``path``), ``description``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    rows = [[unescape_formula(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    column = next((header.index(c) for c in ("tag", "name", "path") if c in header), None)
    if column is None:
        raise InvalidFile("The CSV codebook has no 'tag' column (nor 'name' or 'path').", path=name)
    described = header.index("description") if "description" in header else None
    seen: set[str] = set()
    flat: list[QdaCode] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        path = row[column].strip() if column < len(row) else ""
        if not path:
            raise InvalidFile(f"Row {number} of the CSV codebook has no tag name.", path=name)
        if path in seen:
            continue  # Taguette keeps the first of duplicate tags too
        seen.add(path)
        description = (
            row[described].strip() if described is not None and described < len(row) else ""
        )
        flat.append(
            QdaCode(
                derived_guid("csv-tag", path),
                path,
                description=multi_line_description(description),
            )
        )
    if not flat:
        raise InvalidFile("The CSV codebook has no tags.", path=name)
    return _nest_dotted(flat)


def _display_name(path: object) -> str:
    if hasattr(path, "read"):
        return str(getattr(path, "name", "the uploaded codebook"))
    return os.fspath(path)  # type: ignore[arg-type]
