"""Plain records: the frozen dataclasses library functions return, each with ``as_dict()``.

The CLI prints them as JSON and pages show them; one mixin gives every record the same
:meth:`PlainRecord.as_dict`, so no record writes its own copy.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any


class PlainRecord:
    """Mixin for a dataclass of plain values: :meth:`as_dict` gives its fields as a dict."""

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)  # type: ignore[call-overload]
