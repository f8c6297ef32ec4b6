"""The ``Code`` element, shared by project files (.qdpx) and codebooks (.qdc).

Both the reader and the writers build on this module; it imports neither of them.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from study.errors import InvalidFile, InvalidInput
from study.exchange.refiqda.model import QdaCode, iter_codes, normalise_colour, normalise_guid

__all__ = [
    "check_unique_code_guids",
    "code_from_element",
    "code_to_element",
    "join_memos",
    "split_memos",
]

#: Memos written into a code's or a source's Description, one paragraph each, for peers
#: (QualCoder, MAXQDA, ATLAS.ti) that read memos there and not from Notes.
MEMO_LABEL = "Memo"
_MEMO_AT_PARAGRAPH = re.compile(rf"(?:\A|\n[ \t]*\n){MEMO_LABEL}:[ \t]*")


def join_memos(text: str, memos: list[str]) -> str:
    """``text`` followed by one ``Memo: ...`` paragraph per memo.

    Examples
    --------
    >>> join_memos("Fear of posting.", ["Merge with silence?"])
    'Fear of posting.\\n\\nMemo: Merge with silence?'
    >>> split_memos(join_memos("Fear of posting.", ["Merge with silence?"]))
    ('Fear of posting.', ['Merge with silence?'])
    """
    parts = [text.strip()] if text.strip() else []
    parts += [f"{MEMO_LABEL}: {memo.strip()}" for memo in memos if memo.strip()]
    return "\n\n".join(parts)


def split_memos(text: str) -> tuple[str, list[str]]:
    """Split what :func:`join_memos` wrote back into the text and its memos."""
    matches = list(_MEMO_AT_PARAGRAPH.finditer(text))
    if not matches:
        return text, []
    memos = [
        text[match.end() : (matches[i + 1].start() if i + 1 < len(matches) else len(text))].strip()
        for i, match in enumerate(matches)
    ]
    return text[: matches[0].start()].strip(), [memo for memo in memos if memo]


def code_to_element(
    code: QdaCode,
    note_refs: dict[str, list[str]] | None = None,
    memos: dict[str, list[str]] | None = None,
) -> ET.Element:
    """Build the ``Code`` element (with sub-codes), tags unqualified as the writers use them.

    ``note_refs`` maps a code GUID to the GUIDs of notes about it and ``memos`` to
    their texts, which also go into the Description for peers (project files only).
    """
    element = ET.Element(
        "Code",
        {
            "guid": normalise_guid(code.guid),
            "name": code.name,
            "isCodable": "true" if code.is_codable else "false",
        },
    )
    colour = normalise_colour(code.color)
    if colour is not None:
        element.set("color", colour)
    description = join_memos(
        code.description or "", (memos or {}).get(normalise_guid(code.guid), [])
    )
    if description:
        ET.SubElement(element, "Description").text = description
    for note_guid in (note_refs or {}).get(normalise_guid(code.guid), []):
        ET.SubElement(element, "NoteRef", {"targetGUID": note_guid})
    for child in code.children:
        element.append(code_to_element(child, note_refs, memos))
    return element


def code_from_element(element: ET.Element, namespace: str) -> QdaCode:
    """Read a ``Code`` element (already schema-valid) and its sub-codes."""
    description = element.findtext(f"{{{namespace}}}Description") or ""
    return QdaCode(
        guid=normalise_guid(element.get("guid", "")),
        name=element.get("name", ""),
        color=normalise_colour(element.get("color")),
        description=description.replace("\r\n", "\n").replace("\r", "\n").strip(),
        children=[
            code_from_element(child, namespace) for child in element.findall(f"{{{namespace}}}Code")
        ],
        is_codable=element.get("isCodable", "true").strip() in ("true", "1"),
    )


def check_unique_code_guids(
    codes: list[QdaCode], *, path: str | None = None, reading: bool = False
) -> None:
    """Refuse a code hierarchy in which two codes share a GUID."""
    seen: set[str] = set()
    for code in iter_codes(codes):
        guid = normalise_guid(code.guid)
        if guid in seen:
            message = f"Two codes share the GUID {guid}; each code needs its own."
            raise InvalidFile(message, path=path) if reading else InvalidInput(message)
        seen.add(guid)
