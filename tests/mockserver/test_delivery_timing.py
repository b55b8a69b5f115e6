"""Scripted timing over a real port: when the headers, the first chunk and each later
chunk leave the fake. Waits run on a small time scale; the journal's `intended` times are
exact (they are what the fake computed), `actual` ones are only checked loosely, and
wall-clock is only ever bounded from below (a wait can run late, never early)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meshapi import ChatCompletionParams, ChatMessage, MeshAPI
from meshapi_mock import MockServer
from support.delivery import CHAT, KEEP_ALIVE, chat_body, data_frames, delivery_of, frames
from support.wire import response_events, sse_payloads, streamed_text

SCALE = 0.01
"""Every test here runs 100x faster than scripted: `first_chunk=30` waits 0.3 s."""


@pytest.fixture
def fast(server: MockServer) -> MockServer:
    server.time_scale = SCALE
    return server


@pytest.fixture(scope="module")
def seeded_other() -> Iterator[MockServer]:
    """A second fake with another seed, to show jitter follows the seed."""
    with MockServer(seed=7, time_scale=SCALE) as other:
        yield other


def afresh(server: MockServer) -> MockServer:
    """Back to the start (ids too), so a second request gets the same bytes as the first."""
    server.reset()
    server.time_scale = SCALE
    return server


def timed_stream(http: httpx.Client, body: dict[str, Any]) -> tuple[float, float, bytes]:
    """(seconds to the response object, seconds to the first body bytes, the body)."""
    started = time.monotonic()
    with http.stream("POST", CHAT, json=body) as response:
        headers_at = time.monotonic() - started
        chunks = response.iter_raw()
        first = next(chunks)
        first_at = time.monotonic() - started
        rest = b"".join(chunks)
    return headers_at, first_at, first + rest


def test_delay_holds_back_the_status_line(fast: MockServer, http: httpx.Client) -> None:
    fast.chat.timing(delay=30).reply("late")

    headers_at, _, body = timed_stream(http, chat_body(stream=True))

    assert headers_at >= 0.28
    assert streamed_text(sse_payloads(body)) == "late"
    record = delivery_of(http)
    assert record["time_scale"] == SCALE
    assert record["intended"]["headers_ms"] == 300.0
    assert 280 <= record["actual"]["headers_ms"] < 3000
    assert record["outcome"] == "completed"


def test_headers_go_out_at_once_and_the_first_chunk_waits(
    fast: MockServer, http: httpx.Client
) -> None:
    fast.chat.timing(first_chunk=50).reply("after a pause")

    headers_at, first_at, body = timed_stream(http, chat_body(stream=True))

    # The response object exists well before any of the body: the headers did not wait.
    assert first_at - headers_at >= 0.4
    assert streamed_text(sse_payloads(body)) == "after a pause"
    record = delivery_of(http)
    assert record["intended"]["headers_ms"] == 0.0
    assert record["intended"]["first_chunk_ms"] == 500.0
    assert record["actual"]["headers_ms"] < record["actual"]["first_chunk_ms"]
    assert record["actual"]["first_chunk_ms"] >= 480


def test_interval_paces_every_later_frame(fast: MockServer, http: httpx.Client) -> None:
    fast.chat.timing(interval=4).reply(stream={"chunks": ["a", "b", "c", "d", "e"]})

    started = time.monotonic()
    body = http.post(CHAT, json=chat_body(stream=True)).content
    elapsed = time.monotonic() - started

    sent = frames(body)  # 5 text frames, finish, usage, [DONE]
    record = delivery_of(http)
    assert record["chunks"] == len(sent) == 8
    assert record["intended"]["gaps_ms"] == [40.0] * 7
    assert elapsed >= 0.26  # 7 gaps of 40 ms, less a little lateness caught up
    actual = record["actual"]["gaps_ms"]
    assert len(actual) == 7
    assert 30 <= sum(actual) / len(actual) <= 400


def test_tokens_per_second_waits_for_each_frame_s_text(
    fast: MockServer, http: httpx.Client
) -> None:
    # 4 characters a token: 8 characters are 2 tokens, 1 character still 1; at 10 tokens
    # a second and the 0.01 scale, 2 ms a token. Frames without text go at once.
    fast.chat.timing(tokens_per_second=10).reply(stream={"chunks": ["abcd", "efghijkl", "m"]})

    body = http.post(CHAT, json=chat_body(stream=True)).content

    assert streamed_text(sse_payloads(body)) == "abcdefghijklm"
    assert delivery_of(http)["intended"]["gaps_ms"] == [2.0, 1.0, 0.0, 0.0, 0.0]


def jittered_gaps(server: MockServer, http: httpx.Client) -> list[float]:
    server.reset()
    server.time_scale = SCALE
    server.chat.timing(interval=1, jitter=0.5).reply(stream={"chunks": list("abcdefgh")})
    http.post(CHAT, json=chat_body(stream=True)).raise_for_status()
    gaps: list[float] = delivery_of(http)["intended"]["gaps_ms"]
    return gaps


def test_jitter_is_drawn_from_the_seed(
    server: MockServer, http: httpx.Client, seeded_other: MockServer
) -> None:
    first = jittered_gaps(server, http)
    again = jittered_gaps(server, http)
    with httpx.Client(base_url=seeded_other.url, headers=http.headers) as other_http:
        other = jittered_gaps(seeded_other, other_http)

    assert first == again  # same seed, same requests: the same waits
    assert other != first  # another seed: other waits
    for gaps in (first, other):
        assert len(set(gaps)) > 3, "jitter varies each wait"
        assert all(5.0 <= gap <= 15.0 for gap in gaps), gaps  # 10 ms, up to half either way


def test_keep_alive_comments_fill_long_gaps_without_changing_the_answer(
    fast: MockServer, http: httpx.Client
) -> None:
    untimed = http.post(CHAT, json=chat_body(stream=True)).content
    afresh(fast).chat.timing(first_chunk=15, interval=3, keep_alive=2).default()

    timed = http.post(CHAT, json=chat_body(stream=True)).content

    sent = frames(timed)
    assert sent[0] == KEEP_ALIVE  # the first wait (150 ms) is ~7 periods of 20 ms
    assert sent.count(KEEP_ALIVE) >= 6
    assert b"".join(data_frames(timed)) == untimed
    assert all(f.startswith(b"data: ") or f == KEEP_ALIVE for f in sent)


def test_clients_read_the_same_text_through_keep_alives(fast: MockServer) -> None:
    fast.chat.timing(first_chunk=20, interval=5, keep_alive=2).reply(
        stream={"chunks": ["Hel", "lo ", "world"]}
    )
    params = ChatCompletionParams(
        model="openai/gpt-4o-mini", messages=[ChatMessage(role="user", content="hi")]
    )

    with MeshAPI(base_url=fast.url, token="rsk_test", max_retries=0) as client:
        reply = client.chat.completions.stream(params).final_response()

    assert reply.choices[0].message.content == "Hello world"
    assert fast.requests[-1].delivery is not None
    assert fast.requests[-1].delivery.outcome == "completed"


def test_a_json_body_waits_after_its_headers(fast: MockServer, http: httpx.Client) -> None:
    fast.chat.timing(delay=10, first_chunk=40, interval=99).reply("whole")

    headers_at, first_at, body = timed_stream(http, chat_body())

    assert headers_at >= 0.09 and first_at - headers_at >= 0.35
    assert b'"content":"whole"' in body
    record = delivery_of(http)
    assert record["intended"] == {"headers_ms": 100.0, "first_chunk_ms": 400.0}
    assert record["chunks"] == 1 and "gaps_ms" not in record["actual"]


def test_an_error_reply_is_timed_like_any_answer(fast: MockServer, http: httpx.Client) -> None:
    fast.chat.timing(delay=20).error(429, retry_after=2)

    started = time.monotonic()
    response = http.post(CHAT, json=chat_body())

    assert time.monotonic() - started >= 0.18
    assert response.status_code == 429 and response.headers["retry-after"] == "2"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    record = delivery_of(http)
    assert record["intended"]["headers_ms"] == 200.0 and record["outcome"] == "completed"


OTHER_STREAMS = [
    pytest.param(
        "responses", "/v1/responses", {"model": "openai/gpt-4o-mini", "input": "hi"}, id="responses"
    ),
    pytest.param(
        "compare",
        "/v1/chat/compare",
        {
            "models": ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5"],
            "messages": [{"role": "user", "content": "hi"}],
        },
        id="compare",
    ),
    pytest.param(
        "images",
        "/v1/images/generations",
        {"prompt": "a boat", "partial_images": 2, "size": "16x16"},
        id="images",
    ),
]


@pytest.mark.parametrize(("face", "path", "body"), OTHER_STREAMS)
def test_other_streams_are_paced_frame_by_frame(
    fast: MockServer, http: httpx.Client, face: str, path: str, body: dict[str, Any]
) -> None:
    untimed = http.post(path, json={**body, "stream": True}).content
    afresh(fast).script(face).timing(first_chunk=3, interval=1).default()

    timed = http.post(path, json={**body, "stream": True}).content

    assert timed == untimed  # the same events, only later
    record = delivery_of(http)
    count = len(frames(timed))
    assert record["chunks"] == count > 2
    assert record["intended"]["first_chunk_ms"] == 30.0
    assert record["intended"]["gaps_ms"] == [10.0] * (count - 1)
    if face == "responses":
        assert response_events(timed)[-1]["type"] == "response.completed"


def test_an_embeddings_answer_is_one_timed_chunk(fast: MockServer, http: httpx.Client) -> None:
    body = {"model": "openai/text-embedding-3-small", "input": ["a", "b"]}
    untimed = http.post("/v1/embeddings", json=body)
    afresh(fast).embeddings.timing(delay=5, first_chunk=20, interval=50).default()

    timed = http.post("/v1/embeddings", json=body)

    assert timed.content == untimed.content
    assert timed.headers["content-length"] == str(len(untimed.content))
    record = delivery_of(http)
    assert record["intended"] == {"headers_ms": 50.0, "first_chunk_ms": 200.0}
    assert record["chunks"] == 1 and record["outcome"] == "completed"
