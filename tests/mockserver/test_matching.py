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
        ({"equals": "HELLO", "ignore_case": True}, "hello", True),
        ({"equals": "Hello", "ignore_case": True}, "hELLO", True),
        ({"equals": "hello"}, "Hello", False),
        ({"contains": "FRANCE", "ignore_case": True}, "Capital of France?", True),
        ({"contains": "FRANCE"}, "Capital of France?", False),
        ({"regex": "^hello$", "ignore_case": True}, "HELLO", True),
        ({"regex": "^hello$"}, "HELLO", False),
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
    # Unlimited rules: a request that does not match must be refused by the header check
    # itself, not because the rule happens to be used up already.
    server.chat.when(headers={"X-Tenant": "acme"}).reply("acme", times=None)
    server.chat.when(headers={"x-trace": {"regex": "^t-\\d+$"}}).reply("traced", times=None)

    def answer(headers: dict[str, str]) -> str | None:
        body = {"messages": user("hi")}
        return text_of(http.post("/v1/chat/completions", json=body, headers=headers))

    assert answer({"x-tenant": "acme"}) == "acme"
    assert answer({"X-TENANT": "acme"}) == "acme", "header names ignore case"
    assert answer({"x-trace": "t-42"}) == "traced"
    assert answer({"x-tenant": "acme"}) == "acme", "still live: times=None"
    assert answer({"x-tenant": "acme2"}) not in {"acme", "traced"}
    assert answer({"x-tenant": "ACME"}) not in {"acme", "traced"}, "values are exact"
    assert answer({"x-trace": "t-x"}) not in {"acme", "traced"}
    assert answer({}) not in {"acme", "traced"}, "a missing header never matches"


@pytest.mark.parametrize(
    "criterion",
    [{"regex": ".*"}, {"contains": ""}, {"equals": ""}, {"regex": "^$", "ignore_case": True}],
    ids=["regex-anything", "contains-empty", "equals-empty", "regex-empty"],
)
def test_pattern_header_rule_needs_the_header(
    server: MockServer, http: httpx.Client, criterion: dict[str, Any]
) -> None:
    # Even a pattern any value would satisfy does not match a request without the header.
    server.chat.when(headers={"X-Trace": criterion}).reply("traced", times=None)
    body = {"messages": user("hi")}
    assert text_of(http.post("/v1/chat/completions", json=body)) != "traced"
    assert server.requests[-1].matched == "default"
    with_header = http.post("/v1/chat/completions", json=body, headers={"x-trace": ""})
    assert text_of(with_header) == "traced"


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


# --- every criterion also refuses: one unlimited rule per case, so a miss is the matcher's ---


def answered(server: MockServer, http: httpx.Client, **body: Any) -> bool:
    """Whether the one scripted rule (reply "scripted") answered this request."""
    hit = text_of(chat(http, **body)) == "scripted"
    assert hit is (server.requests[-1].matched not in (None, "default"))
    return hit


def only_system(text: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": text}]


@pytest.mark.parametrize(
    "messages",
    [
        only_system("You are terse."),
        [*only_system("sys"), {"role": "assistant", "content": "How can I help?"}],
    ],
    ids=["system-only", "no-user-turn"],
)
def test_last_user_needs_a_user_message(
    server: MockServer, http: httpx.Client, messages: list[dict[str, Any]]
) -> None:
    server.chat.when(last_user="").reply("scripted", times=None)
    assert not answered(server, http, messages=messages)
    assert answered(server, http, messages=[*messages, *user("anything")])


def test_model_pattern_needs_a_model(server: MockServer, http: httpx.Client) -> None:
    server.chat.when(model="openai/*").reply("scripted", times=None)
    assert not answered(server, http, model=None)
    assert answered(server, http)


@pytest.mark.parametrize(
    ("messages", "hit"),
    [
        (user("hi"), False),
        ([*only_system("You are a ninja."), *user("hi")], False),
        ([*only_system("You are a PIRATE."), *user("hi")], False),
        ([*only_system("You are a pirate."), *user("hi")], True),
        ([*only_system("Be brief."), *only_system("Talk like a pirate."), *user("hi")], True),
    ],
)
def test_system_prompt(
    server: MockServer, http: httpx.Client, messages: list[dict[str, Any]], hit: bool
) -> None:
    server.chat.when(system="pirate").reply("scripted", times=None)
    assert answered(server, http, messages=messages) is hit


@pytest.mark.parametrize(
    ("messages", "hit"),
    [
        (user("nothing to see"), False),
        ([*only_system("no"), {"role": "assistant", "content": "nope"}, *user("hi")], False),
        ([{"role": "assistant", "content": "the secret word"}, *user("hi")], True),
        ([*only_system("secret word inside"), *user("hi")], True),
        ([*user("the SECRET WORD")], False),
    ],
)
def test_any_message(
    server: MockServer, http: httpx.Client, messages: list[dict[str, Any]], hit: bool
) -> None:
    server.chat.when(any_message="secret word").reply("scripted", times=None)
    assert answered(server, http, messages=messages) is hit


TIME_TOOL = {"type": "function", "function": {"name": "get_time"}}


@pytest.mark.parametrize(
    ("criterion", "offered", "hit"),
    [
        (True, [], False),
        (True, [WEATHER_TOOL], True),
        (False, [], True),
        (False, [WEATHER_TOOL], False),
        (["get_weather"], [], False),
        (["get_weather"], [TIME_TOOL], False),
        (["get_weather"], [TIME_TOOL, WEATHER_TOOL], True),
        (["get_weather", "get_time"], [WEATHER_TOOL], False),
        (["get_weather", "get_time"], [TIME_TOOL, WEATHER_TOOL], True),
    ],
)
def test_tools_criterion(
    server: MockServer,
    http: httpx.Client,
    criterion: bool | list[str],
    offered: list[dict[str, Any]],
    hit: bool,
) -> None:
    server.chat.when(tools=criterion).reply("scripted", times=None)
    body: dict[str, Any] = {"tools": offered} if offered else {}
    assert answered(server, http, **body) is hit


def parallel_round_trip() -> list[dict[str, Any]]:
    """Two tool calls answered by two tool messages that end the conversation."""
    calls = [
        {
            "id": "call_a",
            "type": "function",
            "function": {"name": "get_weather", "arguments": "{}"},
        },
        {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
    ]
    return [
        *user("Weather and time?"),
        {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": "call_a", "content": "sunny"},
        {"role": "tool", "tool_call_id": "call_b", "content": "noon"},
    ]


NO_RESULT = user("hi")
ONE_RESULT = tool_round_trip()
TWO_RESULTS = parallel_round_trip()
STALE_RESULT = [*tool_round_trip(), {"role": "assistant", "content": "Sunny."}, *user("ok")]


@pytest.mark.parametrize(
    ("criterion", "messages", "hit"),
    [
        (True, NO_RESULT, False),
        (True, ONE_RESULT, True),
        (True, STALE_RESULT, False),
        (False, NO_RESULT, True),
        (False, ONE_RESULT, False),
        (False, STALE_RESULT, True),
        ("get_weather", ONE_RESULT, True),
        ("get_weather", NO_RESULT, False),
        ("get_weather", STALE_RESULT, False),
        ("get_time", ONE_RESULT, False),
        ("get_time", TWO_RESULTS, True),
        ("get_weather", TWO_RESULTS, True),
        ({"tool_call_id": "call_9"}, ONE_RESULT, True),
        ({"tool_call_id": "call_9"}, TWO_RESULTS, False),
        ({"tool_call_id": "call_b"}, TWO_RESULTS, True),
        ({"tool_call_id": "call_b", "name": "get_time"}, TWO_RESULTS, True),
        ({"tool_call_id": "call_a", "name": "get_time"}, TWO_RESULTS, False),
        ({"tool_call_id": "call_9", "name": "get_weather"}, ONE_RESULT, True),
    ],
)
def test_tool_result_criterion(
    server: MockServer,
    http: httpx.Client,
    criterion: Any,
    messages: list[dict[str, Any]],
    hit: bool,
) -> None:
    server.chat.when(tool_result=criterion).reply("scripted", times=None)
    assert answered(server, http, messages=messages) is hit


# --- what a near miss says, per criterion (strict mode) ------------------------------------


@pytest.mark.parametrize(
    ("criteria", "body", "headers", "expected"),
    [
        (
            {"model": "anthropic/*"},
            {},
            {},
            "model: expected 'anthropic/*', got 'openai/gpt-4o-mini'",
        ),
        ({"stream": True}, {}, {}, "stream: expected True, got False"),
        (
            {"last_user": "weather"},
            {"messages": only_system("Be brief.")},
            {},
            "last_user: expected text containing 'weather', got no user message",
        ),
        (
            {"last_user": {"equals": "HI", "ignore_case": True}},
            {"messages": user("Hello")},
            {},
            "last_user: expected text equal to 'HI' (ignoring case), got 'Hello'",
        ),
        (
            {"any_message": {"regex": "^x"}},
            {},
            {},
            "any_message: no message matching regex '^x'",
        ),
        ({"system": "pirate"}, {}, {}, "system: expected text containing 'pirate', got ''"),
        ({"tools": True}, {}, {}, "tools: expected tools to be offered, none were"),
        (
            {"tools": False},
            {"tools": [WEATHER_TOOL]},
            {},
            "tools: expected no tools, got ['get_weather']",
        ),
        (
            {"tools": ["get_weather", "get_time"]},
            {"tools": [WEATHER_TOOL]},
            {},
            "tools: expected ['get_time'] to be offered, got ['get_weather']",
        ),
        (
            {"tool_result": True},
            {},
            {},
            "tool_result: expected the request to end with a tool result",
        ),
        (
            {"tool_result": False},
            {"messages": ONE_RESULT},
            {},
            "tool_result: expected no pending tool result",
        ),
        (
            {"tool_result": "get_time"},
            {},
            {},
            "tool_result: expected {'name': 'get_time'}, got none",
        ),
        (
            {"tool_result": "get_time"},
            {"messages": ONE_RESULT},
            {},
            "tool_result: expected {'name': 'get_time'}, "
            "got [{'tool_call_id': 'call_9', 'name': 'get_weather'}]",
        ),
        (
            {"headers": {"X-Tenant": "acme"}},
            {},
            {},
            "header X-Tenant: expected 'acme', got None",
        ),
        (
            {"headers": {"X-Trace": {"regex": "^t-"}}},
            {},
            {"x-trace": "u-1"},
            "header X-Trace: expected a value matching regex '^t-', got 'u-1'",
        ),
        (
            {"model": "anthropic/*", "stream": True},
            {},
            {},
            "model: expected 'anthropic/*', got 'openai/gpt-4o-mini'; "
            "stream: expected True, got False",
        ),
    ],
)
def test_near_miss_says_what_differed(
    server: MockServer,
    http: httpx.Client,
    criteria: dict[str, Any],
    body: dict[str, Any],
    headers: dict[str, str],
    expected: str,
) -> None:
    server.strict = True
    rule = server.chat.when(**criteria).reply("scripted", times=None)
    payload = {"model": "openai/gpt-4o-mini", "messages": user("Hello"), **body}
    response = http.post("/v1/chat/completions", json=payload, headers=headers)
    assert response.status_code == 404, response.text
    error = error_of(response)
    assert error["code"] == "no_matching_rule"
    assert error["details"] == [{"type": "near_miss", "loc": ["rules", rule.id], "msg": expected}]
    assert f"- {rule.id}: {expected}" in error["message"]


@pytest.mark.parametrize(
    ("rule", "path", "body", "expected"),
    [
        (
            {"endpoint": "moderations", "match": {"input": "attack"}, "reply": {"flagged": True}},
            "/v1/moderations",
            {"input": ["hello", "there"]},
            "input: no input containing 'attack'",
        ),
        (
            {
                "endpoint": "embeddings",
                "match": {"input": {"equals": "A", "ignore_case": True}},
                "reply": {"embedding": [1.0]},
            },
            "/v1/embeddings",
            {"input": "b"},
            "input: no input equal to 'A' (ignoring case)",
        ),
        (
            {"endpoint": "web_search", "match": {"query": {"regex": "^tide"}}, "reply": {}},
            "/v1/web/search",
            {"query": "weather"},
            "query: expected text matching regex '^tide', got 'weather'",
        ),
        (
            {"endpoint": "router", "match": {"last_user": "prove"}, "reply": {"model": "m"}},
            "/v1/router/select",
            {"messages": user("Hi")},
            "last_user: expected text containing 'prove', got 'Hi'",
        ),
    ],
)
def test_near_misses_read_the_same_on_every_endpoint(
    server: MockServer,
    http: httpx.Client,
    rule: dict[str, Any],
    path: str,
    body: dict[str, Any],
    expected: str,
) -> None:
    server.strict = True
    (added,) = server.add_rules(rule)
    response = http.post(path, json=body)
    assert response.status_code == 404, response.text
    error = error_of(response)
    assert error["details"] == [{"type": "near_miss", "loc": ["rules", added.id], "msg": expected}]
