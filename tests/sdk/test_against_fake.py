"""The SDK against the fake over a real port: errors, retries (counted in the journal), streams."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatMessage,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    MeshAPI,
    MeshAPIError,
    NotFoundError,
    RateLimitError,
    RequestValidationError,
    RetryPolicy,
    ServerError,
    SpendLimitExceededError,
    Tool,
    ToolFunction,
    UnauthorizedError,
)
from meshapi_mock import MockServer

PARAMS = ChatCompletionParams(
    model="openai/gpt-4o-mini",
    messages=[ChatMessage(role="user", content="What is the capital of France?")],
)
WEATHER = ChatCompletionParams(
    model="openai/gpt-4o",
    messages=[ChatMessage(role="user", content="What is the weather in Paris?")],
    tools=[
        Tool(
            function=ToolFunction(
                name="get_weather",
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            )
        )
    ],
    tool_choice="auto",
)
NO_JITTER = RetryPolicy(random=lambda: 0.5)


@pytest.fixture
def client(server: MockServer, sleeps: list[float]) -> Iterator[MeshAPI]:
    with MeshAPI(
        base_url=server.url, token="rsk_test", retry_policy=NO_JITTER, sleep=sleeps.append
    ) as client:
        yield client


@pytest.fixture
def make_async_client(server: MockServer, sleeps: list[float]) -> Callable[[], AsyncMeshAPI]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return lambda: AsyncMeshAPI(
        base_url=server.url, token="rsk_test", retry_policy=NO_JITTER, sleep=sleep
    )


# --------------------------------------------------------------------------- errors


def test_a_key_the_gateway_does_not_accept_is_unauthorized(server: MockServer) -> None:
    with (
        MeshAPI(base_url=server.url, token="sk-not-meshapi") as client,
        pytest.raises(UnauthorizedError) as caught,
    ):
        client.chat.completions.create(PARAMS)

    assert (caught.value.status, caught.value.error_code) == (401, "unauthorized")
    assert caught.value.request_id


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidRequestError),
        (402, SpendLimitExceededError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, RequestValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_each_error_status_raises_its_class(
    server: MockServer, status: int, cls: type[MeshAPIError]
) -> None:
    server.chat.error(status, code=f"code_{status}", message=f"message {status}")

    with (
        MeshAPI(base_url=server.url, token="rsk_test", max_retries=0) as client,
        pytest.raises(cls) as caught,
    ):
        client.chat.completions.create(PARAMS)

    error = caught.value
    assert (error.status, error.error_code, error.message) == (
        status,
        f"code_{status}",
        f"message {status}",
    )
    assert error.request_id == server.requests[-1].request_id


def test_error_details_and_retry_hint_come_through(server: MockServer) -> None:
    details = [{"type": "missing", "loc": ["body", "messages"], "msg": "Field required"}]
    server.chat.error(422, details=details)
    server.chat.error(429, retry_after=12)

    with MeshAPI(base_url=server.url, token="rsk_test", max_retries=0) as client:
        with pytest.raises(RequestValidationError) as invalid:
            client.chat.completions.create(PARAMS)
        with pytest.raises(RateLimitError) as limited:
            client.chat.completions.create(PARAMS)

    assert invalid.value.details == details
    assert limited.value.retry_after_seconds == 12


def test_an_error_when_opening_a_stream_raises_before_any_chunk(
    server: MockServer, client: MeshAPI
) -> None:
    server.chat.error(500, code="upstream_error", message="boom")

    with pytest.raises(ServerError) as caught:
        next(iter(client.chat.completions.stream(PARAMS)))

    assert (caught.value.error_code, caught.value.message) == ("upstream_error", "boom")


# --------------------------------------------------------------------------- retries


def test_retries_until_the_gateway_recovers(
    server: MockServer, client: MeshAPI, sleeps: list[float]
) -> None:
    server.chat.error(503, times=2)
    server.chat.reply("Paris")

    reply = client.chat.completions.create(PARAMS)

    assert reply.choices[0].message.content == "Paris"
    assert [entry.status for entry in server.requests] == [503, 503, 200]
    assert sleeps == [0.5, 1.0]


def test_rate_limit_waits_as_told_then_gives_up(
    server: MockServer, client: MeshAPI, sleeps: list[float]
) -> None:
    server.chat.error(429, retry_after=2, times=None)

    with pytest.raises(RateLimitError) as caught:
        client.chat.completions.create(PARAMS)

    assert len(server.requests) == 4
    assert sleeps == [2.0, 2.0, 2.0]
    assert caught.value.retry_after_seconds == 2


def test_500_is_not_retried(server: MockServer, client: MeshAPI, sleeps: list[float]) -> None:
    server.chat.error(500, code="upstream_error", message="boom", times=None)

    with pytest.raises(ServerError):
        client.chat.completions.create(PARAMS)

    assert len(server.requests) == 1
    assert sleeps == []


def test_a_stream_refused_at_open_is_not_retried(
    server: MockServer, client: MeshAPI, sleeps: list[float]
) -> None:
    """Contract §1.8: the caller sees the 502, as with the official SDK."""
    server.chat.error(502)
    server.chat.reply("Hello world", stream={"chunks": ["Hel", "lo ", "world"]})

    with pytest.raises(ServerError) as caught:
        client.chat.completions.stream(PARAMS).final_response()
    reply = client.chat.completions.stream(PARAMS).final_response()

    assert caught.value.status == 502
    assert reply.choices[0].message.content == "Hello world"
    assert [(entry.status, entry.body["stream"]) for entry in server.requests] == [
        (502, True),
        (200, True),
    ]
    assert sleeps == []


# --------------------------------------------------------------------------- streams


def test_scripted_chunks_arrive_as_scripted(server: MockServer, client: MeshAPI) -> None:
    server.chat.reply("Hello world", stream={"chunks": ["Hel", "lo ", "world"]})

    with client.chat.completions.stream(PARAMS) as stream:
        pieces = [
            chunk.choices[0].delta.content
            for chunk in stream
            if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content
        ]
        reply = stream.final_response()

    assert pieces == ["Hel", "lo ", "world"]
    assert reply.choices[0].message.content == "Hello world"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.total_tokens > 0
    assert reply.cost is not None and float(reply.cost) >= 0
    assert server.requests[-1].stream_completed is True


def test_stream_and_create_give_the_same_reply(server: MockServer, client: MeshAPI) -> None:
    server.chat.reply("Same words either way.", times=None)

    streamed = client.chat.completions.stream(PARAMS).final_response()
    created = client.chat.completions.create(PARAMS)

    assert streamed.choices[0].message == created.choices[0].message
    assert streamed.choices[0].finish_reason == created.choices[0].finish_reason
    assert streamed.usage is not None and created.usage is not None
    assert streamed.usage.total_tokens == created.usage.total_tokens


def test_parallel_tool_calls_are_assembled_from_interleaved_fragments(
    server: MockServer, client: MeshAPI
) -> None:
    server.chat.tool_calls(
        [{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": "{bad json"}],
        stream={"argument_chunks": 2, "interleave": True},
    )

    reply = client.chat.completions.stream(WEATHER).final_response()

    calls = reply.choices[0].message.tool_calls or []
    assert [(c.function.name, c.function.arguments) for c in calls] == [
        ("a", '{"x": 1}'),
        ("b", "{bad json"),
    ]
    assert len({c.id for c in calls}) == 2
    assert reply.choices[0].finish_reason == "tool_calls"


def test_the_default_reply_calls_an_offered_tool(server: MockServer, client: MeshAPI) -> None:
    reply = client.chat.completions.stream(WEATHER).final_response()

    [call] = reply.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments)["city"], str)


# --------------------------------------------------------------------------- async


@pytest.mark.anyio
async def test_async_client_retries_and_streams(
    server: MockServer, make_async_client: Callable[[], AsyncMeshAPI], sleeps: list[float]
) -> None:
    server.chat.when(stream=False).error(429, retry_after=1)
    server.chat.when(stream=False).reply("retried")
    server.chat.reply("Hello world", stream={"chunks": ["Hel", "lo ", "world"]})
    server.chat.when(last_user="weather").tool_call("get_weather", {"city": "Paris"})

    async with make_async_client() as client:
        retried = await client.chat.completions.create(PARAMS)
        stream = client.chat.completions.stream(PARAMS)
        deltas = [chunk.choices[0].delta async for chunk in stream if chunk.choices]
        reply = await stream.final_response()
        weather = await client.chat.completions.stream(WEATHER).final_response()

    assert [d.content for d in deltas if d and d.content] == ["Hel", "lo ", "world"]
    assert reply.choices[0].message.content == "Hello world"
    assert retried.choices[0].message.content == "retried"
    assert sleeps == [1.0]
    [call] = weather.choices[0].message.tool_calls or []
    assert json.loads(call.function.arguments) == {"city": "Paris"}


@pytest.mark.anyio
async def test_async_errors_carry_their_fields(
    server: MockServer, make_async_client: Callable[[], AsyncMeshAPI]
) -> None:
    server.chat.error(404, code="model_not_found", message="No such model.")

    async with make_async_client() as client:
        with pytest.raises(NotFoundError) as caught:
            await client.chat.completions.create(PARAMS)

    assert (caught.value.status, caught.value.error_code) == (404, "model_not_found")
    assert caught.value.request_id == server.requests[-1].request_id
