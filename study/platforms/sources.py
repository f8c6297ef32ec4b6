"""A platform export as a ZIP file or a folder, read one member at a time.

Exports run to gigabytes, so nothing is unpacked whole: a ZIP is opened through
:class:`study.zipguard.GuardedZip` (members stream in chunks and count against
``STUDY_MAX_UNPACKED_MB``), a folder's files are opened one by one. Member names
are relative POSIX paths below the export's root: an export zipped with its
folder ("export/users.json") reads the same as one zipped flat.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from study.errors import InvalidFile
from study.zipguard import ClosedOnExit, GuardedZip

__all__ = ["ExportSource"]


class _ChunkReader(io.RawIOBase):
    """A read-only file object over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class ExportSource(ClosedOnExit):
    """The files of one export, by their path below the export's root."""

    def __init__(self, path: str | os.PathLike[str], *, marker: str, what: str) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.what = what
        self._zip: GuardedZip | None = None
        if self.path.is_dir():
            files = [
                p.relative_to(self.path).as_posix()
                for p in sorted(self.path.rglob("*"))
                if p.is_file()
            ]
        elif self.path.is_file():
            self._zip = GuardedZip(self.path, name=self.name, what=what)
            files = [m for m in self._zip.members() if not m.endswith("/")]
        else:
            raise InvalidFile("there is no such file or folder", path=str(self.path))
        files = [
            f
            for f in files
            if not PurePosixPath(f).name.startswith(("._", ".DS_Store")) and "__MACOSX" not in f
        ]
        self.root = self._root(files, marker)
        self._files = {f[len(self.root) :]: f for f in files if f.startswith(self.root)}

    @staticmethod
    def _root(files: list[str], marker: str) -> str:
        """The folder holding ``marker`` (e.g. users.json), shallowest first; "" if none."""
        found = sorted(
            (f for f in files if PurePosixPath(f).name.lower() == marker.lower()),
            key=lambda f: f.count("/"),
        )
        if not found:
            return ""
        parent = str(PurePosixPath(found[0]).parent)
        return "" if parent == "." else parent + "/"

    def close(self) -> None:
        """Close the ZIP file, if any."""
        if self._zip is not None:
            self._zip.close()

    def files(self) -> list[str]:
        """Every file of the export, below its root."""
        return list(self._files)

    def find(self, name: str) -> str | None:
        """The member called ``name`` at the root (case-insensitive), or None."""
        for member in self._files:
            if member.lower() == name.lower():
                return member
        return None

    def label(self, member: str) -> str:
        """How messages name a member: "export.zip/general/2024-01-02.json"."""
        return f"{self.name}/{self._files[member]}"

    def size(self, member: str) -> int:
        """The member's (declared) size in bytes."""
        real = self._files[member]
        if self._zip is not None:
            return self._zip.infos[real].file_size
        return (self.path / real).stat().st_size

    def open_binary(self, member: str) -> BinaryIO:
        """A binary stream of the member, read in chunks."""
        real = self._files[member]
        if self._zip is not None:
            return io.BufferedReader(_ChunkReader(self._zip.stream(real)), 1 << 16)
        return open(self.path / real, "rb")

    def open_text(self, member: str) -> io.TextIOWrapper:
        """A UTF-8 text stream of the member (a byte-order mark is skipped)."""
        return io.TextIOWrapper(self.open_binary(member), encoding="utf-8-sig", newline="")

    def read_json(self, member: str) -> Any:
        """The member parsed as JSON; a malformed or absurdly nested file raises InvalidFile."""
        with self.open_binary(member) as handle:
            data = handle.read()
        try:
            return json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InvalidFile("the file is not UTF-8 text", path=self.label(member)) from None
        except json.JSONDecodeError as error:
            raise InvalidFile(
                f"the file is not valid JSON ({error.msg})",
                path=self.label(member),
                line=error.lineno,
            ) from None
        except RecursionError:  # "[[[[..." thousands deep: no export nests like that
            raise InvalidFile(
                "the file nests JSON lists or objects too deeply to be an export",
                path=self.label(member),
            ) from None
