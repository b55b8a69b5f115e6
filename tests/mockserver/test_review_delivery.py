"""What a review of the delivery work found, each pinned where a user would meet it."""

from __future__ import annotations

import pickle

import httpx
import pytest
import websockets.sync.client
from meshapi._errors import APITimeoutError, connection_error
from meshapi_mock import MockServer
from support.delivery import CHAT, chat_body


def test_a_chaos_error_spends_no_rule_so_a_retry_gets_the_scripted_answer(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.reply("scripted once")
    server.chaos(statuses={429: 1.0})

    assert http.post(CHAT, json=chat_body()).status_code == 429
    server.chaos()
    retried = http.post(CHAT, json=chat_body())

    assert retried.json()["choices"][0]["message"]["content"] == "scripted once"


@pytest.mark.parametrize("kind", ["error_frame", "data_after_done", "malformed_frame"])
def test_a_body_fault_leaves_a_204_bodyless_and_the_connection_usable(
    server: MockServer, http: httpx.Client, kind: str
) -> None:
    created = http.post("/v1/templates", json={"name": "t", "system": "Hi"}).json()
    server.chaos({kind: 1.0})

    deleted = http.delete(f"/v1/templates/{created['id']}")
    server.chaos()
    after = http.get("/v1/models")  # the same keep-alive connection

    assert deleted.status_code == 204 and deleted.content == b""
    assert "content-length" not in deleted.headers or deleted.headers["content-length"] == "0"
    assert after.status_code == 200


def test_a_whole_response_fault_past_the_upstream_timeout_is_the_gateway_s_504(
    server: MockServer, http: httpx.Client
) -> None:
    server.time_scale = 0.01
    server.chat.timing(first_chunk=2).fault("non_json_error")

    response = http.post(CHAT, json=chat_body(timeout=1))

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "gateway_timeout"


def test_chaos_places_stream_faults_and_leaves_whole_responses_whole(
    server: MockServer, http: httpx.Client
) -> None:
    accepted = http.put("/_mock/chaos", json={"faults": {"html_502": 1.0}, "after_chunks": 2})

    assert accepted.status_code == 200, accepted.text
    assert http.post(CHAT, json=chat_body()).status_code == 502


def test_a_websocket_to_the_admin_api_is_a_404_not_a_crash(server: MockServer) -> None:
    url = server.url.replace("http://", "ws://") + "/_mock/health"

    with pytest.raises(websockets.exceptions.InvalidStatus) as caught:
        websockets.sync.client.connect(url, open_timeout=5)

    assert caught.value.response.status_code == 404


def test_a_time_scale_too_small_for_the_clock_is_refused() -> None:
    with pytest.raises(ValueError, match=r"from 0\.0001"):
        MockServer(time_scale=1e-12)


def test_transport_errors_that_are_also_httpx_s_still_pickle() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    error = connection_error(httpx.ReadTimeout("slow", request=request))

    copied = pickle.loads(pickle.dumps(error))

    assert isinstance(copied, APITimeoutError) and isinstance(copied, httpx.ReadTimeout)
    assert (copied.error_code, copied.message) == (error.error_code, error.message)
