"""A timed answer to a request without a body (GET) waits as scripted: the empty body
uvicorn still hands over must not read as the client hanging up."""

from __future__ import annotations

import httpx
from meshapi_mock import MockServer


def test_a_delayed_models_list_arrives_whole(server: MockServer, http: httpx.Client) -> None:
    server.time_scale = 0.01
    server.models.timing(delay=5, first_chunk=5).default()

    response = http.get("/v1/models")

    assert response.status_code == 200 and response.json()
    (entry,) = server.requests
    assert entry.error_code is None
    assert entry.delivery is not None and entry.delivery.outcome == "completed"
    assert entry.delivery.intended == {"headers_ms": 50.0, "first_chunk_ms": 50.0}
