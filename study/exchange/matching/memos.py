"""A returning file's memos: the project memo, and notes matched to the study's memos."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from study.admin.audit import record_event
from study.db.models import MemoRow, TranscriptRow
from study.exchange.identities import Identities, decide, memo_state
from study.exchange.matching.codes import Codebook
from study.exchange.matching.report import Report
from study.exchange.matching.users import Accounts
from study.exchange.places import with_place
from study.exchange.refiqda import QdaNote
from study.interviews.coding.memos import write_memo

__all__ = ["import_notes", "keep_project_memo", "match_note"]


def keep_project_memo(
    session: Session, study: Any, memo: str, warnings: list[str], actor_id: int | None
) -> None:
    """A project's own memo (QualCoder's project memo, a project ``Description``) as the
    study's description: memos belong to a transcript, code or coding, none to the study."""
    memo = (memo or "").strip()
    current = (study.description or "").strip()
    if not memo or memo in current:
        return
    study.description = f"{current}\n\n{memo}" if current else memo
    if current:
        shown = memo[:60] + ("…" if len(memo) > 60 else "")
        warnings.append(
            f"The project's memo ('{shown}') was added to the study's description, "
            "after the description it had."
        )
    record_event(
        session,
        "study.description",
        actor_id=actor_id,
        target=study,
        details={"added": memo[:500], "origin": "qdpx"},
    )


def import_notes(
    session: Session,
    identities: Identities,
    report: Report,
    notes: list[QdaNote],
    transcripts: dict[str, TranscriptRow],
    codebook: Codebook,
    coding_ids: dict[str, int],
    accounts: Accounts,
    warnings: list[str],
) -> None:
    unplaced: list[str] = []
    for note in notes:
        target = note.target_guid or ""
        where = (
            {"transcript_id": transcripts[target].id}
            if target in transcripts
            else {"coding_id": coding_ids[target]}
            if coding_ids.get(target)
            else {"code_id": codebook.code_ids[target]}
            if target in codebook.code_ids
            else None
        )
        if where is None or not note.text.strip():
            unplaced.append(note.text.strip().split("\n", 1)[0][:40] or note.guid)
            continue
        text = note.text
        if target in transcripts and note.start is not None and note.end is not None:
            text = with_place(note.text, transcripts[target].text, note.start, note.end)
        match_note(session, identities, report, accounts, note, text, where)
    if unplaced:
        shown = ", ".join(f"'{t}'" for t in unplaced[:5])
        warnings.append(
            f"{len(unplaced)} notes are about the whole project, a case or "
            f"nothing, or are empty, and were not imported: {shown}"
            + (f" and {len(unplaced) - 5} more." if len(unplaced) > 5 else ".")
        )


def match_note(
    session: Session,
    identities: Identities,
    report: Report,
    accounts: Accounts,
    note: QdaNote | None,
    text: str,
    where: dict[str, int],
) -> None:
    """Match a memo of the file (``note`` None: a source description's free text) by GUID,
    else by target and text, else as the one memo of its author there exchanged before."""
    column, target_id = next(iter(where.items()))
    on_target = list(
        session.scalars(
            select(MemoRow).where(getattr(MemoRow, column) == target_id).order_by(MemoRow.id)
        )
    )
    claimed = report.memos_seen
    row = None
    if note is not None:
        known = identities.row_id("memo", note.guid)
        row = next((m for m in on_target if m.id == known and m.id not in claimed), None)
    if row is None:
        row = next((m for m in on_target if m.text == text.strip() and m.id not in claimed), None)
    author_guid = note.creating_user_guid if note is not None else None
    if row is None:
        same_author = [
            m
            for m in on_target
            if m.id not in claimed
            and m.author_id == accounts.find(author_guid)
            and identities.base("memo", m.id) is not None
        ]
        row = same_author[0] if len(same_author) == 1 else None
    if row is None:  # only now an author without an account gets one
        memo = write_memo(session, text=text, author_id=accounts.get(author_guid), **where)
        row = session.get(MemoRow, memo.id)
        if (
            note is not None and note.created is not None
        ):  # when it was written in the other program
            row.created_at = row.updated_at = note.created
        report.counts["memos"]["added"] += 1
    else:
        stored, incoming = memo_state(row.text), memo_state(text.strip())
        decision = decide(stored, incoming, identities.base("memo", row.id))
        shown = row.text.strip().split("\n", 1)[0][:40]
        if report.outcome(
            "memos",
            row.id,
            decision,
            lambda: f"The memo '{shown}' was changed here and in the file.",
        ):
            record_event(
                session,
                "memo.update",
                actor_id=accounts.actor_id,
                target=row,
                details={"before": row.text, "after": incoming["text"], "origin": "import"},
            )
            row.text = incoming["text"]
    claimed.add(row.id)
    if note is not None and ("memos", row.id) not in report.kept:
        identities.remember("memo", note.guid, row.id, memo_state(row.text))
