"""Invariants over any input, checked over real HTTP with Hypothesis."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from support.strategies import json_values
from support.wire import chat, check_stream_shape, sse_payloads, streamed_text, streamed_tool_calls

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

chunking = st.one_of(st.just("words"), st.integers(min_value=1, max_value=12))


@PROPERTY
@given(text=st.text(), how=chunking)
def test_chunks_reassemble_to_the_scripted_text(
    session_server: MockServer, session_http: httpx.Client, text: str, how: Any
) -> None:
    session_server.reset()
    session_server.chat.reply(text, stream={"chunks": how})
    payloads = sse_payloads(chat(session_http, stream=True).content)
    check_stream_shape(payloads)
    assert streamed_text(payloads) == text
    if isinstance(how, int):
        pieces = [p["choices"][0]["delta"].get("content", "") for p in payloads[:-2]]
        assert all(len(piece) <= how for piece in pieces)


@PROPERTY
@given(pieces=st.lists(st.text(min_size=1), min_size=1, max_size=8))
def test_explicit_chunks_arrive_exactly(
    session_server: MockServer, session_http: httpx.Client, pieces: list[str]
) -> None:
    session_server.reset()
    session_server.chat.reply(stream={"chunks": pieces})
    payloads = sse_payloads(chat(session_http, stream=True).content)
    assert [p["choices"][0]["delta"]["content"] for p in payloads[:-2]] == pieces


@PROPERTY
@given(
    arguments=st.lists(
        st.dictionaries(st.text(), json_values, max_size=5) | st.text(), min_size=1, max_size=3
    ),
    size=st.integers(min_value=1, max_value=20),
    interleave=st.booleans(),
)
def test_fragments_reassemble_to_the_scripted_arguments(
    session_server: MockServer,
    session_http: httpx.Client,
    arguments: list[Any],
    size: int,
    interleave: bool,
) -> None:
    session_server.reset()
    calls = [{"name": f"tool_{i}", "arguments": a} for i, a in enumerate(arguments)]
    stream = {"argument_chunks": size, "interleave": interleave}
    session_server.chat.tool_calls(calls, stream=stream, times=2)
    assembled = streamed_tool_calls(sse_payloads(chat(session_http, stream=True).content))
    whole = chat(session_http).json()["choices"][0]["message"]["tool_calls"]
    assert [c["name"] for c in assembled] == [c["name"] for c in calls]
    for call, streamed, plain in zip(calls, assembled, whole, strict=True):
        assert streamed["arguments"] == plain["function"]["arguments"]
        expected = call["arguments"]
        if isinstance(expected, str):
            assert streamed["arguments"] == expected
        else:
            assert json.loads(streamed["arguments"]) == expected


@PROPERTY
@given(
    messages=st.lists(
        st.fixed_dictionaries(
            {"role": st.sampled_from(["system", "user", "assistant"]), "content": st.text()}
        ),
        min_size=1,
        max_size=4,
    ),
    stream=st.booleans(),
    model=st.sampled_from(["openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "openai/unknown"]),
)
def test_same_request_same_bytes(
    session_server: MockServer,
    session_http: httpx.Client,
    messages: list[dict[str, str]],
    stream: bool,
    model: str,
) -> None:
    session_server.reset()
    body = json.dumps({"model": model, "messages": messages, "stream": stream}).encode()
    first = session_http.post("/v1/chat/completions", content=body)
    second = session_http.post("/v1/chat/completions", content=body)
    assert first.status_code == 200
    assert first.content == second.content


@PROPERTY
@given(
    parameters=st.dictionaries(
        st.sampled_from(
            [
                "type",
                "properties",
                "required",
                "items",
                "enum",
                "minimum",
                "maxLength",
                "anyOf",
                "$ref",
            ]
        ),
        json_values,
        max_size=5,
    )
)
def test_default_mode_survives_any_tool_schema(
    session_server: MockServer, session_http: httpx.Client, parameters: dict[str, Any]
) -> None:
    session_server.reset()
    tool = {"type": "function", "function": {"name": "t", "parameters": parameters}}
    response = chat(session_http, tools=[tool], tool_choice="required")
    assert response.status_code == 200, response.text
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert isinstance(json.loads(call["function"]["arguments"]), dict)


chat_keys = st.sampled_from(
    ["messages", "model", "stream", "tools", "tool_choice", "max_tokens", "temperature", "stop"]
)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant", "tool", "robot"])},
    optional={"content": json_values, "tool_call_id": json_values, "tool_calls": json_values},
)


@PROPERTY
@given(
    body=st.one_of(
        json_values,
        st.dictionaries(chat_keys, json_values, max_size=6),
        st.fixed_dictionaries(
            {"messages": st.lists(message, max_size=3)},
            optional={"stream": st.booleans(), "tools": json_values, "tool_choice": json_values},
        ),
    )
)
def test_any_body_gets_a_completion_or_a_meshapi_error(
    session_server: MockServer, session_http: httpx.Client, body: Any
) -> None:
    session_server.reset()
    response = session_http.post("/v1/chat/completions", json=body)
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code == 200:
        if isinstance(body, dict) and body.get("stream") is True:
            check_stream_shape(sse_payloads(response.content))
        else:
            assert response.json()["object"] == "chat.completion"
    else:
        assert response.json()["error"]["code"] in ("invalid_request", "validation_error")
