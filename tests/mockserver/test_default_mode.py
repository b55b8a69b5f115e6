"""Default mode: deterministic, prompt-dependent replies and schema-valid tool calls."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer, ServerConfig
from support.wire import chat, error_of, sse_payloads, streamed_text, streamed_tool_calls

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "hourly": {"type": "boolean"},
                "note": {"type": "string"},
            },
            "required": ["city", "unit", "days", "hourly"],
        },
    },
}
STOCKS = {
    "type": "function",
    "function": {
        "name": "get_stock_price",
        "description": "Look up a stock ticker price",
        "parameters": {
            "type": "object",
            "properties": {"ticker": {"type": "string", "minLength": 1, "maxLength": 5}},
            "required": ["ticker"],
        },
    },
}


def authorized(server: MockServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": "Bearer rsk_a"})


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_text_depends_on_the_prompt(http: httpx.Client) -> None:
    a = chat(http, messages=ask("What is the capital of France?")).json()
    b = chat(http, messages=ask("Name three rivers.")).json()
    text_a = a["choices"][0]["message"]["content"]
    assert "capital of France" in text_a
    assert text_a != b["choices"][0]["message"]["content"]
    assert a["id"] != b["id"]


def test_same_request_same_bytes(http: httpx.Client) -> None:
    body = {"model": "openai/gpt-4o", "messages": ask("Write a haiku about Python.")}
    for stream in (False, True):
        first = http.post("/v1/chat/completions", json={**body, "stream": stream})
        second = http.post("/v1/chat/completions", json={**body, "stream": stream})
        assert first.content == second.content
        assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_stream_and_non_stream_agree(http: httpx.Client) -> None:
    plain = chat(http, messages=ask("Tell me a fact")).json()["choices"][0]["message"]["content"]
    streamed = streamed_text(
        sse_payloads(chat(http, stream=True, messages=ask("Tell me a fact")).content)
    )
    assert streamed == plain


def test_seed_changes_ids_but_not_text() -> None:
    texts, ids = set(), set()
    for seed in (1, 2):
        with MockServer(ServerConfig(seed=seed)) as server:
            body = chat(authorized(server)).json()
        texts.add(body["choices"][0]["message"]["content"])
        ids.add(body["id"])
    assert len(texts) == 1 and len(ids) == 2


@pytest.mark.parametrize("tool_choice", ["auto", "required", None])
def test_tool_call_satisfies_the_schema(http: httpx.Client, tool_choice: str | None) -> None:
    extra: dict[str, Any] = {} if tool_choice is None else {"tool_choice": tool_choice}
    body = chat(http, messages=ask("What is the weather in Paris?"), tools=[WEATHER], **extra)
    message = body.json()["choices"][0]["message"]
    (call,) = message["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    args = json.loads(call["function"]["arguments"])
    assert set(args) == {"city", "unit", "days", "hourly"}
    assert args["city"] == "Paris"
    assert args["unit"] in ("celsius", "fahrenheit")
    assert isinstance(args["days"], int) and 1 <= args["days"] <= 7
    assert args["hourly"] is True or args["hourly"] is False
    assert body.json()["choices"][0]["finish_reason"] == "tool_calls"


def test_auto_picks_the_tool_the_prompt_is_about(http: httpx.Client) -> None:
    response = chat(http, messages=ask("What is the stock price of ACME?"), tools=[WEATHER, STOCKS])
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_stock_price"
    ticker = json.loads(call["function"]["arguments"])["ticker"]
    assert 1 <= len(ticker) <= 5


def test_named_tool_choice(http: httpx.Client) -> None:
    choice = {"type": "function", "function": {"name": "get_stock_price"}}
    response = chat(http, messages=ask("weather?"), tools=[WEATHER, STOCKS], tool_choice=choice)
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_stock_price"


def test_named_tool_choice_must_be_offered(http: httpx.Client) -> None:
    choice = {"type": "function", "function": {"name": "missing"}}
    response = chat(http, tools=[WEATHER], tool_choice=choice)
    assert response.status_code == 400
    assert "missing" in error_of(response)["message"]


def test_tool_choice_none_answers_in_text(http: httpx.Client) -> None:
    response = chat(http, messages=ask("weather?"), tools=[WEATHER], tool_choice="none")
    message = response.json()["choices"][0]["message"]
    assert "tool_calls" not in message and message["content"]


def test_after_a_tool_result_auto_answers_in_text(http: httpx.Client) -> None:
    first = chat(http, messages=ask("What is the weather in Paris?"), tools=[WEATHER]).json()
    assistant = first["choices"][0]["message"]
    call = assistant["tool_calls"][0]
    messages = [
        *ask("What is the weather in Paris?"),
        assistant,
        {"role": "tool", "tool_call_id": call["id"], "content": "18C and sunny"},
    ]
    final = chat(http, messages=messages, tools=[WEATHER]).json()
    message = final["choices"][0]["message"]
    assert "tool_calls" not in message
    assert "get_weather" in message["content"] and "18C and sunny" in message["content"]
    assert final["choices"][0]["finish_reason"] == "stop"


def test_streamed_default_tool_call(http: httpx.Client) -> None:
    response = chat(http, stream=True, messages=ask("Weather in Oslo?"), tools=[WEATHER])
    (call,) = streamed_tool_calls(sse_payloads(response.content))
    assert json.loads(call["arguments"])["city"] == "Oslo"


def test_max_tokens_truncates_with_finish_reason_length(http: httpx.Client) -> None:
    body = chat(http, messages=ask("Explain everything about the universe"), max_tokens=2).json()
    assert len(body["choices"][0]["message"]["content"]) <= 8
    assert body["choices"][0]["finish_reason"] == "length"


def test_missing_model_defaults(http: httpx.Client) -> None:
    body = http.post("/v1/chat/completions", json={"messages": ask("hi")}).json()
    assert body["model"] == "openai/gpt-4o-mini"


def test_free_models_cost_zero(http: httpx.Client) -> None:
    payloads = sse_payloads(
        chat(http, stream=True, model="meta-llama/llama-3.3-70b-instruct:free").content
    )
    assert payloads[-1]["cost"] == "0"
