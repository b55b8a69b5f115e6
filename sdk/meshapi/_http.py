"""Sending one logical request: headers, JSON body, retries, and turning failures into errors.

A stream is retried only while opening (no 2xx status yet); once its body flows, a failure is
reported, never replayed, because the caller may already have acted on the chunks it saw.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from meshapi._config import ClientConfig
from meshapi._errors import MeshAPIError, connection_error, error_from_response
from meshapi._retry import RetryPolicy

M = TypeVar("M", bound=BaseModel)


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _build_request(
    client: httpx.Client | httpx.AsyncClient,
    config: ClientConfig,
    method: str,
    path: str,
    body: dict[str, Any],
) -> httpx.Request:
    return client.build_request(
        method,
        config.url(path),
        content=_encode(body),
        headers=config.headers(),
        timeout=config.timeout if config.timeout is not None else httpx.USE_CLIENT_DEFAULT,
    )


def parse_json(response: httpx.Response, model: type[M]) -> M:
    """Validate a success body; a malformed one is the server's fault, reported as parse_error."""
    request_id = response.headers.get("x-request-id")
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise MeshAPIError(
            f"unexpected response body for {model.__name__}: {exc}",
            status=response.status_code,
            error_code="parse_error",
            request_id=request_id,
        ) from exc


class SyncHTTP:
    def __init__(
        self,
        config: ClientConfig,
        client: httpx.Client,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
    ) -> None:
        self.config = config
        self.client = client
        self.policy = policy
        self._sleep = sleep

    def send(self, method: str, path: str, body: dict[str, Any], *, stream: bool) -> httpx.Response:
        """Send with retries; returns a 2xx response (unread if ``stream``) or raises."""
        request = _build_request(self.client, self.config, method, path, body)
        attempt = 0
        while True:
            try:
                response = self.client.send(request, stream=stream)
                if response.status_code >= 400:
                    try:
                        response.read()
                    finally:
                        response.close()
            except httpx.TransportError as exc:
                delay = self.policy.delay_after_error(attempt, exc)
                if delay is None:
                    raise connection_error(exc) from exc
            else:
                if response.status_code < 400:
                    return response
                delay = self.policy.delay_after_status(
                    attempt, response.status_code, response.headers.get("retry-after")
                )
                if delay is None:
                    raise error_from_response(
                        response.status_code, response.headers, response.content
                    )
            self._sleep(delay)
            attempt += 1


class AsyncHTTP:
    def __init__(
        self,
        config: ClientConfig,
        client: httpx.AsyncClient,
        policy: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.config = config
        self.client = client
        self.policy = policy
        self._sleep = sleep

    async def send(
        self, method: str, path: str, body: dict[str, Any], *, stream: bool
    ) -> httpx.Response:
        """Send with retries; returns a 2xx response (unread if ``stream``) or raises."""
        request = _build_request(self.client, self.config, method, path, body)
        attempt = 0
        while True:
            try:
                response = await self.client.send(request, stream=stream)
                if response.status_code >= 400:
                    try:
                        await response.aread()
                    finally:
                        await response.aclose()
            except httpx.TransportError as exc:
                delay = self.policy.delay_after_error(attempt, exc)
                if delay is None:
                    raise connection_error(exc) from exc
            else:
                if response.status_code < 400:
                    return response
                delay = self.policy.delay_after_status(
                    attempt, response.status_code, response.headers.get("retry-after")
                )
                if delay is None:
                    raise error_from_response(
                        response.status_code, response.headers, response.content
                    )
            await self._sleep(delay)
            attempt += 1
