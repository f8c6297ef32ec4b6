"""What the coding workbench does with the span selector's actions, without Streamlit.

The browser draws a coding at once and sends the change as an action with
an id (see span_selector.js and :data:`~study.interviews.coding.span_view.CHANGES`); :func:`run_actions` applies each action once
through :mod:`study.interviews.coding`, one transaction per action, and
returns what to tell the coder. Ids already done are skipped, so an action
the browser sends again (after an interrupted rerun) is not applied twice.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableSequence
from dataclasses import dataclass, field
from typing import Any

from study.db.engine import Database
from study.errors import StudyError
from study.interviews.coding import (
    add_coding,
    change_coding_span,
    code_in_vivo,
    remove_coding,
    undo_last,
)
from study.interviews.coding.span_view import CHANGES, tidy_span

__all__ = ["DONE_KEPT", "Outcome", "WorkbenchTarget", "run_actions"]

#: How many action ids the page remembers (and sends back) as done.
DONE_KEPT = 200


@dataclass(frozen=True)
class WorkbenchTarget:
    """Who codes which transcript with which scheme version."""

    account_id: int
    transcript_id: int
    scheme_id: int
    text: str
    code_names: dict[int, str]


@dataclass
class Outcome:
    """Messages for the coder (kind, sentence) and the coding to open, if any."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    open_coding: int | None = None
    changed: bool = False


def _one(session, target: WorkbenchTarget, action: dict[str, Any]) -> str:
    kind = action.get("type")
    me = target.account_id
    if kind in ("code", "invivo"):
        start, end = tidy_span(target.text, int(action["start"]), int(action["end"]))
        # The coder codes the (tidied) span of this transcript, as themselves.
        new_coding: dict[str, Any] = {
            "transcript_id": target.transcript_id,
            "start": start,
            "end": end,
            "coder_id": me,
            "actor": me,
        }
        if kind == "code":
            code_id = int(action["code"])
            add_coding(session, code_id=code_id, **new_coding)
            return f"Coded with {target.code_names.get(code_id, 'the code')}."
        code, _ = code_in_vivo(session, target.scheme_id, **new_coding)
        return f"New in-vivo code “{code.name}”, applied."
    if kind == "remove":
        remove_coding(session, int(action["ref"]), actor=me)
        return "Coding removed (Ctrl+Z brings it back)."
    if kind == "span":
        start, end = tidy_span(target.text, int(action["start"]), int(action["end"]))
        change_coding_span(session, int(action["ref"]), start, end, actor=me)
        return "Coding moved."
    if kind == "undo":
        result = undo_last(session, me)
        return result.sentence if result else "Nothing to undo."
    raise ValueError(kind)


def run_actions(
    database: Database,
    target: WorkbenchTarget,
    actions: Iterable[dict[str, Any]],
    done: MutableSequence[str],
) -> Outcome:
    """Apply the browser's actions not done yet; record their ids in ``done`` (newest last)."""
    outcome = Outcome()
    for action in actions:
        if not isinstance(action, dict):
            continue
        kind = action.get("type")
        if kind == "mark" and action.get("kind") in ("mine", "other"):
            outcome.open_coding = int(action["ref"])
            continue
        if kind not in CHANGES:
            continue
        action_id = str(action.get("id") or "")
        if not action_id or action_id in done:
            continue
        done.append(action_id)
        try:
            with database.transaction() as session:
                outcome.messages.append(("success", _one(session, target, action)))
            outcome.changed = True
        except StudyError as exc:
            outcome.messages.append(("error", str(exc)))
        except (KeyError, TypeError, ValueError):
            outcome.messages.append(
                ("error", "The workbench sent an action it cannot read; reload the page.")
            )
    del done[:-DONE_KEPT]
    return outcome
