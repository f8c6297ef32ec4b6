"""The login-cookie routes (``study/ui/server.py``): hostile bodies get a status, no traceback."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from study.ui.server import MAX_BODY, routes


@pytest.mark.parametrize("body", ["[" * 2000 + "]" * 2000, '{"":' * 1020, "[" * (MAX_BODY - 1)])
def test_a_deeply_nested_session_body_is_a_bad_request(body):
    """Issue 20, 9: JSON nested past Python's recursion limit within MAX_BODY was a 500."""
    assert len(body) <= MAX_BODY
    client = TestClient(Starlette(routes=routes()), raise_server_exceptions=True)
    reply = client.post(
        "/_study/session", content=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 400
