"""Parse an uploaded transcript file (.txt, .docx, .vtt, .srt) into text and speaker turns.

The result, a :class:`~study.interviews.transcripts.transcript.ParsedTranscript`, is
what gets stored and coded: normalised text in which every turn is
``"Speaker: utterance"`` (blocks separated by a blank line) and turns whose
``start``/``end`` code-point offsets cover exactly the utterance. See
:mod:`study.interviews.transcripts.transcript` for the layout and
:mod:`study.interviews.transcripts.speakers` for how speakers are recognised.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from study.errors import FileTooLarge, InvalidFile
from study.interviews.transcripts.cues import read_subrip, read_webvtt
from study.interviews.transcripts.encoding import decode_text, normalise_text
from study.interviews.transcripts.language import detect_language
from study.interviews.transcripts.speakers import (
    SourceLine,
    build_turns,
    parse_clock,
    split_speaker_prefix,
)
from study.interviews.transcripts.transcript import ParsedTranscript, Turn, compose_transcript
from study.zipguard import check_zip

__all__ = [
    "MAX_TRANSCRIPT_BYTES",
    "SUPPORTED_EXTENSIONS",
    "ParsedTranscript",
    "Turn",
    "parse_transcript",
]

#: Largest transcript file accepted; a two-hour interview is well under 1 MB of text.
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024
SUPPORTED_EXTENSIONS = (".txt", ".docx", ".vtt", ".srt")

_CELL_CLOCK = re.compile(r"[\[(]?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?[\])]?")
_TABLE_HEADERS = frozenset({"speaker", "name", "navn", "taler", "person", "time", "tid"})


def parse_transcript(data: bytes, filename: str) -> ParsedTranscript:
    """Parse the bytes of a transcript file, choosing the format by ``filename``'s extension.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        The file's name as uploaded; its extension picks the format and its
        name without extension becomes :attr:`ParsedTranscript.name`.

    Returns
    -------
    ParsedTranscript
        Normalised text, speaker turns with exact code-point offsets, and the
        detected language ("en", "da" or None).

    Raises
    ------
    FileTooLarge
        If ``data`` is larger than :data:`MAX_TRANSCRIPT_BYTES`.
    InvalidFile
        If the file is empty, holds no text, is binary or corrupt, has an
        unsupported extension, or is a WebVTT file without header or cues.
    """
    base = PurePosixPath(filename.replace("\\", "/")).name
    path = PurePosixPath(base)
    extension = path.suffix.lower()
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise FileTooLarge(
            f"the file is {len(data) / 1_048_576:.1f} MB, more than the "
            f"{MAX_TRANSCRIPT_BYTES // 1_048_576} MB limit for transcripts",
            path=base,
        )
    if extension not in SUPPORTED_EXTENSIONS:
        what = f"'{extension}' files" if extension else "files without an extension"
        hint = " (save Word 97-2003 .doc files as .docx)" if extension == ".doc" else ""
        raise InvalidFile(
            f"transcripts must be .txt, .docx, .vtt or .srt files, not {what}{hint}", path=base
        )
    if not data:
        raise InvalidFile("the file is empty", path=base)
    if extension == ".docx":
        lines = _docx_lines(data, base)
        joiner = "\n"
    else:
        text = decode_text(data, path=base)
        if not text.strip():
            raise InvalidFile("the file contains only blank space, no text", path=base)
        if extension == ".vtt":
            lines, joiner = read_webvtt(text, path=base), " "
        elif extension == ".srt":
            lines, joiner = read_subrip(text, path=base), " "
        else:
            lines, joiner = [split_speaker_prefix(line) for line in text.split("\n")], "\n"
    parsed = compose_transcript(path.stem, build_turns(lines), joiner=joiner)
    if not parsed.turns:
        raise InvalidFile("the file contains no text", path=base)
    return ParsedTranscript(
        name=parsed.name,
        text=parsed.text,
        turns=parsed.turns,
        detected_language=detect_language(parsed.text),
    )


def _docx_lines(data: bytes, path: str) -> list[SourceLine]:
    """Return the lines of a Word document: paragraphs and table rows, in document order."""
    # python-docx is imported here so that reading .txt files does not pay for lxml.
    from docx import Document

    # python-docx unpacks every part into memory: refuse a zip bomb before it does.
    if zipfile.is_zipfile(io.BytesIO(data)):  # not a zip: python-docx's refusal below
        check_zip(data, name=path, what="Word document")
    try:
        document = Document(io.BytesIO(data))
        return list(_document_lines(document))
    except Exception:
        # A damaged package fails in many ways (not a zip, missing parts, bad XML,
        # another Office type renamed); to the user they are all one problem.
        raise InvalidFile(
            "the file is not a readable Word (.docx) document; it may be "
            "damaged or another kind of file renamed to .docx",
            path=path,
        ) from None


def _document_lines(document: object) -> Iterator[SourceLine]:
    """Yield paragraphs line by line, with a blank line after each paragraph."""
    from docx.table import Table

    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            yield from _table_lines(block)
            continue
        for line in normalise_text(block.text).split("\n"):
            yield split_speaker_prefix(line)
        yield SourceLine("")


def _table_lines(table: object) -> Iterator[SourceLine]:
    """Yield one line per table row: ``speaker | words`` or ``time | speaker | words``."""
    for index, row in enumerate(table.rows):  # type: ignore[attr-defined]
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(normalise_text(cell.text).strip())
        cells = [cell for cell in cells if cell]
        started_at = None
        if len(cells) >= 3 and _CELL_CLOCK.fullmatch(cells[0]):
            started_at = parse_clock(cells[0].strip("[]()"))
            cells = cells[1:]
        if index == 0 and cells and cells[0].casefold() in _TABLE_HEADERS:
            continue
        if len(cells) >= 2 and "\n" not in cells[0] and len(cells[0]) <= 40:
            rest = "\n".join(cells[1:])
            yield SourceLine(
                text=f"{cells[0]}: {rest}",
                label=cells[0],
                rest=rest,
                explicit=True,
                started_at=started_at,
            )
        elif cells:
            yield split_speaker_prefix(cells[0])
        yield SourceLine("")
