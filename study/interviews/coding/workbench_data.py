"""What the coding workbench shows, computed without Streamlit: highlights, suggestions, versions.

The page (study/ui/pages/workbench.py) reads codings and codes through
:mod:`study.interviews.coding` and turns them into :class:`~study.interviews.coding.span_view.Mark`
objects here, so the logic can be tested without a browser.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from study.interviews.coding.span_view import Mark
from study.interviews.schemes import Code, CodingScheme
from study.interviews.suggestions import Suggestion

__all__ = [
    "PendingSuggestion",
    "code_tree",
    "coding_marks",
    "pending_suggestions",
    "scheme_for_suggestions",
    "suggestion_key",
    "suggestion_marks",
    "view_version",
]

FALLBACK_COLOUR = "#888888"


@dataclass(frozen=True, slots=True)
class PendingSuggestion:
    """A keyword suggestion the coder has not answered yet, with the code it proposes."""

    key: str
    code_id: int
    code_name: str
    colour: str
    start: int
    end: int
    keyword: str
    sentence: str


def code_tree(
    codes: Sequence[object], *, scheme_id: int, title: str, readonly: bool = False
) -> dict:
    """The code tree the span selector draws beside the text: ids, names, colours, depths.

    ``codes`` are :class:`~study.interviews.coding.CodeInfo` in tree order;
    the browser counts codings per code itself, so a coding drawn before the
    page reruns is counted at once.
    """
    return {
        "scheme": int(scheme_id),
        "title": title,
        "readonly": bool(readonly),
        "codes": [
            {"id": int(c.id), "name": str(c.name), "colour": str(c.colour), "depth": int(c.depth)}
            for c in codes
        ],
    }


def coding_marks(
    codings: pd.DataFrame,
    colours: dict[int, str],
    *,
    me: int,
    named: bool = False,
    with_memos: Collection[int] = (),
) -> list[Mark]:
    """Turn a :func:`study.interviews.coding.list_codings` frame into highlights, own codings first.

    With ``named`` (several coders' codings shown) every chip says whose
    coding it is, by the coder's display name; codings in ``with_memos`` get
    a memo marker.
    """
    marks = []
    memos = set(with_memos)
    # Plain column lists: itertuples costs ~30 µs a row, too slow for every rerun.
    columns = [
        codings[c].tolist()
        for c in ("id", "coder_id", "coder_name", "code_id", "code_name", "start", "end")
    ]
    for ref, coder, coder_name, code_id, code_name, start, end in zip(*columns):
        kind = "mine" if coder == me else "other"
        marks.append(
            Mark(
                int(start),
                int(end),
                str(code_name),
                colours.get(int(code_id), FALLBACK_COLOUR),
                kind,
                int(ref),
                str(coder_name) if named else "",
                int(code_id),
                int(ref) in memos,
            )
        )
    marks.sort(key=lambda m: (m.kind != "mine", m.start, m.end))
    return marks


def suggestion_key(scheme_id: int, code_key: str, start: int, end: int) -> str:
    """A stable name for a suggestion, kept in session state when the coder rejects it."""
    return f"{scheme_id}:{code_key}:{start}:{end}"


def scheme_for_suggestions(key: str, codes: Iterable[object]) -> CodingScheme:
    """A scheme model holding only what :func:`study.interviews.suggestions.suggest_passages` reads.

    Codes in the database may lack what a scheme file requires (an example,
    say, for a code added in the app), so the model is built unvalidated from
    ``CodeInfo`` objects: their ``key`` and ``keywords``.
    """
    models = [
        Code.model_construct(
            id=code.key,
            name=code.name,
            parent=None,
            colour=code.colour,
            keywords=dict(code.keywords or {}),
        )
        for code in codes
    ]
    return CodingScheme.model_construct(id=key, title=key, version="", codes=models)


def pending_suggestions(
    suggestions: Sequence[Suggestion],
    codes_by_key: dict[str, object],
    *,
    scheme_id: int,
    rejected: Collection[str],
    codings: pd.DataFrame,
    me: int,
) -> list[PendingSuggestion]:
    """Suggestions still to answer: not rejected, not already coded by this coder with that code.

    A suggestion counts as answered when the coder has a coding of the same
    code overlapping the suggested sentence.
    """
    mine = codings[codings["coder_id"] == me] if not codings.empty else codings
    coded: dict[int, list[tuple[int, int]]] = {}
    for row in mine.itertuples(index=False):
        coded.setdefault(int(row.code_id), []).append((int(row.start), int(row.end)))
    pending = []
    for suggestion in suggestions:
        code = codes_by_key.get(suggestion.code_id)
        if code is None:
            continue
        key = suggestion_key(scheme_id, suggestion.code_id, suggestion.start, suggestion.end)
        if key in rejected:
            continue
        if any(s < suggestion.end and suggestion.start < e for s, e in coded.get(code.id, ())):
            continue
        pending.append(
            PendingSuggestion(
                key,
                code.id,
                code.name,
                code.colour,
                suggestion.start,
                suggestion.end,
                suggestion.keyword,
                suggestion.sentence,
            )
        )
    return pending


def suggestion_marks(pending: Sequence[PendingSuggestion]) -> list[Mark]:
    """Dotted outlines for suggestions still to answer (accept or reject beside the turn)."""
    return [
        Mark(p.start, p.end, p.code_name, p.colour, "suggestion", p.key, code=p.code_id)
        for p in pending
    ]


def view_version(transcript_id: int, text_sha256: str, marks: Sequence[Mark]) -> str:
    """A name for exactly this transcript text with exactly these highlights.

    The browser rebuilds the transcript only when it changes, and the page
    caches the built view under it.
    """
    digest = hashlib.blake2b(digest_size=10)
    for mark in marks:
        digest.update(
            repr(
                (
                    mark.start,
                    mark.end,
                    mark.label,
                    mark.colour,
                    mark.kind,
                    mark.ref,
                    mark.coder,
                    mark.code,
                    mark.memo,
                )
            ).encode()
        )
    return f"t{transcript_id}-{text_sha256[:12]}-{len(marks)}-{digest.hexdigest()}"
