"""Turn the bytes of a text transcript into normalised text, whatever its encoding.

Transcripts come from Word's "save as text", Notepad, Teams, Zoom and old
transcription tools: UTF-8 with or without a byte-order mark, UTF-16, or a
Windows code page (cp1252, latin-1). A byte-order mark decides; otherwise
strict UTF-8; otherwise charset-normalizer chooses among the encodings our
users' files actually use, so Danish æøå never come out as mojibake. A few
stray NUL bytes in otherwise ordinary text are dropped (they are not text, and
taking the file for UTF-16 because of them would garble it). Bytes that no
encoding reads as text are refused as binary.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from study.errors import InvalidFile

__all__ = ["decode_text", "normalise_text"]

_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Encodings charset-normalizer may choose from; cp1252 before latin-1 because it
# is its superset for printable characters (curly quotes, dashes, euro sign).
_CANDIDATES = ["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be", "cp1252", "latin_1"]
# Control characters (Unicode category Cc) other than tab, line feed, vertical tab,
# form feed and carriage return: text has almost none, binary data has many.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01
# UTF-16 of European text is about half NUL bytes; a few in a file are glitches.
_MAX_STRAY_NUL_SHARE = 0.1


def normalise_text(text: str) -> str:
    """Return ``text`` in Unicode NFC with ``\\n`` line endings and no stray BOMs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\ufeff", "")
    return unicodedata.normalize("NFC", text)


def decode_text(data: bytes, *, path: str) -> str:
    """Decode transcript bytes to normalised text (see the module docstring).

    Raises
    ------
    InvalidFile
        If the bytes are not text in any supported encoding.
    """
    text = _decode(data, path)
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise _binary(path)
    return normalise_text(text)


def _decode(data: bytes, path: str) -> str:
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data[len(mark) :].decode(encoding)
            except UnicodeDecodeError:
                raise InvalidFile(
                    f"the file starts like {encoding.upper()} text but is not valid "
                    f"{encoding.upper()}.",
                    path=path,
                ) from None
    if 0 < data.count(0) <= _MAX_STRAY_NUL_SHARE * len(data):
        # A few NUL bytes (a glitch of an editor or a transfer), far from the every other
        # byte of UTF-16: they carry no text, and read as UTF-16 they garble all the rest.
        data = data.replace(b"\x00", b"")
    if b"\x00" not in data:
        # NUL bytes mean UTF-16/32 (or binary); without them UTF-8 is tried first
        # because a valid UTF-8 decoding of non-ASCII text is almost never an accident.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise _binary(path)
    return str(best)


def _binary(path: str) -> InvalidFile:
    return InvalidFile("the file is not readable text (it looks binary or corrupt).", path=path)
