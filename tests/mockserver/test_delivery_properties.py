"""Delivery invariants over any timing and any fault, over real HTTP with Hypothesis:
timing changes when bytes leave, never which; no fault harms the next request."""

from __future__ import annotations

from typing import Any, cast

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.delivery.spec import FaultKind
from support.delivery import (
    CHAT,
    FAULT_KINDS,
    chat_body,
    data_frames,
    fault_points,
    raw_exchange,
    timings,
    wait_for,
)

FEW = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
TINY_SCALE = 0.001
"""A timing of seconds runs in milliseconds."""


def stream_once(server: MockServer, http: httpx.Client, text: str) -> bytes:
    server.chat.reply(text, stream={"chunks": 3})
    return http.post(CHAT, json=chat_body(stream=True)).content


@FEW
@given(timing=timings, text=st.text(min_size=1, max_size=40))
def test_a_timed_stream_carries_the_untimed_bytes(
    session_server: MockServer, session_http: httpx.Client, timing: dict[str, Any], text: str
) -> None:
    session_server.reset()
    untimed = stream_once(session_server, session_http, text)
    session_server.reset()  # the same ids again
    session_server.time_scale = TINY_SCALE
    session_server.chat.timing(**timing).reply(text, stream={"chunks": 3})

    timed = session_http.post(CHAT, json=chat_body(stream=True)).content

    assert data_frames(timed) == data_frames(untimed)
    assert b"".join(data_frames(timed)) == untimed
    record = session_server.requests[-1].delivery
    assert record is not None
    # The outcome is written just after the last bytes leave: the client may be faster.
    wait_for(lambda: record.outcome != "pending")
    assert record.outcome == "completed"


@FEW
@given(kind=st.sampled_from(FAULT_KINDS), point=fault_points, stream=st.booleans())
def test_after_any_fault_the_next_request_is_answered(
    session_server: MockServer,
    session_http: httpx.Client,
    kind: str,
    point: dict[str, int],
    stream: bool,
) -> None:
    session_server.reset()
    if kind in ("non_json_error", "html_502"):
        point = {}
    options: dict[str, Any] = {"seconds": 0.05} if kind == "stall" else {}
    session_server.chat.with_fault(cast(FaultKind, kind), **point, **options).reply("a b c d")

    # The client's patience is bounded, so even a stall that never ended could not hang this.
    broken = raw_exchange(session_server.url, CHAT, chat_body(stream=stream), timeout=3)
    after = session_http.post(CHAT, json=chat_body(), timeout=3)

    assert broken.ended in ("eof", "reset")
    assert after.status_code == 200
    assert after.json()["choices"][0]["message"]["content"]
    entry = session_server.requests[0]
    assert entry.delivery is not None and entry.delivery.fault is not None
    assert entry.delivery.fault["kind"] == kind
