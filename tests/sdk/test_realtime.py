"""Realtime sessions: the handshake the official SDK makes, frames in and out, errors, closing.

The optional ``websockets`` package is replaced by a fake module recording how ``connect`` was
called, so the SDK's side is tested without a socket (or the package) being present.
"""

from __future__ import annotations

import base64
import json
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
from meshapi import (
    AsyncMeshAPI,
    AsyncRealtimeSession,
    MeshAPI,
    MeshAPIError,
    RealtimeError,
    RealtimeMessage,
    RealtimeSession,
    __version__,
)

SERVER_EVENTS = [
    json.dumps({"type": "session.created", "session": {"id": "s1"}}),
    json.dumps({"type": "response.output_audio.delta", "delta": base64.b64encode(b"PCM").decode()}),
    b"\x01\x02",
    "not json",
    json.dumps({"type": "response.done"}),
]


class FakeSocket:
    """Plays scripted frames; raises ConnectionError (like a closed socket) when out of them."""

    def __init__(self, frames: list[Any]) -> None:
        self.frames = list(frames)
        self.sent: list[str] = []
        self.closed = False

    def __enter__(self) -> FakeSocket:  # a websockets connection is its own context
        return self

    def send(self, text: str) -> None:
        self.sent.append(text)

    def recv(self) -> Any:
        if not self.frames:
            raise ConnectionError("closed")
        return self.frames.pop(0)

    def close(self) -> None:
        self.closed = True


class AsyncFakeSocket(FakeSocket):
    async def send(self, text: str) -> None:  # type: ignore[override]
        FakeSocket.send(self, text)

    async def recv(self) -> Any:
        return FakeSocket.recv(self)

    async def close(self) -> None:  # type: ignore[override]
        FakeSocket.close(self)


class FakeWebsockets:
    """Stands in for ``websockets.sync.client`` and ``websockets.asyncio.client``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, frames: list[Any]) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.socket = FakeSocket(frames)
        self.async_socket = AsyncFakeSocket(frames)
        sync_module = types.ModuleType("websockets.sync.client")
        async_module = types.ModuleType("websockets.asyncio.client")
        sync_module.connect = self.connect  # type: ignore[attr-defined]
        async_module.connect = self.aconnect  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "websockets.sync.client", sync_module)
        monkeypatch.setitem(sys.modules, "websockets.asyncio.client", async_module)

    def connect(self, url: str, **options: Any) -> FakeSocket:
        self.calls.append((url, options))
        return self.socket

    async def aconnect(self, url: str, **options: Any) -> AsyncFakeSocket:
        self.calls.append((url, options))
        return self.async_socket


@pytest.fixture
def websockets(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[Any]], FakeWebsockets]:
    return lambda frames: FakeWebsockets(monkeypatch, frames)


def describe(message: RealtimeMessage) -> tuple[Any, ...]:
    return (message.event and message.event["type"], message.audio, message.text)


def test_connect_uses_the_official_handshake(
    websockets: Callable[[list[Any]], FakeWebsockets],
) -> None:
    fake = websockets([])

    with MeshAPI(base_url="https://api.meshapi.test/", token="rsk a/b") as client:
        client.realtime.connect(model="openai/gpt-realtime mini")

    [(url, options)] = fake.calls
    assert url == (
        "wss://api.meshapi.test/v1/realtime?model=openai/gpt-realtime%20mini&api_key=rsk%20a/b"
    )
    assert options["subprotocols"] == ["openai-realtime"]
    assert options["additional_headers"] == {"X-MeshAPI-SDK": f"python/{__version__}"}
    assert options["ssl"] is not None


def test_plain_http_gives_ws_without_tls(websockets: Callable[[list[Any]], FakeWebsockets]) -> None:
    fake = websockets([])

    with MeshAPI(base_url="http://127.0.0.1:8000", token="rsk") as client:
        client.realtime.connect(model="m")

    [(url, options)] = fake.calls
    assert url.startswith("ws://127.0.0.1:8000/v1/realtime?model=m&api_key=rsk")
    assert "ssl" not in options


def test_session_sends_json_and_reads_every_kind_of_frame(
    websockets: Callable[[list[Any]], FakeWebsockets],
) -> None:
    fake = websockets(SERVER_EVENTS)

    with (
        MeshAPI(base_url="http://gw.test", token="rsk") as client,
        client.realtime.connect(model="m") as session,
    ):
        session.send({"type": "session.update", "session": {"instructions": "hi"}})
        session.send_audio(b"\x00\x01")
        first = session.receive()
        rest = list(session)  # ends quietly when the socket closes

    assert isinstance(session, RealtimeSession)
    assert [json.loads(text) for text in fake.socket.sent] == [
        {"type": "session.update", "session": {"instructions": "hi"}},
        {"type": "input_audio_buffer.append", "audio": "AAE="},
    ]
    assert describe(first) == ("session.created", None, SERVER_EVENTS[0])
    assert [describe(m) for m in rest] == [
        ("response.output_audio.delta", b"PCM", SERVER_EVENTS[1]),
        (None, b"\x01\x02", None),
        (None, None, "not json"),
        ("response.done", None, SERVER_EVENTS[4]),
    ]
    assert repr(rest[0]) == "RealtimeMessage(audio=3B)"
    assert repr(rest[3]) == "RealtimeMessage(type='response.done')"
    assert fake.socket.closed


def test_a_server_error_event_raises_realtime_error(
    websockets: Callable[[list[Any]], FakeWebsockets],
) -> None:
    error = {
        "type": "error",
        "error": {"code": "insufficient_quota", "message": "No credit.", "param": None},
        "request_id": "req_rt",
    }
    websockets([json.dumps({"type": "session.created"}), json.dumps(error)])

    with MeshAPI(base_url="http://gw.test", token="rsk") as client:
        session = client.realtime.connect(model="m")
        with pytest.raises(RealtimeError) as caught:
            list(session)

    assert isinstance(caught.value, MeshAPIError)
    assert (caught.value.code, caught.value.request_id) == ("insufficient_quota", "req_rt")
    assert str(caught.value) == "realtime[insufficient_quota]: No credit."


@pytest.mark.anyio
async def test_async_connect_is_awaitable_and_an_async_context_manager(
    websockets: Callable[[list[Any]], FakeWebsockets],
) -> None:
    fake = websockets(SERVER_EVENTS[:2])
    client = AsyncMeshAPI(base_url="https://gw.test", token="rsk")

    async with client.realtime.connect(model="m") as session:
        await session.send_audio(b"\x00\x01")
        messages = [describe(m) async for m in session]
    awaited = await client.realtime.connect(model="m")
    await client.aclose()

    assert isinstance(session, AsyncRealtimeSession) and isinstance(awaited, AsyncRealtimeSession)
    assert messages == [
        ("session.created", None, SERVER_EVENTS[0]),
        ("response.output_audio.delta", b"PCM", SERVER_EVENTS[1]),
    ]
    assert json.loads(fake.async_socket.sent[0])["type"] == "input_audio_buffer.append"
    assert fake.async_socket.closed
    assert [url for url, _ in fake.calls] == ["wss://gw.test/v1/realtime?model=m&api_key=rsk"] * 2


def test_without_websockets_connect_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "websockets.sync.client", None)

    with (
        MeshAPI(base_url="http://gw.test", token="rsk") as client,
        pytest.raises(ImportError, match=r"pip install 'websockets>=13'"),
    ):
        client.realtime.connect(model="m")


@pytest.mark.anyio
async def test_without_websockets_async_connect_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "websockets.asyncio.client", None)

    async with AsyncMeshAPI(base_url="http://gw.test", token="rsk") as client:
        with pytest.raises(ImportError, match=r"pip install 'websockets>=13'"):
            await client.realtime.connect(model="m")
