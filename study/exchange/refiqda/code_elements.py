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
    "join_examples",
    "join_memos",
    "split_examples",
    "split_memos",
    "split_memos_with_authors",
]

#: Memos written into a code's, a source's or a selection's Description, one paragraph
#: each, for peers (QualCoder, MAXQDA, ATLAS.ti) that read memos there and not from Notes.
#: A memo whose author is known is labelled ``Memo (Author): ...``.
MEMO_LABEL = "Memo"
_MEMO_AT_PARAGRAPH = re.compile(
    rf"(?:\A|\n[ \t]*\n){MEMO_LABEL}(?: \((?P<author>[^()\n]{{1,200}})\))?:[ \t]*"
)
_EXAMPLE_ITEM = "- "
_EXAMPLE_INDENT = "  "


def join_memos(text: str, memos: list[str] | list[tuple[str, str | None]]) -> str:
    """``text`` followed by one ``Memo: ...`` paragraph per memo.

    A memo given as ``(text, author)`` with an author is labelled ``Memo (author): ...``.

    Examples
    --------
    >>> join_memos("Fear of posting.", ["Merge with silence?"])
    'Fear of posting.\\n\\nMemo: Merge with silence?'
    >>> split_memos(join_memos("Fear of posting.", ["Merge with silence?"]))
    ('Fear of posting.', ['Merge with silence?'])
    >>> join_memos("", [("Check the emoji.", "Ana"), ("Agreed.", "Ben")])
    'Memo (Ana): Check the emoji.\\n\\nMemo (Ben): Agreed.'
    """
    parts = [text.strip()] if text.strip() else []
    for memo in memos:
        body, author = memo if isinstance(memo, tuple) else (memo, None)
        if not body.strip():
            continue
        author = " ".join((author or "").replace("(", " ").replace(")", " ").split())
        label = f"{MEMO_LABEL} ({author})" if author else MEMO_LABEL
        parts.append(f"{label}: {body.strip()}")
    return "\n\n".join(parts)


#: Origins of codings a coder accepted from a machine; they travel in a selection's
#: Description as a first "Origin: ..." paragraph (REFI-QDA has no field for it).
EXCHANGED_ORIGINS = {
    "suggested": "an accepted learned suggestion",
    "suggestion": "an accepted keyword suggestion",
}
_ORIGIN_PARAGRAPH = re.compile(
    r"\AOrigin: (?P<origin>" + "|".join(EXCHANGED_ORIGINS) + r") \([^\n]*\)[ \t]*(?:\n[ \t]*\n|\Z)"
)


def with_origin(text: str, origin: str) -> str:
    """A selection's Description saying first how its coding came about (machine origins only).

    Examples
    --------
    >>> with_origin("Check this.", "suggested")
    'Origin: suggested (an accepted learned suggestion, ISM Study)\\n\\nCheck this.'
    >>> with_origin("Check this.", "manual")
    'Check this.'
    >>> split_origin(with_origin("Check this.", "suggested"))
    ('suggested', 'Check this.')
    >>> split_origin("Origin: unknown text")
    ('', 'Origin: unknown text')
    """
    if origin not in EXCHANGED_ORIGINS:
        return text
    line = f"Origin: {origin} ({EXCHANGED_ORIGINS[origin]}, ISM Study)"
    return f"{line}\n\n{text}" if text else line


def split_origin(text: str) -> tuple[str, str]:
    """The origin :func:`with_origin` wrote ("" if none) and the rest of the Description."""
    match = _ORIGIN_PARAGRAPH.match(text)
    if match is None:
        return "", text
    return match.group("origin"), text[match.end() :].strip()


def split_memos_with_authors(text: str) -> tuple[str, list[tuple[str, str | None]]]:
    """Split what :func:`join_memos` wrote into the text and its memos with their authors.

    Examples
    --------
    >>> split_memos_with_authors("Memo (Ana): Check the emoji.\\n\\nMemo: Agreed.")
    ('', [('Check the emoji.', 'Ana'), ('Agreed.', None)])
    """
    matches = list(_MEMO_AT_PARAGRAPH.finditer(text))
    if not matches:
        return text, []
    memos = []
    for i, match in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.end() : stop].strip()
        if body:
            memos.append((body, match.group("author")))
    return text[: matches[0].start()].strip(), memos


def split_memos(text: str) -> tuple[str, list[str]]:
    """Split what :func:`join_memos` wrote back into the text and its memos (without authors)."""
    rest, memos = split_memos_with_authors(text)
    return rest, [memo for memo, _author in memos]


def join_examples(examples: list[str]) -> str:
    """A code's examples as the one example part of its description, each kept apart.

    One example is written as it is; several as a list, one ``- `` item each (the
    lines of a multi-line example indented under it), which :func:`split_examples`
    reads back exactly. A single example that would read as a list is written as a
    list of one.

    Examples
    --------
    >>> join_examples(["No time for it.", "It felt like a break room."])
    '- No time for it.\\n- It felt like a break room.'
    >>> split_examples(join_examples(["- no time\\n- too many tools"]))
    ['- no time\\n- too many tools']
    """
    items = [str(e).strip() for e in examples if str(e).strip()]
    if len(items) == 1 and split_examples(items[0]) == items:
        return items[0]
    return "\n".join(
        _EXAMPLE_ITEM
        + item.replace("\n", "\n" + _EXAMPLE_INDENT).replace("\n" + _EXAMPLE_INDENT + "\n", "\n\n")
        for item in items
    )


def split_examples(text: str) -> list[str]:
    """The examples :func:`join_examples` wrote (a peer's plain example is one example)."""
    text = text.strip()
    if not text:
        return []
    lines = text.split("\n")
    if not lines[0].startswith(_EXAMPLE_ITEM) or not all(
        line.startswith((_EXAMPLE_ITEM, _EXAMPLE_INDENT)) or not line.strip() for line in lines
    ):
        return [text]
    items: list[list[str]] = []
    for line in lines:
        if line.startswith(_EXAMPLE_ITEM):
            items.append([line[len(_EXAMPLE_ITEM) :]])
        else:
            items[-1].append(line[len(_EXAMPLE_INDENT) :] if line.strip() else "")
    return ["\n".join(item).strip() for item in items]


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
