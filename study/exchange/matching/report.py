"""How an import's rows turned out: added, updated, unchanged or in conflict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CONFLICT_CHOICES", "KINDS", "Report"]


#: What an import does with a row changed both here and in the other program.
CONFLICT_CHOICES = ("keep", "theirs")
#: The kinds of rows the report counts.
KINDS = ("sources", "codes", "codings", "memos")
_OUTCOMES = ("added", "updated", "unchanged", "conflicts")


@dataclass
class Report:
    """What the import did to each kind of row, and the conflicts in words."""

    conflicts_choice: str
    counts: dict[str, Counter[str]] = field(
        default_factory=lambda: {kind: Counter() for kind in KINDS}
    )
    conflicts: list[str] = field(default_factory=list)
    gone: Counter[str] = field(default_factory=Counter)
    memos_seen: set[int] = field(default_factory=set)
    #: Rows whose conflict kept the study's version: their record stays as it was, so the
    #: next import of the file finds the conflict again.
    kept: set[tuple[str, int]] = field(default_factory=set)

    def outcome(self, kind: str, row_id: int, decision: str, describe: Any) -> bool:
        """Count ``decision`` for a recognised row; True when the file's version is to be stored."""
        if decision == "conflict":
            self.counts[kind]["conflicts"] += 1
            taken = self.conflicts_choice == "theirs"
            if not taken:
                self.kept.add((kind, row_id))
            self.conflicts.append(
                describe()
                + (" The file's version was taken." if taken else " The study's version was kept.")
            )
            return taken
        self.counts[kind]["updated" if decision == "update" else "unchanged"] += 1
        return decision == "update"

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {kind: {o: self.counts[kind][o] for o in _OUTCOMES} for kind in KINDS}
