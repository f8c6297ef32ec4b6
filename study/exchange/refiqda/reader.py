"""Read a REFI-QDA project (.qdpx) from MAXQDA, ATLAS.ti, NVivo or QualCoder into a QdaProject.

Text sources, the code hierarchy, users, cases with variables, codings and
memos are imported. Text is stored with "\\n" line breaks in NFC and every
selection is moved with that normalisation (see :mod:`study.exchange.refiqda.positions`).
What ISM Study cannot hold (pictures, PDFs, audio, video, sets, graphs, links)
is named in ``project.warnings``, never dropped silently; a file that is not a
trustworthy project is refused with :class:`~study.errors.InvalidFile`.

Memos are read from ``Note`` elements and from where peers keep them: a
selection's ``Description`` (a memo on its coding), ``Memo: ...`` paragraphs of
a code's or a source's ``Description`` (as :mod:`~study.exchange.refiqda.writer`
writes them); a copy that repeats a note about the same object is dropped.
Labelled ``Memo (Name): ...`` paragraphs are separate memos by that user (a
selection's several memos, which QualCoder keeps as one). A note's place in
its source (QualCoder's annotation: a ``PlainTextSelection`` in the ``Note``;
a note on an uncoded selection) is kept as :attr:`QdaNote.start`/``end``.
A code whose GUID is a case's GUID is QualCoder's way of linking text to cases:
its codings become the sources' cases, and the code is not imported. Known peer
deviations from the schema are repaired with a warning
(:func:`~study.exchange.refiqda.validation.read_peer_xml`).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import datetime
from typing import BinaryIO
from xml.etree.ElementTree import Element

from study.errors import InvalidFile
from study.exchange.refiqda.archive import DEFAULT_MAX_UNCOMPRESSED_BYTES, QdpxArchive
from study.exchange.refiqda.code_elements import (
    MEMO_LABEL,
    check_unique_code_guids,
    code_from_element,
    split_memos_with_authors,
)
from study.exchange.refiqda.model import (
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaTextSource,
    QdaUser,
    derived_guid,
    iter_codes,
    normalise_guid,
)
from study.exchange.refiqda.positions import SourceText
from study.exchange.refiqda.validation import PROJECT_NS, read_peer_xml

_NS = f"{{{PROJECT_NS}}}"
_FRACTION = re.compile(r"(\.\d{6})\d+")
_UNSUPPORTED_SOURCES = {
    "PictureSource": "picture",
    "PDFSource": "PDF",
    "AudioSource": "audio",
    "VideoSource": "video",
}
_SHOWN_NAMES = 5
_POSITION_WARNINGS = {
    "utf16": "counted positions in UTF-16 units (as .NET and Java programs do); they were "
    "converted to characters",
    "lf": "counted a Windows line break as one character; positions were kept as counted",
    "nearby": "did not match their text at the given position and were moved to the "
    "nearby passage their name quotes",
    "unverified": "have a name that differs from the text at their position; positions "
    "were kept as given",
}


def _parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except ValueError:
        return None


def _guid(element: Element, attribute: str) -> str | None:
    value = element.get(attribute)
    return normalise_guid(value) if value else None


def _listing(names: list[str]) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:_SHOWN_NAMES])
    return shown + (f" and {len(names) - _SHOWN_NAMES} more" if len(names) > _SHOWN_NAMES else "")


def _decode(data: bytes, what: str, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(
            f"{what} is not UTF-8 as REFI-QDA requires; it was read as "
            f"Windows-1252, so check its special characters."
        )
        return data.decode("cp1252", errors="replace")


class _ProjectReader:
    """One read of one archive; collects warnings as it goes."""

    def __init__(self, archive: QdpxArchive, root: Element, warnings: list[str]) -> None:
        self.archive = archive
        self.root = root
        self.name = archive.name
        self.warnings = warnings
        self.note_targets: dict[str, str | None] = {}
        self.users: dict[str, QdaUser] = {}
        # Memos kept where peers write them: (target GUID, text, author, created, place).
        self.described: list[
            tuple[str, str, str | None, datetime | None, tuple[int, int] | None]
        ] = []
        self.texts: dict[str, SourceText] = {}
        # Places of notes on a passage no coding holds, by note GUID.
        self.note_places: dict[str, tuple[int, int]] = {}
        self.variables = {
            normalise_guid(variable.get("guid", "")): variable.get("name", "")
            for variable in root.iterfind(f"{_NS}Variables/{_NS}Variable")
        }

    def refuse(self, message: str) -> InvalidFile:
        return InvalidFile(message, path=self.name)

    def note_ref(self, element: Element, target: str | None) -> None:
        for ref in element.findall(f"{_NS}NoteRef"):
            note = normalise_guid(ref.get("targetGUID", ""))
            if note in self.note_targets and self.note_targets[note] != target:
                self.warnings.append(
                    f"Note {note} is attached to several objects; ISM Study "
                    f"keeps it with the first."
                )
                continue
            self.note_targets[note] = target

    def user(self, guid: str | None) -> str | None:
        if guid is not None and guid not in self.users:
            # Kept rather than dropped so the coder stays distinguishable.
            self.users[guid] = QdaUser(guid=guid, name=f"Unknown user {guid[:8]}")
            self.warnings.append(
                f"User {guid} is referred to but not listed among the "
                f"project's users; it was added as '{self.users[guid].name}'."
            )
        return guid

    def labelled(self, text: str) -> list[tuple[str, str | None, bool]]:
        """The memos of a Description: (text, author GUID, whether a label named the author).

        ``Memo (Name): ...`` paragraphs (see :func:`~study.exchange.refiqda.code_elements.join_memos`)
        are memos of that user; a name that is no user of the project stays in the text.
        """
        rest, memos = split_memos_with_authors(text)
        return ([(rest, None, False)] if rest else []) + self.authored(memos)

    def authored(self, memos: list[tuple[str, str | None]]) -> list[tuple[str, str | None, bool]]:
        """Memos with an author's name as (text, author GUID, whether a name was given)."""
        found: list[tuple[str, str | None, bool]] = []
        for body, name in memos:
            if name is None:
                found.append((body, None, False))
                continue
            named = [u.guid for u in self.users.values() if u.name.casefold() == name.casefold()]
            if len(named) == 1:
                found.append((body, named[0], True))
            else:
                found.append((f"{MEMO_LABEL} ({name}): {body}", None, True))
        return found

    def text_of(self, element: Element, what: str) -> str | None:
        """Return a TextSource-like element's plain text, inline or from the archive."""
        inline = element.find(f"{_NS}PlainTextContent")
        if inline is not None:
            return inline.text or ""
        path = element.get("plainTextPath")
        if not path:
            return None
        if not path.startswith("internal://"):
            self.warnings.append(
                f"{what} points outside the archive ({path}); its text was not imported."
            )
            return None
        member = self.archive.find_internal(path)
        if member is None:
            raise self.refuse(f"{what} refers to {path}, which is missing from the archive.")
        return _decode(self.archive.read(member), what, self.warnings)

    def read_text_source(self, element: Element, codes: set[str]) -> QdaTextSource | None:
        guid = normalise_guid(element.get("guid", ""))
        name = element.get("name") or guid
        original = self.text_of(element, f"Source '{name}'")
        if original is None:
            self.warnings.append(
                f"Source '{name}' has no plain text (only rich text or an "
                f"external file) and was not imported."
            )
            return None
        text = SourceText(original)
        if not text.nfc_applied:
            self.warnings.append(
                f"Source '{name}' contains characters whose composition "
                f"ISM Study cannot map positions through; it was kept "
                f"unnormalised."
            )
        description, memos = split_memos_with_authors(
            (element.findtext(f"{_NS}Description") or "").strip()
        )
        source = QdaTextSource(
            guid=guid,
            name=name,
            text=text.text,
            notes=description,
            variables=self.variable_values(element),
        )
        self.described.extend(
            (guid, body, author, None, None) for body, author, _named in self.authored(memos)
        )
        self.texts[guid] = text
        self.note_ref(element, guid)
        adjusted: Counter[str] = Counter()
        for selection in element.findall(f"{_NS}PlainTextSelection"):
            self.read_selection(selection, text, source, codes, adjusted)
        whole = element.findall(f"{_NS}Coding")
        for coding in whole:
            source.codings.append(
                self.read_coding(coding, 0, len(text.text), text.text, source, codes)
            )
        if whole:
            self.warnings.append(
                f"Source '{name}' has {len(whole)} codings of the whole "
                f"document; each was imported as a coding of all its text."
            )
        for how, count in sorted(adjusted.items()):
            self.warnings.append(
                f"In source '{name}', {count} selections {_POSITION_WARNINGS[how]}."
            )
        return source

    def variable_values(self, element: Element) -> dict[str, str]:
        """The ``VariableValue`` children of a case or source, by variable name."""
        values: dict[str, str] = {}
        for value in element.findall(f"{_NS}VariableValue"):
            ref = normalise_guid(value.find(f"{_NS}VariableRef").get("targetGUID", ""))
            holder = next((child for child in value if child.tag != f"{_NS}VariableRef"), None)
            values[self.variables.get(ref, ref)] = (
                (holder.text or "").strip() if holder is not None else ""
            )
        return values

    def read_selection(
        self,
        selection: Element,
        text: SourceText,
        source: QdaTextSource,
        codes: set[str],
        adjusted: Counter[str],
    ) -> None:
        start = int(selection.get("startPosition", "0"))
        end = int(selection.get("endPosition", "0"))
        if start > end:
            raise self.refuse(
                f"A selection in source '{source.name}' starts at {start}, after its end at {end}."
            )
        span = text.resolve(start, end, selection.get("name"))
        if span is None:
            raise self.refuse(
                f"A selection in source '{source.name}' spans {start}-{end}, outside the "
                f"source's {len(text.original)} characters."
            )
        if span.how != "as given":
            adjusted[span.how] += 1
        codings = [
            self.read_coding(coding, span.start, span.end, text.text, source, codes, selection)
            for coding in selection.findall(f"{_NS}Coding")
        ]
        source.codings.extend(codings)
        memo = (selection.findtext(f"{_NS}Description") or "").strip()
        if memo:  # where QualCoder, MAXQDA and ATLAS.ti keep a coding's memo
            first = codings[0] if codings else None
            writer = (
                first.creating_user_guid if first else self.user(_guid(selection, "creatingUser"))
            )
            created = (
                first.creation_datetime
                if first
                else _parse_datetime(selection.get("creationDateTime"))
            )
            # Several memos (QualCoder keeps one per coding) come as labelled paragraphs.
            for body, author, named in self.labelled(memo):
                self.described.append(
                    (
                        first.guid if first else source.guid,
                        body,
                        author if named else writer,
                        created,
                        None if first else (span.start, span.end),
                    )
                )
            if first is None:
                self.warnings.append(
                    f"A memo on an uncoded passage of source "
                    f"'{source.name}' was attached to the source, with the passage's place."
                )
        if selection.find(f"{_NS}NoteRef") is not None:
            if not codings:
                self.warnings.append(
                    f"A memo on an uncoded passage of source "
                    f"'{source.name}' was attached to the source, with the passage's place."
                )
            self.note_ref(selection, codings[0].guid if codings else source.guid)
            if not codings:
                for ref in selection.findall(f"{_NS}NoteRef"):
                    self.note_places.setdefault(
                        normalise_guid(ref.get("targetGUID", "")), (span.start, span.end)
                    )

    def read_coding(
        self,
        element: Element,
        start: int,
        end: int,
        text: str,
        source: QdaTextSource,
        codes: set[str],
        selection: Element | None = None,
    ) -> QdaCoding:
        code = normalise_guid(element.find(f"{_NS}CodeRef").get("targetGUID", ""))
        if code not in codes:
            raise self.refuse(
                f"A coding in source '{source.name}' refers to code {code}, "
                f"which is not in the codebook."
            )
        coding = QdaCoding(
            guid=normalise_guid(element.get("guid", "")),
            start=start,
            end=end,
            code_guid=code,
            creating_user_guid=self.user(_guid(element, "creatingUser")),
            # QualCoder dates the selection, not the coding.
            creation_datetime=_parse_datetime(
                element.get("creationDateTime")
                or (selection.get("creationDateTime") if selection is not None else None)
            ),
            text=text[start:end],
        )
        self.note_ref(element, coding.guid)
        return coding

    def read_cases(self, sources: dict[str, QdaTextSource], skipped: set[str]) -> list[QdaCase]:
        cases: list[QdaCase] = []
        unlinked: Counter[str] = Counter()
        for element in self.root.iterfind(f"{_NS}Cases/{_NS}Case"):
            guid = normalise_guid(element.get("guid", ""))
            case = QdaCase(
                guid=guid,
                name=element.get("name") or guid,
                description=(element.findtext(f"{_NS}Description") or "").strip(),
                variables=self.variable_values(element),
            )
            for ref in element.findall(f"{_NS}SourceRef"):
                target = normalise_guid(ref.get("targetGUID", ""))
                if target in sources:
                    sources[target].case_guids.append(guid)
                elif target not in skipped:
                    unlinked["source"] += 1
            unlinked["code"] += len(element.findall(f"{_NS}CodeRef"))
            unlinked["selection"] += len(element.findall(f"{_NS}SelectionRef"))
            cases.append(case)
        for kind, count in unlinked.items():
            if count:
                self.warnings.append(
                    f"{count} links from cases to {kind}s were not imported "
                    f"(ISM Study links cases to whole text sources only)."
                )
        return cases

    def read_notes(self) -> list[QdaNote]:
        self.note_ref(self.root, None)
        notes: list[QdaNote] = []
        placed: Counter[str] = Counter()
        for element in self.root.iterfind(f"{_NS}Notes/{_NS}Note"):
            guid = normalise_guid(element.get("guid", ""))
            text = self.text_of(element, f"Note '{element.get('name') or guid}'")
            if text is None:
                text = element.get("name") or ""
                self.warnings.append(
                    f"Note '{text or guid}' has no plain text; only its title was imported."
                )
            target = self.note_targets.get(guid)
            start, end = self.note_place(element, guid, target, placed)
            notes.append(
                QdaNote(
                    guid=guid,
                    text=text.replace("\r\n", "\n").replace("\r", "\n"),
                    target_guid=target,
                    creating_user_guid=self.user(_guid(element, "creatingUser")),
                    created=_parse_datetime(element.get("creationDateTime")),
                    start=start,
                    end=end,
                )
            )
        if placed["unplaced"]:
            self.warnings.append(
                f"{placed['unplaced']} notes mark a passage but are about no text "
                f"source, or mark one outside it; they were imported without their place."
            )
        return notes

    def note_place(
        self, element: Element, guid: str, target: str | None, placed: Counter[str]
    ) -> tuple[int | None, int | None]:
        """Where in its source a note is anchored: QualCoder writes an annotation's place
        as a ``PlainTextSelection`` in the Note; a note on an uncoded selection has that."""
        selection = element.find(f"{_NS}PlainTextSelection")
        if selection is None:
            return self.note_places.get(guid, (None, None))
        text = self.texts.get(target or "")
        span = None
        if text is not None:
            try:
                start = int(selection.get("startPosition", "0"))
                end = int(selection.get("endPosition", "0"))
            except ValueError:
                start, end = 1, 0
            if start <= end:
                span = text.resolve(start, end, selection.get("name"))
        if span is None:
            placed["unplaced"] += 1
            return None, None
        return span.start, span.end

    def warn_unsupported(self) -> set[str]:
        """Name what cannot be imported; return the GUIDs of skipped sources."""
        skipped: set[str] = set()
        for tag, kind in _UNSUPPORTED_SOURCES.items():
            elements = self.root.findall(f"{_NS}Sources/{_NS}{tag}")
            if elements:
                skipped.update(normalise_guid(e.get("guid", "")) for e in elements)
                names = [e.get("name") or e.get("guid", "") for e in elements]
                self.warnings.append(
                    f"{len(elements)} {kind} sources were not imported "
                    f"(ISM Study codes text only): {_listing(names)}."
                )
        for container, tag, kind in (
            ("Sets", "Set", "sets"),
            ("Graphs", "Graph", "graphs"),
            ("Links", "Link", "links"),
        ):
            elements = self.root.findall(f"{_NS}{container}/{_NS}{tag}")
            if elements:
                names = [e.get("name") or e.get("guid", "") for e in elements]
                self.warnings.append(
                    f"{len(elements)} {kind} were not imported: {_listing(names)}."
                )
        return skipped

    def read(self) -> QdaProject:
        for element in self.root.iterfind(f"{_NS}Users/{_NS}User"):
            guid = normalise_guid(element.get("guid", ""))
            self.users[guid] = QdaUser(guid=guid, name=element.get("name") or guid)
        codes = [
            code_from_element(element, PROJECT_NS)
            for element in self.root.iterfind(f"{_NS}CodeBook/{_NS}Codes/{_NS}Code")
        ]
        check_unique_code_guids(codes, path=self.name, reading=True)
        for code in iter_codes(codes):
            code.description, memos = split_memos_with_authors(code.description)
            self.described.extend(
                (code.guid, body, author, None, None)
                for body, author, _named in self.authored(memos)
            )
        for element in self.root.iter(f"{_NS}Code"):
            self.note_ref(element, normalise_guid(element.get("guid", "")))
        code_guids = {code.guid for code in iter_codes(codes)}
        skipped = self.warn_unsupported()
        sources: dict[str, QdaTextSource] = {}
        for element in self.root.iterfind(f"{_NS}Sources/{_NS}TextSource"):
            source = self.read_text_source(element, code_guids)
            if source is None:
                continue
            if source.guid in sources:
                raise self.refuse(f"Two sources share the GUID {source.guid}.")
            sources[source.guid] = source
        self._renumber_duplicate_codings(list(sources.values()))
        cases = self.read_cases(sources, skipped)
        codes = self._case_codings(codes, cases, list(sources.values()))
        notes = self.read_notes()
        notes.extend(self._described_notes(notes))
        return QdaProject(
            name=self.root.get("name", ""),
            users=list(self.users.values()),
            codes=codes,
            cases=cases,
            sources=list(sources.values()),
            notes=notes,
            warnings=self.warnings,
            description=(self.root.findtext(f"{_NS}Description") or "").strip(),
        )

    def _case_codings(
        self, codes: list[QdaCode], cases: list[QdaCase], sources: list[QdaTextSource]
    ) -> list[QdaCode]:
        """Turn QualCoder's case links (codings of a code with a case's GUID) into cases."""
        case_guids = {case.guid for case in cases}
        links = 0
        for source in sources:
            kept = []
            for coding in source.codings:
                if coding.code_guid in case_guids:
                    links += 1
                    if coding.code_guid not in source.case_guids:
                        source.case_guids.append(coding.code_guid)
                else:
                    kept.append(coding)
            source.codings = kept
        if links:
            self.warnings.append(
                f"{links} codings link text to cases the way QualCoder does "
                f"(a code with the case's GUID); they were read as the "
                f"sources' cases, not as codings."
            )
        if not any(code.guid in case_guids for code in iter_codes(codes)):
            return codes

        def without(tree: list[QdaCode]) -> list[QdaCode]:
            kept_codes = []
            for code in tree:
                if code.guid in case_guids:
                    kept_codes.extend(without(code.children))
                else:
                    code.children = without(code.children)
                    kept_codes.append(code)
            return kept_codes

        return without(codes)

    def _described_notes(self, notes: list[QdaNote]) -> list[QdaNote]:
        """Memos from Descriptions, except those that repeat a note about the same object."""
        known: dict[str | None, list[str]] = {}
        for note in notes:
            known.setdefault(note.target_guid, []).append(note.text.strip())
        extra: list[QdaNote] = []
        for index, (target, text, author, created, place) in enumerate(self.described):
            repeated = known.get(target, [])
            if text in repeated or text == "\n\n".join(repeated):
                continue
            if any(t == target and n.text == text for n in extra for t in [n.target_guid]):
                continue
            extra.append(
                QdaNote(
                    guid=derived_guid("description-memo", f"{target}/{index}"),
                    text=text,
                    target_guid=target,
                    creating_user_guid=author,
                    created=created,
                    start=place[0] if place else None,
                    end=place[1] if place else None,
                )
            )
        return extra

    def _renumber_duplicate_codings(self, sources: list[QdaTextSource]) -> None:
        seen: set[str] = set()
        renamed = 0
        for source in sources:
            for coding in source.codings:
                if coding.guid in seen:
                    coding.guid = derived_guid(f"duplicate-{renamed}", coding.guid)
                    renamed += 1
                seen.add(coding.guid)
        if renamed:
            self.warnings.append(
                f"{renamed} codings reused another coding's GUID and were given new ones."
            )


def read_qdpx(
    source: str | os.PathLike[str] | BinaryIO,
    *,
    name: str | None = None,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> QdaProject:
    """Read a .qdpx project from a path or a binary file object (e.g. an upload).

    Parameters
    ----------
    source : path or binary file object
        The .qdpx archive.
    name : str, optional
        The file's name as the user knows it, used in error messages.
    max_uncompressed_bytes : int
        Most bytes to inflate from the archive in total (zip-bomb guard).

    Returns
    -------
    QdaProject
        With ``warnings`` naming whatever was not imported or was corrected.

    Raises
    ------
    InvalidFile
        If the file is not a zip, has no project.qde, holds malformed or
        schema-invalid XML, an unsafe or oversized member, a missing source
        file, a coding of an unknown code, or a selection outside its source.
    """
    if name is None:
        name = (
            os.fspath(source)
            if not hasattr(source, "read")
            else str(getattr(source, "name", "the uploaded project"))
        )
    with QdpxArchive(source, name=name, max_uncompressed_bytes=max_uncompressed_bytes) as archive:
        member = archive.find("project.qde")
        if member is None:
            raise InvalidFile(
                "The archive has no project.qde, so it is not a REFI-QDA project.", path=name
            )
        warnings: list[str] = []
        root = read_peer_xml(archive.read(member), codebook=False, warnings=warnings, path=name)
        return _ProjectReader(archive, root, warnings).read()
