"""The span selector: a transcript a coder selects with the mouse, as an inline st.components.v2.

The browser part (span_selector.js/.css next to this file) draws a view from
:func:`study.interviews.coding.span_view.build_span_view` and reports what the
coder did as one trigger value, ``action`` (see the top of the .js file).
Only :mod:`study.ui` imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

__all__ = ["span_selector"]

_HERE = Path(__file__).parent
_mount = st.components.v2.component(
    "ism_study_span_selector",
    css=(_HERE / "span_selector.css").read_text(encoding="utf-8"),
    js=(_HERE / "span_selector.js").read_text(encoding="utf-8"),
)


def span_selector(
    view: dict[str, Any], *, key: str, on_action: Callable[[], None] | None = None
) -> dict[str, Any] | None:
    """Show ``view`` and return the coder's last action (``{"type": ...}``) or None.

    ``view`` should be the same object on every rerun until the transcript
    or its highlights change: identical data is a cached message the browser
    already holds, so a rerun does not send the transcript again. In
    ``on_action`` read the action with ``st.session_state[key]["action"]``.
    """
    result = _mount(key=key, data=view, on_action_change=on_action or (lambda: None))
    return result.get("action") if result is not None else None
