"""The code blocks of the "Python SDK / Chat Completions" page, run as written against the fake.

Each block is kept as text exactly as the page shows it; only the base URL and the token are
swapped, by a replace that fails loudly if the text ever stops containing them.
"""

from __future__ import annotations

import ast
import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from meshapi import AsyncMeshAPI, ChatCompletionParams, ChatMessage
from meshapi_mock import MockServer

CHAT_COMPLETIONS = """\
from meshapi import MeshAPI, ChatCompletionParams, ChatMessage

client = MeshAPI(base_url="https://api.meshapi.ai", token="rsk_...")

reply = client.chat.completions.create(
    ChatCompletionParams(
        model="openai/gpt-4o-mini",
        messages=[
            ChatMessage(role="system", content="You are a concise assistant."),
            ChatMessage(role="user", content="What is the capital of France?"),
        ],
        temperature=0.7,
        max_tokens=256,
    )
)

print(reply.choices[0].message.content)
print(f"Tokens: {reply.usage.total_tokens}")
"""

ASYNC = """\
import asyncio
from meshapi import AsyncMeshAPI, ChatCompletionParams, ChatMessage

async def main():
    async with AsyncMeshAPI(base_url="https://api.meshapi.ai", token="rsk_...") as client:
        reply = await client.chat.completions.create(
            ChatCompletionParams(
                model="openai/gpt-4o-mini",
                messages=[ChatMessage(role="user", content="Hello!")],
            )
        )
        print(reply.choices[0].message.content)

asyncio.run(main())
"""

STREAMING = """\
for chunk in client.chat.completions.stream(
    ChatCompletionParams(
        model="openai/gpt-4o-mini",
        messages=[ChatMessage(role="user", content="Write a haiku about Python.")],
    )
):
    if chunk.choices and chunk.choices[0].delta:
        print(chunk.choices[0].delta.content or "", end="", flush=True)
"""

ASYNC_STREAMING = """\
async for chunk in client.chat.completions.stream(params):
    if chunk.choices and chunk.choices[0].delta:
        print(chunk.choices[0].delta.content or "", end="", flush=True)
"""

TOOL_CALLING = """\
from meshapi import ChatCompletionParams, ChatMessage, Tool, ToolFunction

params = ChatCompletionParams(
    model="openai/gpt-4o",
    messages=[ChatMessage(role="user", content="What is the weather in Paris?")],
    tools=[
        Tool(
            type="function",
            function=ToolFunction(
                name="get_weather",
                description="Get current weather for a city",
                parameters={
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            ),
        )
    ],
    tool_choice="auto",
)

for chunk in client.chat.completions.stream(params):
    delta = chunk.choices[0].delta if chunk.choices else None
    if delta and delta.tool_calls:
        print("tool call:", delta.tool_calls)
    elif delta and delta.content:
        print(delta.content, end="", flush=True)
"""

HAIKU = ["Indented ", "lines ", "breathe\n", "no braces ", "hold ", "the ", "meaning\n"]


def pointed_at(block: str, server: MockServer) -> str:
    """The block with the fake's URL and a test key in place of the page's placeholders."""
    for placeholder in ('base_url="https://api.meshapi.ai"', 'token="rsk_..."'):
        assert placeholder in block
    return block.replace("https://api.meshapi.ai", server.url).replace("rsk_...", "rsk_test")


def run(block: str, namespace: dict[str, Any]) -> None:
    exec(compile(block, "<docs>", "exec"), namespace)


async def run_async(block: str, namespace: dict[str, Any]) -> None:
    """Run a block with top-level `async for`, as the page's async-streaming fragment is."""
    code = compile(block, "<docs>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    await eval(code, namespace)


@pytest.fixture
def sync_namespace(server: MockServer) -> Iterator[dict[str, Any]]:
    """Where the page's first block ran: `client` and the imports exist for later blocks."""
    namespace: dict[str, Any] = {}
    server.chat.reply("Paris.")
    run(pointed_at(CHAT_COMPLETIONS, server), namespace)
    yield namespace
    namespace["client"].close()


def arguments_printed(output: str) -> str:
    return "".join(re.findall(r"arguments='([^']*)'", output))


def test_chat_completions_block(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.chat.reply("Paris is the capital of France.", usage={"total_tokens": 27})
    namespace: dict[str, Any] = {}

    run(pointed_at(CHAT_COMPLETIONS, server), namespace)
    namespace["client"].close()

    assert capsys.readouterr().out == "Paris is the capital of France.\nTokens: 27\n"
    [entry] = server.requests
    assert entry.body == {
        "model": "openai/gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a concise assistant."},
            {"role": "user", "content": "What is the capital of France?"},
        ],
        "temperature": 0.7,
        "max_tokens": 256,
        "stream": False,
    }
    assert entry.status == 200


def test_async_block(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.chat.reply("Hello! How can I help?")

    run(pointed_at(ASYNC, server), {})

    assert capsys.readouterr().out == "Hello! How can I help?\n"
    assert [entry.body["messages"] for entry in server.requests] == [
        [{"role": "user", "content": "Hello!"}]
    ]


def test_streaming_block(
    server: MockServer, sync_namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    server.chat.reply(stream={"chunks": HAIKU})

    run(STREAMING, sync_namespace)

    assert capsys.readouterr().out == "".join(HAIKU)
    assert server.requests[-1].body["stream"] is True
    assert server.requests[-1].stream_completed is True


def test_async_streaming_block(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.chat.reply(stream={"chunks": HAIKU})

    async def main() -> None:
        async with AsyncMeshAPI(base_url=server.url, token="rsk_test") as client:
            params = ChatCompletionParams(
                model="openai/gpt-4o-mini",
                messages=[ChatMessage(role="user", content="Write a haiku about Python.")],
            )
            await run_async(ASYNC_STREAMING, {"client": client, "params": params})

    asyncio.run(main())

    assert capsys.readouterr().out == "".join(HAIKU)
    assert server.requests[-1].stream_completed is True


def test_tool_calling_block(
    server: MockServer, sync_namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    server.chat.when(last_user="weather").tool_call("get_weather", {"city": "Paris"})

    run(TOOL_CALLING, sync_namespace)

    output = capsys.readouterr().out
    lines = output.splitlines()
    assert lines and all(line.startswith("tool call: [ToolCallDelta(index=0") for line in lines)
    assert "name='get_weather'" in lines[0]
    assert arguments_printed(output) == '{"city": "Paris"}'
    assert server.requests[-1].body["tool_choice"] == "auto"


def test_tool_calling_block_against_the_default_reply(
    server: MockServer, sync_namespace: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing scripted: the fake still calls the offered tool with schema-valid arguments."""
    capsys.readouterr()

    run(TOOL_CALLING, sync_namespace)

    output = capsys.readouterr().out
    assert output.startswith("tool call: ")
    assert "name='get_weather'" in output
    assert re.fullmatch(r'\{"city": ".*"\}', arguments_printed(output))


def test_tool_calling_block_with_the_async_client(
    server: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same block with `async for`, which is the only change the async client needs."""
    server.chat.when(last_user="weather").tool_call("get_weather", {"city": "Paris"})
    async_block = TOOL_CALLING.replace("\nfor chunk in", "\nasync for chunk in")
    assert async_block != TOOL_CALLING

    async def main() -> None:
        async with AsyncMeshAPI(base_url=server.url, token="rsk_test") as client:
            await run_async(async_block, {"client": client})

    asyncio.run(main())

    output = capsys.readouterr().out
    assert output.startswith("tool call: [ToolCallDelta(index=0")
    assert arguments_printed(output) == '{"city": "Paris"}'
