"""The survey on the app's ASGI server: its routes, compression, stylesheet and old `/?t=` links.

``server.py`` mounts :func:`survey_routes` and :func:`survey_middleware` on Streamlit's
own server (``st.App(routes=..., middleware=...)``); routes given there are matched
before Streamlit's, so ``/survey`` is ours. Each request is read here (query, form
body within :data:`MAX_BODY`, where a POST came from), handled in the thread pool by
:mod:`study.web.survey`, and rendered with Jinja2 (autoescaped). Responses are
gzip-compressed (Starlette's ``GZipMiddleware`` around these routes only), never
cached when they hold answers, never sent with a cookie, and carry a strict content
security policy: no script, styles and images from this site only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from study.web.survey import Reply, Visit, log_failure, post, show
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


def _last_values(items) -> dict[str, str]:
    return {key: value for key, value in items}


#: Threads answering survey requests at once. The work holds the GIL most of the time, so
#: more threads add switching, not throughput; PostgreSQL round trips still overlap.
SURVEY_THREADS = 3
_LIMITER: list = []


async def run_in_threadpool(function, *args):
    """Run ``function(*args)`` in a worker thread, at most :data:`SURVEY_THREADS` at once."""
    import anyio

    if not _LIMITER:
        _LIMITER.append(anyio.CapacityLimiter(SURVEY_THREADS))
    return await anyio.to_thread.run_sync(function, *args, limiter=_LIMITER[0])


def survey_endpoint(prefix: str):
    """The ASGI endpoint of ``{prefix}/survey`` (GET and POST)."""

    async def endpoint(request):
        query = _last_values(request.query_params.multi_items())
        language = "da" if query.get("lang") == "da" else "en"
        form: dict[str, list[str]] = {}
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip()
            if content_type != "application/x-www-form-urlencoded":
                return await run_in_threadpool(render, _refused(query, language, 415), prefix)
            if came_from_elsewhere(request.headers):
                return await run_in_threadpool(render, _refused(query, language, 403), prefix)
            raw = b""
            async for chunk in request.stream():
                raw += chunk
                if len(raw) > MAX_BODY:
                    return await run_in_threadpool(render, _refused(query, language, 413), prefix)
            form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        visit = Visit(f"{prefix}/survey", query, form)
        handler = post if request.method == "POST" else show

        def answer():
            try:
                return render(handler(visit), prefix)
            except Exception as exc:  # noqa: BLE001 - the last line of defence: an error id
                return error_page(language, log_failure(exc, f"{request.method} survey"), prefix)

        return await run_in_threadpool(answer)

    return endpoint


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


async def stylesheet(request):
    """The survey's one stylesheet, cached for a year under its content hash."""
    from starlette.responses import Response

    immutable = request.query_params.get("v") == STYLE_VERSION
    return Response(
        STYLESHEET,
        media_type="text/css",
        headers={
            "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )


def survey_app(prefix: str = ""):
    """The survey's ASGI app: its two routes behind gzip (``prefix``: server.baseUrlPath)."""
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.routing import Route, Router

    inner = Router(
        routes=[
            Route(f"{prefix}/survey", survey_endpoint(prefix), methods=["GET", "HEAD", "POST"]),
            Route(f"{prefix}/survey/survey.css", stylesheet, methods=["GET", "HEAD"]),
        ]
    )
    return GZipMiddleware(inner, minimum_size=300, compresslevel=6)


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
