"""The transcript as the span selector draws it: turns cut into runs at every highlight boundary.

Pure Python (no Streamlit) so it can be cached and tested. The browser gets
each turn's text already cut into runs, each run with its code-point start
and the highlights covering it; the JavaScript only creates elements with
``textContent`` and never slices strings by position, so a 15,000-word
transcript with hundreds of codings costs one sweep here per change, not per
rerun.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ACTIONS", "CHANGES", "Mark", "build_span_view", "tidy_span"]

#: Kinds of highlight: the coder's own coding, another coder's, a keyword suggestion.
MARK_KINDS = ("mine", "other", "suggestion")
#: The span selector's actions that change codings (see the top of span_selector.js): drawn
#: at once in the browser, sent with an id, and sent again until the page lists the id as
#: done. The view hands them to the browser (``changes``), so they are named here only.
CHANGES = ("code", "invivo", "remove", "span", "undo")
#: Every action the span selector sends: the changes, a coding clicked (``mark``) and a
#: suggestion chip's buttons.
ACTIONS = (*CHANGES, "mark", "accept", "reject")


class _Turn(Protocol):
    speaker: str | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mark:
    """One highlight over ``[start, end)`` (code points): a coding or a suggestion.

    ``ref`` is what the page gets back when the mark's chip is clicked (a
    coding id, or a suggestion key); ``coder`` names the coder when codings of
    several coders are shown; ``code`` is the coding's code id (the tree
    counts them) and ``memo`` says a memo is written on it.
    """

    start: int
    end: int
    label: str
    colour: str
    kind: str
    ref: int | str
    coder: str = ""
    code: int | None = None
    memo: bool = False


def _turn_spans(text: str, turns: Sequence[_Turn]) -> list[tuple[str, int, int]]:
    if not turns:
        return [("", 0, len(text))]
    return [(turn.speaker or "", turn.start, turn.end) for turn in turns]


def build_span_view(
    text: str, turns: Sequence[_Turn], marks: Sequence[Mark], *, version: str
) -> dict[str, Any]:
    """Return the JSON the span selector renders: turns cut into runs at every mark boundary.

    Parameters
    ----------
    text : str
        The transcript text; offsets are Python ``str`` indices (code points).
    turns : sequence of Turn
        Speaker turns (``speaker``, ``start``, ``end``); only their text is shown.
        With no turns the whole text is one turn.
    marks : sequence of Mark
        Highlights; a mark crossing turns is cut at each turn's edges.
    version : str
        Changes whenever ``text``, ``turns`` or ``marks`` change; the browser
        rebuilds its DOM only when it changes.

    Returns
    -------
    dict
        ``{"version", "marks": [...], "turns": [{"n", "speaker", "start",
        "end", "runs": [[start, end, text, [mark indices]]], "chips": [mark
        indices]}], "changes": CHANGES}``. A mark's chip sits beside the first
        turn it touches.
    """
    spans = _turn_spans(text, turns)
    starts = [start for _, start, _ in spans]
    per_turn: list[list[int]] = [[] for _ in spans]
    chips: list[list[int]] = [[] for _ in spans]
    for index, mark in enumerate(marks):
        first = max(bisect_right(starts, mark.start) - 1, 0)
        placed = False
        for n in range(first, len(spans)):
            _, start, end = spans[n]
            if start >= mark.end:
                break
            if end > mark.start:
                per_turn[n].append(index)
                if not placed:
                    chips[n].append(index)
                    placed = True
        if not placed:  # a mark between turns (e.g. on a speaker label): beside the nearest turn
            chips[min(first, len(spans) - 1)].append(index)

    view_turns = []
    for n, (speaker, start, end) in enumerate(spans):
        view_turns.append(
            {
                "n": n,
                "speaker": speaker,
                "start": start,
                "end": end,
                "runs": _runs(text, start, end, marks, per_turn[n]),
                "chips": chips[n],
            }
        )
    view_marks = [
        {
            "label": m.label,
            "colour": m.colour,
            "kind": m.kind,
            "ref": m.ref,
            "coder": m.coder,
            "start": m.start,
            "end": m.end,
            "code": m.code,
            "memo": m.memo,
        }
        for m in marks
    ]
    return {"version": version, "marks": view_marks, "turns": view_turns, "changes": list(CHANGES)}


def _runs(
    text: str, start: int, end: int, marks: Sequence[Mark], indices: list[int]
) -> list[list[Any]]:
    """Cut ``text[start:end]`` at the edges of the marks in ``indices`` (never per character)."""
    if not indices:
        return [[start, end, text[start:end], []]] if end > start else []
    cuts = {start, end}
    for i in indices:
        cuts.add(min(max(marks[i].start, start), end))
        cuts.add(min(max(marks[i].end, start), end))
    edges = sorted(cuts)
    # Longer marks first, so the shortest (innermost) coding is drawn on top.
    ordered = sorted(indices, key=lambda i: (marks[i].start - marks[i].end, marks[i].start, i))
    runs = []
    for a, b in zip(edges, edges[1:]):
        if b > a:
            covering = [i for i in ordered if marks[i].start <= a and marks[i].end >= b]
            runs.append([a, b, text[a:b], covering])
    return runs


def tidy_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Return ``(start, end)`` inside the text with surrounding white space left out.

    A mouse selection often starts or ends on a space or a line break; a
    coding should hold only words.
    """
    start = min(max(int(start), 0), len(text))
    end = min(max(int(end), start), len(text))
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return start, start
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(stripped)
