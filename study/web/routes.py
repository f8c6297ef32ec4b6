"""The survey on the app's ASGI server: its routes, compression, stylesheet and old `/?t=` links.

``server.py`` mounts :func:`survey_routes` and :func:`survey_middleware` on Streamlit's
own server (``st.App(routes=..., middleware=...)``); routes given there are matched
before Streamlit's, so ``/survey`` is ours. Each request is read here (query, form
body within :data:`MAX_BODY`, where a POST came from) by a plain ASGI app
(:class:`SurveyApp`), then handled by :mod:`study.web.survey`, rendered with Jinja2
(autoescaped) and gzip-compressed in one worker thread. Responses are never
cached when they hold answers, never sent with a cookie, and carry a strict content
security policy: no script, styles and images from this site only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from study.config import database_url
from study.web.replies import Reply, Visit, log_failure
from study.web.survey import post, show
from study.web.texts import text

HERE = Path(__file__).parent
STYLESHEET = (HERE / "static" / "survey.css").read_bytes()
STYLE_VERSION = hashlib.sha256(STYLESHEET).hexdigest()[:12]
#: The largest form body taken (a page of long text answers fits many times).
MAX_BODY = 256 * 1024
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    # Survey addresses hold the link token: never send them to another site.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )  # a running app's templates do not change


_TEMPLATES = _environment()


#: Rendered questions by (template, item, language, value, error): the same few answers
#: recur across thousands of respondents, so most of a page is joined, not rendered.
_FRAGMENTS: dict[tuple, tuple[Any, Any]] = {}
MAX_FRAGMENTS = 20_000


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def fragment_renderer(language: str):
    """``fragment(template, view)`` for the page template: one question's HTML, cached.

    Free text and numbers are rendered each time (their values hardly recur); cached
    entries hold their item and are used only for that very item object (stored
    instrument models are shared and never change).
    """
    from markupsafe import Markup

    star = Markup(
        ' <span class="star" aria-hidden="true">*</span><span class="visually-hidden">({})</span>'
    ).format(text(language, "required_mark"))
    prefix = text(language, "error_prefix")

    def fragment(name: str, view) -> Any:
        key = None
        if view.item.type not in ("text", "number"):
            key = (name, id(view.item), language, _frozen(view.value), view.error, view.hint)
            cached = _FRAGMENTS.get(key)
            if cached is not None and cached[0] is view.item:
                return cached[1]
        html = Markup(
            _TEMPLATES.get_template(name).render(view=view, star=star, error_prefix=prefix)
        )
        if key is not None:
            if len(_FRAGMENTS) >= MAX_FRAGMENTS:
                _FRAGMENTS.clear()
            _FRAGMENTS[key] = (view.item, html)
        return html

    return fragment


def render(reply: Reply, prefix: str):
    """The Starlette response of a handler's reply."""
    from starlette.responses import HTMLResponse, RedirectResponse

    if reply.redirect is not None:
        return RedirectResponse(reply.redirect, status_code=303, headers=PAGE_HEADERS)
    if reply.download is not None:
        from starlette.responses import Response

        name, body, media_type = reply.download
        return Response(
            body,
            media_type=media_type,
            headers={**PAGE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )
    context = {
        **reply.context,
        "css": f"{prefix}/survey/survey.css?v={STYLE_VERSION}",
        "fragment": fragment_renderer(reply.context.get("language", "en")),
    }
    body = _TEMPLATES.get_template(reply.template).render(**context)
    return HTMLResponse(body, status_code=reply.status, headers=PAGE_HEADERS)


def error_page(language: str, error_id: str, prefix: str):
    """The page of an unexpected error: one sentence with the error id, nothing else."""
    from starlette.responses import HTMLResponse

    reply = Reply(
        "message.html",
        {
            "language": language,
            "title": text(language, "survey"),
            "heading": text(language, "survey"),
            "switch": [],
            "sentence": text(language, "polite", id=error_id),
            "t": lambda key, **v: text(language, key, **v),
        },
        500,
    )
    try:
        return render(reply, prefix)
    except Exception:  # noqa: BLE001 - the template itself failed: plain text, still polite
        return HTMLResponse(
            text(language, "polite", id=error_id), status_code=500, headers=PAGE_HEADERS
        )


def came_from_elsewhere(headers: Any) -> bool:
    """True when the browser says a POST came from another site (Origin, Sec-Fetch-Site)."""
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    if origin is None or (origin == "null" and site == "same-origin"):
        return False
    return urlsplit(origin).netloc != headers.get("host")


#: Threads answering survey requests at once on PostgreSQL: the work holds the GIL most of
#: the time, but the database round trips overlap (500 respondents: 27/s with 3 threads,
#: 21/s with 1). On SQLite one thread is fastest (42/s against 35/s with 2 or 3: no
#: hand-offs between threads fighting for the GIL, and SQLite has one writer anyway).
SURVEY_THREADS = 3
_EXECUTOR: list = []
#: Responses this long or longer are gzip-compressed (when the browser accepts it).
GZIP_MINIMUM = 300
#: zlib level: 6 compresses a survey page nearly as well as 9 at a fraction of the CPU.
GZIP_LEVEL = 6


async def run_in_threadpool(function, *args):
    """Run ``function(*args)`` in a worker thread: at most :data:`SURVEY_THREADS` at once, one
    on SQLite.

    One hop per request (the database work, rendering and compression together), on a
    plain executor: anyio's per-call bookkeeping cost more than the hand-off itself.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    if not _EXECUTOR:
        try:
            sqlite = database_url().startswith("sqlite")
        except Exception:  # noqa: BLE001 - no database set: the handler says so politely
            sqlite = False
        threads = 1 if sqlite else SURVEY_THREADS
        _EXECUTOR.append(ThreadPoolExecutor(threads, thread_name_prefix="survey"))
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR[0], function, *args)


def _wire(response, gzip_ok: bool) -> tuple[int, list, bytes]:
    """Status, raw headers and body of a Starlette response, gzip-compressed when worth it
    (as Starlette's ``GZipMiddleware`` does: ``Vary: Accept-Encoding`` on every body of
    :data:`GZIP_MINIMUM` bytes or more)."""
    import zlib

    body = response.body
    headers = response.raw_headers
    if len(body) >= GZIP_MINIMUM:
        headers = [h for h in headers if h[0] != b"vary"] + [(b"vary", b"Accept-Encoding")]
        if gzip_ok:
            compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            body = compressor.compress(body) + compressor.flush()
            headers = [h for h in headers if h[0] != b"content-length"]
            headers += [(b"content-encoding", b"gzip"), (b"content-length", b"%d" % len(body))]
    return response.status_code, headers, body


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


class _Headers:
    """The few request headers :func:`came_from_elsewhere` reads (first value of each)."""

    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope

    def get(self, name: str, default: str | None = None) -> str | None:
        found = _header(self.scope, name.encode("latin-1"))
        return default if found is None else found


class SurveyApp:
    """The survey's ASGI app: ``{prefix}/survey`` (GET, HEAD, POST) and its stylesheet.

    A plain ASGI callable rather than Starlette's router, request object and gzip
    middleware: under load their per-request work on the event loop cost as much as
    a page's database work. The request is read here; the handler, the template and
    the compression run together in one worker thread (:func:`run_in_threadpool`).
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.page = f"{prefix}/survey"
        self.css = f"{prefix}/survey/survey.css"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if path == self.css:
            allowed = ("GET", "HEAD")
        elif path == self.page:
            allowed = ("GET", "HEAD", "POST")
        else:
            await _plain(send, 404, b"Not Found")
            return
        if method not in allowed:
            await _plain(
                send, 405, b"Method Not Allowed", [(b"allow", ", ".join(allowed).encode())]
            )
            return
        gzip_ok = "gzip" in (_header(scope, b"accept-encoding") or "")
        if path == self.css:
            wire = _wire(_stylesheet(scope), gzip_ok)
        else:
            wire = await self._survey(scope, receive, method, gzip_ok)
            if wire is None:  # the client went away
                return
        status, headers, body = wire
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _survey(self, scope, receive, method: str, gzip_ok: bool):
        prefix = self.prefix
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        language = "da" if query.get("lang") == "da" else "en"
        form: dict[str, list[str]] = {}
        if method == "POST":
            content_type = (_header(scope, b"content-type") or "").split(";")[0].strip()
            if content_type != "application/x-www-form-urlencoded":
                return _wire(render(_refused(query, language, 415), prefix), gzip_ok)
            if came_from_elsewhere(_Headers(scope)):
                return _wire(render(_refused(query, language, 403), prefix), gzip_ok)
            raw = bytearray()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                raw += message.get("body", b"")
                if len(raw) > MAX_BODY:
                    return _wire(render(_refused(query, language, 413), prefix), gzip_ok)
                if not message.get("more_body", False):
                    break
            form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        visit = Visit(self.page, query, form)
        handler = post if method == "POST" else show

        def answer():
            try:
                return _wire(render(handler(visit), prefix), gzip_ok)
            except Exception as exc:  # noqa: BLE001 - the last line of defence: an error id
                error_id = log_failure(exc, f"{method} survey")
                return _wire(error_page(language, error_id, prefix), gzip_ok)

        return await run_in_threadpool(answer)


async def _plain(send: Any, status: int, body: bytes, extra: list | None = None) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"%d" % len(body)),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _refused(query: dict[str, str], language: str, status: int) -> Reply:
    sentence = text(language, "forbidden") if status == 403 else text(language, "not_found")
    return Reply(
        "message.html",
        {
            "language": language,
            "title": text(language, "survey"),
            "heading": text(language, "survey"),
            "switch": [],
            "sentence": sentence,
            "t": lambda key, **v: text(language, key, **v),
        },
        status,
    )


def _stylesheet(scope: dict[str, Any]):
    """The survey's one stylesheet, cached for a year under its content hash."""
    from starlette.responses import Response

    query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
    immutable = query.get("v") == STYLE_VERSION
    return Response(
        STYLESHEET,
        media_type="text/css",
        headers={
            "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


def survey_app(prefix: str = "") -> SurveyApp:
    """The survey's ASGI app: its two addresses, compressed (``prefix``: server.baseUrlPath)."""
    return SurveyApp(prefix)


def survey_routes(prefix: str = "") -> list:
    """The routes to mount beside Streamlit's; ``prefix`` is server.baseUrlPath ('' or '/x')."""
    from starlette.routing import Route

    prefix = prefix.rstrip("/")
    app = survey_app(prefix)
    return [Route(f"{prefix}/survey", app), Route(f"{prefix}/survey/survey.css", app)]


class SurveyLinkRedirect:
    """ASGI middleware: a survey link on the app's root (``/?t=TOKEN``) goes to ``/survey``.

    It also hands the survey's own requests straight to the survey's app: they need
    none of Streamlit's middleware (its session cookie, path checks, compression), so
    they never pass through it. The routes stay mounted too.
    """

    def __init__(self, app: Any, prefix: str = "") -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")
        self.survey = survey_app(self.prefix)
        self.paths = (f"{self.prefix}/survey", f"{self.prefix}/survey/survey.css")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.survey(scope, receive, send)
            return
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and scope["path"] in (self.prefix + "/", self.prefix or "/")
        ):
            query = parse_qs(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            )
            if "t" in query:
                target = f"{self.prefix}/survey?{urlencode(query, doseq=True)}"
                await send(
                    {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [
                            (b"location", target.encode("latin-1")),
                            (b"cache-control", b"no-store"),
                            (b"referrer-policy", b"same-origin"),
                            (b"content-length", b"0"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


def survey_middleware(prefix: str = "") -> list:
    """The middleware for ``st.App``: old survey links on the root go to the survey."""
    from starlette.middleware import Middleware

    return [Middleware(SurveyLinkRedirect, prefix=prefix)]
