"""The official `meshapi` 0.1.11 SDK from the package index, driving the fake.

It runs in its own cached virtual environment, in a subprocess (see
`support/official_sdk.py`), so it can never shadow the bundled SDK. Each test scripts the
fake here, runs a short program written against the official SDK there, and asserts on
what that program saw and on what the fake journaled.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from meshapi_mock import MockServer
from support.official_sdk import official_python, run_script


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def drive(official: Path, server: MockServer, code: str, **variables: Any) -> Any:
    prelude = """
        import meshapi
        from meshapi import MeshAPI, AsyncMeshAPI
        client = MeshAPI(base_url=URL, token="rsk_official", max_retries=1)
    """
    source = textwrap.dedent(prelude) + textwrap.dedent(code)
    return run_script(official, source, URL=server.url, **variables)


def test_the_subprocess_runs_the_official_package(official: Path, server: MockServer) -> None:
    seen = drive(official, server, "emit([meshapi.__version__, meshapi.__file__])")
    assert seen[0] == "0.1.11"
    assert "official-meshapi-0.1.11" in seen[1] and "/sdk/meshapi/" not in seen[1]


def test_chat_create_stream_and_tool_calls(official: Path, server: MockServer) -> None:
    server.chat.reply("Paris")
    server.chat.when(stream=True).reply("One two three")
    server.chat.when(tools=["get_weather"]).tool_call("get_weather", {"city": "Paris"})

    seen = drive(
        official,
        server,
        """
        from meshapi import ChatCompletionParams, ChatMessage, Tool, ToolFunction
        ask = [ChatMessage(role="user", content="Capital of France?")]
        reply = client.chat.completions.create(
            ChatCompletionParams(model="openai/gpt-4o-mini", messages=ask)
        )
        chunks = list(client.chat.completions.stream(
            ChatCompletionParams(model="openai/gpt-4o-mini", messages=ask)
        ))
        tool = Tool(type="function", function=ToolFunction(
            name="get_weather", parameters={"type": "object"}))
        called = client.chat.completions.create(
            ChatCompletionParams(model="openai/gpt-4o", messages=ask, tools=[tool])
        )
        emit({
            "text": reply.choices[0].message.content,
            "total": reply.usage.total_tokens,
            "streamed": "".join(c.choices[0].delta.content or ""
                                for c in chunks if c.choices and c.choices[0].delta),
            "cost": [c.cost for c in chunks if c.cost],
            "call": called.choices[0].message.tool_calls[0].function.arguments,
            "finish": called.choices[0].finish_reason,
        })
        """,
    )

    assert seen["text"] == "Paris" and seen["total"] > 0
    assert seen["streamed"] == "One two three" and len(seen["cost"]) == 1
    assert seen["call"] == '{"city": "Paris"}' and seen["finish"] == "tool_calls"
    assert [e.stream for e in server.chat.requests] == [False, True, False]
    sdk_header = server.requests[0].headers["x-meshapi-sdk"]
    assert sdk_header == "python/0.1.11"


def test_errors_and_retries(official: Path, server: MockServer) -> None:
    server.chat.error(429, retry_after=0)
    server.chat.reply("after one retry")
    server.chat.error(402, message="No balance")

    seen = drive(
        official,
        server,
        """
        from meshapi import ChatCompletionParams, ChatMessage, MeshAPIError
        params = ChatCompletionParams(
            model="openai/gpt-4o-mini", messages=[ChatMessage(role="user", content="hi")]
        )
        first = client.chat.completions.create(params).choices[0].message.content
        try:
            client.chat.completions.create(params)
        except MeshAPIError as exc:
            emit([first, exc.status, exc.error_code, str(exc), bool(exc.request_id)])
        """,
    )

    assert seen == ["after one retry", 402, "spend_limit_exceeded", "No balance", True]
    assert [e.status for e in server.requests] == [429, 200, 402]


def test_models_list_filters_search_and_get(official: Path, server: MockServer) -> None:
    seen = drive(
        official,
        server,
        """
        from meshapi import ModelSearchParams
        emit({
            "all": len(client.models.list()),
            "free": [m.is_free for m in client.models.free()],
            "paid": [m.is_free for m in client.models.paid()],
            "embedding": [m.model_type for m in client.models.list(type="embedding")],
            "openai": sorted({m.provider for m in client.models.list(provider="openai")}),
            "search": client.models.search(ModelSearchParams(q="gpt", limit=2)).model_dump(),
            "get": client.models.get("meta-llama/llama-3.3-70b-instruct:free").id,
        })
        """,
    )

    assert seen["all"] >= 10
    assert seen["free"] and all(seen["free"]) and seen["paid"] and not any(seen["paid"])
    assert seen["embedding"] and set(seen["embedding"]) == {"embedding"}
    assert seen["openai"] == ["openai"]
    assert seen["search"]["limit"] == 2 and len(seen["search"]["items"]) == 2
    assert seen["search"]["total"] >= 2
    assert seen["get"] == "meta-llama/llama-3.3-70b-instruct:free"
    assert [e.operation for e in server.models.requests] == [
        "list",
        "free",
        "paid",
        "list",
        "list",
        "search",
        "get",
    ]


def test_a_scripted_models_failure_reaches_the_official_client(
    official: Path, server: MockServer
) -> None:
    server.models.when(operation="get").error(404, code="model_not_found", message="gone")

    seen = drive(
        official,
        server,
        """
        try:
            client.models.get("openai/gpt-4o")
        except meshapi.MeshAPIError as exc:
            emit([exc.status, exc.error_code, str(exc)])
        """,
    )

    assert seen == [404, "model_not_found", "gone"]


def test_embeddings_moderations_web_search_and_router(official: Path, server: MockServer) -> None:
    server.moderations.when(input="picnic").flag("harassment")
    server.web_search.when(query="pinned").answer("Scripted answer.")
    server.router.when(last_user="pinned").select("openai/gpt-4o")

    seen = drive(
        official,
        server,
        """
        from meshapi import (
            ChatMessage, EmbeddingsParams, ModerationParams, RouterSelectParams,
            WebSearchParams,
        )
        vectors = client.embeddings.create(EmbeddingsParams(
            model="openai/text-embedding-3-small", input=["a cat", "a cat sat", "stock prices"]
        ))
        base64_vectors = client.embeddings.create(EmbeddingsParams(
            input="a cat", dimensions=4, encoding_format="base64"
        ))
        moderation = client.moderations.create(ModerationParams(input=["A picnic."]))
        benign = client.moderations.create(ModerationParams(input=["Hello", "I will murder you"]))
        search = client.web.search(WebSearchParams(query="pinned", include_answer=True))
        default_search = client.web.search(WebSearchParams(query="fake servers", max_results=2))
        route = client.router.select(RouterSelectParams(
            messages=[ChatMessage(role="user", content="pinned")]
        ))
        emit({
            "vectors": [item.embedding for item in vectors.data],
            "base64": base64_vectors.data[0].embedding,
            "flagged": [r.flagged for r in moderation.results + benign.results],
            "harassment": moderation.results[0].categories.get("harassment"),
            "answer": search.answer,
            "default_results": len(default_search.results),
            "route": route.model,
            "fallback": route.auto_router.fallback_used,
        })
        """,
    )

    cat, cat_sat, stocks = seen["vectors"]

    def similarity(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert similarity(cat, cat_sat) > similarity(cat, stocks)
    assert isinstance(seen["base64"], str) and len(seen["base64"]) == 24  # 4 float32s
    assert seen["flagged"] == [True, False, True] and seen["harassment"] is True
    assert seen["answer"] == "Scripted answer." and seen["default_results"] == 2
    assert seen["route"] == "openai/gpt-4o" and seen["fallback"] is False
    assert [e.endpoint for e in server.requests] == [
        "embeddings",
        "embeddings",
        "moderations",
        "moderations",
        "web_search",
        "web_search",
        "router",
    ]
