"""The two entry points, ``MeshAPI`` and ``AsyncMeshAPI``: configuration and resources only."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

import httpx

from meshapi._config import resolve_config
from meshapi._http import AsyncHTTP, SyncHTTP
from meshapi._retry import RetryPolicy
from meshapi.resources.chat import AsyncChat, Chat

_C = TypeVar("_C", bound="MeshAPI")
_AC = TypeVar("_AC", bound="AsyncMeshAPI")


def _policy(max_retries: int | None, retry_policy: RetryPolicy | None) -> RetryPolicy:
    policy = retry_policy or RetryPolicy()
    if max_retries is not None:
        policy = dataclasses.replace(policy, max_retries=max_retries)
    return policy


class MeshAPI:
    """Synchronous MeshAPI client.

    ``base_url`` and ``token`` fall back to ``MESHAPI_BASE_URL`` and ``MESHAPI_API_KEY`` (or
    ``MESHAPI_TOKEN``). ``timeout`` (default 60 s per phase) applies to every request; when you
    pass your own ``http_client`` and no ``timeout``, that client's timeout is used and the client
    is left open on :meth:`close`, since it is yours. ``sleep`` is what waits between retries.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        config = resolve_config(
            base_url, token, timeout, has_own_http_client=http_client is not None
        )
        self._owns_http_client = http_client is None
        client = http_client if http_client is not None else httpx.Client(timeout=config.timeout)
        self._http = SyncHTTP(config, client, _policy(max_retries, retry_policy), sleep)
        self.chat = Chat(self._http)

    @property
    def base_url(self) -> str:
        return self._http.config.base_url

    @property
    def max_retries(self) -> int:
        return self._http.policy.max_retries

    def close(self) -> None:
        """Close the connection pool, unless it belongs to a caller-supplied ``http_client``."""
        if self._owns_http_client:
            self._http.client.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncMeshAPI:
    """Asynchronous MeshAPI client; same arguments as :class:`MeshAPI`, with async ``sleep``."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        config = resolve_config(
            base_url, token, timeout, has_own_http_client=http_client is not None
        )
        self._owns_http_client = http_client is None
        client = (
            http_client if http_client is not None else httpx.AsyncClient(timeout=config.timeout)
        )
        self._http = AsyncHTTP(config, client, _policy(max_retries, retry_policy), sleep)
        self.chat = AsyncChat(self._http)

    @property
    def base_url(self) -> str:
        return self._http.config.base_url

    @property
    def max_retries(self) -> int:
        return self._http.policy.max_retries

    async def close(self) -> None:
        """Close the connection pool, unless it belongs to a caller-supplied ``http_client``."""
        if self._owns_http_client:
            await self._http.client.aclose()

    async def __aenter__(self: _AC) -> _AC:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
