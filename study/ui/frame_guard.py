"""Forbid other sites to frame the app: anti-framing headers on every HTTP response.

A page of another site could show the login or the survey page in an invisible
frame and trick a visitor into clicking through it (clickjacking). Every HTTP
response of the app therefore says ``X-Frame-Options: DENY`` and
``Content-Security-Policy: frame-ancestors 'none'`` (the modern form; browsers
that know it ignore the older header). The guard is a plain ASGI middleware on
Streamlit's own server (``st.App(..., middleware=...)`` in ``server.py``), so it
covers Streamlit's page, its static files and health check, and our routes
alike; websocket traffic passes through untouched.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware import Middleware

__all__ = ["ANTI_FRAMING_HEADERS", "FrameGuard", "middleware"]

ANTI_FRAMING_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)


class FrameGuard:
    """ASGI middleware adding :data:`ANTI_FRAMING_HEADERS` to every HTTP response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_guarded(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in ANTI_FRAMING_HEADERS if h[0] not in names),
                ]
            await send(message)

        await self.app(scope, receive, send_guarded)


def middleware() -> list:
    """The middleware list for ``st.App``."""
    return [Middleware(FrameGuard)]
