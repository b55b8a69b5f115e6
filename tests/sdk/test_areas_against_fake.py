"""The bundled SDK's non-chat areas against the fake over a real port, sync and async:
models, embeddings, moderations, web search and the router, in default mode and scripted."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterator

import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatMessage,
    EmbeddingsParams,
    MeshAPI,
    MeshAPIError,
    ModelSearchParams,
    ModerationParams,
    RouterSelectParams,
    WebSearchParams,
)
from meshapi_mock import MockServer

TOKEN = "rsk_areas"


@pytest.fixture
def client(server: MockServer) -> Iterator[MeshAPI]:
    with MeshAPI(base_url=server.url, token=TOKEN, max_retries=0) as sdk:
        yield sdk


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


# --------------------------------------------------------------------------- models


def test_models_family(client: MeshAPI, server: MockServer) -> None:
    everything = client.models.list()
    free = client.models.free()
    paid = client.models.paid()
    embedding = client.models.list(type="embedding")
    page = client.models.search(ModelSearchParams(q="gpt", limit=2, sort="name"))
    one = client.models.get("meta-llama/llama-3.3-70b-instruct:free")

    assert len(everything) == len(free) + len(paid)
    assert all(m.is_free for m in free) and not any(m.is_free for m in paid)
    assert embedding and {m.model_type for m in embedding} == {"embedding"}
    assert len(page.items) == 2 and page.limit == 2 and page.total >= 2
    assert [m.name for m in page.items] == sorted(m.name for m in page.items)
    assert one.id == "meta-llama/llama-3.3-70b-instruct:free" and one.is_free
    assert [e.operation for e in server.models.requests] == [
        "list",
        "free",
        "paid",
        "list",
        "search",
        "get",
    ]

    server.models.when(operation="get").error(404, code="model_not_found", message="gone")
    with pytest.raises(MeshAPIError) as caught:
        client.models.get("openai/gpt-4o")
    assert (caught.value.status, caught.value.error_code) == (404, "model_not_found")


# --------------------------------------------------------------------------- embeddings


def test_embeddings_rank_related_texts_closer(client: MeshAPI) -> None:
    texts = ["the cat sat on the mat", "a cat on a mat", "quarterly revenue grew"]
    reply = client.embeddings.create(
        EmbeddingsParams(model="openai/text-embedding-3-small", input=texts)
    )
    vectors = [item.embedding for item in reply.data]

    assert [item.index for item in reply.data] == [0, 1, 2]
    assert all(isinstance(v, list) for v in vectors)
    floats = [v for v in vectors if isinstance(v, list)]
    assert all(math.isclose(cosine(v, v), 1.0, rel_tol=1e-6) for v in floats)
    assert cosine(floats[0], floats[1]) > cosine(floats[0], floats[2])
    assert reply.usage is not None and reply.usage.prompt_tokens
    again = client.embeddings.create(
        EmbeddingsParams(model="openai/text-embedding-3-small", input=texts[0])
    )
    assert again.data[0].embedding == floats[0]


def test_embeddings_dimensions_and_base64(client: MeshAPI) -> None:
    reply = client.embeddings.create(
        EmbeddingsParams(input="hello", dimensions=8, encoding_format="base64")
    )
    packed = reply.data[0].embedding
    assert isinstance(packed, str)
    vector = struct.unpack("<8f", base64.b64decode(packed))
    assert math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-5)


def test_scripted_embeddings_and_errors(client: MeshAPI, server: MockServer) -> None:
    server.embeddings.when(input="pinned").reply([[0.6, 0.8]])
    server.embeddings.error(429, retry_after=1)

    pinned = client.embeddings.create(EmbeddingsParams(input="pinned text"))
    assert pinned.data[0].embedding == [0.6, 0.8]
    with pytest.raises(MeshAPIError) as caught:
        client.embeddings.create(EmbeddingsParams(input="anything"))
    assert caught.value.status == 429 and caught.value.retry_after_seconds == 1
    server.embeddings.assert_called(times=2)


# --------------------------------------------------------------------------- moderations


def test_moderations_default_and_scripted(client: MeshAPI, server: MockServer) -> None:
    benign = client.moderations.create(
        ModerationParams(input=["What a lovely day for a picnic.", "I will murder you."])
    )
    assert [r.flagged for r in benign.results] == [False, True]
    assert benign.results[1].categories and benign.results[1].category_scores

    server.moderations.when(input="picnic").flag("harassment")
    flagged = client.moderations.create(ModerationParams(input="A picnic."))
    assert flagged.results[0].flagged is True
    assert flagged.results[0].categories["harassment"] is True


# --------------------------------------------------------------------------- web search


def test_web_search_default_and_scripted(client: MeshAPI, server: MockServer) -> None:
    found = client.web.search(
        WebSearchParams(query="python asyncio tutorial", max_results=3, include_answer=True)
    )
    assert found.query == "python asyncio tutorial"
    assert len(found.results) == 3 and found.answer
    assert all(r.url.startswith("https://") and r.title for r in found.results)
    assert (
        client.web.search(WebSearchParams(query="python asyncio tutorial")).results[0]
        == (found.results[0])
    )

    server.web_search.when(query="weather").no_results()
    assert client.web.search(WebSearchParams(query="weather in Oslo")).results == []


# --------------------------------------------------------------------------- router


def test_router_picks_a_catalogue_model(client: MeshAPI, server: MockServer) -> None:
    ids = {m.id for m in client.models.list()}
    picked = client.router.select(
        RouterSelectParams(messages=[ChatMessage(role="user", content="Write a Python sort")])
    )
    assert picked.model in ids and picked.auto_router.fallback_used is False

    excluded = client.router.select(
        RouterSelectParams(
            messages=[ChatMessage(role="user", content="Write a Python sort")],
            exclude_models=[picked.model],
        )
    )
    assert excluded.model != picked.model

    server.router.when(last_user="pinned").select("openai/gpt-4o")
    pinned = client.router.select(
        RouterSelectParams(messages=[ChatMessage(role="user", content="pinned please")])
    )
    assert pinned.model == "openai/gpt-4o"


# --------------------------------------------------------------------------- async


@pytest.mark.anyio
async def test_every_area_async(server: MockServer) -> None:
    async with AsyncMeshAPI(base_url=server.url, token=TOKEN, max_retries=0) as client:
        models = await client.models.list(free=True)
        vectors = await client.embeddings.create(EmbeddingsParams(input=["a", "b"]))
        moderation = await client.moderations.create(ModerationParams(input="hello"))
        search = await client.web.search(WebSearchParams(query="fake gateways"))
        route = await client.router.select(
            RouterSelectParams(messages=[ChatMessage(role="user", content="hi")])
        )

    assert models and all(m.is_free for m in models)
    assert len(vectors.data) == 2
    assert moderation.results[0].flagged is False
    assert search.results
    assert route.model
    assert [e.endpoint for e in server.requests] == [
        "models",
        "embeddings",
        "moderations",
        "web_search",
        "router",
    ]
