"""SDK test fixtures: clients wired to an in-process handler, with sleeps recorded, not slept."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from meshapi import AsyncMeshAPI, MeshAPI, RetryPolicy

BASE_URL = "http://meshapi.test"
Handler = Callable[[httpx.Request], httpx.Response]

# random() == 0.5 puts the jitter factor at exactly 1.0, so backoff delays are 0.5, 1, 2 s.
NO_JITTER = RetryPolicy(random=lambda: 0.5)


@pytest.fixture
def sleeps() -> list[float]:
    """Every delay the client chose to wait, in order."""
    return []


@pytest.fixture
def sync_client(sleeps: list[float]) -> Iterator[Callable[..., MeshAPI]]:
    """Build a `MeshAPI` whose requests go to `handler`; extra kwargs go to the client."""
    made: list[httpx.Client] = []

    def make(handler: Handler, **options: Any) -> MeshAPI:
        options.setdefault("retry_policy", NO_JITTER)
        made.append(httpx.Client(transport=httpx.MockTransport(handler)))
        return MeshAPI(
            base_url=BASE_URL,
            token="rsk_test",
            http_client=made[-1],
            sleep=sleeps.append,
            **options,
        )

    yield make
    for http_client in made:
        http_client.close()


@pytest.fixture
async def async_client(sleeps: list[float]) -> AsyncIterator[Callable[..., AsyncMeshAPI]]:
    """Build an `AsyncMeshAPI` whose requests go to `handler` (which may be sync)."""
    made: list[httpx.AsyncClient] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def make(handler: Handler, **options: Any) -> AsyncMeshAPI:
        options.setdefault("retry_policy", NO_JITTER)
        made.append(httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        return AsyncMeshAPI(
            base_url=BASE_URL, token="rsk_test", http_client=made[-1], sleep=sleep, **options
        )

    yield make
    for http_client in made:
        await http_client.aclose()
