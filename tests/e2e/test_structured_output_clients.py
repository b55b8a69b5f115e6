"""Structured output through real clients: the `openai` SDK's `parse()` and `stream()` with
a pydantic `response_format`, its strict function tools, and the official `meshapi` 0.1.11
SDK sending `response_format` by hand (contract §2)."""

from __future__ import annotations

import enum
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import openai
import pytest
from meshapi_mock import MockServer
from openai import AsyncOpenAI, OpenAI
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, Field
from support.official_sdk import official_python, run_script

MODEL = "openai/gpt-4o-mini"
ASK: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Plan a trip to Kyoto for two people"}
]


class Transport(str, enum.Enum):
    TRAIN = "train"
    PLANE = "plane"
    BUS = "bus"


class Stop(BaseModel):
    place: str
    nights: int = Field(ge=1, le=14)
    highlights: list[str]
    budget_eur: float | None = Field(default=None, gt=0)


class Traveller(BaseModel):
    name: str
    age: int = Field(ge=0, le=120)
    email: str | None = None


class TripPlan(BaseModel):
    title: str = Field(min_length=3, max_length=80)
    transport: Transport
    pace: Literal["relaxed", "normal", "packed"]
    stops: list[Stop] = Field(min_length=2)
    travellers: list[Traveller]
    notes: str | None = None


@pytest.fixture(scope="module")
def shared_client(session_server: MockServer) -> Iterator[OpenAI]:
    base_url = session_server.url + "/v1"
    with OpenAI(base_url=base_url, api_key="rsk_test", max_retries=0, timeout=10) as client:
        yield client


@pytest.fixture
def client(server: MockServer, shared_client: OpenAI) -> OpenAI:
    return shared_client


def parsed_plan(completion: Any) -> TripPlan:
    message = completion.choices[0].message
    assert message.refusal is None
    plan = message.parsed
    assert isinstance(plan, TripPlan), message
    return plan


# --- the openai SDK ----------------------------------------------------------------------------


def test_openai_parse_in_default_mode(server: MockServer, client: OpenAI) -> None:
    completion = client.chat.completions.parse(model=MODEL, messages=ASK, response_format=TripPlan)

    plan = parsed_plan(completion)
    assert plan.transport is Transport.TRAIN and plan.pace == "relaxed"
    assert len(plan.stops) == 2 and plan.stops[0].place == "Kyoto"
    assert plan.stops[0].highlights and 1 <= plan.stops[0].nights <= 14
    assert plan.travellers and 0 <= plan.travellers[0].age <= 120
    sent = server.chat.requests[-1].body["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
    assert sent["json_schema"]["name"] == "TripPlan"


def test_openai_beta_parse_where_it_still_exists(client: OpenAI) -> None:
    beta_chat = getattr(client.beta, "chat", None)
    if beta_chat is None:
        pytest.skip("this openai release has no client.beta.chat")
    completion = beta_chat.completions.parse(model=MODEL, messages=ASK, response_format=TripPlan)

    assert parsed_plan(completion).stops[0].place == "Kyoto"


@pytest.mark.anyio
async def test_openai_async_parse(server: MockServer) -> None:
    async with AsyncOpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0) as c:
        completion = await c.chat.completions.parse(
            model=MODEL, messages=ASK, response_format=TripPlan
        )

    assert parsed_plan(completion).title


def test_openai_stream_with_a_response_format(client: OpenAI) -> None:
    with client.chat.completions.stream(
        model=MODEL, messages=ASK, response_format=TripPlan
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_completion()

    assert kinds.count("content.delta") > 3 and "content.done" in kinds
    done_plan = parsed_plan(final)
    unstreamed = client.chat.completions.parse(model=MODEL, messages=ASK, response_format=TripPlan)
    assert done_plan == parsed_plan(unstreamed), "streamed or not, the same answer"


def test_openai_parse_surfaces_a_refusal(server: MockServer, client: OpenAI) -> None:
    server.chat.refuse("I can't plan that trip.", times=2)

    completion = client.chat.completions.parse(model=MODEL, messages=ASK, response_format=TripPlan)
    with client.chat.completions.stream(
        model=MODEL, messages=ASK, response_format=TripPlan
    ) as stream:
        kinds = [event.type for event in stream]
        streamed = stream.get_final_completion()

    for message in (completion.choices[0].message, streamed.choices[0].message):
        assert message.refusal == "I can't plan that trip."
        assert message.parsed is None and message.content is None
    assert "refusal.delta" in kinds and "refusal.done" in kinds


def test_openai_parse_reads_a_scripted_json_reply(server: MockServer, client: OpenAI) -> None:
    plan = {
        "title": "Kansai in spring",
        "transport": "plane",
        "pace": "packed",
        "stops": [
            {"place": "Osaka", "nights": 2, "highlights": ["castle"], "budget_eur": 300},
            {"place": "Nara", "nights": 1, "highlights": ["deer"], "budget_eur": None},
        ],
        "travellers": [{"name": "Ana", "age": 34, "email": None}],
        "notes": None,
    }
    server.chat.reply_json(plan)

    completion = client.chat.completions.parse(model=MODEL, messages=ASK, response_format=TripPlan)

    assert parsed_plan(completion) == TripPlan.model_validate(plan)


def test_openai_length_limit_is_reported_as_such(client: OpenAI) -> None:
    with pytest.raises(openai.LengthFinishReasonError):
        client.chat.completions.parse(
            model=MODEL, messages=ASK, response_format=TripPlan, max_completion_tokens=4
        )


def test_openai_strict_function_tools_get_parseable_arguments(client: OpenAI) -> None:
    """`pydantic_function_tool` sends a strict schema; `parse()` validates the arguments."""
    tools = [openai.pydantic_function_tool(TripPlan, name="save_plan")]

    completion = client.chat.completions.parse(
        model=MODEL, messages=ASK, tools=tools, tool_choice="required"
    )

    (call,) = completion.choices[0].message.tool_calls or []
    assert isinstance(call.function.parsed_arguments, TripPlan)
    assert call.function.parsed_arguments.stops[0].place == "Kyoto"


def test_openai_json_object_mode(client: OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL, messages=ASK, response_format={"type": "json_object"}
    )

    assert isinstance(json.loads(completion.choices[0].message.content or ""), dict)


# --- the official meshapi 0.1.11 SDK --------------------------------------------------------


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def test_official_sdk_sends_response_format_and_reads_json(
    official: Path, server: MockServer
) -> None:
    schema = TripPlan.model_json_schema()
    code = """
        import json
        from meshapi import MeshAPI, ChatCompletionParams, ChatMessage
        client = MeshAPI(base_url=URL, token="rsk_official", max_retries=0)
        params = ChatCompletionParams(
            model="openai/gpt-4o-mini",
            messages=[ChatMessage(role="user", content="Plan a trip to Kyoto for two people")],
            response_format={"type": "json_schema",
                             "json_schema": {"name": "TripPlan", "schema": SCHEMA}},
        )
        plain = client.chat.completions.create(params)
        chunks = list(client.chat.completions.stream(params))
        refused = client.chat.completions.create(params)
        emit({
            "content": plain.choices[0].message.content,
            "streamed": "".join(c.choices[0].delta.content or ""
                                for c in chunks if c.choices and c.choices[0].delta),
            "refused": refused.choices[0].message.content,
        })
    """
    server.chat.when(nth=3).refuse("No trips today.")

    seen = run_script(official, textwrap.dedent(code), URL=server.url, SCHEMA=schema)

    plan = TripPlan.model_validate_json(seen["content"])
    assert plan.stops[0].place == "Kyoto"
    assert seen["streamed"] == seen["content"]
    assert seen["refused"] is None, "0.1.11 has no refusal field; the content is null"
    sent = [entry.body["response_format"] for entry in server.chat.requests]
    assert (
        sent == [{"type": "json_schema", "json_schema": {"name": "TripPlan", "schema": schema}}] * 3
    )
