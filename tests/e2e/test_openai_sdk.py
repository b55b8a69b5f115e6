"""The `openai` SDK against the fake, over a real port: what an OpenAI-client user sees.

MeshAPI is OpenAI-compatible, so the `openai` package is a real client of the fake. These
tests script replies, call the fake exactly as an application would, and assert on the
parsed objects the SDK hands back (contract §2, §7, §17, §18).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from meshapi_mock import MockServer
from openai import AsyncOpenAI, OpenAI, Stream
from openai.lib.streaming.chat import ContentDoneEvent, FunctionToolCallArgumentsDoneEvent
from openai.types.chat import (
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)

MODEL = "openai/gpt-4o-mini"
QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the capital of France?"}
]
WEATHER_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                "options": {
                    "type": "object",
                    "properties": {"verbose": {"type": "boolean"}},
                    "required": ["verbose"],
                },
            },
            "required": ["city", "unit", "days", "tags", "options"],
        },
    },
}
EMAIL_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "send_email",
        "description": "Send an email message",
        "parameters": {
            "type": "object",
            "properties": {"to": {"type": "string"}, "urgent": {"type": "boolean"}},
            "required": ["to", "urgent"],
        },
    },
}


@pytest.fixture(scope="module")
def shared_client(session_server: MockServer) -> Iterator[OpenAI]:
    # One client per module: building an `openai` client costs tens of milliseconds.
    base_url = session_server.url + "/v1"
    with OpenAI(base_url=base_url, api_key="rsk_test", max_retries=0, timeout=10) as c:
        yield c


@pytest.fixture
def client(server: MockServer, shared_client: OpenAI) -> OpenAI:
    """An `openai` client on the freshly reset fake."""
    return shared_client


def async_client(server: MockServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0, timeout=10)


# --- helpers -----------------------------------------------------------------------------


def function_calls(message: ChatCompletionMessage) -> list[ChatCompletionMessageFunctionToolCall]:
    calls = []
    for call in message.tool_calls or []:
        assert isinstance(call, ChatCompletionMessageFunctionToolCall), call
        calls.append(call)
    return calls


def collect(stream: Stream[ChatCompletionChunk]) -> list[ChatCompletionChunk]:
    with stream:
        return list(stream)


def streamed_text(chunks: list[ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def content_pieces(chunks: list[ChatCompletionChunk]) -> list[str]:
    return [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]


def tool_fragments(chunks: list[ChatCompletionChunk]) -> list[Any]:
    return [f for c in chunks if c.choices for f in c.choices[0].delta.tool_calls or []]


def assemble_tool_calls(chunks: list[ChatCompletionChunk]) -> dict[int, dict[str, str]]:
    """Merge fragments by `index` the way contract §2.4 describes; check fragment shape."""
    calls: dict[int, dict[str, str]] = {}
    for fragment in tool_fragments(chunks):
        if fragment.index not in calls:
            assert fragment.id, "a call's first fragment carries its id"
            assert fragment.type == "function"
            assert fragment.function is not None and fragment.function.name
            calls[fragment.index] = {
                "id": fragment.id,
                "name": fragment.function.name,
                "arguments": fragment.function.arguments or "",
            }
        else:
            assert fragment.id is None, "only the first fragment carries the id"
            assert fragment.function is not None and fragment.function.name is None
            calls[fragment.index]["arguments"] += fragment.function.arguments or ""
    return calls


def finish_reasons(chunks: list[ChatCompletionChunk]) -> list[str]:
    return [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]


def check_envelopes(chunks: list[ChatCompletionChunk]) -> None:
    """§2.4: id/object/created/model on every chunk, the same on every chunk."""
    first = chunks[0]
    assert first.choices[0].delta.role == "assistant"
    for chunk in chunks:
        assert chunk.object == "chat.completion.chunk"
        assert (chunk.id, chunk.created, chunk.model) == (first.id, first.created, first.model)
        assert isinstance(chunk.created, int)


def schema_errors(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """The few JSON Schema keywords the test tools use; enough to judge default-mode args."""
    errors: list[str] = []
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if kind is not None and not checks[kind](value):
        return [f"{where}: expected {kind}, got {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: {value!r} < {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{where}: {value!r} > {schema['maximum']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{where}: {value!r} shorter than {schema['minLength']}")
    if kind == "array":
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{where}: fewer than {schema['minItems']} items")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{where}[{i}]")
    if kind == "object":
        properties = schema.get("properties", {})
        errors += [f"{where}: missing {n!r}" for n in schema.get("required", []) if n not in value]
        for name, item in value.items():
            if name in properties:
                errors += schema_errors(item, properties[name], f"{where}.{name}")
    return errors


# --- text --------------------------------------------------------------------------------


def test_create_returns_the_scripted_text(server: MockServer, client: OpenAI) -> None:
    server.chat.reply("Paris is the capital of France.")

    completion = client.chat.completions.create(model=MODEL, messages=QUESTION)

    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    assert isinstance(completion.created, int)
    choice = completion.choices[0]
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content == "Paris is the capital of France."
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    usage = completion.usage
    assert usage is not None and usage.completion_tokens > 0 and usage.prompt_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    # x-request-id (§1.4, §17) reaches the SDK and names the journal entry.
    assert completion._request_id == server.requests[-1].request_id


def test_stream_reassembles_the_scripted_text(server: MockServer, client: OpenAI) -> None:
    text = "Paris is the capital and largest city of France."
    server.chat.reply(text)

    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    check_envelopes(chunks)
    assert streamed_text(chunks) == text
    assert len(content_pieces(chunks)) > 1, "the text arrives in several chunks"
    assert finish_reasons(chunks) == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert server.requests[-1].stream_completed is True


def test_stream_uses_the_scripted_chunks_exactly(server: MockServer, client: OpenAI) -> None:
    server.chat.reply("Bonjour à tous", stream={"chunks": ["Bon", "jour", " à tous"]})

    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    assert content_pieces(chunks) == ["Bon", "jour", " à tous"]


def test_stream_character_chunks_keep_unicode_whole(server: MockServer, client: OpenAI) -> None:
    text = "Grüße aus Köln 🌍 — ça va? 東京"
    server.chat.reply(text, stream={"chunks": 3})

    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    pieces = content_pieces(chunks)
    assert "".join(pieces) == text
    assert all(1 <= len(p) <= 3 for p in pieces), pieces
    assert len(pieces) == -(-len(text) // 3)


# --- tool calls --------------------------------------------------------------------------


def test_create_returns_one_tool_call(server: MockServer, client: OpenAI) -> None:
    server.chat.tool_call("get_weather", {"city": "Paris", "unit": "celsius"}, call_id="call_w1")

    completion = client.chat.completions.create(
        model=MODEL, messages=QUESTION, tools=[WEATHER_TOOL]
    )

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = function_calls(choice.message)
    assert call.id == "call_w1"
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert isinstance(call.function.arguments, str)
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius"}


def test_stream_sends_one_tool_call_in_fragments(server: MockServer, client: OpenAI) -> None:
    arguments = {"city": "Paris", "unit": "celsius", "days": 3}
    server.chat.tool_call("get_weather", arguments, stream={"argument_chunks": 5})

    chunks = collect(
        client.chat.completions.create(
            model=MODEL, messages=QUESTION, tools=[WEATHER_TOOL], stream=True
        )
    )

    check_envelopes(chunks)
    calls = assemble_tool_calls(chunks)
    assert list(calls) == [0]
    assert calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == arguments
    assert len(tool_fragments(chunks)) > 3, "arguments arrive as several fragments"
    assert finish_reasons(chunks) == ["tool_calls"]


def test_create_returns_parallel_tool_calls(server: MockServer, client: OpenAI) -> None:
    server.chat.tool_calls(
        [
            {"name": "get_weather", "arguments": {"city": "Paris"}},
            {"name": "get_weather", "arguments": {"city": "Tokyo"}},
            {"name": "send_email", "arguments": {"to": "a@example.com", "urgent": False}},
        ]
    )

    completion = client.chat.completions.create(
        model=MODEL, messages=QUESTION, tools=[WEATHER_TOOL, EMAIL_TOOL]
    )

    calls = function_calls(completion.choices[0].message)
    assert [c.function.name for c in calls] == ["get_weather", "get_weather", "send_email"]
    assert [json.loads(c.function.arguments) for c in calls] == [
        {"city": "Paris"},
        {"city": "Tokyo"},
        {"to": "a@example.com", "urgent": False},
    ]
    assert len({c.id for c in calls}) == 3, "every call has its own id"
    assert completion.choices[0].finish_reason == "tool_calls"


def test_stream_parallel_tool_calls_in_order(server: MockServer, client: OpenAI) -> None:
    server.chat.tool_calls(
        [
            {"name": "get_weather", "arguments": {"city": "Paris"}},
            {"name": "get_weather", "arguments": {"city": "Tokyo"}},
        ],
        stream={"argument_chunks": 4},
    )

    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    indices = [f.index for f in tool_fragments(chunks)]
    assert indices == sorted(indices)
    calls = assemble_tool_calls(chunks)
    assert [json.loads(calls[i]["arguments"]) for i in (0, 1)] == [
        {"city": "Paris"},
        {"city": "Tokyo"},
    ]
    assert calls[0]["id"] != calls[1]["id"]


def test_stream_interleaves_parallel_tool_calls(server: MockServer, client: OpenAI) -> None:
    server.chat.tool_calls(
        [
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
            {"name": "send_email", "arguments": {"to": "a@example.com", "urgent": True}},
        ],
        stream={"interleave": True, "argument_chunks": 4},
    )

    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    indices = [f.index for f in tool_fragments(chunks)]
    assert indices != sorted(indices), f"fragments should interleave by index: {indices}"
    calls = assemble_tool_calls(chunks)
    assert calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == {"city": "Paris", "unit": "celsius"}
    assert calls[1]["name"] == "send_email"
    assert json.loads(calls[1]["arguments"]) == {"to": "a@example.com", "urgent": True}


def test_malformed_string_arguments_arrive_verbatim(server: MockServer, client: OpenAI) -> None:
    broken = '{"city": "Par'
    server.chat.tool_call("get_weather", broken, times=2)

    completion = client.chat.completions.create(model=MODEL, messages=QUESTION)
    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    [call] = function_calls(completion.choices[0].message)
    assert call.function.arguments == broken
    assert assemble_tool_calls(chunks)[0]["arguments"] == broken


def test_text_and_tool_calls_together(server: MockServer, client: OpenAI) -> None:
    server.chat.tool_call(
        "get_weather", {"city": "Paris"}, text="Let me check the weather.", times=2
    )

    completion = client.chat.completions.create(model=MODEL, messages=QUESTION)
    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    message = completion.choices[0].message
    assert message.content == "Let me check the weather."
    assert [json.loads(c.function.arguments) for c in function_calls(message)] == [
        {"city": "Paris"}
    ]
    assert completion.choices[0].finish_reason == "tool_calls"

    assert streamed_text(chunks) == "Let me check the weather."
    assert json.loads(assemble_tool_calls(chunks)[0]["arguments"]) == {"city": "Paris"}
    kinds = ["text" if c.choices[0].delta.content else "tool" for c in chunks[:-2]]
    assert kinds == sorted(kinds, key=lambda k: k == "tool"), "text comes before the calls"
    assert finish_reasons(chunks) == ["tool_calls"]


@pytest.mark.parametrize("reason", ["length", "content_filter", "end_turn"])
def test_custom_finish_reason(server: MockServer, client: OpenAI, reason: str) -> None:
    server.chat.reply("Cut short", finish_reason=reason, times=2)

    completion = client.chat.completions.create(model=MODEL, messages=QUESTION)
    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    assert completion.choices[0].finish_reason == reason
    assert finish_reasons(chunks) == [reason]
    assert streamed_text(chunks) == "Cut short"


def test_overrides_reach_body_and_every_chunk(server: MockServer, client: OpenAI) -> None:
    server.chat.reply(
        "Overridden.",
        id="chatcmpl-fixed-42",
        model="anthropic/claude-sonnet-4",
        created=1700000000,
        usage={"prompt_tokens": 11, "completion_tokens": 22, "total_tokens": 33},
        cost="0.00054",
        times=2,
    )

    completion = client.chat.completions.create(model=MODEL, messages=QUESTION)
    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    assert completion.id == "chatcmpl-fixed-42"
    assert completion.model == "anthropic/claude-sonnet-4"
    assert completion.created == 1700000000
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 11
    assert completion.usage.completion_tokens == 22
    assert completion.usage.total_tokens == 33

    for chunk in chunks:
        assert (chunk.id, chunk.model, chunk.created) == (
            "chatcmpl-fixed-42",
            "anthropic/claude-sonnet-4",
            1700000000,
        )
    tail = chunks[-1]
    assert tail.choices == []
    assert tail.usage is not None and tail.usage.total_tokens == 33
    assert tail.to_dict()["cost"] == "0.00054"


# --- errors ------------------------------------------------------------------------------

ERROR_CLASSES: list[tuple[int, type[openai.APIStatusError]]] = [
    (400, openai.BadRequestError),
    (401, openai.AuthenticationError),
    (402, openai.APIStatusError),
    (403, openai.PermissionDeniedError),
    (404, openai.NotFoundError),
    (409, openai.ConflictError),
    (422, openai.UnprocessableEntityError),
    (429, openai.RateLimitError),
    (500, openai.InternalServerError),
    (503, openai.InternalServerError),
]


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
@pytest.mark.parametrize(("status", "error_class"), ERROR_CLASSES)
def test_error_status_maps_to_openai_exception(
    server: MockServer,
    client: OpenAI,
    status: int,
    error_class: type[openai.APIStatusError],
    stream: bool,
) -> None:
    server.chat.error(status, code=f"scripted_{status}", message=f"Scripted failure {status}.")

    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=MODEL, messages=QUESTION, stream=stream)

    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.code == f"scripted_{status}"
    assert f"Scripted failure {status}." in error.message
    assert isinstance(error.body, dict)
    assert error.body["message"] == f"Scripted failure {status}."
    assert error.request_id == server.requests[-1].request_id


def test_error_without_code_uses_the_status_default(server: MockServer, client: OpenAI) -> None:
    server.chat.error(402)

    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=MODEL, messages=QUESTION)

    assert caught.value.status_code == 402
    assert caught.value.code == "spend_limit_exceeded"  # §1.7 fallback table


def test_rate_limit_carries_retry_after(server: MockServer, client: OpenAI) -> None:
    server.chat.error(429, message="Requests-per-minute limit reached.", retry_after=12)

    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=MODEL, messages=QUESTION)

    error = caught.value
    assert error.response.headers["retry-after"] == "12"
    assert isinstance(error.body, dict)
    assert error.body["code"] == "rate_limit_exceeded"
    assert error.body["retry_after_seconds"] == 12


def test_fractional_retry_after_rounds_up_in_the_body(server: MockServer, client: OpenAI) -> None:
    server.chat.error(429, retry_after=2.5)

    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=MODEL, messages=QUESTION)

    assert caught.value.response.headers["retry-after"] == "3"  # delta-seconds are whole
    assert caught.value.response.headers["retry-after-ms"] == "2500"  # what this SDK waits
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["retry_after_seconds"] == 3  # an int (§1.7)


def test_error_details_and_provider_error_reach_the_client(
    server: MockServer, client: OpenAI
) -> None:
    details = [{"type": "safety", "loc": ["body", "messages", 0], "msg": "Flagged."}]
    server.chat.error(
        400, code="invalid_request", details=details, provider_error={"upstream": "said no"}
    )

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=QUESTION)

    assert isinstance(caught.value.body, dict)
    assert caught.value.body["details"] == details
    assert caught.value.body["provider_error"] == {"upstream": "said no"}


def test_key_without_rsk_prefix_is_unauthorized(server: MockServer) -> None:
    with (
        OpenAI(base_url=server.url + "/v1", api_key="sk-not-meshapi", max_retries=0) as bad,
        pytest.raises(openai.AuthenticationError) as caught,
    ):
        bad.chat.completions.create(model=MODEL, messages=QUESTION)

    assert caught.value.code == "unauthorized"


def test_invalid_request_is_a_422_validation_error(client: OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.chat.completions.create(model=MODEL, messages=[])

    error = caught.value
    assert error.code == "validation_error"
    assert isinstance(error.body, dict)
    details = error.body["details"]
    assert any(d["loc"][:2] == ["body", "messages"] for d in details), details
    assert all({"type", "loc", "msg"} <= set(d) for d in details)


# --- stream_options and the usage tail ---------------------------------------------------


def test_include_usage_is_accepted_and_tail_carries_usage(
    server: MockServer, client: OpenAI
) -> None:
    server.chat.reply("Counting tokens.")

    chunks = collect(
        client.chat.completions.create(
            model=MODEL,
            messages=QUESTION,
            stream=True,
            stream_options={"include_usage": True},
        )
    )

    assert server.requests[-1].status == 200
    assert server.requests[-1].body["stream_options"] == {"include_usage": True}
    assert streamed_text(chunks) == "Counting tokens."
    tail = chunks[-1]
    assert tail.choices == []
    assert tail.usage is not None
    assert tail.usage.total_tokens == tail.usage.prompt_tokens + tail.usage.completion_tokens
    assert isinstance(tail.to_dict()["cost"], str)
    assert [c for c in chunks if c.usage is not None] == [tail]


def test_usage_tail_is_sent_without_stream_options(server: MockServer, client: OpenAI) -> None:
    server.chat.reply("No options.")

    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    assert chunks[-1].choices == [] and chunks[-1].usage is not None


# --- the SDK's accumulating stream helper ------------------------------------------------


def test_stream_helper_events_carry_whole_text_and_arguments(
    server: MockServer, client: OpenAI
) -> None:
    server.chat.tool_calls(
        [
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
            {"name": "send_email", "arguments": {"to": "a@example.com", "urgent": False}},
        ],
        text="Checking two things.",
        stream={"argument_chunks": 3},
    )

    with client.chat.completions.stream(
        model=MODEL, messages=QUESTION, tools=[WEATHER_TOOL, EMAIL_TOOL]
    ) as stream:
        events = list(stream)

    done_text = [e.content for e in events if isinstance(e, ContentDoneEvent)]
    assert done_text == ["Checking two things."]
    done_calls = [
        (e.index, e.name, json.loads(e.arguments))
        for e in events
        if isinstance(e, FunctionToolCallArgumentsDoneEvent)
    ]
    assert done_calls == [
        (0, "get_weather", {"city": "Paris", "unit": "celsius"}),
        (1, "send_email", {"to": "a@example.com", "urgent": False}),
    ]


def test_stream_helper_final_completion_merges_interleaved_calls(
    server: MockServer, client: OpenAI
) -> None:
    # `openai`'s per-call "done" events assume calls arrive one after another, but its
    # accumulated completion merges fragments by index, which is what §2.4 asks of clients.
    server.chat.tool_calls(
        [
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
            {"name": "send_email", "arguments": {"to": "a@example.com", "urgent": False}},
        ],
        text="Checking two things.",
        stream={"interleave": True, "argument_chunks": 3},
    )

    with client.chat.completions.stream(
        model=MODEL, messages=QUESTION, tools=[WEATHER_TOOL, EMAIL_TOOL]
    ) as stream:
        final = stream.get_final_completion()

    message = final.choices[0].message
    assert message.content == "Checking two things."
    calls = function_calls(message)
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris", "unit": "celsius"}),
        ("send_email", {"to": "a@example.com", "urgent": False}),
    ]
    assert calls[0].id != calls[1].id
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.usage is not None
    assert final.usage.total_tokens == final.usage.prompt_tokens + final.usage.completion_tokens


def test_stream_helper_parses_strict_tool_arguments(server: MockServer, client: OpenAI) -> None:
    strict_tool: ChatCompletionToolParam = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
    server.chat.tool_call("get_weather", {"city": "Lyon"}, stream={"argument_chunks": 2})

    with client.chat.completions.stream(
        model=MODEL, messages=QUESTION, tools=[strict_tool]
    ) as stream:
        final = stream.get_final_completion()

    [call] = final.choices[0].message.tool_calls or []
    assert call.function.parsed_arguments == {"city": "Lyon"}


# --- async client ------------------------------------------------------------------------


def test_async_client_create_and_stream(server: MockServer) -> None:
    server.chat.reply("Async hello there.", times=2)
    server.chat.tool_call("get_weather", {"city": "Oslo"}, stream={"argument_chunks": 3})

    async def scenario() -> tuple[str | None, str, dict[int, dict[str, str]]]:
        async with async_client(server) as aclient:
            completion = await aclient.chat.completions.create(model=MODEL, messages=QUESTION)
            stream = await aclient.chat.completions.create(
                model=MODEL, messages=QUESTION, stream=True
            )
            text_chunks = [chunk async for chunk in stream]
            stream = await aclient.chat.completions.create(
                model=MODEL, messages=QUESTION, stream=True
            )
            tool_chunks = [chunk async for chunk in stream]
        check_envelopes(text_chunks)
        return (
            completion.choices[0].message.content,
            streamed_text(text_chunks),
            assemble_tool_calls(tool_chunks),
        )

    content, streamed, calls = asyncio.run(scenario())

    assert content == "Async hello there."
    assert streamed == "Async hello there."
    assert calls[0]["name"] == "get_weather"
    assert json.loads(calls[0]["arguments"]) == {"city": "Oslo"}


def test_async_stream_helper(server: MockServer) -> None:
    server.chat.tool_call(
        "get_weather",
        {"city": "Rome"},
        text="One moment.",
        stream={"argument_chunks": 2},
    )

    async def scenario() -> tuple[str | None, list[tuple[str, str]]]:
        async with (
            async_client(server) as aclient,
            aclient.chat.completions.stream(model=MODEL, messages=QUESTION) as stream,
        ):
            final = await stream.get_final_completion()
        message = final.choices[0].message
        return message.content, [
            (c.function.name, c.function.arguments) for c in function_calls(message)
        ]

    content, calls = asyncio.run(scenario())

    assert content == "One moment."
    assert [(name, json.loads(args)) for name, args in calls] == [("get_weather", {"city": "Rome"})]


# --- default mode (nothing scripted) -----------------------------------------------------


def test_default_mode_answers_deterministically(client: OpenAI) -> None:
    first = client.chat.completions.create(model=MODEL, messages=QUESTION)
    again = client.chat.completions.create(model=MODEL, messages=QUESTION)
    other = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Write a limerick about llamas."}]
    )

    text = first.choices[0].message.content
    assert text and text.strip()
    assert first.choices[0].finish_reason == "stop"
    assert again.model_dump() == first.model_dump(), "same request, same reply"
    assert other.choices[0].message.content != text
    assert other.id != first.id


def test_default_mode_streams_the_same_answer(client: OpenAI) -> None:
    completion = client.chat.completions.create(model=MODEL, messages=QUESTION)
    chunks = collect(client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True))

    check_envelopes(chunks)
    assert streamed_text(chunks) == completion.choices[0].message.content


def test_default_mode_required_tool_choice_gives_schema_valid_call(client: OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "What's the weather like in Tokyo this week?"}],
        tools=[EMAIL_TOOL, WEATHER_TOOL],
        tool_choice="required",
    )

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = function_calls(choice.message)
    assert call.id
    tools = {t["function"]["name"]: t["function"] for t in (EMAIL_TOOL, WEATHER_TOOL)}
    assert call.function.name in tools
    arguments = json.loads(call.function.arguments)
    schema = tools[call.function.name].get("parameters", {})
    assert schema_errors(arguments, dict(schema)) == []


def test_default_mode_named_tool_choice_calls_that_tool(client: OpenAI) -> None:
    chunks = collect(
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "What's the weather like in Tokyo?"}],
            tools=[WEATHER_TOOL, EMAIL_TOOL],
            tool_choice={"type": "function", "function": {"name": "send_email"}},
            stream=True,
        )
    )

    calls = assemble_tool_calls(chunks)
    assert [c["name"] for c in calls.values()] == ["send_email"]
    schema = dict(EMAIL_TOOL["function"].get("parameters", {}))
    assert schema_errors(json.loads(calls[0]["arguments"]), schema) == []
    assert finish_reasons(chunks) == ["tool_calls"]


def test_default_mode_answers_a_tool_result_with_text(client: OpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "What's the weather in Tokyo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "21 C and clear"},
    ]

    completion = client.chat.completions.create(
        model=MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="auto"
    )

    choice = completion.choices[0]
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert choice.message.content and choice.message.content.strip()


# --- models ------------------------------------------------------------------------------


def test_models_is_a_bare_array_that_openai_list_cannot_page(
    server: MockServer, client: OpenAI
) -> None:
    """MeshAPI answers `/v1/models` with a bare JSON array (§1.11, §7), not OpenAI's
    `{"object": "list", "data": [...]}` page. `openai`'s `models.list()` cannot parse that,
    so users of the `openai` SDK read the raw response instead; this test pins both facts."""
    raw = client.models.with_raw_response.list()
    models = raw.http_response.json()
    assert isinstance(models, list) and models
    assert all({"id", "name", "is_free"} <= set(m) for m in models)
    assert MODEL in {m["id"] for m in models}

    with pytest.raises((AttributeError, TypeError, openai.APIResponseValidationError)):
        list(client.models.list())

    with httpx.Client(base_url=server.url, timeout=10) as http:
        direct = http.get("/v1/models", headers={"Authorization": "Bearer rsk_test"}).json()
    assert direct == models


def test_models_retrieve_works_through_openai(client: OpenAI) -> None:
    model = client.models.retrieve(MODEL)

    assert model.id == MODEL
    extra: dict[str, Any] = model.to_dict()
    assert extra["is_free"] is False
    assert isinstance(extra["pricing"]["prompt_usd_per_1m"], str)  # decimal strings (§7)


def test_unknown_model_is_not_found(client: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("nobody/no-such-model")

    assert caught.value.code == "model_not_found"
