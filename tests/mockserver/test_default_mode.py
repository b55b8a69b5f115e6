"""Default mode: deterministic, prompt-dependent replies and schema-valid tool calls."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi_mock import MockServer, ServerConfig
from meshapi_mock.endpoints.chat.vocabulary import ReplySpec
from support.wire import (
    chat,
    check_stream_shape,
    error_of,
    sse_payloads,
    streamed_text,
    streamed_tool_calls,
)

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
    texts, ids, calls = set(), set(), []
    for seed in (1, 2):
        with MockServer(ServerConfig(seed=seed)) as server:
            client = authorized(server)
            body = chat(client).json()
            tooled = chat(client, messages=ask("Weather in Paris?"), tools=[WEATHER]).json()
        texts.add(body["choices"][0]["message"]["content"])
        ids.add(body["id"])
        calls.append(tooled["choices"][0]["message"]["tool_calls"][0])
    assert len(texts) == 1 and len(ids) == 2
    assert calls[0]["id"] != calls[1]["id"]
    assert calls[0]["function"] == calls[1]["function"]


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
    assert body["choices"][0]["message"]["content"] == "Sure. Yo"
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 2


def answer(http: httpx.Client, prompt: str, **extra: Any) -> tuple[str, str, int]:
    """(text, finish_reason, completion_tokens) of the default answer to one user message."""
    body = chat(http, messages=ask(prompt), **extra).json()
    choice = body["choices"][0]
    return choice["message"]["content"], choice["finish_reason"], body["usage"]["completion_tokens"]


@pytest.mark.parametrize(
    "prompt",
    [
        "What is the capital of France?",  # a 92-character answer: exactly 23 tokens
        "Hello",  # a 74-character answer: 19 tokens, the last one partly used
    ],
)
def test_max_tokens_boundary(http: httpx.Client, prompt: str) -> None:
    """A reply that fits in max_tokens is whole; one token less cuts it to 4 characters a token."""
    full, reason, needed = answer(http, prompt)
    assert reason == "stop" and needed == (len(full) + 3) // 4
    assert answer(http, prompt, max_tokens=needed) == (full, "stop", needed)
    assert answer(http, prompt, max_tokens=needed + 1) == (full, "stop", needed)
    cut = full[: 4 * (needed - 1)]
    assert answer(http, prompt, max_tokens=needed - 1) == (cut, "length", needed - 1)
    assert answer(http, prompt, max_tokens=1) == (full[:4], "length", 1)
    payloads = sse_payloads(
        chat(http, stream=True, messages=ask(prompt), max_tokens=needed - 1).content
    )
    check_stream_shape(payloads)
    assert streamed_text(payloads) == cut
    assert payloads[-2]["choices"][0]["finish_reason"] == "length"
    assert payloads[-1]["usage"]["completion_tokens"] == needed - 1


def test_max_tokens_boundary_values(http: httpx.Client) -> None:
    prompt = "What is the capital of France?"
    assert answer(http, prompt, max_tokens=23)[1:] == ("stop", 23)
    text, reason, used = answer(http, prompt, max_tokens=22)
    assert (len(text), reason, used) == (88, "length", 22)


def test_max_tokens_does_not_cut_tool_calls(http: httpx.Client) -> None:
    body = chat(http, messages=ask("Weather in Paris?"), tools=[WEATHER], max_tokens=1).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert (
        json.loads(choice["message"]["tool_calls"][0]["function"]["arguments"])["city"] == "Paris"
    )


# The answer is an opener and a closer chosen by the prompt's hash, around the prompt itself.
ANSWERS = [
    ("Hello", "Happy to help. You asked: “Hello” Script a rule to choose the exact words."),
    ("hi", "Sure. You asked: “hi” This reply comes from meshapi-mock's default mode."),
    (
        "What is the capital of France?",
        "Good question. You asked: “What is the capital of France?” "
        "Nothing was sent to a real model.",
    ),
    (
        "Name three rivers.",
        "Happy to help. You asked: “Name three rivers.” "
        "This reply comes from meshapi-mock's default mode.",
    ),
    (
        "abcdefgh ij",
        "Let me answer briefly. You asked: “abcdefgh ij” Script a rule to choose the exact words.",
    ),
    ("", "Here is a short answer. This reply comes from meshapi-mock's default mode."),
    (" \n\t ", "Here is a short answer. This reply comes from meshapi-mock's default mode."),
]


@pytest.mark.parametrize(("prompt", "expected"), ANSWERS)
def test_default_answers_are_pinned(http: httpx.Client, prompt: str, expected: str) -> None:
    text, reason, used = answer(http, prompt)
    assert (text, reason, used) == (expected, "stop", (len(expected) + 3) // 4)


def test_prompt_whitespace_is_collapsed(http: httpx.Client) -> None:
    text, _, _ = answer(http, "  abcdefgh \n\n  ij\t")
    assert text == dict(ANSWERS)["abcdefgh ij"]
    parts = [{"type": "text", "text": "abcdefgh"}, {"type": "text", "text": "ij"}]
    body = chat(http, messages=[{"role": "user", "content": parts}]).json()
    assert body["choices"][0]["message"]["content"] == text


@pytest.mark.parametrize(
    ("length", "shown"),
    [(119, 119), (120, 120), (121, 119), (500, 119)],
)
def test_long_prompts_are_clipped_at_120_characters(
    http: httpx.Client, length: int, shown: int
) -> None:
    prompt = ("abcdefghij" * 50)[:length]
    text, _, _ = answer(http, prompt)
    quoted = text.split("“", 1)[1].split("”", 1)[0]
    assert quoted == (prompt if shown == length else prompt[:shown] + "…")


def test_without_a_user_message_the_system_prompt_is_answered(http: httpx.Client) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Be   kind.\n"},
    ]
    text = chat(http, messages=messages).json()["choices"][0]["message"]["content"]
    assert text == (
        "Let me answer briefly. You asked: “Be brief. Be kind.” Nothing was sent to a real model."
    )


def test_the_last_user_message_wins_over_system_and_earlier_turns(http: httpx.Client) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        *ask("Name three rivers."),
        {"role": "assistant", "content": "Nile, Amazon, Yangtze."},
        *ask("Hello"),
    ]
    text = chat(http, messages=messages).json()["choices"][0]["message"]["content"]
    assert text == dict(ANSWERS)["Hello"]
    # Ending on an assistant turn answers the last user message all the same.
    text = chat(http, messages=messages[:3]).json()["choices"][0]["message"]["content"]
    assert text == dict(ANSWERS)["Name three rivers."]


def assistant_calls(*calls: tuple[str, str]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": "{}"}}
            for call_id, name in calls
        ],
    }


def tool_result(call_id: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content, **extra}


def test_several_tool_results_are_summarised_in_order(http: httpx.Client) -> None:
    messages = [
        *ask("Weather and time in Oslo?"),
        assistant_calls(("call_a", "get_weather"), ("call_b", "get_time")),
        tool_result("call_a", "18C"),
        tool_result("call_b", "  12:00 \n pm "),
    ]
    body = chat(http, messages=messages, tools=[WEATHER]).json()
    assert body["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Based on the tool results: "
        "get_weather returned 18C; get_time returned 12:00 pm.",
    }
    assert body["choices"][0]["finish_reason"] == "stop"


def test_only_the_trailing_tool_results_are_answered(http: httpx.Client) -> None:
    messages = [
        *ask("Weather in Oslo?"),
        assistant_calls(("call_a", "get_weather")),
        tool_result("call_a", "old news"),
        *ask("And the time?"),
        assistant_calls(("call_b", "get_time")),
        tool_result("call_b", "noon"),
    ]
    text = chat(http, messages=messages).json()["choices"][0]["message"]["content"]
    assert text == "Based on the tool results: get_time returned noon."


@pytest.mark.parametrize(
    ("result", "summary"),
    [
        (tool_result("call_a", ""), "get_weather finished"),
        (tool_result("call_a", "fine", name="weather_v2"), "weather_v2 returned fine"),
        (tool_result("call_zzz", "fine"), "the tool returned fine"),
        (tool_result("call_zzz", ""), "the tool finished"),
        (
            tool_result(
                "call_a", [{"type": "text", "text": "18C"}, {"type": "text", "text": "dry"}]
            ),
            "get_weather returned 18C dry",
        ),
        (tool_result("call_a", "x" * 200), "get_weather returned " + "x" * 200),
        (tool_result("call_a", "x" * 201), "get_weather returned " + "x" * 199 + "…"),
        (tool_result("call_a", "x" * 999), "get_weather returned " + "x" * 199 + "…"),
    ],
)
def test_tool_result_summaries(http: httpx.Client, result: dict[str, Any], summary: str) -> None:
    messages = [*ask("Weather in Oslo?"), assistant_calls(("call_a", "get_weather")), result]
    text = chat(http, messages=messages).json()["choices"][0]["message"]["content"]
    assert text == f"Based on the tool results: {summary}."


FORECAST = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Current weather forecast for a city",
        "parameters": {
            "type": "object",
            "properties": {"place": {"type": "string"}},
            "required": ["place"],
        },
    },
}


def test_the_description_counts_when_picking_a_tool(http: httpx.Client) -> None:
    response = chat(http, messages=ask("Weather forecast in Rome?"), tools=[STOCKS, FORECAST])
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "lookup"
    assert json.loads(call["function"]["arguments"]) == {"place": "Rome"}


def test_with_no_overlap_the_first_tool_is_called(http: httpx.Client) -> None:
    response = chat(http, messages=ask("Tell me a joke"), tools=[STOCKS, FORECAST])
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_stock_price"


def test_required_calls_a_tool_even_after_a_tool_result(http: httpx.Client) -> None:
    messages = [
        *ask("What is the stock price of ACME?"),
        assistant_calls(("call_a", "get_stock_price")),
        tool_result("call_a", "42"),
    ]
    body = chat(http, messages=messages, tools=[WEATHER, STOCKS], tool_choice="required").json()
    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"  # not called yet, so it comes first
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    auto = chat(http, messages=messages, tools=[WEATHER, STOCKS], tool_choice="auto").json()
    assert "tool_calls" not in auto["choices"][0]["message"]


def test_auto_answers_in_text_when_the_assistant_spoke_last(http: httpx.Client) -> None:
    messages = [*ask("Weather in Paris?"), {"role": "assistant", "content": "Let me think."}]
    for choice in ("auto", None):
        extra: dict[str, Any] = {} if choice is None else {"tool_choice": choice}
        body = chat(http, messages=messages, tools=[WEATHER], **extra).json()
        message = body["choices"][0]["message"]
        assert "tool_calls" not in message
        assert "Weather in Paris?" in message["content"]
    required = chat(http, messages=messages, tools=[WEATHER], tool_choice="required").json()
    assert required["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"


def tool(name: str, parameters: Any = None) -> dict[str, Any]:
    function: dict[str, Any] = {"name": name}
    if parameters is not None:
        function["parameters"] = parameters
    return {"type": "function", "function": function}


@pytest.mark.parametrize(
    ("parameters", "arguments"),
    [
        (None, {}),
        ({"type": "string"}, {"value": "Lima"}),
        ({"type": "array", "items": {"type": "integer"}}, {"value": [1]}),
        # A schema too broken to follow still gets a well-formed call.
        (
            {
                "type": "object",
                "properties": {"n": {"type": "integer", "minimum": "low"}},
                "required": ["n"],
            },
            {},
        ),
    ],
)
def test_arguments_are_always_a_json_object(
    http: httpx.Client, parameters: Any, arguments: dict[str, Any]
) -> None:
    body = chat(http, messages=ask("Where is Lima?"), tools=[tool("find", parameters)]).json()
    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == arguments


def test_question_words_are_not_taken_for_names(http: httpx.Client) -> None:
    body = chat(http, messages=ask("Is it sunny in Cairo, Please?"), tools=[WEATHER]).json()
    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert json.loads(call["function"]["arguments"])["city"] == "Cairo"


def test_missing_model_defaults(http: httpx.Client) -> None:
    body = http.post("/v1/chat/completions", json={"messages": ask("hi")}).json()
    assert body["model"] == "openai/gpt-4o-mini"


def test_free_models_cost_zero(http: httpx.Client) -> None:
    payloads = sse_payloads(
        chat(http, stream=True, model="meta-llama/llama-3.3-70b-instruct:free").content
    )
    assert payloads[-1]["cost"] == "0"


@given(text=st.text(), finish_reason=st.sampled_from([None, "stop", "length"]))
def test_the_unchecked_copy_default_mode_makes_equals_pydantics_copy(
    text: str, finish_reason: str | None
) -> None:
    """Default mode copies its blank reply without pydantic's machinery (a hot path); the
    copy must be the one `model_copy` would make, fields set included."""
    blank = ReplySpec(text="")
    values: dict[str, Any] = {"text": text}
    if finish_reason is not None:
        values["finish_reason"] = finish_reason
    fast, slow = blank.with_values(**values), blank.model_copy(update=values)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_dump(exclude_unset=True) == slow.model_dump(exclude_unset=True)
    assert blank.text == "", "the blank itself is untouched"
