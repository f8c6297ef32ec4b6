"""Every HTTP response of the live app forbids framing (clickjacking), checked with real requests."""

from __future__ import annotations

import urllib.request

PATHS = [
    "/",
    "/?t=sometoken",
    "/survey?t=sometoken",
    "/_stcore/health",
    "/_stcore/host-config",
    "/no-such-page",
]


def _headers(url: str):
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.headers
    except urllib.error.HTTPError as error:  # a 404 must carry the headers too
        return error.headers


def test_every_response_forbids_framing(live_app):
    for path in PATHS:
        headers = _headers(live_app + path)
        assert headers["X-Frame-Options"] == "DENY", path
        # The survey's policy is stricter (no script, own styles only); every one forbids framing.
        policy = [d.strip() for d in headers["Content-Security-Policy"].split(";")]
        assert "frame-ancestors 'none'" in policy, path
