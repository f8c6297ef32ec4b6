"""What one read of a REFI-QDA project (.qdpx) keeps as it goes, and the parsing its parts share.

:class:`ReadState` holds the archive and the project's root element, the warnings
collected so far, the users, which object each note is attached to, the memos found
where peers keep them (Descriptions) and each source's text. Its methods are the
steps every part of the reader takes: a source's plain text (inline or an archive
member), the memos of a Description with their authors, variable values, a user
referred to but not listed. :mod:`~study.exchange.refiqda.source_reader` reads the
text sources on it and :mod:`~study.exchange.refiqda.reader` the rest of the project.
"""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree.ElementTree import Element

from study.errors import InvalidFile
from study.exchange.refiqda.archive import QdpxArchive
from study.exchange.refiqda.code_elements import MEMO_LABEL, split_memos_with_authors
from study.exchange.refiqda.model import QdaCode, QdaUser, iter_codes, normalise_guid
from study.exchange.refiqda.positions import SourceText
from study.exchange.refiqda.validation import PROJECT_NS

#: The project namespace, as ElementTree writes it before a tag.
NS = f"{{{PROJECT_NS}}}"
_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except ValueError:
        return None


def guid_attribute(element: Element, attribute: str) -> str | None:
    value = element.get(attribute)
    return normalise_guid(value) if value else None


def _decode(data: bytes, what: str, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(
            f"{what} is not UTF-8 as REFI-QDA requires; it was read as "
            f"Windows-1252, so check its special characters."
        )
        return data.decode("cp1252", errors="replace")


class ReadState:
    """The state of one read of one archive; collects warnings as it goes."""

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
            for variable in root.iterfind(f"{NS}Variables/{NS}Variable")
        }

    def refuse(self, message: str) -> InvalidFile:
        return InvalidFile(message, path=self.name)

    def note_ref(self, element: Element, target: str | None) -> None:
        for ref in element.findall(f"{NS}NoteRef"):
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

    def take_code_memos(self, codes: list[QdaCode]) -> None:
        """Take the ``Memo: ...`` paragraphs out of the codes' Descriptions into ``described``."""
        for code in iter_codes(codes):
            code.description, memos = split_memos_with_authors(code.description)
            self.described.extend(
                (code.guid, body, author, None, None)
                for body, author, _named in self.authored(memos)
            )

    def text_of(self, element: Element, what: str) -> str | None:
        """Return a TextSource-like element's plain text, inline or from the archive."""
        inline = element.find(f"{NS}PlainTextContent")
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

    def variable_values(self, element: Element) -> dict[str, str]:
        """The ``VariableValue`` children of a case or source, by variable name."""
        values: dict[str, str] = {}
        for value in element.findall(f"{NS}VariableValue"):
            ref = normalise_guid(value.find(f"{NS}VariableRef").get("targetGUID", ""))
            holder = next((child for child in value if child.tag != f"{NS}VariableRef"), None)
            values[self.variables.get(ref, ref)] = (
                (holder.text or "").strip() if holder is not None else ""
            )
        return values

    def read_users(self) -> None:
        """The project's listed users, by GUID."""
        for element in self.root.iterfind(f"{NS}Users/{NS}User"):
            guid = normalise_guid(element.get("guid", ""))
            self.users[guid] = QdaUser(guid=guid, name=element.get("name") or guid)
