"""The bundled SDK's ``chat.completions.parse()`` against the fake, sync and async.

``parse()`` sends ``response_format`` built from a type, and hands back the completion with
each message's content validated as that type (``message.parsed``); a refusal is surfaced,
invalid content raises ``StructuredOutputParseError`` (contract §1.7, §2.3).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from typing import Any, Literal

import jsonschema_rs
import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatCompletionResponse,
    ChatMessage,
    MeshAPI,
    MeshAPIError,
    ParsedChatCompletion,
    RateLimitError,
    RetryPolicy,
    StructuredOutputParseError,
    Tool,
    ToolFunction,
)
from meshapi_mock import MockServer
from pydantic import BaseModel, Field


class Unit(str, enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Day(BaseModel):
    weekday: Literal["mon", "tue", "wed"]
    high: float = Field(ge=-90, le=60)
    rain_mm: int | None = None


class Station(BaseModel):
    code: str = Field(pattern=r"^[A-Z]{4}$")
    elevation_m: int = Field(ge=0)


class Forecast(BaseModel):
    city: str
    unit: Unit
    days: list[Day] = Field(min_length=2)
    station: Station
    alerts: list[str] = []
    note: str | None = None


PARAMS = ChatCompletionParams(
    model="openai/gpt-4o-mini",
    messages=[ChatMessage(role="user", content="What is the forecast for Lisbon?")],
)
NO_JITTER = RetryPolicy(random=lambda: 0.5)


@pytest.fixture
def client(server: MockServer, sleeps: list[float]) -> Iterator[MeshAPI]:
    with MeshAPI(
        base_url=server.url, token="rsk_test", retry_policy=NO_JITTER, sleep=sleeps.append
    ) as client:
        yield client


def async_client(server: MockServer) -> AsyncMeshAPI:
    return AsyncMeshAPI(base_url=server.url, token="rsk_test")


def sent_body(server: MockServer, index: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = server.chat.requests[index].body
    return body


# --- default mode: the parsed model -----------------------------------------------------------


def test_parse_returns_the_validated_model(server: MockServer, client: MeshAPI) -> None:
    completion = client.chat.completions.parse(PARAMS, response_format=Forecast)

    assert isinstance(completion, ParsedChatCompletion)
    assert isinstance(completion, ChatCompletionResponse), "usable wherever a completion is"
    (choice,) = completion.choices
    forecast = choice.message.parsed
    assert isinstance(forecast, Forecast)
    assert isinstance(choice.message.content, str)
    assert forecast == Forecast.model_validate_json(choice.message.content)
    assert forecast.city == "Lisbon" and forecast.unit is Unit.CELSIUS
    assert len(forecast.days) == 2 and forecast.days[0].weekday == "mon"
    assert forecast.station.code.isupper() and len(forecast.station.code) == 4
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_parse_sends_the_model_s_json_schema(server: MockServer, client: MeshAPI) -> None:
    client.chat.completions.parse(PARAMS, response_format=Forecast)

    body = sent_body(server)
    assert body["stream"] is False
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Forecast", "schema": Forecast.model_json_schema()},
    }
    assert body["messages"] == [{"role": "user", "content": "What is the forecast for Lisbon?"}]


def test_strict_sends_a_strict_schema(server: MockServer, client: MeshAPI) -> None:
    completion = client.chat.completions.parse(PARAMS, response_format=Forecast, strict=True)

    spec = sent_body(server)["response_format"]["json_schema"]
    assert spec["strict"] is True and spec["name"] == "Forecast"
    objects = [spec["schema"], *spec["schema"]["$defs"].values()]
    objects = [node for node in objects if node.get("type") == "object"]
    assert len(objects) == 3
    for node in objects:
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])
    assert "default" not in spec["schema"]["properties"]["note"]
    forecast = completion.choices[0].message.parsed
    assert forecast is not None and forecast.note is not None, "strict: every field is sent"
    content = completion.choices[0].message.content
    assert isinstance(content, str)
    assert jsonschema_rs.Draft202012Validator(spec["schema"]).is_valid(json.loads(content))


def test_any_type_pydantic_validates_is_a_response_format(
    server: MockServer, client: MeshAPI
) -> None:
    completion = client.chat.completions.parse(PARAMS, response_format=list[Day])

    days = completion.choices[0].message.parsed
    assert isinstance(days, list) and all(isinstance(day, Day) for day in days)
    assert sent_body(server)["response_format"]["json_schema"]["name"] == "response"


def test_params_may_be_a_mapping_and_their_response_format_is_replaced(
    server: MockServer, client: MeshAPI
) -> None:
    params = {**PARAMS.model_dump(exclude_none=True), "response_format": {"type": "text"}}
    params["max_completion_tokens"] = 500

    completion = client.chat.completions.parse(params, response_format=Station)

    assert isinstance(completion.choices[0].message.parsed, Station)
    body = sent_body(server)
    assert body["response_format"]["json_schema"]["name"] == "Station"
    assert body["max_completion_tokens"] == 500


@pytest.mark.anyio
async def test_async_parse(server: MockServer) -> None:
    async with async_client(server) as client:
        completion = await client.chat.completions.parse(PARAMS, response_format=Forecast)

    forecast = completion.choices[0].message.parsed
    assert isinstance(forecast, Forecast) and forecast.city == "Lisbon"


# --- scripted replies ----------------------------------------------------------------------------

SCRIPTED = {
    "city": "Porto",
    "unit": "fahrenheit",
    "days": [{"weekday": "tue", "high": 21.5}, {"weekday": "wed", "high": 20, "rain_mm": 3}],
    "station": {"code": "LPPR", "elevation_m": 69},
}


def test_a_scripted_json_reply_is_parsed(server: MockServer, client: MeshAPI) -> None:
    server.chat.reply_json(SCRIPTED)

    forecast = client.chat.completions.parse(PARAMS, response_format=Forecast).choices[0]
    assert forecast.message.parsed == Forecast.model_validate(SCRIPTED)


def test_a_refusal_is_surfaced_not_parsed(server: MockServer, client: MeshAPI) -> None:
    server.chat.refuse("I can't share forecasts.")

    message = client.chat.completions.parse(PARAMS, response_format=Forecast).choices[0].message

    assert message.parsed is None and message.content is None
    assert message.refusal == "I can't share forecasts."


@pytest.mark.anyio
async def test_async_refusal(server: MockServer) -> None:
    server.chat.refuse("No.")

    async with async_client(server) as client:
        completion = await client.chat.completions.parse(PARAMS, response_format=Forecast)

    assert completion.choices[0].message.refusal == "No."
    assert completion.choices[0].message.parsed is None


def test_tool_calls_only_parse_to_none(server: MockServer, client: MeshAPI) -> None:
    server.chat.tool_call("get_weather", {"city": "Porto"})
    params = PARAMS.model_copy(update={"tools": [Tool(function=ToolFunction(name="get_weather"))]})

    message = client.chat.completions.parse(params, response_format=Forecast).choices[0].message

    assert message.parsed is None and message.tool_calls is not None
    assert message.tool_calls[0].function.name == "get_weather"


# --- content that does not validate ------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ({"text": "Sunny all week."}, "Invalid JSON"),
        ({"json": {**SCRIPTED, "unit": "kelvin"}}, "unit: Input should be 'celsius' or"),
        ({"json": {**SCRIPTED, "days": []}}, "days: List should have at least 2 items"),
        ({"json": [SCRIPTED]}, "Input should be an object"),
        ({"text": ""}, "the reply has no content"),
    ],
)
def test_invalid_content_raises_a_parse_error(
    server: MockServer, client: MeshAPI, reply: dict[str, Any], problem: str
) -> None:
    server.chat.reply_with(**reply)

    with pytest.raises(StructuredOutputParseError) as caught:
        client.chat.completions.parse(PARAMS, response_format=Forecast)

    error = caught.value
    assert isinstance(error, MeshAPIError)
    assert error.status == 0 and error.error_code == "structured_output_parse_error"
    assert problem in error.message and "not a valid Forecast" in error.message
    assert isinstance(error.completion, ChatCompletionResponse)
    assert error.content == error.completion.choices[0].message.content


def test_a_cut_reply_says_it_was_cut(server: MockServer, client: MeshAPI) -> None:
    params = PARAMS.model_copy(update={"max_completion_tokens": 3})

    with pytest.raises(StructuredOutputParseError, match="finish_reason 'length'") as caught:
        client.chat.completions.parse(params, response_format=Forecast)

    assert caught.value.content is not None and len(caught.value.content) == 12


@pytest.mark.anyio
async def test_async_parse_error(server: MockServer) -> None:
    server.chat.reply("nope")

    async with async_client(server) as client:
        with pytest.raises(StructuredOutputParseError, match="Invalid JSON"):
            await client.chat.completions.parse(PARAMS, response_format=Forecast)


def test_retries_send_the_bad_reply_back_with_a_correction(
    server: MockServer, client: MeshAPI
) -> None:
    server.chat.reply("Sunny all week.")
    server.chat.reply_json(SCRIPTED)

    completion = client.chat.completions.parse(PARAMS, response_format=Forecast, retries=2)

    assert completion.choices[0].message.parsed == Forecast.model_validate(SCRIPTED)
    assert server.chat.call_count == 2
    first, second = sent_body(server, 0), sent_body(server, 1)
    assert second["response_format"] == first["response_format"]
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assistant, correction = second["messages"][len(first["messages"]) :]
    assert assistant == {"role": "assistant", "content": "Sunny all week."}
    assert correction["role"] == "user" and "Forecast" in correction["content"]


@pytest.mark.anyio
async def test_async_retries_give_up_with_the_last_error(server: MockServer) -> None:
    server.chat.reply("one", times=None)

    async with async_client(server) as client:
        with pytest.raises(StructuredOutputParseError):
            await client.chat.completions.parse(PARAMS, response_format=Forecast, retries=2)

    assert server.chat.call_count == 3


def test_http_errors_are_retried_as_for_create(
    server: MockServer, client: MeshAPI, sleeps: list[float]
) -> None:
    server.chat.error(429, retry_after=1)
    server.chat.reply_json(SCRIPTED)

    completion = client.chat.completions.parse(PARAMS, response_format=Forecast)

    assert completion.choices[0].message.parsed is not None and sleeps == [1.0]
    server.chat.error(429, times=None)
    with pytest.raises(RateLimitError):
        client.chat.completions.parse(PARAMS, response_format=Forecast, retries=3)


# --- streamed ------------------------------------------------------------------------------------


def test_a_streamed_structured_answer_assembles_to_valid_json(
    server: MockServer, client: MeshAPI
) -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "Forecast", "schema": Forecast.model_json_schema()},
    }
    params = PARAMS.model_copy(update={"response_format": response_format})

    with client.chat.completions.stream(params) as stream:
        pieces = [c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta]
        final = stream.final_response()

    content = final.choices[0].message.content
    assert isinstance(content, str) and len([p for p in pieces if p]) > 3
    assert "".join(p for p in pieces if p) == content
    assert Forecast.model_validate_json(content).city == "Lisbon"


@pytest.mark.anyio
async def test_a_streamed_refusal_assembles_to_message_refusal(server: MockServer) -> None:
    server.chat.refuse("I can't share forecasts.", stream={"chunks": 4})

    async with async_client(server) as client:
        stream = client.chat.completions.stream(PARAMS)
        deltas = [c.choices[0].delta async for c in stream if c.choices and c.choices[0].delta]
        final = await stream.final_response()

    assert [d.refusal for d in deltas if d.refusal][:2] == ["I ca", "n't "]
    message = final.choices[0].message
    assert message.refusal == "I can't share forecasts." and message.content is None
