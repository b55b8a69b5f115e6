"""The fixtures and hooks (entry point `pytest11: meshapi`).

One `MockServer` per test session (per xdist worker), reset before every test that asks
for `meshapi_mock`; after the test body, unmet expectations fail the test with a report.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from meshapi_mock import MockServer, ServerConfig
from meshapi_mock.report import unmatched_requests_report, unused_rules_report

from . import settings
from .settings import TestSettings

if TYPE_CHECKING:
    from meshapi import AsyncMeshAPI, MeshAPI

TEST_TOKEN = "rsk_meshapi_mock_test"
CLIENT_TIMEOUT = 30.0
_SETTINGS = pytest.StashKey[TestSettings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    settings.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", settings.MARKER_HELP)
    settings.check_session_settings(config)


@pytest.fixture(scope="session")
def meshapi_server(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The fake MeshAPI server of this session (or xdist worker), on 127.0.0.1."""
    config = ServerConfig(
        strict=settings.session_strict(pytestconfig),
        seed=settings.session_seed(pytestconfig),
        models=settings.session_models(pytestconfig),
        time_scale=settings.session_time_scale(pytestconfig),
        chaos=settings.session_chaos(pytestconfig),
        fixtures=settings.session_scenarios(pytestconfig),
    )
    with MockServer(config) as server:
        yield server


@pytest.fixture
def meshapi_mock(
    meshapi_server: MockServer, request: pytest.FixtureRequest
) -> Iterator[MockServer]:
    """The fake, clean for this test: script it, run your code, assert on its journal."""
    wanted = settings.for_item(request.node)
    request.node.stash[_SETTINGS] = wanted
    session_strict = meshapi_server.state.config.strict
    meshapi_server.reset()
    meshapi_server.strict = wanted.strict
    if wanted.seed is not None:
        meshapi_server.state.reseed(wanted.seed)
    if wanted.scenarios:
        meshapi_server.load(*wanted.scenarios)
    try:
        yield meshapi_server
    finally:
        meshapi_server.strict = session_strict


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """After the test body, check what the fake expected.

    A passing body with unmet expectations fails; a failing body keeps its own error and
    gets the report as an extra section, so the first failure stays the headline.
    """
    try:
        result = yield
    except BaseException:
        report = _expectations_report(item)
        if report:
            item.add_report_section("call", "meshapi-mock", report)
        raise
    report = _expectations_report(item)
    if report:
        pytest.fail(report, pytrace=False)
    return result


def _expectations_report(item: pytest.Item) -> str | None:
    mock = getattr(item, "funcargs", {}).get("meshapi_mock")
    if not isinstance(mock, MockServer):
        return None
    wanted = item.stash.get(_SETTINGS, TestSettings())
    problems = [
        unmatched_requests_report(mock) if wanted.strict else None,
        unused_rules_report(mock) if wanted.assert_all_called else None,
    ]
    return "\n\n".join(p for p in problems if p) or None


@pytest.fixture(scope="session")
def _meshapi_http(meshapi_server: MockServer) -> Iterator[httpx.Client]:
    # One keep-alive pool per session: a new httpx.Client per test would spend ~40 ms
    # loading CA certificates that a plain-HTTP loopback server never uses.
    with httpx.Client(timeout=CLIENT_TIMEOUT, verify=False) as client:
        yield client


@pytest.fixture
def meshapi_client(meshapi_mock: MockServer, _meshapi_http: httpx.Client) -> Iterator[MeshAPI]:
    """The bundled SDK's sync client, pointed at the clean fake."""
    from meshapi import MeshAPI

    with MeshAPI(base_url=meshapi_mock.url, token=TEST_TOKEN, http_client=_meshapi_http) as client:
        yield client


@pytest.fixture
def async_meshapi_client(meshapi_mock: MockServer) -> Iterator[AsyncMeshAPI]:
    """The bundled SDK's async client, pointed at the clean fake.

    A sync fixture, so it works under any async test runner: connections are not kept
    alive, which leaves nothing bound to the test's event loop to close afterwards.
    """
    from meshapi import AsyncMeshAPI

    http_client = httpx.AsyncClient(
        timeout=CLIENT_TIMEOUT, verify=False, limits=httpx.Limits(max_keepalive_connections=0)
    )
    client = AsyncMeshAPI(base_url=meshapi_mock.url, token=TEST_TOKEN, http_client=http_client)
    yield client
    with contextlib.suppress(RuntimeError):
        asyncio.run(http_client.aclose())


@pytest.fixture
def meshapi_env(meshapi_mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point MeshAPI and OpenAI clients — also in subprocesses — at the fake via env vars."""
    values = {
        "MESHAPI_BASE_URL": meshapi_mock.url,
        "MESHAPI_API_KEY": TEST_TOKEN,
        "OPENAI_BASE_URL": meshapi_mock.url + "/v1",
        "OPENAI_API_KEY": TEST_TOKEN,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MESHAPI_TOKEN", raising=False)
    return values
