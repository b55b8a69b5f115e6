"""The transport: the thin sync and async shells around :mod:`meshapi._request`.

Each shell only sends, waits and retries; what to send and how to read the answer is the
shared, I/O-free :class:`~meshapi._request.Call`. Every call goes through one retry loop:
429/502/503/504 and dropped connections are retried with backoff (``Retry-After`` wins).
A stream is never retried, not even a 429 or 503 at its open (contract §1.8, as the official
SDK does): the caller sees the failure, as code written for the official SDK expects.

The names and helper methods (``get``, ``post``, ``patch``, ``delete``, ``get_bytes``,
``post_bytes``, ``post_multipart``, ``stream``, ``stream_json``) are those of the official SDK's
``meshapi._http``, so code that drove the official transport directly keeps working.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from meshapi import _request as rq
from meshapi._config import MeshAPIConfig
from meshapi._errors import connection_error
from meshapi._request import APIRequest, Call, StreamCall
from meshapi._retry import RetryPolicy
from meshapi._streaming import AsyncChatCompletionStream, AsyncStream, ChatCompletionStream, Stream

__all__ = ["AsyncHttpClient", "MeshAPIConfig", "SyncHttpClient"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
_SH = TypeVar("_SH", bound="SyncHttpClient")
_AH = TypeVar("_AH", bound="AsyncHttpClient")

ErrorFactory = Callable[[httpx.Response], Exception]


def _multipart_call(
    path: str, fields: Mapping[str, Any], file_data: tuple[Any, ...] | None, file_field: str
) -> Call[Any]:
    form = {key: str(value) for key, value in fields.items() if value is not None}
    files = {file_field: file_data} if file_data is not None else {}
    return rq.multipart(path, form, files, rq.raw_json)


class SyncHttpClient:
    """Synchronous transport over one ``httpx.Client``.

    The client is ``config.httpx_client`` when given (and then never closed here, since it is
    the caller's), else a new one with ``config.timeout``. ``retry_policy`` defaults to
    backoff with ``config.max_retries`` retries; ``sleep`` is what waits between attempts.
    """

    def __init__(
        self,
        config: MeshAPIConfig,
        *,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self.policy = retry_policy or RetryPolicy(max_retries=config.max_retries)
        self._owns_client = config.httpx_client is None
        self._client = config.httpx_client or httpx.Client(timeout=config.httpx_timeout)
        self._sleep = sleep

    @property
    def config(self) -> MeshAPIConfig:
        return self._config

    @property
    def client(self) -> httpx.Client:
        return self._client

    # ------------------------------------------------------------------ the one send loop

    def send(
        self, request: APIRequest, *, stream: bool = False, error: ErrorFactory = rq.api_error
    ) -> httpx.Response:
        """Send with retries (none if ``stream``); returns a response below 400 (unread if
        ``stream``) or raises."""
        attempt = 0
        retries = request.retry and not stream  # streams and uploads are never retried
        while True:
            try:
                response = self._client.send(
                    rq.build_request(self._client, self._config, request), stream=stream
                )
                if response.status_code >= 400:
                    try:
                        response.read()
                    finally:
                        response.close()
            except httpx.TransportError as exc:
                delay = self.policy.delay_after_error(attempt, exc) if retries else None
                if delay is None:
                    raise connection_error(exc) from exc
            else:
                if response.status_code < 400:
                    return response
                delay = (
                    self.policy.delay_after_status(
                        attempt, response.status_code, response.headers.get("retry-after")
                    )
                    if retries
                    else None
                )
                if delay is None:
                    raise error(response)
            self._sleep(delay)
            attempt += 1

    def call(self, call: Call[T]) -> T:
        """Run one described call: send (with retries), then read the answer."""
        return call.parse(self.send(call.request, error=call.error))

    def open_stream(self, call: StreamCall[T]) -> Stream[T]:
        """A stream of parsed events; the request goes out when iteration starts."""
        return Stream(
            lambda: self.send(call.request, stream=True),
            call.parse,
            event_names=call.event_names,
        )

    def chat_stream(self, request: APIRequest) -> ChatCompletionStream:
        return ChatCompletionStream(lambda: self.send(request, stream=True))

    # ------------------------------------------------------------------ official helpers

    def get(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return self.call(rq.get(path, rq.raw_json, params))

    def post(self, path: str, body: Any) -> Any:
        return self.call(rq.post(path, body, rq.raw_json))

    def patch(self, path: str, body: Any) -> Any:
        return self.call(rq.patch(path, body, rq.raw_json))

    def delete(self, path: str) -> None:
        self.call(rq.delete(path))

    def get_bytes(self, path: str, *, params: dict[str, Any] | None = None) -> bytes:
        return self.call(rq.get(path, rq.raw_bytes, params))

    def post_bytes(self, path: str, body: Any) -> bytes:
        return self.call(rq.post(path, body, rq.raw_bytes))

    def post_multipart(
        self,
        path: str,
        fields: dict[str, Any],
        file_data: tuple[Any, ...] | None = None,
        file_field: str = "file",
    ) -> Any:
        return self.call(_multipart_call(path, fields, file_data, file_field))

    def stream(self, path: str, body: Any) -> ChatCompletionStream:
        """Chat completion chunks from an SSE response to ``POST path``."""
        return self.chat_stream(APIRequest("POST", path, json=body))

    def stream_json(self, path: str, body: Any, model_cls: type[M]) -> Stream[M]:
        """``model_cls`` events from an SSE response, each with its ``event:`` name injected."""
        return self.open_stream(rq.sse(path, body, rq.event_parser(model_cls), event_names=True))

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the connection pool, unless it belongs to the caller."""
        if self._owns_client:
            self._client.close()

    def __enter__(self: _SH) -> _SH:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


class AsyncHttpClient:
    """Asynchronous transport over one ``httpx.AsyncClient``; see :class:`SyncHttpClient`."""

    def __init__(
        self,
        config: MeshAPIConfig,
        *,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._config = config
        self.policy = retry_policy or RetryPolicy(max_retries=config.max_retries)
        self._owns_client = config.async_httpx_client is None
        self._client = config.async_httpx_client or httpx.AsyncClient(timeout=config.httpx_timeout)
        self._sleep = sleep

    @property
    def config(self) -> MeshAPIConfig:
        return self._config

    @property
    def client(self) -> httpx.AsyncClient:
        return self._client

    # ------------------------------------------------------------------ the one send loop

    async def send(
        self, request: APIRequest, *, stream: bool = False, error: ErrorFactory = rq.api_error
    ) -> httpx.Response:
        """Send with retries (none if ``stream``); returns a response below 400 (unread if
        ``stream``) or raises."""
        attempt = 0
        retries = request.retry and not stream  # streams and uploads are never retried
        while True:
            try:
                response = await self._client.send(
                    rq.build_request(self._client, self._config, request), stream=stream
                )
                if response.status_code >= 400:
                    try:
                        await response.aread()
                    finally:
                        await response.aclose()
            except httpx.TransportError as exc:
                delay = self.policy.delay_after_error(attempt, exc) if retries else None
                if delay is None:
                    raise connection_error(exc) from exc
            else:
                if response.status_code < 400:
                    return response
                delay = (
                    self.policy.delay_after_status(
                        attempt, response.status_code, response.headers.get("retry-after")
                    )
                    if retries
                    else None
                )
                if delay is None:
                    raise error(response)
            await self._sleep(delay)
            attempt += 1

    async def call(self, call: Call[T]) -> T:
        """Run one described call: send (with retries), then read the answer."""
        return call.parse(await self.send(call.request, error=call.error))

    def open_stream(self, call: StreamCall[T]) -> AsyncStream[T]:
        """Not a coroutine: the request goes out on ``async for`` / ``async with``."""
        return AsyncStream(
            lambda: self.send(call.request, stream=True),
            call.parse,
            event_names=call.event_names,
        )

    def chat_stream(self, request: APIRequest) -> AsyncChatCompletionStream:
        return AsyncChatCompletionStream(lambda: self.send(request, stream=True))

    # ------------------------------------------------------------------ official helpers

    async def get(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return await self.call(rq.get(path, rq.raw_json, params))

    async def post(self, path: str, body: Any) -> Any:
        return await self.call(rq.post(path, body, rq.raw_json))

    async def patch(self, path: str, body: Any) -> Any:
        return await self.call(rq.patch(path, body, rq.raw_json))

    async def delete(self, path: str) -> None:
        await self.call(rq.delete(path))

    async def get_bytes(self, path: str, *, params: dict[str, Any] | None = None) -> bytes:
        return await self.call(rq.get(path, rq.raw_bytes, params))

    async def post_bytes(self, path: str, body: Any) -> bytes:
        return await self.call(rq.post(path, body, rq.raw_bytes))

    async def post_multipart(
        self,
        path: str,
        fields: dict[str, Any],
        file_data: tuple[Any, ...] | None = None,
        file_field: str = "file",
    ) -> Any:
        return await self.call(_multipart_call(path, fields, file_data, file_field))

    def stream(self, path: str, body: Any) -> AsyncChatCompletionStream:
        """Chat completion chunks from an SSE response to ``POST path`` (``async for``)."""
        return self.chat_stream(APIRequest("POST", path, json=body))

    def stream_json(self, path: str, body: Any, model_cls: type[M]) -> AsyncStream[M]:
        """``model_cls`` events from an SSE response, each with its ``event:`` name injected."""
        return self.open_stream(rq.sse(path, body, rq.event_parser(model_cls), event_names=True))

    # ------------------------------------------------------------------ lifecycle

    async def aclose(self) -> None:
        """Close the connection pool, unless it belongs to the caller."""
        if self._owns_client:
            await self._client.aclose()

    async def close(self) -> None:
        """Same as :meth:`aclose`."""
        await self.aclose()

    async def __aenter__(self: _AH) -> _AH:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()
