"""Open ZIP-based files (.qdpx, .docx, .xlsx, platform exports) without trusting them.

A ZIP's compressed size says nothing about what it unpacks to: a 1 MB .docx
can inflate to gigabytes (a zip bomb) and take down the one process that
serves every user. Every ZIP we read goes through this module first:

- :func:`check_zip` refuses an archive whose members together declare more
  than ``STUDY_MAX_UNPACKED_MB``, or one member packed more tightly than
  :data:`MAX_RATIO` to 1 (text and XML compress 3-20x; bombs 1000x), before a
  library such as python-docx or openpyxl unpacks anything. Python's
  ``zipfile`` never inflates a member past the size its directory declares
  (it stops there and fails the CRC check), so the declared sizes bound memory.
- :class:`GuardedZip` reads members one at a time, streaming, and counts the
  bytes really inflated against the same budget, for readers that open only
  some members (a REFI-QDA project may carry audio it never opens).

Refusals are one sentence: :class:`~study.errors.FileTooLarge` for too much
data, :class:`~study.errors.InvalidFile` for what is not a usable archive.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from typing import BinaryIO, Self

from study.config import int_setting
from study.errors import FileTooLarge, InvalidFile

__all__ = ["MAX_MEMBERS", "MAX_RATIO", "ClosedOnExit", "GuardedZip", "check_zip", "unpacked_limit"]

#: Most a member may shrink when packed; real documents stay far below it.
MAX_RATIO = 100
#: Members smaller than this are not ratio-checked (tiny XML parts compress very well).
RATIO_FLOOR = 1 << 20
#: Most members an archive may hold.
MAX_MEMBERS = 50_000
_CHUNK = 1 << 20

Source = str | os.PathLike[str] | BinaryIO | bytes


def unpacked_limit() -> int:
    """Most bytes, in total, one archive may unpack to (``STUDY_MAX_UNPACKED_MB``)."""
    return int_setting("STUDY_MAX_UNPACKED_MB") * 1024 * 1024


def _open(source: Source, name: str, what: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise InvalidFile(f"the file is not a {what} (it is not a zip file)", path=name) from error
    except OSError as error:
        raise InvalidFile(
            f"the file cannot be opened ({error.strerror or error})", path=name
        ) from error


def _too_much(name: str, what: str, limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"the {what} unpacks to more than {limit // 1_048_576} MB "
        "(STUDY_MAX_UNPACKED_MB); it may be a zip bomb",
        path=name,
    )


def _check_member(info: zipfile.ZipInfo, name: str, what: str, max_ratio: int) -> None:
    if info.flag_bits & 0x1:
        raise InvalidFile(f"'{info.filename}' in the {what} is encrypted", path=name)
    if info.file_size >= RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
        raise FileTooLarge(
            f"'{info.filename}' in the {what} is packed "
            f"{info.file_size // max(info.compress_size, 1):,} to 1, far more "
            "than any document; it may be a zip bomb",
            path=name,
        )


def check_zip(
    source: Source,
    *,
    name: str,
    what: str = "archive",
    max_bytes: int | None = None,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Refuse a ZIP that would unpack to too much, before anything else unpacks it.

    Parameters
    ----------
    source : path, bytes or binary file object
        The archive (a file object is rewound to where it was).
    name : str
        The file's name as the user knows it, for messages.
    what : str
        What the file is, for messages ("Word document", "Excel workbook").
    max_bytes : int, optional
        Most bytes all members may declare together; ``STUDY_MAX_UNPACKED_MB`` by default.
    max_ratio : int
        Most a member of at least 1 MB may shrink when packed.

    Raises
    ------
    InvalidFile
        Not a zip, encrypted members, or too many members.
    FileTooLarge
        The members declare more than ``max_bytes``, or one is packed like a bomb.
    """
    limit = unpacked_limit() if max_bytes is None else max_bytes
    position = source.tell() if hasattr(source, "tell") else None
    archive = _open(source, name, what)
    try:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise InvalidFile(
                f"the {what} holds {len(infos):,} files, more than {MAX_MEMBERS:,}", path=name
            )
        total = 0
        for info in infos:
            _check_member(info, name, what, max_ratio)
            total += info.file_size
            if total > limit:
                raise _too_much(name, what, limit)
    finally:
        archive.close()
        if position is not None:
            source.seek(position)  # type: ignore[union-attr]


class ClosedOnExit:
    """``with`` support for a reader that holds an open file: leaving the block closes it."""

    def close(self) -> None:
        """Close what the reader holds open."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class GuardedZip(ClosedOnExit):
    """An opened ZIP whose members are read streaming, within one unpacking budget.

    Only members actually read count towards ``max_bytes``, and the count uses
    the bytes really inflated, not the sizes the archive claims.
    """

    def __init__(
        self,
        source: Source,
        *,
        name: str,
        what: str = "archive",
        max_bytes: int | None = None,
        max_ratio: int = MAX_RATIO,
    ) -> None:
        self.name = name
        self.what = what
        self.limit = unpacked_limit() if max_bytes is None else max_bytes
        self._budget = self.limit
        self._ratio = max_ratio
        self._zip = _open(source, name, what)
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            self._zip.close()
            raise InvalidFile(
                f"the {what} holds {len(infos):,} files, more than {MAX_MEMBERS:,}", path=name
            )
        self.infos: dict[str, zipfile.ZipInfo] = {info.filename: info for info in infos}

    def close(self) -> None:
        """Close the underlying archive."""
        self._zip.close()

    def members(self) -> list[str]:
        """Every member's name, in archive order."""
        return list(self.infos)

    def stream(self, member: str) -> Iterator[bytes]:
        """Yield a member's bytes in chunks of at most 1 MB, within the budget."""
        info = self.infos[member]
        _check_member(info, self.name, self.what, self._ratio)
        if info.file_size > self._budget:
            raise _too_much(self.name, self.what, self.limit)
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    self._budget -= len(chunk)
                    if self._budget < 0:
                        raise _too_much(self.name, self.what, self.limit)
                    yield chunk
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            EOFError,
            OSError,
            NotImplementedError,
        ) as error:
            raise InvalidFile(
                f"'{member}' in the {self.what} is damaged ({error})", path=self.name
            ) from error

    def read(self, member: str) -> bytes:
        """Return a member's bytes, within the budget."""
        return b"".join(self.stream(member))
