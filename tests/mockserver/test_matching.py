"""Rule matching: every criterion, first match wins, `times`, and strict near-misses."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer
from support.wire import chat, error_of

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def text_of(response: httpx.Response) -> str | None:
    assert response.status_code == 200, response.text
    content: str | None = response.json()["choices"][0]["message"]["content"]
    return content


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_first_match_wins_and_times_counts_down(server: MockServer, http: httpx.Client) -> None:
    first = server.chat.reply("first", times=2)
    second = server.chat.reply("second")
    assert [text_of(chat(http)) for _ in range(3)] == ["first", "first", "second"]
    assert first.call_count == 2 and first.remaining == 0
    assert text_of(chat(http)) not in {"first", "second"}
    assert [e.matched for e in server.requests] == [first.id, first.id, second.id, "default"]


def test_unlimited_rule(server: MockServer, http: httpx.Client) -> None:
    rule = server.chat.reply("again", times=None)
    assert {text_of(chat(http)) for _ in range(5)} == {"again"}
    assert rule.call_count == 5 and rule.remaining is None


@pytest.mark.parametrize(
    ("pattern", "model", "hit"),
    [
        ("openai/gpt-4o", "openai/gpt-4o", True),
        ("openai/gpt-4o", "openai/gpt-4o-mini", False),
        ("openai/*", "openai/gpt-4o-mini", True),
        ("*:free", "meta-llama/llama-3.3-70b-instruct:free", True),
        ("anthropic/*", "openai/gpt-4o", False),
    ],
)
def test_model_exact_or_glob(
    server: MockServer, http: httpx.Client, pattern: str, model: str, hit: bool
) -> None:
    server.chat.when(model=pattern).reply("scripted")
    assert (text_of(chat(http, model=model)) == "scripted") is hit


@pytest.mark.parametrize(
    ("criterion", "message", "hit"),
    [
        ("France", "What is the capital of France?", True),
        ("france", "What is the capital of France?", False),
        ({"contains": "france", "ignore_case": True}, "Capital of FRANCE?", True),
        ({"equals": "Hello"}, "Hello", True),
        ({"equals": "Hello"}, "Hello!", False),
        (re.compile(r"^what is", re.IGNORECASE), "What is up", True),
        ({"regex": r"\d{3}"}, "call 555 now", True),
        ({"regex": r"\d{3}"}, "call now", False),
    ],
)
def test_last_user_message(
    server: MockServer, http: httpx.Client, criterion: Any, message: str, hit: bool
) -> None:
    server.chat.when(last_user=criterion).reply("scripted")
    assert (text_of(chat(http, messages=user(message))) == "scripted") is hit


def test_last_user_reads_only_the_latest_user_turn(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(last_user="weather").reply("scripted", times=None)
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": "Where?"},
        {"role": "user", "content": [{"type": "text", "text": "In Paris, the weather"}]},
    ]
    assert text_of(chat(http, messages=messages)) == "scripted"
    messages[-1] = {"role": "user", "content": "Paris"}
    assert text_of(chat(http, messages=messages)) != "scripted"


def test_any_message_and_system(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(system="pirate").reply("Arr")
    server.chat.when(any_message="secret word").reply("found it")
    messages = [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": "hi"},
    ]
    assert text_of(chat(http, messages=messages)) == "Arr"
    messages = [
        {"role": "user", "content": "the secret word is x"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "what was it?"},
    ]
    assert text_of(chat(http, messages=messages)) == "found it"


def test_tools_offered(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(tools=["get_weather", "get_time"]).reply("both")
    server.chat.when(tools=["get_weather"]).reply("weather")
    server.chat.when(tools=False).reply("no tools")
    server.chat.when(tools=True).reply("some tools")
    time_tool = {"type": "function", "function": {"name": "get_time"}}
    other = {"type": "function", "function": {"name": "other"}}
    assert text_of(chat(http, tools=[WEATHER_TOOL, time_tool])) == "both"
    assert text_of(chat(http, tools=[WEATHER_TOOL])) == "weather"
    assert text_of(chat(http)) == "no tools"
    assert text_of(chat(http, tools=[other], tool_choice="none")) == "some tools"


def tool_round_trip(result_for: str = "get_weather") -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_9",
                    "type": "function",
                    "function": {"name": result_for, "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_9", "content": "18C and sunny"},
    ]


def test_tool_result_presence_and_identity(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(tool_result="get_time").reply("time answer")
    server.chat.when(tool_result={"tool_call_id": "call_9"}).reply("by id")
    server.chat.when(tool_result=True).reply("any result")
    server.chat.when(tool_result=False).reply("no result")
    assert text_of(chat(http, messages=tool_round_trip("get_time"))) == "time answer"
    assert text_of(chat(http, messages=tool_round_trip())) == "by id"
    assert text_of(chat(http, messages=tool_round_trip())) == "any result"
    assert text_of(chat(http)) == "no result"


def test_tool_result_only_counts_when_it_ends_the_conversation(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.when(tool_result=True).reply("pending result", times=None)
    messages = [*tool_round_trip(), {"role": "assistant", "content": "It is sunny."}]
    messages.append({"role": "user", "content": "thanks"})
    assert text_of(chat(http, messages=messages)) != "pending result"


def test_stream_flag(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(stream=True).error(503)
    server.chat.when(stream=False).reply("plain")
    assert chat(http, stream=True).status_code == 503
    assert text_of(chat(http)) == "plain"


def test_headers_exact_and_pattern(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(headers={"X-Tenant": "acme"}).reply("acme")
    server.chat.when(headers={"x-trace": {"regex": "^t-\\d+$"}}).reply("traced")
    post = http.post
    body = {"messages": user("hi")}
    assert text_of(post("/v1/chat/completions", json=body, headers={"x-tenant": "acme"})) == "acme"
    assert text_of(post("/v1/chat/completions", json=body, headers={"x-trace": "t-42"})) == "traced"
    assert text_of(post("/v1/chat/completions", json=body, headers={"x-tenant": "acme2"})) != "acme"


def test_nth_counts_requests_meeting_the_other_criteria(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.when(last_user="weather", nth=2).error(500, message="second weather call fails")
    server.chat.when(last_user="weather").reply("sunny", times=None)
    statuses = [chat(http, messages=user("weather?")).status_code for _ in range(3)]
    chat(http, messages=user("unrelated"))
    assert statuses == [200, 500, 200]


def test_predicate_is_python_only_and_composes(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(model="openai/*", predicate=lambda r: r.temperature == 0).reply("cold")
    assert text_of(chat(http, temperature=0.5)) != "cold"
    assert text_of(chat(http, temperature=0)) == "cold"


def test_failing_predicate_is_reported(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(predicate=lambda r: 1 / 0 > 0).reply("never")
    response = chat(http)
    assert response.status_code == 500
    assert "ZeroDivisionError" in error_of(response)["message"]


def test_strict_mode_reports_near_misses(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    server.chat.when(last_user="France", model="openai/gpt-4o").reply("Paris", name="capital")
    server.chat.when(tools=True).reply("tools")
    response = chat(http, messages=user("What is the capital of Spain?"))
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "no_matching_rule"
    message = error["message"]
    assert "capital of Spain" in message
    assert "capital" in message and "last_user" in message and "openai/gpt-4o-mini" in message
    assert [d["type"] for d in error["details"]] == ["near_miss", "near_miss"]
    # the closest rule (one difference) comes first
    assert error["details"][0]["loc"][1] != error["details"][1]["loc"][1]
    assert "tools" in error["details"][0]["msg"]
    assert server.requests[-1].matched is None
    assert server.requests[-1].error_code == "no_matching_rule"


def test_strict_mode_mentions_exhausted_rules(server: MockServer, http: httpx.Client) -> None:
    server.strict = True
    server.chat.reply("once")
    assert chat(http).status_code == 200
    response = chat(http)
    assert response.status_code == 404
    assert "already used 1 of 1" in error_of(response)["message"]


def test_without_strict_unmatched_requests_get_the_default_reply(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.when(last_user="nothing like this").reply("x")
    response = chat(http)
    assert response.status_code == 200
    assert server.requests[-1].matched == "default"
