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

This module reads the project as a whole (users, codes, cases, notes) and its
text sources through :mod:`~study.exchange.refiqda.source_reader`, on the state of
one read kept by :mod:`~study.exchange.refiqda.reading_state`.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import BinaryIO
from xml.etree.ElementTree import Element

from study.errors import InvalidFile
from study.exchange.refiqda.archive import DEFAULT_MAX_UNCOMPRESSED_BYTES, QdpxArchive
from study.exchange.refiqda.code_elements import check_unique_code_guids, code_from_element
from study.exchange.refiqda.model import (
    QdaCase,
    QdaCode,
    QdaNote,
    QdaProject,
    QdaTextSource,
    derived_guid,
    iter_codes,
    normalise_guid,
)
from study.exchange.refiqda.reading_state import NS, guid_attribute, parse_datetime
from study.exchange.refiqda.source_reader import SourceReader
from study.exchange.refiqda.validation import PROJECT_NS, read_peer_xml

_UNSUPPORTED_SOURCES = {
    "PictureSource": "picture",
    "PDFSource": "PDF",
    "AudioSource": "audio",
    "VideoSource": "video",
}
_SHOWN_NAMES = 5


def _listing(names: list[str]) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:_SHOWN_NAMES])
    return shown + (f" and {len(names) - _SHOWN_NAMES} more" if len(names) > _SHOWN_NAMES else "")


class _ProjectReader(SourceReader):
    """One read of one archive: the project's users, codes, sources, cases and notes."""

    def read_cases(self, sources: dict[str, QdaTextSource], skipped: set[str]) -> list[QdaCase]:
        cases: list[QdaCase] = []
        unlinked: Counter[str] = Counter()
        for element in self.root.iterfind(f"{NS}Cases/{NS}Case"):
            guid = normalise_guid(element.get("guid", ""))
            case = QdaCase(
                guid=guid,
                name=element.get("name") or guid,
                description=(element.findtext(f"{NS}Description") or "").strip(),
                variables=self.variable_values(element),
            )
            for ref in element.findall(f"{NS}SourceRef"):
                target = normalise_guid(ref.get("targetGUID", ""))
                if target in sources:
                    sources[target].case_guids.append(guid)
                elif target not in skipped:
                    unlinked["source"] += 1
            unlinked["code"] += len(element.findall(f"{NS}CodeRef"))
            unlinked["selection"] += len(element.findall(f"{NS}SelectionRef"))
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
        for element in self.root.iterfind(f"{NS}Notes/{NS}Note"):
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
                    creating_user_guid=self.user(guid_attribute(element, "creatingUser")),
                    created=parse_datetime(element.get("creationDateTime")),
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
        selection = element.find(f"{NS}PlainTextSelection")
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
            elements = self.root.findall(f"{NS}Sources/{NS}{tag}")
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
            elements = self.root.findall(f"{NS}{container}/{NS}{tag}")
            if elements:
                names = [e.get("name") or e.get("guid", "") for e in elements]
                self.warnings.append(
                    f"{len(elements)} {kind} were not imported: {_listing(names)}."
                )
        return skipped

    def read(self) -> QdaProject:
        self.read_users()
        codes = [
            code_from_element(element, PROJECT_NS)
            for element in self.root.iterfind(f"{NS}CodeBook/{NS}Codes/{NS}Code")
        ]
        check_unique_code_guids(codes, path=self.name, reading=True)
        self.take_code_memos(codes)
        for element in self.root.iter(f"{NS}Code"):
            self.note_ref(element, normalise_guid(element.get("guid", "")))
        code_guids = {code.guid for code in iter_codes(codes)}
        skipped = self.warn_unsupported()
        sources: dict[str, QdaTextSource] = {}
        for element in self.root.iterfind(f"{NS}Sources/{NS}TextSource"):
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
            description=(self.root.findtext(f"{NS}Description") or "").strip(),
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
