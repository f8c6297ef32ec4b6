"""Read members of a .qdpx zip without trusting it: size limits, no unsafe names."""

from __future__ import annotations

import os
import posixpath
import zipfile
from typing import BinaryIO

from study.errors import InvalidFile

DEFAULT_MAX_UNCOMPRESSED_BYTES = 200_000_000
_MAX_MEMBERS = 50_000
_CHUNK = 1 << 20


def _is_unsafe(member: str) -> bool:
    path = member.replace("\\", "/")
    return (path.startswith("/") or (len(path) > 1 and path[1] == ":")
            or ".." in path.split("/"))


class QdpxArchive:
    """An opened .qdpx archive that reads at most ``max_uncompressed_bytes`` in total.

    Only the members actually read count towards the limit (a project may
    carry large audio or video files ISM Study never opens); the count uses
    the bytes really inflated, not the sizes the zip claims.
    """

    def __init__(self, source: str | os.PathLike[str] | BinaryIO, *, name: str,
                 max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES) -> None:
        self.name = name
        self._budget = max_uncompressed_bytes
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, EOFError) as error:
            raise InvalidFile("The file is not a .qdpx archive (it is not a zip file).",
                              path=name) from error
        except OSError as error:
            raise InvalidFile(f"The file cannot be opened ({error.strerror or error}).",
                              path=name) from error
        infos = self._zip.infolist()
        if len(infos) > _MAX_MEMBERS:
            raise InvalidFile(f"The archive holds {len(infos)} files, more than a REFI-QDA "
                              f"project plausibly needs ({_MAX_MEMBERS}).", path=name)
        for info in infos:
            if _is_unsafe(info.filename):
                raise InvalidFile(f"The archive contains an unsafe file name "
                                  f"'{info.filename}' (absolute or with '..').", path=name)
        self._by_name = {info.filename: info for info in infos}
        self._by_lower = {info.filename.lower(): info for info in infos}

    def close(self) -> None:
        """Close the underlying zip file."""
        self._zip.close()

    def __enter__(self) -> QdpxArchive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def find(self, member: str) -> str | None:
        """Return the archive's spelling of ``member`` (exact, else case-insensitive), or None."""
        if member in self._by_name:
            return member
        info = self._by_lower.get(member.lower())
        return info.filename if info is not None else None

    def find_internal(self, uri: str) -> str | None:
        """Return the member an ``internal://`` path names (in sources/), or None."""
        relative = uri[len("internal://"):]
        if _is_unsafe(relative) or not relative:
            raise InvalidFile(f"The project refers to an unsafe file name '{uri}'.",
                              path=self.name)
        relative = posixpath.normpath(relative.replace("\\", "/"))
        return self.find(f"sources/{relative}") or self.find(relative)

    def read(self, member: str) -> bytes:
        """Return a member's bytes, refusing encrypted members and anything over the budget."""
        info = self._by_name[member]
        if info.flag_bits & 0x1:
            raise InvalidFile(f"'{member}' in the archive is encrypted.", path=self.name)
        if info.file_size > self._budget:
            self._refuse_size()
        chunks: list[bytes] = []
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    self._budget -= len(chunk)
                    if self._budget < 0:
                        self._refuse_size()
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
            raise InvalidFile(f"'{member}' in the archive is damaged ({error}).",
                              path=self.name) from error
        return b"".join(chunks)

    def _refuse_size(self) -> None:
        raise InvalidFile("The archive unpacks to more data than allowed; it may be a zip "
                          "bomb, or the limit (max_uncompressed_bytes) must be raised.",
                          path=self.name)
