"""Write a :class:`QdaProject` as a REFI-QDA project (.qdpx) for MAXQDA, ATLAS.ti, NVivo, QualCoder.

The archive holds ``project.qde`` (checked against Project.xsd before anything
is written) and ``sources/<GUID>.txt`` in UTF-8 for each text source.
Positions are code points with "\\n" line breaks, which is what the texts in
the archive contain, so a reader counting characters finds the same passages.

Memos are written twice: as ``Note`` elements referred to by ``NoteRef`` (the
schema's way, full fidelity: author and date), and where peers read them
(QualCoder, MAXQDA and ATLAS.ti): a coding's memo as its selection's
``Description`` (several memos, or one by another than the coder, as labelled
``Memo (Author): ...`` paragraphs, since QualCoder keeps one memo per coding),
a code's and a source's memos as ``Memo: ...`` paragraphs of their
``Description``. The reader drops the copies that repeat a note. A note anchored
to a passage of its source (an annotation) holds a ``PlainTextSelection`` with
the place, where QualCoder keeps it.

``compat="qualcoder"`` also writes the form QualCoder links text to cases in:
a code with the case's GUID and a coding of each of the case's sources with it
(QualCoder ignores ``SourceRef`` in a ``Case``).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree as ET

from study.errors import InvalidInput
from study.exchange.refiqda.code_elements import (
    check_unique_code_guids,
    code_to_element,
    join_memos,
    with_origin,
)
from study.exchange.refiqda.model import (
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaTextSource,
    derived_guid,
    iter_codes,
    normalise_guid,
)
from study.exchange.refiqda.validation import PROJECT_NS, validate_project_xml

ORIGIN = "ISM Study"
#: Peers whose own way of linking sources to cases ``compat`` can add.
COMPAT = ("qualcoder",)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NOTE_TITLE_CHARS = 60


def format_datetime(value: datetime) -> str:
    """Format as xsd:dateTime in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _xml_safe(text: str) -> str:
    # Control characters cannot appear in XML 1.0 at all, not even escaped.
    return _NOT_XML.sub(" ", text)


def _sub(
    parent: ET.Element,
    tag: str,
    attributes: dict[str, str | None] | None = None,
    text: str | None = None,
) -> ET.Element:
    element = ET.SubElement(
        parent,
        tag,
        {key: _xml_safe(value) for key, value in (attributes or {}).items() if value is not None},
    )
    if text is not None:
        element.text = _xml_safe(text)
    return element


class _Checked:
    """The project's GUIDs in canonical form, checked for references and duplicates."""

    def __init__(self, project: QdaProject) -> None:
        check_unique_code_guids(project.codes)
        self.users = {normalise_guid(user.guid) for user in project.users}
        self.codes = {normalise_guid(code.guid) for code in iter_codes(project.codes)}
        self.cases = {normalise_guid(case.guid) for case in project.cases}
        self.sources = {normalise_guid(source.guid) for source in project.sources}
        self.codings = {
            normalise_guid(coding.guid) for source in project.sources for coding in source.codings
        }
        self.notes = {normalise_guid(note.guid) for note in project.notes}
        counted = (
            len(project.users),
            sum(1 for _ in iter_codes(project.codes)),
            len(project.cases),
            len(project.sources),
            sum(len(source.codings) for source in project.sources),
            len(project.notes),
        )
        sets = (self.users, self.codes, self.cases, self.sources, self.codings, self.notes)
        if any(len(guids) != count for guids, count in zip(sets, counted)) or len(
            set().union(*sets)
        ) != sum(counted):
            raise InvalidInput(
                "Two objects of the project share a GUID; every user, code, "
                "case, source, coding and note needs its own."
            )

    def user(self, guid: str | None, what: str) -> str | None:
        if guid is None:
            return None
        guid = normalise_guid(guid)
        if guid not in self.users:
            raise InvalidInput(f"{what} names user {guid}, who is not in the project's users.")
        return guid


def _check_coding(source: QdaTextSource, coding: QdaCoding, checked: _Checked) -> None:
    where = f"Coding {coding.guid} in source '{source.name}'"
    if not 0 <= coding.start <= coding.end <= len(source.text):
        raise InvalidInput(
            f"{where} spans {coding.start}-{coding.end}, outside the source's "
            f"{len(source.text)} characters."
        )
    if coding.text and coding.text != source.text[coding.start : coding.end]:
        raise InvalidInput(
            f"{where} has text that differs from the source at "
            f"{coding.start}-{coding.end}; the source or the coding is stale."
        )
    if normalise_guid(coding.code_guid) not in checked.codes:
        raise InvalidInput(
            f"{where} refers to code {coding.code_guid}, which is not in the codebook."
        )


def _notes_by_target(
    project: QdaProject, checked: _Checked
) -> tuple[dict[str | None, list[str]], dict[str | None, list[tuple[str, str | None]]]]:
    """Note GUIDs, and note texts with their authors' GUIDs, by the GUID of what they are about."""
    targets = checked.sources | checked.codes | checked.codings
    by_target: dict[str | None, list[str]] = {}
    texts: dict[str | None, list[tuple[str, str | None]]] = {}
    for note in project.notes:
        target = None if note.target_guid is None else normalise_guid(note.target_guid)
        if target is not None and target not in targets:
            raise InvalidInput(
                f"Note {note.guid} is about {target}, which is no source, "
                f"code or coding of the project."
            )
        by_target.setdefault(target, []).append(normalise_guid(note.guid))
        if note.text.strip():
            author = checked.user(note.creating_user_guid, f"Note {note.guid}")
            texts.setdefault(target, []).append((_xml_safe(note.text.strip()), author))
    return by_target, texts


def _plain(texts: dict[str | None, list[tuple[str, str | None]]]) -> dict[str | None, list[str]]:
    return {target: [text for text, _author in memos] for target, memos in texts.items()}


def _selection_memo(
    memos: list[tuple[str, str | None]], coder: str | None, names: dict[str, str]
) -> str:
    """A coding's memos as its selection's Description, where QualCoder, MAXQDA and ATLAS.ti
    read them: one memo by the coder as it is; several (or another author's) one labelled
    ``Memo (Author): ...`` paragraph each, so a peer that keeps one memo per coding
    (QualCoder) gives them back apart and with their authors."""
    if len(memos) == 1 and memos[0][1] in (None, coder):
        return memos[0][0]
    return join_memos("", [(text, names.get(author or "")) for text, author in memos])


def _variables(project: QdaProject) -> dict[str, str]:
    names: dict[str, str] = {}
    for case in project.cases:
        for variable in case.variables:
            names.setdefault(variable, derived_guid("variable", variable))
    return names


def _add_source(
    parent: ET.Element,
    source: QdaTextSource,
    checked: _Checked,
    notes: dict[str | None, list[str]],
    texts: dict[str | None, list[tuple[str, str | None]]],
    case_codes: list[str],
    names: dict[str, str],
) -> None:
    guid = normalise_guid(source.guid)
    element = _sub(
        parent,
        "TextSource",
        {"guid": guid, "name": source.name, "plainTextPath": f"internal://{guid}.txt"},
    )
    description = join_memos(source.notes, [text for text, _author in texts.get(guid, [])])
    if description:
        _sub(element, "Description", text=description)
    if source.text:
        for case_guid in case_codes:  # QualCoder's form: coded with the case's "code"
            selection = _sub(
                element,
                "PlainTextSelection",
                {
                    "guid": derived_guid("case-selection", f"{guid}/{case_guid}"),
                    "startPosition": "0",
                    "endPosition": str(len(source.text)),
                },
            )
            coding = _sub(
                selection, "Coding", {"guid": derived_guid("case-coding", f"{guid}/{case_guid}")}
            )
            _sub(coding, "CodeRef", {"targetGUID": case_guid})
    for coding in sorted(source.codings, key=lambda c: (c.start, c.end, c.guid)):
        _check_coding(source, coding, checked)
        coding_guid = normalise_guid(coding.guid)
        user = checked.user(coding.creating_user_guid, f"Coding {coding_guid}")
        created = (
            format_datetime(coding.creation_datetime)
            if coding.creation_datetime is not None
            else None
        )
        # One selection per coding, so a memo on the coding has one place to go.
        selection = _sub(
            element,
            "PlainTextSelection",
            {
                "guid": derived_guid("selection", coding_guid),
                "name": source.text[coding.start : coding.end],
                "startPosition": str(coding.start),
                "endPosition": str(coding.end),
                "creatingUser": user,
                "creationDateTime": created,
            },
        )
        description = with_origin(
            _selection_memo(texts[coding_guid], user, names) if texts.get(coding_guid) else "",
            coding.origin,
        )
        if description:  # where peers read a coding's memo
            _sub(selection, "Description", text=description)
        coding_element = _sub(
            selection,
            "Coding",
            {"guid": coding_guid, "creatingUser": user, "creationDateTime": created},
        )
        _sub(coding_element, "CodeRef", {"targetGUID": normalise_guid(coding.code_guid)})
        for note_guid in notes.get(coding_guid, []):
            _sub(selection, "NoteRef", {"targetGUID": note_guid})
    for note_guid in notes.get(guid, []):
        _sub(element, "NoteRef", {"targetGUID": note_guid})


def _add_note(
    parent: ET.Element, note: QdaNote, checked: _Checked, sources: dict[str, QdaTextSource]
) -> None:
    guid = normalise_guid(note.guid)
    if note.start is not None or note.end is not None:
        source = sources.get(normalise_guid(note.target_guid or ""))
        if source is None or note.start is None or note.end is None:
            raise InvalidInput(f"Note {guid} has a place but is about no text source.")
        if not 0 <= note.start <= note.end <= len(source.text):
            raise InvalidInput(
                f"Note {guid} spans {note.start}-{note.end}, outside the source's "
                f"{len(source.text)} characters."
            )
    first_line = note.text.strip().split("\n", 1)[0]
    title = first_line[:_NOTE_TITLE_CHARS] + ("…" if len(first_line) > _NOTE_TITLE_CHARS else "")
    element = _sub(
        parent,
        "Note",
        {
            "guid": guid,
            "name": title or "Memo",
            "creatingUser": checked.user(note.creating_user_guid, f"Note {guid}"),
            "creationDateTime": format_datetime(note.created) if note.created else None,
        },
    )
    _sub(element, "PlainTextContent", text=note.text)
    if note.start is not None and note.end is not None:
        # Where QualCoder keeps an annotation's place in its source.
        _sub(
            element,
            "PlainTextSelection",
            {
                "guid": derived_guid("note-selection", guid),
                "startPosition": str(note.start),
                "endPosition": str(note.end),
            },
        )


def project_xml(project: QdaProject, *, compat: str | None = None) -> bytes:
    """Return schema-valid ``project.qde`` bytes for ``project``.

    ``compat="qualcoder"`` adds QualCoder's case links (see the module docstring).

    Raises
    ------
    InvalidInput
        If a GUID is malformed or shared, a reference points nowhere, or a
        coding lies outside its source or disagrees with its text.
    """
    if compat is not None and compat not in COMPAT:
        raise InvalidInput(f"Unknown compatibility '{compat}'; choose one of {', '.join(COMPAT)}.")
    checked = _Checked(project)
    notes, texts = _notes_by_target(project, checked)
    names = {normalise_guid(user.guid): user.name for user in project.users}
    root = ET.Element(
        "Project", {"xmlns": PROJECT_NS, "name": _xml_safe(project.name), "origin": ORIGIN}
    )
    if project.users:
        users = _sub(root, "Users")
        for user in project.users:
            _sub(users, "User", {"guid": normalise_guid(user.guid), "name": user.name})
    case_links = compat == "qualcoder" and any(s.case_guids for s in project.sources)
    if project.codes or case_links:
        codes = _sub(_sub(root, "CodeBook"), "Codes")
        for code in project.codes:
            codes.append(code_to_element(code, notes, _plain(texts)))
    variables = _variables(project)
    if variables:
        declared = _sub(root, "Variables")
        for name, guid in variables.items():
            _sub(declared, "Variable", {"guid": guid, "name": name, "typeOfVariable": "Text"})
    members: dict[str, list[str]] = {}
    for source in project.sources:
        for case_guid in source.case_guids:
            case_guid = normalise_guid(case_guid)
            if case_guid not in checked.cases:
                raise InvalidInput(
                    f"Source '{source.name}' belongs to case {case_guid}, "
                    f"which is not in the project's cases."
                )
            members.setdefault(case_guid, []).append(normalise_guid(source.guid))
    if project.cases:
        cases = _sub(root, "Cases")
        for case in project.cases:
            guid = normalise_guid(case.guid)
            element = _sub(cases, "Case", {"guid": guid, "name": case.name})
            if case.description:
                _sub(element, "Description", text=case.description)
            for name, value in case.variables.items():
                holder = _sub(element, "VariableValue")
                _sub(holder, "VariableRef", {"targetGUID": variables[name]})
                _sub(holder, "TextValue", text=str(value))
            for source_guid in members.get(guid, []):
                _sub(element, "SourceRef", {"targetGUID": source_guid})
    if case_links:
        for case in project.cases:
            if normalise_guid(case.guid) in members:
                _sub(
                    codes,
                    "Code",
                    {"guid": normalise_guid(case.guid), "name": case.name, "isCodable": "true"},
                )
    if project.sources:
        sources = _sub(root, "Sources")
        for source in project.sources:
            case_codes = (
                [normalise_guid(c) for c in source.case_guids] if compat == "qualcoder" else []
            )
            _add_source(sources, source, checked, notes, texts, case_codes, names)
    if project.notes:
        container = _sub(root, "Notes")
        by_guid = {normalise_guid(source.guid): source for source in project.sources}
        for note in project.notes:
            _add_note(container, note, checked, by_guid)
    if project.description:
        _sub(root, "Description", text=project.description)
    for note_guid in notes.get(None, []):
        _sub(root, "NoteRef", {"targetGUID": note_guid})
    ET.indent(root, space=" ")
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    validate_project_xml(data)
    return data


def write_qdpx(
    project: QdaProject, out_path: str | os.PathLike[str] | BinaryIO, *, compat: str | None = None
) -> None:
    """Write ``project`` as a .qdpx archive to a path or a binary file object.

    A path is written through a temporary file and renamed, so a failed export
    never leaves half an archive behind. ``compat``: see :func:`project_xml`.
    """
    data = project_xml(project, compat=compat)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", data)
        for source in project.sources:
            archive.writestr(
                f"sources/{normalise_guid(source.guid)}.txt", source.text.encode("utf-8")
            )
    if hasattr(out_path, "write"):
        out_path.write(buffer.getvalue())
        return
    target = Path(out_path)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, target)
