"""Retries: which failures, how many times, how long to wait — with sleeps recorded, not slept."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from email.utils import formatdate

import httpx
import pytest
from meshapi import (
    APIConnectionError,
    APITimeoutError,
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatMessage,
    MeshAPI,
    RateLimitError,
    RetryPolicy,
    ServerError,
    StreamInterruptedError,
)
from meshapi._retry import parse_retry_after

PARAMS = ChatCompletionParams(model="m", messages=[ChatMessage(role="user", content="hi")])
COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
}
CHUNK = json.dumps({**COMPLETION, "object": "chat.completion.chunk", "choices": []})
SSE_OK = f"data: {CHUNK}\n\ndata: [DONE]\n\n".encode()
NOW = 1_767_225_600.0


class Script:
    """Answers each request with the next scripted outcome and keeps what was sent."""

    def __init__(self, *outcomes: httpx.Response | Exception) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"error": {"code": "x", "message": "m"}}, headers=headers)


# --------------------------------------------------------------------------- the policy


@pytest.mark.parametrize(("random", "factor"), [(0.0, 0.8), (0.5, 1.0), (0.75, 1.1)])
def test_backoff_doubles_from_half_a_second_with_twenty_percent_jitter(
    random: float, factor: float
) -> None:
    policy = RetryPolicy(random=lambda: random)

    delays = [policy.backoff(n) for n in range(3)]

    assert delays == pytest.approx([0.5 * factor, 1.0 * factor, 2.0 * factor])


def test_backoff_is_capped_at_thirty_seconds_before_jitter() -> None:
    assert RetryPolicy(random=lambda: 0.5).backoff(20) == 30.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        ("2.5", 3.0),  # rounded up: never earlier than told
        (" 0 ", 0.0),
        (formatdate(NOW + 10, usegmt=True), 10.0),
        (formatdate(NOW - 10, usegmt=True), 0.0),
        ("-1", None),
        ("nan", None),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(
    header: str | None, seconds: float | None
) -> None:
    assert parse_retry_after(header, lambda: NOW) == seconds


def test_retry_after_wins_over_backoff_up_to_the_cap() -> None:
    policy = RetryPolicy(random=lambda: 0.5)

    assert policy.delay_after_status(0, 429, "7") == 7.0
    assert policy.delay_after_status(0, 503, "120") == 30.0
    assert policy.delay_after_status(1, 502, None) == 1.0
    assert policy.delay_after_status(0, 500, "1") is None
    assert policy.delay_after_status(3, 429, "1") is None  # retries used up


# --------------------------------------------------------------------------- through a client


def test_retryable_statuses_are_retried_with_backoff_until_success(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    script = Script(status(503), status(502), status(504), httpx.Response(200, json=COMPLETION))

    reply = sync_client(script).chat.completions.create(PARAMS)

    assert reply.choices[0].message.content == "ok"
    assert len(script.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert len({request.content for request in script.requests}) == 1  # same body each time


def test_gives_up_after_three_retries_and_raises_the_last_error(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    script = Script(status(429, **{"Retry-After": "2"}))

    with pytest.raises(RateLimitError) as caught:
        sync_client(script).chat.completions.create(PARAMS)

    assert caught.value.retry_after_seconds == 2
    assert len(script.requests) == 4
    assert sleeps == [2.0, 2.0, 2.0]


def test_retry_after_as_an_http_date_is_honoured(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    policy = RetryPolicy(random=lambda: 0.5, clock=lambda: NOW)
    script = Script(
        status(503, **{"Retry-After": formatdate(NOW + 5, usegmt=True)}),
        httpx.Response(200, json=COMPLETION),
    )

    sync_client(script, retry_policy=policy).chat.completions.create(PARAMS)

    assert sleeps == [5.0]


def test_500_is_not_retried(sync_client: Callable[..., MeshAPI], sleeps: list[float]) -> None:
    script = Script(status(500))

    with pytest.raises(ServerError):
        sync_client(script).chat.completions.create(PARAMS)

    assert len(script.requests) == 1
    assert sleeps == []


def test_max_retries_sets_the_number_of_retries(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    script = Script(status(503))

    with pytest.raises(ServerError):
        sync_client(script, max_retries=1).chat.completions.create(PARAMS)

    assert len(script.requests) == 2
    assert sleeps == [0.5]


def test_connection_errors_are_retried(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    refused = httpx.ConnectError("connection refused")
    script = Script(refused, refused, httpx.Response(200, json=COMPLETION))

    reply = sync_client(script).chat.completions.create(PARAMS)

    assert reply.id == "c1"
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("failure", "cls", "code"),
    [
        (httpx.ConnectError("refused"), APIConnectionError, "connection_error"),
        (httpx.ReadTimeout("slow"), APITimeoutError, "timeout"),
    ],
)
def test_persistent_transport_failures_raise_sdk_errors(
    sync_client: Callable[..., MeshAPI],
    sleeps: list[float],
    failure: Exception,
    cls: type[APIConnectionError],
    code: str,
) -> None:
    script = Script(failure)

    with pytest.raises(cls) as caught:
        sync_client(script).chat.completions.create(PARAMS)

    assert caught.value.error_code == code
    assert caught.value.status == 0
    assert isinstance(caught.value.__cause__, type(failure))
    assert len(script.requests) == 4


def test_a_stream_is_retried_while_opening(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    script = Script(status(429, **{"Retry-After": "1"}), httpx.Response(200, content=SSE_OK))

    chunks = list(sync_client(script).chat.completions.stream(PARAMS))

    assert [chunk.id for chunk in chunks] == ["c1"]
    assert len(script.requests) == 2
    assert sleeps == [1.0]


def test_a_stream_is_not_retried_once_data_has_flowed(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    def broken_body() -> Iterator[bytes]:
        yield f"data: {CHUNK}\n\n".encode()
        raise httpx.ReadError("connection reset")

    script = Script(httpx.Response(200, content=broken_body()))
    received = []

    with pytest.raises(StreamInterruptedError):
        for chunk in sync_client(script).chat.completions.stream(PARAMS):
            received.append(chunk)

    assert len(received) == 1
    assert len(script.requests) == 1
    assert sleeps == []


@pytest.mark.anyio
async def test_async_client_retries_the_same_way(
    async_client: Callable[..., AsyncMeshAPI], sleeps: list[float]
) -> None:
    script = Script(
        status(503),
        httpx.ConnectError("refused"),
        status(429, **{"Retry-After": "3"}),
        httpx.Response(200, json=COMPLETION),
    )

    reply = await async_client(script).chat.completions.create(PARAMS)

    assert reply.id == "c1"
    assert len(script.requests) == 4
    assert sleeps == [0.5, 1.0, 3.0]


@pytest.mark.anyio
async def test_async_stream_is_retried_while_opening_only(
    async_client: Callable[..., AsyncMeshAPI], sleeps: list[float]
) -> None:
    script = Script(status(502), httpx.Response(200, content=SSE_OK))

    chunks = [chunk async for chunk in async_client(script).chat.completions.stream(PARAMS)]

    assert [chunk.id for chunk in chunks] == ["c1"]
    assert len(script.requests) == 2
    assert sleeps == [0.5]
