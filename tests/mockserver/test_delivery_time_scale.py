"""The time scale: one factor on every scripted wait, set at start, from Python or the
admin API, restored by a reset; a stall's `seconds` stays as written."""

from __future__ import annotations

import math
import time
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer
from support.delivery import CHAT, chat_body, delivery_of, raw_exchange


def timed_request(http: httpx.Client) -> dict[str, Any]:
    http.post(CHAT, json=chat_body(stream=True)).raise_for_status()
    return delivery_of(http)


def test_the_constructor_s_scale_shapes_every_wait() -> None:
    with (
        MockServer(time_scale=0.02) as fake,
        httpx.Client(base_url=fake.url, headers={"Authorization": "Bearer rsk_x"}) as http,
    ):
        assert fake.time_scale == 0.02
        fake.chat.timing(delay=1, first_chunk=2, interval=0.5).reply(stream={"chunks": ["a", "b"]})
        record = timed_request(http)
        fake.reset()
        assert fake.time_scale == 0.02  # the start's scale is what a reset returns to

    assert record["time_scale"] == 0.02
    assert record["intended"] == {"headers_ms": 20.0, "first_chunk_ms": 40.0, "gaps_ms": [10.0] * 4}


def test_a_test_s_scale_lasts_until_the_reset(server: MockServer, http: httpx.Client) -> None:
    assert server.time_scale == 1.0
    server.time_scale = 0.005
    server.chat.timing(first_chunk=4).reply("x")

    record = timed_request(http)
    server.reset()

    assert record["time_scale"] == 0.005
    assert record["intended"]["first_chunk_ms"] == 20.0
    assert server.time_scale == 1.0


@pytest.mark.parametrize("bad", [0, -1, math.inf, math.nan, 1001])
def test_python_refuses_a_scale_that_is_not_a_positive_factor(
    server: MockServer, bad: float
) -> None:
    with pytest.raises(ValueError, match=r"from 0\.0001 to 1000"):
        server.time_scale = bad
    assert server.time_scale == 1.0


@pytest.mark.parametrize("bad", [0, -0.5, 1001])
def test_the_constructor_refuses_a_bad_scale(bad: float) -> None:
    with pytest.raises(ValueError, match="time_scale"):
        MockServer(time_scale=bad)


def test_the_admin_api_sets_the_scale_until_the_reset(
    server: MockServer, http: httpx.Client
) -> None:
    patched = http.patch("/_mock/config", json={"time_scale": 0.01})
    assert patched.status_code == 200 and patched.json()["time_scale"] == 0.01
    assert http.get("/_mock/config").json()["time_scale"] == 0.01
    http.post("/_mock/rules", json={"reply": {"text": "x"}, "timing": {"delay": 3}})

    record = timed_request(http)
    http.post("/_mock/reset")

    assert record["time_scale"] == 0.01 and record["intended"]["headers_ms"] == 30.0
    assert http.get("/_mock/config").json()["time_scale"] == 1.0


@pytest.mark.parametrize("bad", [0, -1, 1e9, "fast", True, None, [0.5]])
def test_the_admin_api_refuses_a_bad_scale(
    server: MockServer, http: httpx.Client, bad: Any
) -> None:
    response = http.patch("/_mock/config", json={"time_scale": bad})

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "time_scale" in error["message"]
    assert server.time_scale == 1.0


def test_a_stall_lasts_its_seconds_whatever_the_scale(
    server: MockServer, http: httpx.Client
) -> None:
    server.time_scale = 0.001
    server.chat.with_fault("stall", after_chunks=1, seconds=0.4).reply("slow")

    exchange = raw_exchange(server.url, CHAT, chat_body(stream=True))

    assert exchange.elapsed >= 0.38  # 0.4 s as written, not 0.4 ms
    assert exchange.complete and exchange.body.endswith(b"data: [DONE]\n\n")
    record = delivery_of(http)
    assert record["time_scale"] == 0.001
    assert record["fault"] == {"kind": "stall", "after_chunks": 1, "seconds": 0.4, "source": "rule"}


def test_a_stall_s_wait_is_unscaled_but_the_rest_is_scaled(
    server: MockServer, http: httpx.Client
) -> None:
    server.time_scale = 0.01
    server.chat.timing(first_chunk=20).with_fault("stall", after_chunks=2, seconds=0.2).reply("x")

    started = time.monotonic()
    raw_exchange(server.url, CHAT, chat_body(stream=True))
    elapsed = time.monotonic() - started

    assert elapsed >= 0.38  # 0.2 s scaled first chunk + 0.2 s unscaled stall
    assert delivery_of(http)["intended"]["first_chunk_ms"] == 200.0
