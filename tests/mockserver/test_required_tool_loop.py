"""`tool_choice: "required"` in default mode: an agent loop must reach its output tool.

pydantic-ai offers its function tools plus an output tool (`final_result`) and sends
`tool_choice: "required"` until the output tool is called. The fake calls a tool not yet
called in the conversation before repeating one, so such a loop ends within a few requests
instead of calling the same tool for ever (issue 10).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
from pydantic import BaseModel, Field
from support.wire import chat


class CityReport(BaseModel):
    """What the agent must deliver: the arguments of its output tool."""

    city: str
    temperature_c: float = Field(ge=-90, le=60)
    conditions: list[str] = Field(min_length=1)


def function(name: str, description: str, parameters: dict[str, Any]) -> ChatCompletionToolParam:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


CITY_ARG = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = function("get_weather", "Current weather in a city", CITY_ARG)
TIME = function("get_local_time", "The local time in a city", CITY_ARG)
NEWS = function("search_news", "Recent news about a place", CITY_ARG)
FINAL = function(
    "final_result", "The final response which ends this run", CityReport.model_json_schema()
)


@pytest.fixture
def client(server: MockServer) -> Iterator[OpenAI]:
    with OpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0) as openai:
        yield openai


def run_agent(
    client: OpenAI, tools: list[ChatCompletionToolParam], prompt: str, limit: int = 10
) -> tuple[list[str], CityReport | None]:
    """Drive the loop as pydantic-ai does: every call answered, `required` each time, until
    the output tool is called (its arguments validated as the output model) or `limit`."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": prompt}]
    called: list[str] = []
    for _ in range(limit):
        completion = client.chat.completions.create(
            model="openai/gpt-4o-mini", messages=messages, tools=tools, tool_choice="required"
        )
        message = completion.choices[0].message
        assert message.tool_calls, "required: every answer calls a tool"
        messages.append(message.model_dump(exclude_none=True))  # type: ignore[arg-type]
        for call in message.tool_calls:
            assert call.type == "function"
            called.append(call.function.name)
            if call.function.name == "final_result":
                return called, CityReport.model_validate_json(call.function.arguments)
            result = f"{call.function.name} says: fine, 21 °C"
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    return called, None


def test_an_agent_loop_reaches_its_output_tool(client: OpenAI) -> None:
    called, report = run_agent(client, [WEATHER, TIME, NEWS, FINAL], "What's the weather in Oslo?")

    assert report is not None, f"the loop never ended: {called}"
    assert called == ["get_weather", "final_result"]
    assert report.city == "Oslo"


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_the_loop_ends_wherever_the_output_tool_is_offered(client: OpenAI, order: int) -> None:
    tools = [WEATHER, TIME, NEWS]
    tools.insert(order, FINAL)

    called, report = run_agent(client, tools, "Tell me a joke")

    assert report is not None and len(called) <= 2, called
    assert len(set(called)) == len(called), "no tool is repeated while another is fresh"


def test_without_an_output_tool_each_tool_is_called_once_before_any_repeats(
    client: OpenAI,
) -> None:
    called, report = run_agent(client, [WEATHER, TIME, NEWS], "Weather in Oslo?", limit=5)

    assert report is None
    assert called[0] == "get_weather", "the first call follows the prompt"
    assert sorted(called[:3]) == ["get_local_time", "get_weather", "search_news"]
    assert called[3] == "get_weather", "then the best match repeats"


def test_a_fresh_tool_wins_over_the_prompt_s_favourite(http: httpx.Client) -> None:
    messages = [
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
    ]

    body = chat(http, messages=messages, tools=[WEATHER, TIME], tool_choice="required").json()

    (call,) = body["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "get_local_time"
    assert json.loads(call["function"]["arguments"]) == {"city": "Oslo"}


def test_auto_still_answers_in_text_after_a_tool_result(client: OpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
    ]

    completion = client.chat.completions.create(
        model="openai/gpt-4o-mini", messages=messages, tools=[WEATHER, FINAL], tool_choice="auto"
    )

    message = completion.choices[0].message
    assert message.tool_calls is None and message.content and "Sunny" in message.content
