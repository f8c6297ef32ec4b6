"""The ``Code`` element, shared by project files (.qdpx) and codebooks (.qdc).

Both the reader and the writers build on this module; it imports neither of them.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from study.errors import InvalidFile, InvalidInput
from study.exchange.refiqda.model import QdaCode, iter_codes, normalise_colour, normalise_guid

__all__ = ["check_unique_code_guids", "code_from_element", "code_to_element"]


def code_to_element(code: QdaCode,
                    note_refs: dict[str, list[str]] | None = None) -> ET.Element:
    """Build the ``Code`` element (with sub-codes), tags unqualified as the writers use them.

    ``note_refs`` maps a code GUID to the GUIDs of notes about it (project files only).
    """
    element = ET.Element("Code", {
        "guid": normalise_guid(code.guid), "name": code.name,
        "isCodable": "true" if code.is_codable else "false"})
    colour = normalise_colour(code.color)
    if colour is not None:
        element.set("color", colour)
    if code.description:
        ET.SubElement(element, "Description").text = code.description
    for note_guid in (note_refs or {}).get(normalise_guid(code.guid), []):
        ET.SubElement(element, "NoteRef", {"targetGUID": note_guid})
    for child in code.children:
        element.append(code_to_element(child, note_refs))
    return element


def code_from_element(element: ET.Element, namespace: str) -> QdaCode:
    """Read a ``Code`` element (already schema-valid) and its sub-codes."""
    description = element.findtext(f"{{{namespace}}}Description") or ""
    return QdaCode(
        guid=normalise_guid(element.get("guid", "")),
        name=element.get("name", ""),
        color=normalise_colour(element.get("color")),
        description=description.replace("\r\n", "\n").replace("\r", "\n").strip(),
        children=[code_from_element(child, namespace)
                  for child in element.findall(f"{{{namespace}}}Code")],
        is_codable=element.get("isCodable", "true").strip() in ("true", "1"),
    )


def check_unique_code_guids(codes: list[QdaCode], *, path: str | None = None,
                            reading: bool = False) -> None:
    """Refuse a code hierarchy in which two codes share a GUID."""
    seen: set[str] = set()
    for code in iter_codes(codes):
        guid = normalise_guid(code.guid)
        if guid in seen:
            message = f"Two codes share the GUID {guid}; each code needs its own."
            raise InvalidFile(message, path=path) if reading else InvalidInput(message)
        seen.add(guid)
