"""Shared fixtures: one real fake server per session, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from meshapi_mock import MockServer

TOKEN = "rsk_test_key"


@pytest.fixture(scope="session")
def session_server() -> Iterator[MockServer]:
    with MockServer() as server:
        yield server


@pytest.fixture
def server(session_server: MockServer) -> MockServer:
    """The shared fake, clean: no rules, empty journal, not strict (reset restores all)."""
    session_server.reset()
    return session_server


@pytest.fixture(scope="session")
def session_http(session_server: MockServer) -> Iterator[httpx.Client]:
    # One client for the session: building an httpx.Client costs ~40 ms (SSL context).
    with httpx.Client(
        base_url=session_server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def http(server: MockServer, session_http: httpx.Client) -> httpx.Client:
    """An httpx client on the clean fake with a valid MeshAPI key."""
    return session_http
