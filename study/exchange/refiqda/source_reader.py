"""Reading a REFI-QDA project's text sources: their text, selections, codings and memos.

A ``TextSource``'s plain text is stored with "\\n" line breaks in NFC, and every
selection is moved with that normalisation (:mod:`study.exchange.refiqda.positions`),
or to the nearby passage its name quotes; what was adjusted is counted in one warning
per source. A selection's ``Description`` is its coding's memo (where QualCoder, MAXQDA
and ATLAS.ti keep it); a memo or note on an uncoded passage is attached to the source
with the passage's place.
"""

from __future__ import annotations

from collections import Counter
from xml.etree.ElementTree import Element

from study.exchange.refiqda.code_elements import split_memos_with_authors, split_origin
from study.exchange.refiqda.model import QdaCoding, QdaTextSource, normalise_guid
from study.exchange.refiqda.positions import SourceText
from study.exchange.refiqda.reading_state import (
    NS,
    ReadState,
    guid_attribute,
    parse_datetime,
)

_POSITION_WARNINGS = {
    "utf16": "counted positions in UTF-16 units (as .NET and Java programs do); they were "
    "converted to characters",
    "lf": "counted a Windows line break as one character; positions were kept as counted",
    "nearby": "did not match their text at the given position and were moved to the "
    "nearby passage their name quotes",
    "unverified": "have a name that differs from the text at their position; positions "
    "were kept as given",
}


class SourceReader(ReadState):
    """Reads ``TextSource`` elements into :class:`QdaTextSource` with their codings."""

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
            (element.findtext(f"{NS}Description") or "").strip()
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
        for selection in element.findall(f"{NS}PlainTextSelection"):
            self.read_selection(selection, text, source, codes, adjusted)
        whole = element.findall(f"{NS}Coding")
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
            for coding in selection.findall(f"{NS}Coding")
        ]
        source.codings.extend(codings)
        origin, memo = split_origin((selection.findtext(f"{NS}Description") or "").strip())
        for coding in codings:
            coding.origin = origin
        if memo:  # where QualCoder, MAXQDA and ATLAS.ti keep a coding's memo
            first = codings[0] if codings else None
            writer = (
                first.creating_user_guid
                if first
                else self.user(guid_attribute(selection, "creatingUser"))
            )
            created = (
                first.creation_datetime
                if first
                else parse_datetime(selection.get("creationDateTime"))
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
        if selection.find(f"{NS}NoteRef") is not None:
            if not codings:
                self.warnings.append(
                    f"A memo on an uncoded passage of source "
                    f"'{source.name}' was attached to the source, with the passage's place."
                )
            self.note_ref(selection, codings[0].guid if codings else source.guid)
            if not codings:
                for ref in selection.findall(f"{NS}NoteRef"):
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
        code = normalise_guid(element.find(f"{NS}CodeRef").get("targetGUID", ""))
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
            creating_user_guid=self.user(guid_attribute(element, "creatingUser")),
            # QualCoder dates the selection, not the coding.
            creation_datetime=parse_datetime(
                element.get("creationDateTime")
                or (selection.get("creationDateTime") if selection is not None else None)
            ),
            text=text[start:end],
        )
        self.note_ref(element, coding.guid)
        return coding
