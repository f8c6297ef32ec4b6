"""Hands a login to the browser as an HttpOnly cookie (see study/ui/server.py).

The page gives the browser a one-time hand-off code; the component posts it to
``/_study/session`` and reloads, and from then on every tab of that browser sends
the session cookie. ``drop_cookie`` asks the server to delete it after a logout.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import streamlit as st

from study.ui.server import ROUTE_PREFIX, _cookie_path

__all__ = ["drop_cookie", "take_cookie"]

_mount = st.components.v2.component(
    "ism_study_session_cookie",
    js=(Path(__file__).parent / "session_cookie.js").read_text(encoding="utf-8"),
)


def _route(name: str) -> str:
    return _cookie_path().rstrip("/") + f"{ROUTE_PREFIX}/{name}"


def take_cookie(handoff: str, *, home: bool = False) -> None:
    """Have the browser exchange ``handoff`` for its session cookie, then reload.

    ``home=True`` opens the app's first page instead of reloading this address.
    """
    st.caption("Logging in ...")
    data = {
        "action": "take",
        "handoff": handoff,
        "url": _route("session"),
        "nonce": secrets.token_hex(8),
    }
    if home:
        data["next"] = _route("").rsplit("/_study/", 1)[0] + "/"
    _mount(key="session_cookie", data=data)


def drop_cookie() -> None:
    """Have the browser delete its session cookie, then reload (after a logout)."""
    st.caption("Logging out ...")
    _mount(
        key="session_cookie",
        data={"action": "drop", "url": _route("logout"), "nonce": secrets.token_hex(8)},
    )
