"""Every scripted reply kind, non-streamed and streamed, over a real port with httpx."""

from __future__ import annotations

import json

import httpx
import pytest
from meshapi_mock import MockServer
from support.wire import (
    chat,
    check_stream_shape,
    error_of,
    sse_payloads,
    streamed_text,
    streamed_tool_calls,
)


def test_text_reply_non_streaming(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("Paris is the capital of France.")
    response = chat(http)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "openai/gpt-4o-mini"
    assert isinstance(body["created"], int)
    choice = body["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": "Paris is the capital of France."}
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_text_reply_streams_word_by_word(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("Paris is the capital.")
    response = chat(http, stream=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    payloads = sse_payloads(response.content)
    check_stream_shape(payloads)
    pieces = [p["choices"][0]["delta"].get("content") for p in payloads[:-2]]
    assert pieces == ["Paris", " is", " the", " capital."]
    assert payloads[-2]["choices"][0]["finish_reason"] == "stop"


def test_stream_tail_cost_is_priced_from_the_catalogue(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.reply("x", usage={"prompt_tokens": 64, "completion_tokens": 38})
    payloads = sse_payloads(chat(http, stream=True, model="openai/gpt-4o").content)
    tail = payloads[-1]
    assert tail["usage"]["total_tokens"] == 102
    assert tail["cost"] == "0.00054"  # $2.50/M in, $10/M out (contract §18)


@pytest.mark.parametrize(
    ("stream_spec", "expected"),
    [
        ({"chunks": 3}, ["Hel", "lo ", "wor", "ld"]),
        ({"chunks": ["H", "ello", " world"]}, ["H", "ello", " world"]),
        ({"chunks": "words"}, ["Hello", " world"]),
    ],
)
def test_chunking_options(
    server: MockServer, http: httpx.Client, stream_spec: dict[str, object], expected: list[str]
) -> None:
    server.chat.reply("Hello world", stream=stream_spec)
    payloads = sse_payloads(chat(http, stream=True).content)
    assert [p["choices"][0]["delta"].get("content") for p in payloads[:-2]] == expected


def test_explicit_chunks_must_join_to_the_text(server: MockServer) -> None:
    with pytest.raises(ValueError, match="join"):
        server.chat.reply("Hello", stream={"chunks": ["Hel", "p"]})


def test_single_tool_call(server: MockServer, http: httpx.Client) -> None:
    server.chat.tool_call("get_weather", {"city": "Paris"}, call_id="call_1")
    body = chat(http).json()
    message = body["choices"][0]["message"]
    assert message["content"] is None
    assert message["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]
    assert body["choices"][0]["finish_reason"] == "tool_calls"


def test_tool_call_streams_as_fragments(server: MockServer, http: httpx.Client) -> None:
    arguments = {"city": "Paris", "unit": "celsius", "days": 3}
    server.chat.tool_call("get_weather", arguments, stream={"argument_chunks": 5})
    payloads = sse_payloads(chat(http, stream=True).content)
    check_stream_shape(payloads)
    first = payloads[0]["choices"][0]["delta"]
    assert first["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": ""}
    fragments = [p["choices"][0]["delta"]["tool_calls"][0] for p in payloads[1:-2]]
    assert all(set(f) == {"index", "function"} for f in fragments)
    assert all(len(f["function"]["arguments"]) <= 5 for f in fragments)
    (call,) = streamed_tool_calls(payloads)
    assert json.loads(call["arguments"]) == arguments
    assert payloads[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_parallel_tool_calls_sequential_and_interleaved(
    server: MockServer, http: httpx.Client
) -> None:
    calls = [
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        {"name": "get_weather", "arguments": {"city": "Tokyo"}},
    ]
    server.chat.tool_calls(calls, stream={"argument_chunks": 4})
    server.chat.tool_calls(calls, stream={"argument_chunks": 4, "interleave": True})
    sequential = sse_payloads(chat(http, stream=True).content)
    interleaved = sse_payloads(chat(http, stream=True).content)

    def order(payloads: list[dict[str, object]]) -> list[int]:
        return [
            p["choices"][0]["delta"]["tool_calls"][0]["index"]  # type: ignore[index]
            for p in payloads[:-2]
        ]

    assert order(sequential) == sorted(order(sequential))
    assert order(interleaved)[:4] == [0, 1, 0, 1]
    for payloads in (sequential, interleaved):
        assembled = streamed_tool_calls(payloads)
        assert [json.loads(c["arguments"])["city"] for c in assembled] == ["Paris", "Tokyo"]
        assert assembled[0]["id"] != assembled[1]["id"]


def test_malformed_arguments_are_sent_verbatim(server: MockServer, http: httpx.Client) -> None:
    server.chat.tool_call("lookup", '{"q": "unterminated', times=2)
    body = chat(http).json()
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == (
        '{"q": "unterminated'
    )
    (call,) = streamed_tool_calls(sse_payloads(chat(http, stream=True).content))
    assert call["arguments"] == '{"q": "unterminated'


def test_text_plus_tool_calls(server: MockServer, http: httpx.Client) -> None:
    server.chat.tool_call("search", {"q": "meshapi"}, text="Let me look that up.", times=2)
    message = chat(http).json()["choices"][0]["message"]
    assert message["content"] == "Let me look that up."
    assert message["tool_calls"][0]["function"]["name"] == "search"
    payloads = sse_payloads(chat(http, stream=True).content)
    check_stream_shape(payloads)
    assert streamed_text(payloads) == "Let me look that up."
    deltas = [p["choices"][0]["delta"] for p in payloads[:-2]]
    first_tool = next(i for i, d in enumerate(deltas) if "tool_calls" in d)
    assert all("content" in d for d in deltas[:first_tool])
    assert all("content" not in d for d in deltas[first_tool:])


@pytest.mark.parametrize("finish_reason", ["length", "content_filter", "stop"])
def test_any_finish_reason(server: MockServer, http: httpx.Client, finish_reason: str) -> None:
    server.chat.reply("cut", finish_reason=finish_reason, times=2)
    assert chat(http).json()["choices"][0]["finish_reason"] == finish_reason
    payloads = sse_payloads(chat(http, stream=True).content)
    assert payloads[-2]["choices"][0]["finish_reason"] == finish_reason


def test_overrides(server: MockServer, http: httpx.Client) -> None:
    overrides = {
        "id": "chatcmpl-fixed",
        "model": "anthropic/claude-sonnet-4",
        "created": 1700000000,
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
        "cost": "0.125",
    }
    server.chat.reply("hi", times=2, **overrides)  # type: ignore[arg-type]
    body = chat(http).json()
    assert (body["id"], body["model"], body["created"]) == (
        "chatcmpl-fixed",
        "anthropic/claude-sonnet-4",
        1700000000,
    )
    assert body["usage"]["total_tokens"] == 15
    payloads = sse_payloads(chat(http, stream=True).content)
    assert {p["id"] for p in payloads} == {"chatcmpl-fixed"}
    assert {p["model"] for p in payloads} == {"anthropic/claude-sonnet-4"}
    assert payloads[-1]["cost"] == "0.125"
    assert payloads[-1]["usage"]["prompt_tokens"] == 10


def test_numeric_cost_is_sent_as_a_decimal_string(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("hi", cost=0.5)  # type: ignore[arg-type]
    assert sse_payloads(chat(http, stream=True).content)[-1]["cost"] == "0.5"


def test_error_reply_with_retry_after(server: MockServer, http: httpx.Client) -> None:
    server.chat.error(429, retry_after=12, message="Requests-per-minute limit reached.")
    response = chat(http)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "12"
    error = error_of(response)
    assert error == {
        "code": "rate_limit_exceeded",
        "message": "Requests-per-minute limit reached.",
        "retry_after_seconds": 12,
    }


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "invalid_request"),
        (401, "unauthorized"),
        (402, "spend_limit_exceeded"),
        (403, "forbidden"),
        (404, "not_found"),
        (422, "validation_error"),
        (500, "upstream_error"),
        (503, "upstream_error"),
    ],
)
def test_error_reply_default_codes(
    server: MockServer, http: httpx.Client, status: int, code: str
) -> None:
    server.chat.error(status)
    response = chat(http, stream=True)
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_error_reply_details_and_provider_error(server: MockServer, http: httpx.Client) -> None:
    details = [{"type": "missing", "loc": ["body", "messages"], "msg": "Field required"}]
    server.chat.error(
        400,
        code="model_capability_not_supported",
        details=details,
        provider_error={"raw": "nope"},
        headers={"x-upstream": "openai"},
    )
    response = chat(http)
    assert response.headers["x-upstream"] == "openai"
    error = error_of(response)
    assert error["code"] == "model_capability_not_supported"
    assert error["details"] == details
    assert error["provider_error"] == {"raw": "nope"}


def test_callable_reply_sees_the_request(server: MockServer, http: httpx.Client) -> None:
    server.chat.respond(lambda request: f"You sent {len(request.messages)} messages", times=None)
    assert chat(http).json()["choices"][0]["message"]["content"] == "You sent 1 messages"
    server.reset()
    server.chat.respond(lambda request: {"tool_calls": [{"name": "f", "arguments": "{}"}]})
    assert chat(http).json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "f"


def test_async_callable_reply(server: MockServer, http: httpx.Client) -> None:
    async def build(request: object) -> str:
        return "from a coroutine"

    server.chat.respond(build)
    assert chat(http).json()["choices"][0]["message"]["content"] == "from a coroutine"


def test_callable_reply_failure_is_a_clear_error(server: MockServer, http: httpx.Client) -> None:
    def broken(request: object) -> str:
        raise RuntimeError("boom in test code")

    server.chat.respond(broken)
    server.chat.respond(lambda request: {"text": 42}, name="bad-shape")
    first, second = chat(http), chat(http)
    assert first.status_code == 500
    assert error_of(first)["code"] == "mock_reply_error"
    assert "boom in test code" in error_of(first)["message"]
    assert error_of(second)["code"] == "mock_reply_error"
    assert "bad-shape" in error_of(second)["message"]


def test_parallel_tool_calls_non_streaming(server: MockServer, http: httpx.Client) -> None:
    calls = [
        {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_mine"},
        {"name": "get_time", "arguments": {"zone": "CET"}},
    ]
    server.chat.tool_calls(calls, times=2)
    first, second = chat(http).json(), chat(http).json()
    choice = first["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["content"] is None
    generated = message["tool_calls"][1]["id"]
    assert generated.startswith("call_") and generated != "call_mine"
    assert message["tool_calls"] == [
        {
            "id": "call_mine",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {
            "id": generated,
            "type": "function",
            "function": {"name": "get_time", "arguments": '{"zone": "CET"}'},
        },
    ]
    assert second == first  # same request, same reply: generated ids are stable


def test_scripted_replies_ignore_max_tokens(server: MockServer, http: httpx.Client) -> None:
    """max_tokens cuts only default-mode text; a scripted reply is sent exactly as written."""
    server.chat.reply("Paris is the capital of France.")
    body = chat(http, max_tokens=1).json()
    assert body["choices"][0]["message"]["content"] == "Paris is the capital of France."
    assert body["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("abc", "is not a decimal number"),
        (True, "decimal number such as"),
        ([1], "decimal number such as"),
        ("-1", "non-negative"),
        ("NaN", "non-negative"),
    ],
)
def test_a_cost_that_is_not_a_decimal_is_refused_when_scripted(
    server: MockServer, cost: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        server.chat.reply("x", cost=cost)  # type: ignore[arg-type]
    assert server.rules == []


def test_tool_call_arguments_keep_non_ascii_text_unescaped(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.tool_call("get_weather", {"city": "Zürich", "note": "☀"})
    body = http.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "weather?"}]},
    ).json()
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert arguments == '{"city": "Zürich", "note": "☀"}'


def test_a_zero_cost_can_be_scripted(server: MockServer) -> None:
    rule = server.chat.reply("free", cost="0")
    assert rule.reply.cost == "0"  # type: ignore[union-attr]
