"""Retries: which failures, how many times, how long to wait — with sleeps recorded, not slept."""

from __future__ import annotations

import dataclasses
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
    MeshAPIError,
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
    ("failure", "cls", "code", "attempts"),
    [
        (httpx.ConnectError("refused"), APIConnectionError, "connection_error", 4),
        (httpx.ConnectTimeout("no answer"), APITimeoutError, "timeout", 4),
        (httpx.ReadTimeout("slow"), APITimeoutError, "timeout", 1),
        (httpx.RemoteProtocolError("cut short"), APIConnectionError, "connection_error", 1),
        (httpx.ReadError("reset"), APIConnectionError, "connection_error", 1),
    ],
)
def test_transport_failures_raise_errors_that_are_also_httpx_s(
    sync_client: Callable[..., MeshAPI],
    sleeps: list[float],
    failure: httpx.TransportError,
    cls: type[APIConnectionError],
    code: str,
    attempts: int,
) -> None:
    """Only a request that cannot have left is retried: after a read timeout or a broken
    answer the gateway may have run (and billed) it, so the error is raised at once, as the
    official SDK does (contract 1.8). The error is ours and httpx's, so code written for the
    official SDK (`except httpx.ReadTimeout`) and for ours (`except APITimeoutError`) both
    catch it."""
    script = Script(failure)

    with pytest.raises(cls) as caught:
        sync_client(script).chat.completions.create(PARAMS)

    assert isinstance(caught.value, type(failure))
    assert caught.value.request is script.requests[-1]
    assert caught.value.error_code == code
    assert caught.value.status == 0
    assert isinstance(caught.value.__cause__, type(failure))
    assert len(script.requests) == attempts


def test_a_stream_is_not_retried_at_its_open(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    """Contract §1.8 and the official SDK: streams are never retried, even on 429 at open."""
    script = Script(status(429, **{"Retry-After": "1"}), httpx.Response(200, content=SSE_OK))

    with pytest.raises(RateLimitError) as caught:
        list(sync_client(script).chat.completions.stream(PARAMS))

    assert caught.value.retry_after_seconds == 1
    assert len(script.requests) == 1
    assert sleeps == []


def test_a_multipart_upload_is_not_retried(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    """Contract §1.8: multipart uploads (transcriptions, translations) go once, even on 503."""
    script = Script(status(503, **{"Retry-After": "1"}), httpx.Response(200, json={"text": "hi"}))

    with pytest.raises(ServerError):
        sync_client(script).audio.transcribe(b"RIFF", {"model": "openai/whisper-1"})

    assert len(script.requests) == 1
    assert sleeps == []


def test_a_stream_is_not_retried_after_a_failed_connect(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(200, content=SSE_OK))

    with pytest.raises(APIConnectionError):
        list(sync_client(script).chat.completions.stream(PARAMS))

    assert len(script.requests) == 1
    assert sleeps == []


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
async def test_async_stream_is_not_retried_either(
    async_client: Callable[..., AsyncMeshAPI], sleeps: list[float]
) -> None:
    script = Script(status(502), httpx.Response(200, content=SSE_OK))

    with pytest.raises(ServerError) as caught:
        [chunk async for chunk in async_client(script).chat.completions.stream(PARAMS)]

    assert caught.value.status == 502
    assert len(script.requests) == 1
    assert sleeps == []


# --------------------------------------------------------------------------- more of the policy


def test_default_policy_is_three_retries_from_half_a_second_capped_at_thirty() -> None:
    policy = RetryPolicy()

    assert repr(policy) == "RetryPolicy(max_retries=3, base_delay=0.5, max_delay=30.0, jitter=0.2)"


def test_a_policy_is_immutable_so_clients_can_share_it() -> None:
    policy = RetryPolicy()

    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_retries = 5  # type: ignore[misc]


@pytest.mark.parametrize(("random", "factor"), [(0.0, 0.8), (0.999, 1.1996), (0.25, 0.9)])
def test_jitter_spreads_delays_over_plus_minus_twenty_percent(random: float, factor: float) -> None:
    policy = RetryPolicy(random=lambda: random)

    assert policy.backoff(2) == pytest.approx(2.0 * factor)


def test_jitter_base_delay_and_cap_are_configurable() -> None:
    assert RetryPolicy(jitter=0.0, random=lambda: 0.9).backoff(3) == 4.0
    assert RetryPolicy(jitter=0.5, random=lambda: 0.0).backoff(1) == 0.5
    assert RetryPolicy(base_delay=0.1, random=lambda: 0.5).backoff(2) == pytest.approx(0.4)
    assert RetryPolicy(max_delay=1.5, random=lambda: 0.5).backoff(3) == 1.5


def test_jitter_is_applied_after_the_cap() -> None:
    assert RetryPolicy(random=lambda: 1.0).backoff(20) == pytest.approx(36.0)
    assert RetryPolicy(random=lambda: 0.0).backoff(20) == pytest.approx(24.0)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0.5", 1.0),
        ("0.001", 1.0),
        ("29.2", 30.0),
        ("1e2", 100.0),
        ("inf", None),
        ("-0.5", None),
        ("", None),
        ("Mon, 99 Foo 2026 25:61:00 GMT", None),
    ],
)
def test_retry_after_seconds_are_rounded_up_and_garbage_is_ignored(
    header: str, seconds: float | None
) -> None:
    assert parse_retry_after(header, lambda: NOW) == seconds


def test_retry_after_http_date_is_rounded_up_never_down() -> None:
    date = formatdate(NOW + 10, usegmt=True)

    assert parse_retry_after(date, lambda: NOW + 0.25) == 10.0
    assert parse_retry_after(date, lambda: NOW + 9.75) == 1.0
    assert parse_retry_after(date, lambda: NOW + 10.5) == 0.0


def test_retry_after_http_date_without_zone_is_read_as_utc() -> None:
    naive = formatdate(NOW + 10, usegmt=True).replace("GMT", "-0000")

    assert parse_retry_after(naive, lambda: NOW) == 10.0


def test_retry_after_http_date_in_another_zone_is_converted() -> None:
    two_hours_east = formatdate(NOW + 10 + 7200, usegmt=True).replace("GMT", "+0200")

    assert parse_retry_after(two_hours_east, lambda: NOW) == 10.0


def test_retry_after_zero_means_retry_at_once_not_backoff() -> None:
    policy = RetryPolicy(random=lambda: 0.5)

    assert policy.delay_after_status(2, 503, "0") == 0.0
    assert policy.delay_after_status(2, 503, "soon") == 2.0
    assert policy.delay_after_status(0, 429, "30") == 30.0
    assert policy.delay_after_status(0, 429, "31") == 30.0
    assert RetryPolicy(max_delay=5.0).delay_after_status(0, 429, "10") == 5.0


def test_retry_after_date_uses_the_policy_clock() -> None:
    policy = RetryPolicy(clock=lambda: NOW)

    assert policy.delay_after_status(0, 503, formatdate(NOW + 4, usegmt=True)) == 4.0


def test_transport_errors_use_backoff_and_respect_max_retries() -> None:
    policy = RetryPolicy(max_retries=2, random=lambda: 0.5)
    refused = httpx.ConnectError("refused")

    assert [policy.delay_after_error(n, refused) for n in range(3)] == [0.5, 1.0, None]


# --------------------------------------------------------------------------- more through a client


@pytest.mark.parametrize("code", [429, 502, 503, 504])
def test_each_retryable_status_is_retried(
    sync_client: Callable[..., MeshAPI], sleeps: list[float], code: int
) -> None:
    script = Script(status(code), httpx.Response(200, json=COMPLETION))

    reply = sync_client(script).chat.completions.create(PARAMS)

    assert reply.id == "c1"
    assert len(script.requests) == 2
    assert sleeps == [0.5]


@pytest.mark.parametrize("code", [400, 401, 403, 404, 408, 409, 422, 428, 430, 500, 501, 505])
def test_other_error_statuses_are_not_retried(
    sync_client: Callable[..., MeshAPI], sleeps: list[float], code: int
) -> None:
    script = Script(status(code, **{"Retry-After": "1"}))

    with pytest.raises(MeshAPIError) as caught:
        sync_client(script).chat.completions.create(PARAMS)

    assert caught.value.status == code
    assert len(script.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("max_retries", [0, 1, 2, 5])
def test_max_retries_is_honoured_exactly(
    sync_client: Callable[..., MeshAPI], sleeps: list[float], max_retries: int
) -> None:
    script = Script(status(502))

    with pytest.raises(ServerError):
        sync_client(script, max_retries=max_retries).chat.completions.create(PARAMS)

    assert len(script.requests) == max_retries + 1
    assert sleeps == [0.5 * 2**n for n in range(max_retries)]


def test_max_retries_counts_transport_errors_too(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    script = Script(httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError):
        sync_client(script, max_retries=2).chat.completions.create(PARAMS)

    assert len(script.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_an_exhausted_backoff_sequence_is_capped(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    script = Script(status(503))

    with pytest.raises(ServerError):
        sync_client(script, max_retries=8).chat.completions.create(PARAMS)

    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.parametrize(
    ("header", "slept"),
    [("4", 4.0), ("1.2", 2.0), ("0", 0.0), ("later", 0.5), ("600", 30.0), ("-3", 0.5)],
)
def test_retry_after_header_sets_the_wait(
    sync_client: Callable[..., MeshAPI], sleeps: list[float], header: str, slept: float
) -> None:
    script = Script(status(429, **{"Retry-After": header}), httpx.Response(200, json=COMPLETION))

    sync_client(script).chat.completions.create(PARAMS)

    assert sleeps == [slept]


def test_retry_after_date_between_seconds_waits_the_full_remainder(
    sync_client: Callable[..., MeshAPI], sleeps: list[float]
) -> None:
    policy = RetryPolicy(random=lambda: 0.5, clock=lambda: NOW + 0.4)
    script = Script(
        status(503, **{"Retry-After": formatdate(NOW + 5, usegmt=True)}),
        status(503, **{"Retry-After": formatdate(NOW - 60, usegmt=True)}),
        httpx.Response(200, json=COMPLETION),
    )

    sync_client(script, retry_policy=policy).chat.completions.create(PARAMS)

    assert sleeps == [5.0, 0.0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow connect"),
        httpx.PoolTimeout("no connection free"),
    ],
    ids=lambda failure: type(failure).__name__,
)
def test_failures_before_the_request_left_are_retried(
    sync_client: Callable[..., MeshAPI], sleeps: list[float], failure: Exception
) -> None:
    script = Script(failure, httpx.Response(200, json=COMPLETION))

    reply = sync_client(script).chat.completions.create(PARAMS)

    assert reply.id == "c1"
    assert len(script.requests) == 2
    assert sleeps == [0.5]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.LocalProtocolError("we sent something malformed"),
        httpx.UnsupportedProtocol("ftp://"),
        httpx.ProxyError("proxy refused"),
        httpx.ReadTimeout("slow read"),
        httpx.WriteTimeout("slow write"),
        httpx.ReadError("reset"),
        httpx.WriteError("broken pipe"),
        httpx.RemoteProtocolError("server disconnected without sending a response"),
    ],
    ids=lambda failure: type(failure).__name__,
)
def test_failures_a_retry_cannot_fix_or_may_repeat_are_raised_at_once(
    sync_client: Callable[..., MeshAPI], sleeps: list[float], failure: Exception
) -> None:
    script = Script(failure, httpx.Response(200, json=COMPLETION))

    with pytest.raises(APIConnectionError) as caught:
        sync_client(script).chat.completions.create(PARAMS)

    assert caught.value.error_code in ("connection_error", "timeout")
    assert isinstance(caught.value, type(failure))
    assert isinstance(caught.value.__cause__, type(failure))
    assert len(script.requests) == 1
    assert sleeps == []


@pytest.mark.anyio
async def test_async_client_honours_max_retries_and_skips_non_retryable(
    async_client: Callable[..., AsyncMeshAPI], sleeps: list[float]
) -> None:
    retried = Script(httpx.ConnectError("refused"), status(504))
    not_retried = Script(status(500))

    with pytest.raises(ServerError):
        await async_client(retried, max_retries=2).chat.completions.create(PARAMS)
    with pytest.raises(ServerError):
        await async_client(not_retried).chat.completions.create(PARAMS)

    assert len(retried.requests) == 3
    assert len(not_retried.requests) == 1
    assert sleeps == [0.5, 1.0]
