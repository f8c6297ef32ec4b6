"""Erase an interviewee who withdrew: their turns, the codings only on their words, and
every copy of their words the study made (issue 26).

What :func:`erase_speaker` does to one transcript, in the caller's transaction:

* **Turns.** Every character of the speaker's turns, and of the ``"Name: "`` label in
  front of each (the text between the previous turn and the turn), becomes
  :data:`FILLER` except line breaks, so the text keeps its length and every other
  offset (turns, codings) stays valid. The turns are marked ``withdrawn`` and their
  speaker becomes :data:`WITHDRAWN_SPEAKER`; ``text_sha256`` is recomputed.
* **Search.** The transcript's search rows are written again from the redacted text
  (:func:`study.interviews.search.index_turns`); on SQLite the FTS5 index is then
  optimised, so no segment keeps the erased words as deleted entries, and the erasure
  runs with ``secure_delete`` on, so freed space is zeroed, not left with old bytes.
  PostgreSQL keeps old row versions until ``VACUUM`` reuses their space (and in its
  write-ahead log and backups): that is the database administrator's part.
* **Codings.** A coding whose span holds nothing but erased text (and white space) is
  removed with its memos. One that also covers kept text is trimmed to that text when
  it is one piece; one that covers kept text on both sides of the erased turns keeps its
  span. Every remaining coding's snippet is the redacted text of its span.
* **Memos** are never rewritten: memos on the transcript or its codings, and any memo
  that quotes the erased turns (:data:`QUOTE_WORDS` words in a row) or names the
  speaker, are flagged ``needs_review`` until :func:`review_memo` clears them (which
  keeps the memo's old text out of the audit log, unlike an ordinary edit).
* **Audit log and exchange records.** Values that quote the erased turns become
  ``[erased]``; the speaker's name becomes ``[erased]`` inside the values of events
  about this transcript, its codings and the memos touched; the REFI-QDA exchange
  records lose quotes the same way. The transcript's name and file name lose the
  speaker's name. The ``speaker.erase`` event holds counts only.

The speaker's name counts only when the label names a person: a role label
("Interviewer", "Coordinator", "R") is not scrubbed from other places. Names the other
speakers say, and codes whose name, definition or examples quote the erased turns, are
left for the researcher: :class:`ErasureReport` counts and lists them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from study.admin.accounts import acting
from study.admin.audit import record_event
from study.admin.permissions import Actor
from study.admin.records import PlainRecord
from study.db.models import (
    CodeRow,
    CodingRow,
    EventRow,
    ExchangeIdentityRow,
    MemoRow,
    TranscriptRow,
    TurnRow,
)
from study.db.rows import row_by_id, secure_delete
from study.errors import InvalidInput, NotFound
from study.interviews.coding.memos import MemoInfo, get_memo
from study.interviews.search import index_turns, word_spans
from study.interviews.transcripts.speakers import is_role_label, speaker_key
from study.interviews.transcripts.store import ROLE_LABELS

__all__ = [
    "ERASED",
    "FILLER",
    "QUOTE_WORDS",
    "WITHDRAWN_SPEAKER",
    "ErasureReport",
    "erase_speaker",
    "review_memo",
]

#: What every erased character becomes (one code point, not a letter: search finds no word).
FILLER = "▒"
#: The speaker of an erased turn.
WITHDRAWN_SPEAKER = "Withdrawn interviewee"
#: What an erased value (or the erased name inside one) becomes in the audit log.
ERASED = "[erased]"
#: A text quotes an erased turn when it holds this many of its words in a row.
QUOTE_WORDS = 4


@dataclass(frozen=True)
class ErasureReport(PlainRecord):
    """What :func:`erase_speaker` changed, and what it left for the researcher to review.

    ``codings_spanning`` kept their span across the erased text (kept text on both sides);
    ``memos_flagged`` are the ids of memos now marked for review; ``codes_to_review`` the
    ids of codes whose name, definition, criteria or examples quote the erased turns or
    name the speaker; ``mentions_left`` the other speakers' turns in this transcript that
    still name them; ``elsewhere`` other transcripts with a speaker of the same label.
    """

    transcript_id: int
    transcript: str
    turns: int
    codings_removed: int
    codings_trimmed: int
    codings_spanning: int
    memos_removed: int
    memos_flagged: tuple[int, ...]
    events_scrubbed: int
    codes_to_review: tuple[int, ...]
    mentions_left: int
    elsewhere: tuple[int, ...]

    @property
    def sentence(self) -> str:
        """One line for the CLI and the page."""
        return (
            f"Transcript {self.transcript_id}: {self.turns} turn{_s(self.turns)} redacted, "
            f"{self.codings_removed} coding{_s(self.codings_removed)} removed "
            f"({self.codings_trimmed} trimmed), {len(self.memos_flagged)} "
            f"memo{_s(len(self.memos_flagged))} flagged for review."
        )


def _s(count: int) -> str:
    return "" if count == 1 else "s"


class _Traces:
    """How to recognise the erased person in other text: quoted words, and their name."""

    def __init__(self, erased: Iterable[str], label: str) -> None:
        self.quotes_of: set[tuple[str, ...]] = set()
        for passage in erased:
            words = [w for w, _, _ in word_spans(passage)]
            self.quotes_of.update(
                tuple(words[i : i + QUOTE_WORDS]) for i in range(len(words) - QUOTE_WORDS + 1)
            )
        role_labels = {speaker_key(role) for role in ROLE_LABELS.values()}
        person = not is_role_label(label) and speaker_key(label) not in role_labels
        self.name = tuple(w for w, _, _ in word_spans(label)) if person else ()

    def quotes(self, value: str) -> bool:
        """True if ``value`` holds :data:`QUOTE_WORDS` words of an erased turn in a row."""
        words = [w for w, _, _ in word_spans(value)]
        return any(
            tuple(words[i : i + QUOTE_WORDS]) in self.quotes_of
            for i in range(len(words) - QUOTE_WORDS + 1)
        )

    def _name_spans(self, value: str) -> Iterator[tuple[int, int]]:
        if not self.name:
            return
        words = word_spans(value)
        size = len(self.name)
        for i in range(len(words) - size + 1):
            if tuple(w for w, _, _ in words[i : i + size]) == self.name:
                yield words[i][1], words[i + size - 1][2]

    def mentions(self, value: str) -> bool:
        """True if ``value`` names the speaker (their label's words in a row, any case)."""
        return next(self._name_spans(value), None) is not None

    def without_name(self, value: str) -> str:
        """``value`` with each mention of the speaker's name replaced by :data:`ERASED`."""
        for start, end in reversed(list(self._name_spans(value))):
            value = value[:start] + ERASED + value[end:]
        return value

    def scrub(self, value: Any, *, names: bool) -> Any:
        """A JSON value with quoting strings replaced (and, with ``names``, the name)."""
        if isinstance(value, str):
            if self.quotes(value):
                return ERASED
            return self.without_name(value) if names else value
        if isinstance(value, list):
            return [self.scrub(v, names=names) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub(v, names=names) for k, v in value.items()}
        return value


def _redact(text_: str, regions: list[tuple[int, int]]) -> str:
    """``text_`` with every character of ``regions`` but line breaks replaced by FILLER."""
    chars = list(text_)
    for start, end in regions:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = FILLER
    return "".join(chars)


def _kept_pieces(
    text_: str, start: int, end: int, regions: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The parts of [start, end) outside ``regions``, without white space at their edges."""
    pieces, at = [], start
    for r_start, r_end in regions:
        if r_end <= at or r_start >= end:
            continue
        pieces.append((at, max(at, r_start)))
        at = max(at, r_end)
    pieces.append((at, end))
    trimmed = []
    for p_start, p_end in pieces:
        while p_start < p_end and text_[p_start].isspace():
            p_start += 1
        while p_end > p_start and text_[p_end - 1].isspace():
            p_end -= 1
        if p_start < p_end:
            trimmed.append((p_start, p_end))
    return trimmed


def erase_speaker(
    session: Session, transcript_id: int, speaker: str, *, actor: Actor | int
) -> ErasureReport:
    """Erase one speaker (an interviewee who withdrew) from one transcript; see the module.

    Parameters
    ----------
    transcript_id : int
        The transcript; one per call (a person interviewed twice is erased from each).
    speaker : str
        The speaker's label as the transcript shows it (case and spacing do not matter).
    actor : AccountInfo, account id or OPERATOR
        Who erases (required; ``manage_participant_data``: researchers and admins).

    Raises
    ------
    NotFound
        There is no such transcript, or no such speaker in it (the message lists its speakers).
    """
    actor_id = acting(session, actor, "manage_participant_data")
    transcript = row_by_id(session, TranscriptRow, transcript_id, "transcript")
    with secure_delete(session):
        return _erase(session, transcript, speaker, actor_id)


def _erase(
    session: Session, transcript: TranscriptRow, speaker: str, actor_id: int | None
) -> ErasureReport:
    wanted = speaker_key(speaker or "")
    turns = list(transcript.turns)
    erased = [
        t for t in turns if not t.withdrawn and t.speaker and speaker_key(t.speaker) == wanted
    ]
    if not wanted or not erased:
        speakers = sorted({t.speaker for t in turns if t.speaker and not t.withdrawn})
        raise NotFound(
            f"Transcript {transcript.id} has no speaker {speaker!r}; its speakers are "
            f"{', '.join(repr(s) for s in speakers) or 'none'}."
        )
    label = erased[0].speaker
    ends = {t.position: t.end for t in turns}
    regions = [(ends.get(t.position - 1, 0), t.end) for t in erased]
    old = transcript.text
    traces = _Traces([old[start:end] for start, end in regions], label)
    new = _redact(old, regions)
    transcript.text = new
    transcript.text_sha256 = hashlib.sha256(new.encode("utf-8")).hexdigest()
    transcript.name = traces.without_name(transcript.name)
    if transcript.source_filename:
        transcript.source_filename = traces.without_name(transcript.source_filename)
    for turn in erased:
        turn.withdrawn, turn.speaker = True, WITHDRAWN_SPEAKER
    session.flush()
    index_turns(session, transcript.id, new, [(t.id, t.position, t.start, t.end) for t in turns])
    removed, trimmed, spanning, coding_ids, removed_memos = _codings(session, transcript, regions)
    flagged = _flag_memos(session, transcript.id, traces, coding_ids)
    memo_ids = removed_memos | set(flagged)
    scrubbed = _scrub_events(session, transcript.id, coding_ids, memo_ids, traces)
    _scrub_exchange_records(session, memo_ids, traces)
    _optimise_search_index(session)
    report = ErasureReport(
        transcript_id=transcript.id,
        transcript=transcript.name,
        turns=len(erased),
        codings_removed=removed,
        codings_trimmed=trimmed,
        codings_spanning=spanning,
        memos_removed=len(removed_memos),
        memos_flagged=tuple(flagged),
        events_scrubbed=scrubbed,
        codes_to_review=_codes_quoting(session, traces),
        mentions_left=sum(
            1 for t in turns if not t.withdrawn and traces.mentions(new[t.start : t.end])
        ),
        elsewhere=tuple(
            session.scalars(
                select(TurnRow.transcript_id)
                .where(TurnRow.speaker == label, TurnRow.transcript_id != transcript.id)
                .distinct()
                .order_by(TurnRow.transcript_id)
            )
        ),
    )
    record_event(
        session,
        "speaker.erase",
        actor_id=actor_id,
        target=transcript,
        details={
            "turns": report.turns,
            "codings_removed": report.codings_removed,
            "codings_trimmed": report.codings_trimmed,
            "memos_removed": report.memos_removed,
            "memos_flagged": len(flagged),
            "events_scrubbed": scrubbed,
        },
    )
    session.flush()
    return report


def _codings(
    session: Session, transcript: TranscriptRow, regions: list[tuple[int, int]]
) -> tuple[int, int, int, set[int], set[int]]:
    """Remove, trim or keep the transcript's codings.

    Returns the numbers removed, trimmed and spanning, the ids of every coding the
    transcript had and of the memos removed with codings.
    """
    codings = list(
        session.scalars(select(CodingRow).where(CodingRow.transcript_id == transcript.id))
    )
    coding_ids = {c.id for c in codings}
    spans = {(c.code_id, c.coder_id, c.start, c.end): c for c in codings}
    gone: list[CodingRow] = []
    trimmed = spanning = 0
    for coding in codings:
        pieces = _kept_pieces(transcript.text, coding.start, coding.end, regions)
        if len(pieces) > 1:
            spanning += 1
            continue
        if not pieces:
            gone.append(coding)
            continue
        [(start, end)] = pieces
        if (start, end) == (coding.start, coding.end):
            continue
        twin = spans.get((coding.code_id, coding.coder_id, start, end))
        if twin is not None and twin not in gone:
            # Trimmed, it is a coding the coder made anyway: one is enough; its memos move.
            session.execute(
                update(MemoRow)
                .where(MemoRow.coding_id == coding.id)
                .values(coding_id=twin.id, updated_at=MemoRow.updated_at)
                .execution_options(synchronize_session="fetch")
            )
            gone.append(coding)
            continue
        del spans[(coding.code_id, coding.coder_id, coding.start, coding.end)]
        coding.start, coding.end = start, end
        spans[(coding.code_id, coding.coder_id, start, end)] = coding
        trimmed += 1
    memos = list(
        session.scalars(select(MemoRow).where(MemoRow.coding_id.in_([c.id for c in gone])))
    )
    memo_ids = {m.id for m in memos}
    for memo in memos:
        session.delete(memo)
    session.flush()  # the memos first: the database would cascade them behind the ORM's back
    for coding in gone:
        session.delete(coding)
    for coding in codings:
        if coding not in gone:
            coding.snippet = transcript.text[coding.start : coding.end]
    session.flush()
    return len(gone), trimmed, spanning, coding_ids, memo_ids


def _flag_memos(
    session: Session, transcript_id: int, traces: _Traces, coding_ids: set[int]
) -> list[int]:
    """Flag memos on the transcript or its codings, and memos that quote or name the speaker."""
    flagged = [
        memo_id
        for memo_id, on_transcript, on_coding, memo_text in session.execute(
            select(MemoRow.id, MemoRow.transcript_id, MemoRow.coding_id, MemoRow.text).order_by(
                MemoRow.id
            )
        )
        if on_transcript == transcript_id
        or on_coding in coding_ids
        or traces.quotes(memo_text)
        or traces.mentions(memo_text)
    ]
    if flagged:
        # A flag is no edit of the memo: its updated_at stays.
        session.execute(
            update(MemoRow)
            .where(MemoRow.id.in_(flagged))
            .values(needs_review=True, updated_at=MemoRow.updated_at)
            .execution_options(synchronize_session="fetch")
        )
    return flagged


def _scrub_events(
    session: Session,
    transcript_id: int,
    coding_ids: set[int],
    memo_ids: set[int],
    traces: _Traces,
) -> int:
    """Scrub quotes from every event, and the name from events about what was erased."""
    changes = []
    rows = session.execute(
        select(EventRow.id, EventRow.target_type, EventRow.target_id, EventRow.details)
        .order_by(EventRow.id)
        .execution_options(yield_per=1000)
    )
    for event_id, target_type, target_id, details in rows:
        details = details if isinstance(details, dict) else {}
        about = (
            (target_type == "transcript" and target_id == transcript_id)
            or (target_type == "coding" and target_id in coding_ids)
            or (target_type == "memo" and target_id in memo_ids)
            or details.get("transcript_id") == transcript_id
        )
        scrubbed = traces.scrub(details, names=about)
        if scrubbed != details:
            changes.append({"id": event_id, "details": scrubbed})
    if changes:
        session.execute(update(EventRow), changes)
    return len(changes)


def _scrub_exchange_records(session: Session, memo_ids: set[int], traces: _Traces) -> None:
    """Scrub quotes from the REFI-QDA exchange records (and the name from touched memos')."""
    changes = []
    for record_id, kind, row_id, base in session.execute(
        select(
            ExchangeIdentityRow.id,
            ExchangeIdentityRow.kind,
            ExchangeIdentityRow.row_id,
            ExchangeIdentityRow.base,
        )
    ):
        base = base if isinstance(base, dict) else {}
        scrubbed = traces.scrub(base, names=kind == "memo" and row_id in memo_ids)
        if scrubbed != base:
            changes.append({"id": record_id, "base": scrubbed})
    if changes:
        session.execute(update(ExchangeIdentityRow), changes)


def _codes_quoting(session: Session, traces: _Traces) -> tuple[int, ...]:
    """Codes whose name, definition, criteria or examples quote or name the speaker."""
    found = []
    for code in session.scalars(select(CodeRow).order_by(CodeRow.id)):
        values = [code.name, code.definition, code.inclusion, code.exclusion]
        values += [str(example) for example in code.examples or []]
        if any(traces.quotes(v or "") or traces.mentions(v or "") for v in values):
            found.append(code.id)
    return tuple(found)


def _optimise_search_index(session: Session) -> None:
    """SQLite: merge the FTS5 index, so no segment keeps the erased words as deleted entries.

    (PostgreSQL rewrites rows; their old versions go at the next VACUUM.)
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO turn_search (turn_search) VALUES ('optimize')"))


def review_memo(
    session: Session,
    memo_id: int,
    *,
    text: str | None = None,
    delete: bool = False,
    actor: Actor | int,
) -> MemoInfo | None:
    """Clear a memo's review flag after an erasure: keep it, give it new ``text``, or delete it.

    Unlike :func:`study.interviews.coding.memos.update_memo`, the audit event
    (``memo.review``) records only what was decided, never the old or new text, which may
    quote the person who withdrew. Returns the memo, or None when deleted.
    """
    actor_id = acting(session, actor, "manage_participant_data")
    memo = row_by_id(session, MemoRow, memo_id, "memo")
    if not memo.needs_review:
        raise InvalidInput(f"Memo {memo.id} is not marked for review; edit it as usual.")
    if delete and text is not None:
        raise InvalidInput("Either give the memo new text or delete it, not both.")
    if text is not None:
        text = text.strip()
        if not text:
            raise InvalidInput("A memo needs some text; delete it instead.")
    outcome = "removed" if delete else "kept" if text in (None, memo.text) else "rewritten"
    record_event(
        session, "memo.review", actor_id=actor_id, target=memo, details={"outcome": outcome}
    )
    if delete:
        session.delete(memo)
        session.flush()
        return None
    if outcome == "rewritten":
        memo.text = text
    memo.needs_review = False
    session.flush()
    return get_memo(session, memo.id)
