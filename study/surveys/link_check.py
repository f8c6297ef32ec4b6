"""Whether the survey links built now will open, said in plain sentences.

Links are built on :func:`study.config.base_url`: STUDY_BASE_URL when set, otherwise
the address the app is served on. The Campaigns page shows :func:`link_warnings` above
every link, so a team that started the app on another port, or set an address that
does not answer, learns it before an all-staff e-mail goes out.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from study.config import base_url, base_url_is_set, served_url

#: Host names that open only on the computer the app runs on.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
#: How long a probe of the base address is trusted, in seconds.
PROBE_SECONDS = 60.0
_PROBES: dict[str, tuple[float, str | None]] = {}


def _port(url: str) -> int | None:
    parts = urlsplit(url)
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


def probe(base: str, *, timeout: float = 2.0) -> str | None:
    """None when ``base`` serves the survey's stylesheet, else why not (a short phrase).

    The answer is kept for :data:`PROBE_SECONDS`, so a page that reruns does not wait
    on an address that does not answer each time.
    """
    now = time.monotonic()
    cached = _PROBES.get(base)
    if cached is not None and now - cached[0] < PROBE_SECONDS:
        return cached[1]
    reason: str | None = None
    try:
        with urllib.request.urlopen(f"{base}/survey/survey.css", timeout=timeout) as reply:
            if reply.status != 200 or "css" not in reply.headers.get("content-type", ""):
                reason = f"it answered, but not as ISM Study (HTTP {reply.status})"
    except urllib.error.HTTPError as exc:
        reason = f"it answered, but not as ISM Study (HTTP {exc.code})"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        cause = getattr(exc, "reason", exc)
        reason = "it timed out" if isinstance(cause, TimeoutError) else "nothing answers there"
    _PROBES[base] = (now, reason)
    return reason


def link_warnings(*, opened_at: str | None = None, check: bool = True) -> list[str]:
    """Sentences on why links built now might not open for respondents (empty: none).

    Parameters
    ----------
    opened_at : str, optional
        The address the staff member's browser opened the app at (the page's URL), to
        tell when links point at ``localhost`` but the app is used from elsewhere.
    check : bool
        Whether to ask the set address if it answers (:func:`probe`).
    """
    base = base_url()
    served = served_url()
    sentences = []
    base_host = (urlsplit(base).hostname or "").lower()
    if base_url_is_set():
        if served and base_host in LOCAL_HOSTS and _port(base) != _port(served):
            sentences.append(
                f"STUDY_BASE_URL is {base}, but this app is served on port {_port(served)}: "
                "links built on it lead to another port. Set STUDY_BASE_URL to the address "
                "respondents use, or unset it to follow the port the app runs on."
            )
        elif check:
            reason = probe(base)
            if reason:
                sentences.append(
                    f"Survey links point at {base}, but {reason}: respondents could not "
                    "open them. Check STUDY_BASE_URL."
                )
    opened_host = (urlsplit(opened_at).hostname or "").lower() if opened_at else ""
    if base_host in LOCAL_HOSTS and opened_host and opened_host not in LOCAL_HOSTS:
        sentences.append(
            f"Links point at {base}, which opens only on the computer the app runs on. "
            "Set STUDY_BASE_URL to the address employees use (for example "
            f"{urlsplit(opened_at).scheme}://{urlsplit(opened_at).netloc})."
        )
    return sentences
