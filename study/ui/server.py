"""The app's own HTTP routes beside Streamlit: the staff login cookie.

A Streamlit page cannot set a response header, so the login cookie is set here, by
two small routes mounted on Streamlit's own ASGI server (``st.App``, started by the
launcher ``server.py`` at the repository root, which ``study serve`` and ``run.sh``
run):

- ``POST /_study/session`` with ``{"handoff": CODE}``: swaps the one-time hand-off
  code a login page gave the browser for a new random session id
  (:func:`study.admin.sessions.redeem_handoff`) and sets it as the cookie
  ``study_session`` (HttpOnly, SameSite=Lax, Secure over https). The browser's
  previous session, if any, ends (rotation). Streamlit's own single-sign-on identity
  cookie is dropped at the same time: from here on the study session is the only
  credential, with its idle timeout, lifetime and server-side logout.
- ``POST /_study/logout``: ends the cookie's session server-side and deletes the
  cookie (and any single-sign-on identity cookie).

Both accept only ``application/json`` bodies from the app's own origin, which a
form on another site cannot send. Nothing here logs a code or a session id.
Pages read the cookie with ``st.context.cookies`` (:mod:`study.ui.state`); the
survey page never reads or sets it.
"""

from __future__ import annotations

import functools
import json
from urllib.parse import urlsplit

from study.admin.sessions import log_out, redeem_handoff
from study.config import base_url, database_url, int_setting
from study.db import Database

SESSION_COOKIE = "study_session"
ROUTE_PREFIX = "/_study"
#: Streamlit's st.login identity cookies (split into numbered chunks when large).
STREAMLIT_IDENTITY_COOKIES = ("_streamlit_user", "_streamlit_user_tokens")


@functools.cache
def _database(url: str) -> Database:
    return Database(url)


def _cookie_path() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else "/"


def _same_origin_json(request) -> bool:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return False
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _secure(request) -> bool:
    return request.url.scheme == "https" or base_url().lower().startswith("https://")


def _drop_identity_cookies(request, response) -> None:
    for name in request.cookies:
        if any(
            name == base or (name.startswith(base + "_") and name[len(base) + 1 :].isdigit())
            for base in STREAMLIT_IDENTITY_COOKIES
        ):
            response.delete_cookie(name, path=_cookie_path())


def take_session(request, raw: bytes):
    """POST /_study/session: exchange a hand-off code for the session cookie."""
    from starlette.responses import Response

    if not _same_origin_json(request):
        return Response(status_code=403)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." within MAX_BODY
        return Response(status_code=400)
    handoff = body.get("handoff") if isinstance(body, dict) else None
    if not isinstance(handoff, str):
        return Response(status_code=400)
    database = _database(database_url())
    with database.transaction() as session:
        token = redeem_handoff(session, handoff, previous=request.cookies.get(SESSION_COOKIE))
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path=_cookie_path(),
        max_age=int_setting("STUDY_SESSION_MAX_HOURS") * 3600,
    )
    _drop_identity_cookies(request, response)
    return response


def drop_session(request, raw: bytes):
    """POST /_study/logout: end the cookie's session and delete the cookie."""
    from starlette.responses import Response

    if not _same_origin_json(request):
        return Response(status_code=403)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        log_out(_database(database_url()), token)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path())
    _drop_identity_cookies(request, response)
    return response


MAX_BODY = 4096


def _with_body(handler):
    # Reading the body is async; the database work then runs in the thread pool,
    # off the event loop that serves every websocket.
    async def endpoint(request):
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import Response

        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                return Response(status_code=413)
        return await run_in_threadpool(handler, request, raw)

    return endpoint


def routes() -> list:
    """The routes to mount beside Streamlit's, under server.baseUrlPath."""
    from starlette.routing import Route

    prefix = _cookie_path().rstrip("/") + ROUTE_PREFIX
    return [
        Route(f"{prefix}/session", _with_body(take_session), methods=["POST"]),
        Route(f"{prefix}/logout", _with_body(drop_session), methods=["POST"]),
    ]
