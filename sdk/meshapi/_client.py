"""The two entry points, ``MeshAPI`` and ``AsyncMeshAPI``: configuration and resources only."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from meshapi._config import resolve_config
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._retry import RetryPolicy
from meshapi.resources.audio import AsyncAudioResource, AudioResource
from meshapi.resources.batches import AsyncBatchesResource, BatchesResource
from meshapi.resources.chat import AsyncChatResource, ChatResource
from meshapi.resources.compare import AsyncCompareResource, CompareResource
from meshapi.resources.embeddings import AsyncEmbeddingsResource, EmbeddingsResource
from meshapi.resources.images import AsyncImagesResource, ImagesResource
from meshapi.resources.models import AsyncModelsResource, ModelsResource
from meshapi.resources.moderations import AsyncModerationsResource, ModerationsResource
from meshapi.resources.rag import AsyncRagResource, RagResource
from meshapi.resources.realtime import AsyncRealtimeResource, RealtimeResource
from meshapi.resources.responses import AsyncResponsesResource, ResponsesResource
from meshapi.resources.router_select import AsyncRouterResource, RouterResource
from meshapi.resources.templates import AsyncTemplatesResource, TemplatesResource
from meshapi.resources.videos import AsyncVideosResource, VideosResource
from meshapi.resources.web_search import AsyncWebResource, WebResource

_C = TypeVar("_C", bound="MeshAPI")
_AC = TypeVar("_AC", bound="AsyncMeshAPI")
_H = TypeVar("_H", httpx.Client, httpx.AsyncClient)


def _policy(max_retries: int | None, retry_policy: RetryPolicy | None) -> RetryPolicy:
    policy = retry_policy or RetryPolicy()
    if max_retries is not None:
        policy = dataclasses.replace(policy, max_retries=max_retries)
    return policy


def _one_client(official: _H | None, ours: _H | None, official_name: str) -> _H | None:
    if official is not None and ours is not None:
        raise TypeError(f"pass either {official_name}= or http_client=, not both")
    return official if official is not None else ours


class MeshAPI:
    """Synchronous MeshAPI client; every area of the API is an attribute (``client.chat``...).

    Takes the official SDK's arguments (``base_url``, ``token``, ``timeout``, ``max_retries``,
    ``httpx_client``), all optional here: ``base_url`` and ``token`` fall back to
    ``MESHAPI_BASE_URL`` and ``MESHAPI_API_KEY`` (or ``MESHAPI_TOKEN``), then to the public
    gateway. ``timeout`` (default 60 s per phase) applies to every request; when you pass your
    own client (``httpx_client``, or its older name ``http_client``) and no ``timeout``, that
    client's timeout is used, and :meth:`close` leaves it open, since it is yours.
    ``max_retries`` (default 3) counts retries; ``retry_policy`` sets the backoff and ``sleep``
    is what waits between attempts.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        httpx_client: httpx.Client | None = None,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        client = _one_client(httpx_client, http_client, "httpx_client")
        policy = _policy(max_retries, retry_policy)
        config = resolve_config(
            base_url,
            token,
            timeout,
            max_retries=policy.max_retries,
            has_own_http_client=client is not None,
            httpx_client=client,
        )
        self._http = SyncHttpClient(config, retry_policy=policy, sleep=sleep)
        self.chat = ChatResource(self._http)
        self.responses = ResponsesResource(self._http)
        self.embeddings = EmbeddingsResource(self._http)
        self.compare = CompareResource(self._http)
        self.batches = BatchesResource(self._http)
        self.models = ModelsResource(self._http)
        self.templates = TemplatesResource(self._http)
        self.images = ImagesResource(self._http)
        self.videos = VideosResource(self._http)
        self.audio = AudioResource(self._http)
        self.rag = RagResource(self._http)
        self.moderations = ModerationsResource(self._http)
        self.web = WebResource(self._http)
        self.router = RouterResource(self._http)
        self.realtime = RealtimeResource(config)

    @property
    def base_url(self) -> str:
        return self._http.config.base_url

    @property
    def max_retries(self) -> int:
        return self._http.policy.max_retries

    def close(self) -> None:
        """Close the connection pool, unless it belongs to a caller-supplied client."""
        self._http.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


class AsyncMeshAPI:
    """Asynchronous MeshAPI client; the same arguments as :class:`MeshAPI`, with the official
    ``async_httpx_client`` (or ``http_client``) for your own ``httpx.AsyncClient`` and an async
    ``sleep``. Close it with ``await client.aclose()`` (or ``close()``) or ``async with``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        async_httpx_client: httpx.AsyncClient | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        client = _one_client(async_httpx_client, http_client, "async_httpx_client")
        policy = _policy(max_retries, retry_policy)
        config = resolve_config(
            base_url,
            token,
            timeout,
            max_retries=policy.max_retries,
            has_own_http_client=client is not None,
            async_httpx_client=client,
        )
        self._http = AsyncHttpClient(config, retry_policy=policy, sleep=sleep)
        self.chat = AsyncChatResource(self._http)
        self.responses = AsyncResponsesResource(self._http)
        self.embeddings = AsyncEmbeddingsResource(self._http)
        self.compare = AsyncCompareResource(self._http)
        self.batches = AsyncBatchesResource(self._http)
        self.models = AsyncModelsResource(self._http)
        self.templates = AsyncTemplatesResource(self._http)
        self.images = AsyncImagesResource(self._http)
        self.videos = AsyncVideosResource(self._http)
        self.audio = AsyncAudioResource(self._http)
        self.rag = AsyncRagResource(self._http)
        self.moderations = AsyncModerationsResource(self._http)
        self.web = AsyncWebResource(self._http)
        self.router = AsyncRouterResource(self._http)
        self.realtime = AsyncRealtimeResource(config)

    @property
    def base_url(self) -> str:
        return self._http.config.base_url

    @property
    def max_retries(self) -> int:
        return self._http.policy.max_retries

    async def aclose(self) -> None:
        """Close the connection pool, unless it belongs to a caller-supplied client."""
        await self._http.aclose()

    async def close(self) -> None:
        """Same as :meth:`aclose`."""
        await self._http.aclose()

    async def __aenter__(self: _AC) -> _AC:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()
