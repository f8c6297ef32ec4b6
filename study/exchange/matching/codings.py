"""A returning source's codings matched to its transcript's: recognised, updated or added."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.db.models import AccountRow, CodeRow, CodingRow, TranscriptRow
from study.exchange.identities import Identities, coding_state, decide
from study.exchange.matching.codes import Codebook
from study.exchange.matching.report import Report
from study.exchange.refiqda import QdaCoding

__all__ = ["Codings"]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Codings:
    """One source's codings matched to its transcript's: recognised, updated or added."""

    def __init__(
        self,
        session: Session,
        identities: Identities,
        report: Report,
        codebook: Codebook,
        transcript: TranscriptRow,
        actor_id: int | None,
    ) -> None:
        self.session = session
        self.identities = identities
        self.report = report
        self.codebook = codebook
        self.transcript = transcript
        self.actor_id = actor_id
        self.stored = {
            c.id: c
            for c in session.scalars(
                select(CodingRow).where(CodingRow.transcript_id == transcript.id)
            )
        }
        self.claimed: dict[int, str] = {}
        self.left: list[tuple[QdaCoding, int, dict[str, Any]]] = []
        self.ids: dict[str, int] = {}

    def _state(self, row: CodingRow) -> dict[str, Any]:
        return coding_state(self.codebook.code_key(row.code_id), row.start, row.end)

    def take(self, coding: QdaCoding, coder: int) -> None:
        """Match a coding of the file by GUID, else by code, coder and characters."""
        incoming = coding_state(
            self.codebook.code_key(self.codebook.code_ids[coding.code_guid]),
            coding.start,
            coding.end,
        )
        row = self.stored.get(self.identities.row_id("coding", coding.guid) or -1)
        if row is None or row.id in self.claimed or row.coder_id != coder:
            row = next(
                (
                    r
                    for r in self.stored.values()
                    if r.id not in self.claimed
                    and r.coder_id == coder
                    and self._state(r) == incoming
                ),
                None,
            )
        if row is None:
            self.left.append((coding, coder, incoming))
            return
        self._compare(coding, row, incoming)

    def finish(self) -> dict[str, int]:
        """Pair what is left with codings moved in the other program, add the rest; the
        study's coding id of every coding of the file."""
        for coding, coder, incoming in self.left:
            # A coding the study exchanged before and the file no longer holds where it
            # was, by the same coder with the same code, overlapping: the same coding moved.
            moved = [
                r
                for r in self.stored.values()
                if r.id not in self.claimed
                and r.coder_id == coder
                and self.codebook.code_key(r.code_id) == incoming["code"]
                and _overlap((r.start, r.end), (coding.start, coding.end))
                and self.identities.base("coding", r.id) is not None
            ]
            if len(moved) == 1:
                self._compare(coding, moved[0], incoming)
            else:
                self._add(coding, coder)
        self.report.gone["codings"] += sum(
            1
            for r in self.stored.values()
            if r.id not in self.claimed and self.identities.base("coding", r.id) is not None
        )
        for guid, coding_id in self.ids.items():
            if ("codings", coding_id) in self.report.kept:
                continue
            self.identities.remember(
                "coding", guid, coding_id, self._state(self.session.get(CodingRow, coding_id))
            )
        return self.ids

    def _compare(self, coding: QdaCoding, row: CodingRow, incoming: dict[str, Any]) -> None:
        self.claimed[row.id] = coding.guid
        self.ids[coding.guid] = row.id
        stored = self._state(row)
        decision = decide(stored, incoming, self.identities.base("coding", row.id))
        coder = self.session.get(AccountRow, row.coder_id)

        def describe() -> str:
            ours = self.codebook.code_name(row.code_id)
            theirs = self.codebook.code_name(self.codebook.code_ids[coding.code_guid])
            who = f"by {coder.display_name or coder.email} in '{self.transcript.name}'"
            here, there = f"{row.start}–{row.end}", f"{coding.start}–{coding.end}"
            if ours == theirs:
                return (
                    f"A coding of '{ours}' {who} covers characters {here} here and "
                    f"{there} in the file."
                )
            return (
                f"A coding {who} is '{ours}' at characters {here} here and '{theirs}' at "
                f"characters {there} in the file."
            )

        if not self.report.outcome("codings", row.id, decision, describe):
            return
        code_id = self.codebook.code_ids[coding.code_guid]
        details = {
            "transcript_id": row.transcript_id,
            "coder_id": row.coder_id,
            "origin": "import",
        }
        if code_id != row.code_id:
            old = self.session.get(CodeRow, row.code_id)
            new = self.session.get(CodeRow, code_id)
            self._record(
                "coding.recode",
                row,
                {**details, "from": old.key, "from_id": old.id, "to": new.key, "to_id": new.id},
            )
            row.code_id = code_id
        if (row.start, row.end) != (coding.start, coding.end):
            self._record(
                "coding.span",
                row,
                {
                    **details,
                    "from_start": row.start,
                    "from_end": row.end,
                    "start": coding.start,
                    "end": coding.end,
                },
            )
            row.start, row.end = coding.start, coding.end
            row.snippet = self.transcript.text[coding.start : coding.end]

    def _record(self, action: str, row: CodingRow, details: dict[str, Any]) -> None:
        """The audit event of a change the import makes to ``row``, by the importing account."""
        record_event(self.session, action, actor_id=self.actor_id, target=row, details=details)

    def _add(self, coding: QdaCoding, coder: int) -> None:
        code_id = self.codebook.code_ids[coding.code_guid]
        # Stored directly rather than through add_coding, to keep the other program's creation time.
        row = CodingRow(
            transcript_id=self.transcript.id,
            code_id=code_id,
            coder_id=coder,
            start=coding.start,
            end=coding.end,
            snippet=self.transcript.text[coding.start : coding.end],
            # a coding accepted from a suggestion stays one; anything else came by import
            origin=coding.origin or "import",
            created_at=coding.creation_datetime or dt.datetime.now(dt.UTC),
        )
        self.session.add(row)
        self.session.flush()
        self._record(
            "coding.add",
            row,
            {
                "transcript_id": self.transcript.id,
                "code_id": code_id,
                "coder_id": coder,
                "start": coding.start,
                "end": coding.end,
                "origin": "import",
            },
        )
        self.stored[row.id] = row
        self.claimed[row.id] = coding.guid
        self.ids[coding.guid] = row.id
        self.report.counts["codings"]["added"] += 1
