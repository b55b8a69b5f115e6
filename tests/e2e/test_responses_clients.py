"""Real clients of `/v1/responses` over a real port: the `openai` SDK (as agent frameworks
use it), the bundled `meshapi` SDK (sync and async) and the official `meshapi` 0.1.11 SDK
in its own environment."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from meshapi import AsyncMeshAPI, MeshAPI, ResponsesParams, ResponsesResponse
from meshapi_mock import MockServer
from openai import AsyncOpenAI, OpenAI
from openai.types.responses import FunctionToolParam, ResponseInputParam
from pydantic import BaseModel
from support.official_sdk import official_python, run_script

MODEL = "openai/gpt-4o-mini"
WEATHER: FunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}


def openai_client(server: MockServer) -> OpenAI:
    return OpenAI(base_url=server.url + "/v1", api_key="rsk_openai", max_retries=0)


def text_of(response: ResponsesResponse) -> str:
    return "".join(
        part.get("text", "")
        for item in response.output or ()
        if item["type"] == "message"
        for part in item["content"]
    )


# --------------------------------------------------------------------------- openai SDK


def test_openai_create_and_retrieve(server: MockServer) -> None:
    server.responses.when(instructions="brief").reply("Paris.")
    client = openai_client(server)

    response = client.responses.create(
        model=MODEL,
        instructions="Be brief.",
        input="Capital of France?",
        reasoning={"effort": "low"},
    )
    again = client.responses.retrieve(response.id)

    assert response.output_text == "Paris." and response.status == "completed"
    assert response.usage is not None and response.usage.total_tokens > 0
    assert again.output_text == "Paris." and again.id == response.id


def test_openai_stream_accumulates_the_final_response(server: MockServer) -> None:
    client = openai_client(server)

    with client.responses.stream(model=MODEL, input="Count to three") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()

    assert len(deltas) > 1 and "".join(deltas) == final.output_text
    assert "Count to three" in final.output_text
    assert final.status == "completed" and final.usage is not None


def test_openai_function_call_round_trip(server: MockServer) -> None:
    client = openai_client(server)
    conversation: ResponseInputParam = [{"role": "user", "content": "Weather in Paris?"}]

    first = client.responses.create(model=MODEL, input=conversation, tools=[WEATHER])
    [call] = [item for item in first.output if item.type == "function_call"]
    arguments = json.loads(call.arguments)
    conversation += [
        {
            "type": "function_call",
            "call_id": call.call_id,
            "name": call.name,
            "arguments": call.arguments,
        },
        {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21 °C"},
    ]
    second = client.responses.create(model=MODEL, input=conversation, tools=[WEATHER])

    assert call.name == "get_weather" and arguments["city"] == "Paris"
    jsonschema_rs.validator_for(dict(WEATHER["parameters"] or {})).validate(arguments)
    assert "Sunny, 21 °C" in second.output_text
    request = server.responses.requests[-1].body
    assert request["input"][-1]["type"] == "function_call_output"


def test_openai_streamed_function_call_is_parsed_against_the_tool(server: MockServer) -> None:
    client = openai_client(server)

    with client.responses.stream(model=MODEL, input="Weather in Lyon?", tools=[WEATHER]) as stream:
        final = stream.get_final_response()

    [call] = final.output
    assert call.type == "function_call"
    assert call.parsed_arguments == {"city": "Lyon", "unit": "celsius"}


class Place(BaseModel):
    city: str
    country: str
    population: int


def test_openai_structured_output_with_text_format(server: MockServer) -> None:
    client = openai_client(server)

    parsed = client.responses.parse(model=MODEL, input="Describe Paris", text_format=Place)
    with client.responses.stream(model=MODEL, input="Describe Paris", text_format=Place) as stream:
        streamed = stream.get_final_response()

    assert isinstance(parsed.output_parsed, Place)
    assert isinstance(streamed.output_parsed, Place)
    sent = server.responses.requests[0].body["text"]["format"]
    assert sent["type"] == "json_schema" and sent["name"] == "Place"


def test_openai_async_create_and_stream(server: MockServer) -> None:
    server.responses.reply("Async hello", times=2)

    async def main() -> tuple[str, str]:
        async with AsyncOpenAI(base_url=server.url + "/v1", api_key="rsk_x") as client:
            created = await client.responses.create(model=MODEL, input="Hi")
            async with client.responses.stream(model=MODEL, input="Hi") as stream:
                final = await stream.get_final_response()
            return created.output_text, final.output_text

    assert asyncio.run(main()) == ("Async hello", "Async hello")


def test_openai_background_job_on_the_fakes_clock(server: MockServer) -> None:
    client = openai_client(server)

    job = client.responses.create(model=MODEL, input="Write a report", background=True)
    seen = [job.status]
    for _ in range(3):
        server.clock.advance(1)
        seen.append(client.responses.retrieve(job.id).status)
    done = client.responses.retrieve(job.id)

    assert seen == ["queued", "in_progress", "in_progress", "completed"]
    assert "Write a report" in done.output_text


# --------------------------------------------------------------------------- bundled SDK


def test_bundled_sdk_create_stream_list_get(server: MockServer) -> None:
    server.responses.when(stream=True).reply("Streamed answer")
    with MeshAPI(base_url=server.url, token="rsk_bundled") as client:
        created = client.responses.create(ResponsesParams(model=MODEL, input="Hi"))
        events = list(client.responses.stream(ResponsesParams(model=MODEL, input="Hi")))
        job = client.responses.create({"input": "Later", "background": True})
        listed = client.responses.list(limit=5)
        queued = client.responses.get(job.id or "")
        server.clock.advance(3)
        done = client.responses.get(job.id or "")

    assert created.status == "completed" and "Hi" in text_of(created)
    extras = [e.model_extra or {} for e in events]
    assert extras[0]["event"] == "response.created" and events[-1].type == "response.completed"
    deltas = [x["delta"] for x in extras if x["event"] == "response.output_text.delta"]
    assert "".join(deltas) == "Streamed answer"
    assert [item.id for item in listed.data] == [job.id] and listed.has_more is False
    assert listed.first_id == listed.last_id == job.id
    assert (job.status, queued.status, done.status) == ("queued", "queued", "completed")
    assert done.usage is not None and done.usage.total_tokens


def test_bundled_async_sdk(server: MockServer) -> None:
    async def main() -> tuple[str | None, list[str | None], str | None]:
        async with AsyncMeshAPI(base_url=server.url, token="rsk_bundled") as client:
            created = await client.responses.create({"input": "Hi", "model": MODEL})
            kinds = [e.type async for e in client.responses.stream({"input": "Hi"})]
            page = await client.responses.list()
            got = await client.responses.get(created.id or "")
            return got.status, kinds, page.object

    status, kinds, listed = asyncio.run(main())
    assert status == "completed" and listed == "list"
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"


def test_bundled_sdk_raises_the_envelope_for_an_unknown_id(server: MockServer) -> None:
    from meshapi import MeshAPIError

    with (
        MeshAPI(base_url=server.url, token="rsk_bundled", max_retries=0) as client,
        pytest.raises(MeshAPIError) as caught,
    ):
        client.responses.get("resp_missing")

    assert caught.value.status == 404 and caught.value.error_code == "not_found"


# --------------------------------------------------------------------------- official SDK


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def test_official_sdk_create_stream_list_get(official: Path, server: MockServer) -> None:
    server.responses.when(stream=False, background=False).reply("Official hello")
    code = """
        from meshapi import MeshAPI, ResponsesParams, MeshAPIError
        client = MeshAPI(base_url=URL, token="rsk_official", max_retries=0)
        created = client.responses.create(ResponsesParams(model=MODEL, input="Hi"))
        events = list(client.responses.stream(ResponsesParams(model=MODEL, input="Hi")))
        job = client.responses.create(ResponsesParams(input="Later", background=True))
        page = client.responses.list(limit=1)
        got = client.responses.get(job.id)
        try:
            client.responses.get("resp_missing")
            missing = None
        except MeshAPIError as exc:
            missing = [exc.status, exc.error_code]
        emit({
            "text": created.output[0]["content"][0]["text"],
            "kinds": [e.type for e in events],
            "names": sorted({e.model_extra.get("event") for e in events}),
            "final": events[-1].response["status"],
            "listed": [item.id for item in page.data],
            "job_id": job.id,
            "job": [job.status, got.status],
            "missing": missing,
        })
    """
    seen = run_script(official, textwrap.dedent(code), URL=server.url, MODEL=MODEL)

    assert seen["text"] == "Official hello"
    assert seen["kinds"][0] == "response.created" and seen["final"] == "completed"
    assert "response.output_text.delta" in seen["names"]
    assert seen["listed"] == [seen["job_id"]] and seen["job"] == ["queued", "queued"]
    assert seen["missing"] == [404, "not_found"]


def test_official_async_sdk_streams(official: Path, server: MockServer) -> None:
    code = """
        import asyncio
        from meshapi import AsyncMeshAPI, ResponsesParams

        async def main():
            async with AsyncMeshAPI(base_url=URL, token="rsk_official") as client:
                return [e.type async for e in client.responses.stream(
                    ResponsesParams(model=MODEL, input="Weather?", tools=[TOOL]))]

        emit(asyncio.run(main()))
    """
    tool: dict[str, Any] = {k: v for k, v in WEATHER.items() if k != "strict"}
    kinds = run_script(official, textwrap.dedent(code), URL=server.url, MODEL=MODEL, TOOL=tool)

    assert "response.function_call_arguments.delta" in kinds
    assert kinds[-1] == "response.completed"
