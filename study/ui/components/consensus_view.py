"""The span selector's data for one disagreement: both coders' spans and the consensus span.

Pure of Streamlit (reads through :mod:`study.interviews.coding` and
:mod:`study.reliability.consensus`), so it can be tested without a browser.
The passage around the disputed span is drawn as one block; each coder's
spans of the disputed code are dotted highlights in the code's colour with
the coder's name on the chip, and the consensus span (what the consensus
version codes there now, else the disputed span) is a solid highlight whose
edges the researcher drags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from study.admin.permissions import Actor
from study.interviews.coding import get_code, list_codings
from study.interviews.coding.span_view import Mark, build_span_view
from study.interviews.transcripts.store import transcript_json
from study.reliability.consensus import DisagreementItem, consensus_spans
from study.reliability.report import find_coder

__all__ = ["CONSENSUS_REF", "consensus_view"]

#: The ref of the draggable consensus mark (codings have positive ids).
CONSENSUS_REF = 0
LABELS = {"memo": "", "code_turn": "", "handle_help": "Drag to move this edge of the consensus"}
# (an empty "code_turn" label leaves the turn-selecting button out)


@dataclass(frozen=True, slots=True)
class _Window:
    speaker: str | None
    start: int
    end: int


def consensus_view(
    session: Session,
    item: DisagreementItem,
    coder_a: str,
    coder_b: str,
    *,
    names: dict[str, str],
    viewer: Actor,
    context: int = 200,
) -> dict[str, Any]:
    """The view of ``item``: text around it, coder A's and B's spans, the consensus span."""
    text = transcript_json(session, item.transcript_id, viewer=viewer)["text"]
    start = max(0, item.start - context)
    end = min(len(text), item.end + context)
    colour = get_code(session, item.code_id).colour
    marks: list[Mark] = []
    for coder in (coder_a, coder_b):
        account = find_coder(session, coder)
        frame = list_codings(
            session,
            transcript_id=item.transcript_id,
            coder_ids=[account.id],
            code_id=item.code_id,
            viewer=viewer,
        )
        for s, e, ref in zip(frame["start"], frame["end"], frame["id"]):
            if s < end and e > start:
                marks.append(
                    Mark(
                        int(s),
                        int(e),
                        names.get(coder, coder),
                        colour,
                        "other",
                        int(ref),
                        "",
                        item.code_id,
                    )
                )
    current = [
        span
        for span in consensus_spans(
            session,
            transcript_id=item.transcript_id,
            code_id=item.code_id,
            coder_a=coder_a,
            coder_b=coder_b,
        )
        if span[0] < item.end and span[1] > item.start
    ]
    s, e = current[0] if current else (item.start, item.end)
    marks.append(Mark(s, e, "Consensus", colour, "mine", CONSENSUS_REF, "", item.code_id))
    # Absolute offsets: the window is one pseudo-turn of the whole text.
    start = min(start, s)
    end = max(end, e)
    version = f"c{item.transcript_id}-{item.code_id}-{item.start}-{item.end}-" + "-".join(
        f"{m.kind}{m.start}:{m.end}" for m in marks
    )
    view = build_span_view(text, [_Window("", start, end)], marks, version=version)
    view["labels"] = LABELS
    view["tree"] = None
    return view
