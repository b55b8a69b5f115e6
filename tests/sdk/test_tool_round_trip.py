"""A full tool round trip as the README shows it: the reply's message goes straight back into
the next request, then the tool result, over a real port with the bundled SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatCompletionResponse,
    ChatMessage,
    MeshAPI,
    Tool,
    ToolFunction,
)
from meshapi_mock import MockServer
from pydantic import ValidationError

WEATHER_TOOL = Tool(
    function=ToolFunction(
        name="get_weather",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )
)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer() as running:
        yield running


@pytest.fixture
def scripted(server: MockServer) -> MockServer:
    server.reset()
    server.chat.when(last_user="weather").tool_call("get_weather", {"city": "Paris"})
    server.chat.when(tool_result="get_weather").reply("18 °C and sunny in Paris")
    return server


def ask(messages: list[ChatMessage]) -> ChatCompletionParams:
    return ChatCompletionParams(model="openai/gpt-4o", messages=messages, tools=[WEATHER_TOOL])


def answer_tool_calls(reply: ChatCompletionResponse, messages: list[ChatMessage]) -> None:
    message = reply.choices[0].message
    messages.append(ChatMessage.model_validate(message))
    for call in message.tool_calls or []:
        city = json.loads(call.function.arguments)["city"]
        messages.append(ChatMessage(role="tool", tool_call_id=call.id, content=f"{city}: 18 °C"))


def test_the_reply_message_is_appended_as_is(scripted: MockServer) -> None:
    messages = [ChatMessage(role="user", content="What is the weather in Paris?")]

    with MeshAPI(base_url=scripted.url, token="rsk_demo") as client:
        first = client.chat.completions.create(ask(messages))
        answer_tool_calls(first, messages)
        final = client.chat.completions.create(ask(messages))

    assert final.choices[0].message.content == "18 °C and sunny in Paris"
    sent = scripted.requests[-1].body["messages"]
    [call] = first.choices[0].message.tool_calls or []
    assert sent[1] == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": "get_weather", "arguments": call.function.arguments},
            }
        ],
    }
    assert sent[2]["tool_call_id"] == call.id


def test_the_reply_message_goes_straight_into_the_list(scripted: MockServer) -> None:
    with MeshAPI(base_url=scripted.url, token="rsk_demo") as client:
        first = client.chat.completions.create(
            {
                "model": "openai/gpt-4o",
                "tools": [WEATHER_TOOL],
                "messages": [{"role": "user", "content": "weather in Paris?"}],
            }
        )
        [call] = first.choices[0].message.tool_calls or []
        final = client.chat.completions.create(
            {
                "model": "openai/gpt-4o",
                "tools": [WEATHER_TOOL],
                "messages": [
                    {"role": "user", "content": "weather in Paris?"},
                    first.choices[0].message,
                    {"role": "tool", "tool_call_id": call.id, "content": "18 °C"},
                ],
            }
        )

    assert final.choices[0].message.content == "18 °C and sunny in Paris"


@pytest.mark.anyio
async def test_async_round_trip_with_a_streamed_first_turn(scripted: MockServer) -> None:
    messages = [ChatMessage(role="user", content="What is the weather in Paris?")]

    async with AsyncMeshAPI(base_url=scripted.url, token="rsk_demo") as client:
        first = await client.chat.completions.stream(ask(messages)).final_response()
        answer_tool_calls(first, messages)
        final = await client.chat.completions.create(ask(messages))

    assert final.choices[0].message.content == "18 °C and sunny in Paris"
    assert scripted.requests[-1].body["messages"][1]["role"] == "assistant"


def test_plain_dicts_stay_strict() -> None:
    with pytest.raises(ValidationError, match="audio"):
        ChatMessage.model_validate({"role": "assistant", "content": "hi", "audio": {"id": "a"}})
