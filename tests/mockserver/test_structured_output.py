"""Structured output in chat (contract §2): `response_format` asks for JSON, default mode
answers with JSON valid against the schema, rules answer with a JSON value or a refusal,
and `max_completion_tokens` limits an answer like `max_tokens`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from meshapi_mock import MockServer, ScenarioError
from pydantic import ValidationError
from support.wire import chat, check_stream_shape, error_of, sse_payloads, streamed_text

FORECAST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 2},
        "unit": {"enum": ["celsius", "fahrenheit"]},
        "days": {
            "type": "array",
            "minItems": 2,
            "uniqueItems": True,
            "items": {"$ref": "#/$defs/Day"},
        },
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "station": {"type": "string", "pattern": "^[A-Z]{4}$"},
        "issued": {"type": "string", "format": "date-time"},
    },
    "required": ["city", "unit", "days", "note", "station", "issued"],
    "additionalProperties": False,
    "$defs": {
        "Day": {
            "type": "object",
            "properties": {
                "day": {"type": "integer", "minimum": 1, "maximum": 7},
                "high": {"type": "number", "exclusiveMinimum": -90, "maximum": 60},
            },
            "required": ["day", "high"],
            "additionalProperties": False,
        }
    },
}
ASK = [{"role": "user", "content": "What is the forecast for Paris?"}]


def json_schema(schema: dict[str, Any], strict: bool | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": "forecast", "schema": schema}
    if strict is not None:
        spec["strict"] = strict
    return {"type": "json_schema", "json_schema": spec}


def assert_valid(schema: dict[str, Any], value: Any) -> None:
    validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    problems = [e.message for e in validator.iter_errors(value)]
    assert not problems, (value, problems)


def message_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()["choices"][0]["message"]
    return message


# --- default mode ------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [None, False, True])
def test_default_mode_answers_json_valid_against_the_schema(
    http: httpx.Client, strict: bool | None
) -> None:
    response = chat(http, messages=ASK, response_format=json_schema(FORECAST, strict))

    message = message_of(response)
    value = json.loads(message["content"])
    assert_valid(FORECAST, value)
    assert value["city"] == "Paris", "string values take the prompt's proper noun"
    assert response.json()["choices"][0]["finish_reason"] == "stop"
    assert "refusal" not in message and "tool_calls" not in message


def test_the_streamed_answer_joins_to_the_same_json(http: httpx.Client) -> None:
    body: dict[str, Any] = {"messages": ASK, "response_format": json_schema(FORECAST)}
    whole = message_of(chat(http, **body))["content"]

    payloads = sse_payloads(chat(http, stream=True, **body).content)

    check_stream_shape(payloads)
    assert len(payloads) > 4, "cut into several content chunks"
    assert streamed_text(payloads) == whole
    assert_valid(FORECAST, json.loads(whole))


def test_same_request_same_json(http: httpx.Client) -> None:
    body: dict[str, Any] = {"messages": ASK, "response_format": json_schema(FORECAST, True)}

    first, second = chat(http, **body), chat(http, **body)

    assert first.content == second.content


def test_json_object_mode_answers_a_json_object(http: httpx.Client) -> None:
    response = chat(http, messages=ASK, response_format={"type": "json_object"})

    value = json.loads(message_of(response)["content"])
    assert isinstance(value, dict) and "Paris" in value["answer"]


@pytest.mark.parametrize(
    "response_format",
    [
        {"type": "text"},
        {"type": "something_new"},
        {"type": "json_schema"},
        {"type": "json_schema", "json_schema": "not an object"},
    ],
)
def test_other_formats_are_accepted_and_answered_in_prose_or_an_object(
    http: httpx.Client, response_format: dict[str, Any]
) -> None:
    content = message_of(chat(http, messages=ASK, response_format=response_format))["content"]

    assert "Paris" in content
    assert not content.startswith("{"), "no JSON was asked for in a way the fake understands"


def test_a_json_schema_without_its_schema_gets_a_json_object(http: httpx.Client) -> None:
    response_format = {"type": "json_schema", "json_schema": {"name": "anything"}}

    content = message_of(chat(http, messages=ASK, response_format=response_format))["content"]

    assert isinstance(json.loads(content), dict)


def test_a_schema_too_broken_to_follow_still_gets_json(http: httpx.Client) -> None:
    broken = {"type": "object", "properties": {"n": {"type": "integer", "minimum": "x"}}}
    broken["required"] = ["n"]

    content = message_of(chat(http, messages=ASK, response_format=json_schema(broken)))["content"]

    assert json.loads(content) == {}


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_tools_come_first_then_the_answer_is_json(http: httpx.Client) -> None:
    """How an agent with an output type runs: a tool call, then the structured answer."""
    body: dict[str, Any] = {
        "messages": ASK,
        "tools": [WEATHER_TOOL],
        "response_format": json_schema(FORECAST),
    }

    call = message_of(chat(http, **body))["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    messages = [
        *ASK,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "Sunny, 21 °C"},
    ]
    answer = message_of(chat(http, **{**body, "messages": messages}))

    assert "tool_calls" not in answer
    assert_valid(FORECAST, json.loads(answer["content"]))


# --- max_completion_tokens ------------------------------------------------------------------


def answer(http: httpx.Client, **limits: Any) -> tuple[str, str]:
    body = chat(http, messages=[{"role": "user", "content": "Explain the universe"}], **limits)
    assert body.status_code == 200, body.text
    choice = body.json()["choices"][0]
    return choice["message"]["content"], choice["finish_reason"]


def test_max_completion_tokens_cuts_the_answer_like_max_tokens(http: httpx.Client) -> None:
    full, reason = answer(http)
    assert reason == "stop" and len(full) > 8

    assert answer(http, max_completion_tokens=2) == (full[:8], "length")
    assert answer(http, max_completion_tokens=2) == answer(http, max_tokens=2)


def test_with_both_limits_the_smaller_one_wins(http: httpx.Client) -> None:
    assert answer(http, max_tokens=1, max_completion_tokens=3)[0] == answer(http, max_tokens=1)[0]
    assert answer(http, max_tokens=3, max_completion_tokens=1)[0] == answer(http, max_tokens=1)[0]


def test_a_cut_structured_answer_is_cut_json(http: httpx.Client) -> None:
    """As from a real model: the JSON stops where the tokens ran out."""
    body: dict[str, Any] = {"messages": ASK, "response_format": json_schema(FORECAST)}
    body["max_completion_tokens"] = 5

    response = chat(http, **body)

    assert response.json()["choices"][0]["finish_reason"] == "length"
    content = message_of(response)["content"]
    assert len(content) == 20
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)


@pytest.mark.parametrize("value", [0, -1, "5", 1.5, True])
def test_max_completion_tokens_must_be_a_positive_integer(http: httpx.Client, value: Any) -> None:
    response = chat(http, messages=ASK, max_completion_tokens=value)

    assert response.status_code == 422
    details = error_of(response)["details"]
    assert any("max_completion_tokens" in detail["loc"] for detail in details), details


# --- scripted JSON -------------------------------------------------------------------------

VALUE = {"city": "Rome", "temperatures": [21.5, 19], "sunny": True, "note": None, "é": "ü"}


def test_a_json_reply_is_the_message_text(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply_json(VALUE)

    content = message_of(chat(http, messages=ASK))["content"]

    assert json.loads(content) == VALUE
    assert "ü" in content, "text is sent as UTF-8, not escaped"


def test_a_json_reply_streams_in_chunks_that_join_to_it(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.reply_json(VALUE, stream={"chunks": 7})

    payloads = sse_payloads(chat(http, stream=True, messages=ASK).content)

    check_stream_shape(payloads)
    pieces = [p["choices"][0]["delta"].get("content") for p in payloads[:-2]]
    assert all(len(piece) <= 7 for piece in pieces) and len(pieces) > 3
    assert json.loads(streamed_text(payloads)) == VALUE


def test_json_replies_from_the_admin_api_and_files_round_trip(
    server: MockServer, http: httpx.Client, tmp_path: Path
) -> None:
    rule = {"reply": {"json": [1, {"a": "b"}]}, "times": 2}
    created = http.post("/_mock/rules", json=rule)
    assert created.status_code == 201, created.text
    listed = http.get("/_mock/rules").json()
    (wire,) = listed if isinstance(listed, list) else listed["rules"]
    assert wire["reply"] == {"json": [1, {"a": "b"}]}, "listed as it is written"
    http.delete("/_mock/rules")
    assert http.post("/_mock/rules", json={"reply": wire["reply"]}).status_code == 201
    path = tmp_path / "structured.yaml"
    path.write_text("rules:\n  - reply:\n      json: {answer: 42, tags: [x, y]}\n")
    server.load(path)

    assert json.loads(message_of(chat(http))["content"]) == [1, {"a": "b"}]
    assert json.loads(message_of(chat(http))["content"]) == {"answer": 42, "tags": ["x", "y"]}


def test_a_reply_function_may_return_json(server: MockServer, http: httpx.Client) -> None:
    server.chat.respond(lambda request: {"json": {"echo": request.messages[-1].content}})

    assert json.loads(message_of(chat(http, messages=ASK))["content"]) == {
        "echo": ASK[0]["content"]
    }


# --- scripted refusals -----------------------------------------------------------------------

NO = "I can't help with that request."


def test_a_refusal_has_no_content(server: MockServer, http: httpx.Client) -> None:
    server.chat.refuse(NO)

    response = chat(http, messages=ASK, response_format=json_schema(FORECAST))

    assert message_of(response) == {"role": "assistant", "content": None, "refusal": NO}
    assert response.json()["choices"][0]["finish_reason"] == "stop"
    assert response.json()["usage"]["completion_tokens"] > 0


def test_a_refusal_streams_as_refusal_deltas(server: MockServer, http: httpx.Client) -> None:
    server.chat.refuse(NO, finish_reason="content_filter")

    payloads = sse_payloads(chat(http, stream=True, messages=ASK).content)

    check_stream_shape(payloads)
    deltas = [p["choices"][0]["delta"] for p in payloads[:-2]]
    assert all("content" not in delta for delta in deltas), deltas
    assert "".join(delta["refusal"] for delta in deltas) == NO
    assert len(deltas) > 1
    assert payloads[-2]["choices"][0]["finish_reason"] == "content_filter"


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        ({"text": "a", "json": {"a": 1}}, "give one of text or json"),
        ({"json": {"a": 1}, "refusal": "no"}, "give one of json or refusal"),
        ({"refusal": "no", "tool_calls": [{"name": "f"}]}, "cannot also call tools"),
        ({"json": {"a": 1}, "error": {"status": 500}}, "cannot also carry json"),
        ({"refusal": "no", "error": {"status": 500}}, "cannot also carry refusal"),
        ({"json": {"a": float("nan")}}, "not a JSON number"),
        ({"json": {"a": "\ud800"}}, "json.a"),
        ({"json": {"a": 1}, "stream": {"chunks": ['{"a"', ": 2}"]}}, "join to exactly"),
        ({"refusal": "no", "stream": {"chunks": ["n", "o!"]}}, "join to exactly"),
    ],
)
def test_inconsistent_replies_are_refused(
    server: MockServer, reply: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=fragment):
        server.chat.reply_with(**reply)
    assert server.rules == []


def test_explicit_chunks_must_join_to_the_encoded_json(
    server: MockServer, http: httpx.Client
) -> None:
    server.chat.reply_json({"a": 1}, stream={"chunks": ['{"a"', ": 1}"]})

    payloads = sse_payloads(chat(http, stream=True).content)

    assert [p["choices"][0]["delta"]["content"] for p in payloads[:-2]] == ['{"a"', ": 1}"]


def test_a_bad_json_reply_in_a_file_names_the_entry(server: MockServer, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - name: both\n    reply: {text: hi, json: {a: 1}}\n")

    with pytest.raises(ScenarioError, match=r"rules\[0\] \(both\)\.reply"):
        server.load(path)
