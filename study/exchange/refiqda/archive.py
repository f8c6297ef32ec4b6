"""Read members of a .qdpx zip without trusting it: size limits, no unsafe names."""

from __future__ import annotations

import os
import posixpath
from typing import BinaryIO

from study.errors import InvalidFile
from study.zipguard import ClosedOnExit, GuardedZip

#: None: the limit is STUDY_MAX_UNPACKED_MB (see :mod:`study.zipguard`).
DEFAULT_MAX_UNCOMPRESSED_BYTES: int | None = None


def _is_unsafe(member: str) -> bool:
    path = member.replace("\\", "/")
    return path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in path.split("/")


class QdpxArchive(ClosedOnExit):
    """An opened .qdpx archive that reads at most ``max_uncompressed_bytes`` in total.

    Only the members actually read count towards the limit (a project may
    carry large audio or video files ISM Study never opens); the count uses
    the bytes really inflated, not the sizes the zip claims, and a member packed
    like a zip bomb is refused before it is inflated (:mod:`study.zipguard`).
    """

    def __init__(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        *,
        name: str,
        max_uncompressed_bytes: int | None = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    ) -> None:
        self.name = name
        self._zip = GuardedZip(
            source, name=name, what="REFI-QDA project", max_bytes=max_uncompressed_bytes
        )
        infos = list(self._zip.infos.values())
        for info in infos:
            if _is_unsafe(info.filename):
                self._zip.close()
                raise InvalidFile(
                    f"The archive contains an unsafe file name "
                    f"'{info.filename}' (absolute or with '..').",
                    path=name,
                )
        self._by_name = {info.filename: info for info in infos}
        self._by_lower = {info.filename.lower(): info for info in infos}

    def close(self) -> None:
        """Close the underlying zip file."""
        self._zip.close()

    def find(self, member: str) -> str | None:
        """Return the archive's spelling of ``member`` (exact, else case-insensitive), or None."""
        if member in self._by_name:
            return member
        info = self._by_lower.get(member.lower())
        return info.filename if info is not None else None

    def find_internal(self, uri: str) -> str | None:
        """Return the member an ``internal://`` path names (in sources/), or None."""
        relative = uri[len("internal://") :]
        if _is_unsafe(relative) or not relative:
            raise InvalidFile(f"The project refers to an unsafe file name '{uri}'.", path=self.name)
        relative = posixpath.normpath(relative.replace("\\", "/"))
        return self.find(f"sources/{relative}") or self.find(relative)

    def read(self, member: str) -> bytes:
        """Return a member's bytes, refusing encrypted members and anything over the budget."""
        return self._zip.read(member)
