"""``client.realtime``: a WebSocket session on ``/v1/realtime`` (OpenAI Realtime protocol).

The WebSocket itself comes from the optional ``websockets`` package (>= 13), imported only when
a session is opened, so the rest of the SDK needs nothing extra. Without it, ``connect()``
raises an ``ImportError`` that says what to install.

Auth is the ``api_key`` query parameter (no ``Authorization`` header), the subprotocol is
``openai-realtime``, and frames are JSON text. Server ``error`` events raise
:class:`RealtimeError`; output audio deltas are decoded into :attr:`RealtimeMessage.audio`.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import ssl
from collections.abc import AsyncIterator, Generator
from typing import Any
from urllib.parse import quote

from meshapi._config import SDK_HEADER, SDK_HEADER_VALUE, MeshAPIConfig
from meshapi._errors import MeshAPIError

SUBPROTOCOL = "openai-realtime"
AUDIO_DELTA_TYPES = frozenset({"response.output_audio.delta", "response.audio.delta"})
"""Server events whose base64 ``delta`` is output audio (GA and beta names)."""


class RealtimeError(MeshAPIError):
    """The server sent ``{"type": "error", "error": {...}}`` on the realtime socket."""

    def __init__(
        self,
        code: str,
        message: str,
        param: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=0, error_code=code, request_id=request_id)
        self.code = code
        self.param = param

    def __str__(self) -> str:
        return f"realtime[{self.code}]: {self.message}"


class RealtimeMessage:
    """One frame from the server.

    ``event`` is the parsed JSON object of a server event and ``text`` its raw text; ``audio``
    holds decoded output audio (from a ``response.output_audio.delta`` event, or a binary frame).
    """

    __slots__ = ("audio", "event", "text")

    def __init__(
        self,
        *,
        text: str | None = None,
        audio: bytes | None = None,
        event: dict[str, Any] | None = None,
    ) -> None:
        self.text = text
        self.audio = audio
        self.event = event

    def __repr__(self) -> str:
        if self.audio is not None:
            return f"RealtimeMessage(audio={len(self.audio)}B)"
        if self.event:
            return f"RealtimeMessage(type={self.event.get('type')!r})"
        return "RealtimeMessage(text=...)"


def ws_url(base_url: str, model: str, token: str) -> str:
    """``https``/``http`` become ``wss``/``ws``; model and key are percent-encoded (``/`` kept)."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return f"{base}/v1/realtime?model={quote(model)}&api_key={quote(token)}"


def parse_frame(data: str | bytes) -> RealtimeMessage:
    """Read one frame; a server ``error`` event raises :class:`RealtimeError`."""
    if isinstance(data, bytes | bytearray | memoryview):
        return RealtimeMessage(audio=bytes(data))
    try:
        event = json.loads(data)
    except ValueError:
        return RealtimeMessage(text=data)
    if not isinstance(event, dict):
        return RealtimeMessage(text=data)
    if event.get("type") == "error":
        error = event.get("error")
        error = error if isinstance(error, dict) else {}
        raise RealtimeError(
            code=str(error.get("code", "unknown")),
            message=str(error.get("message", "realtime error")),
            param=error.get("param"),
            request_id=event.get("request_id"),
        )
    audio = None
    delta = event.get("delta")
    if event.get("type") in AUDIO_DELTA_TYPES and isinstance(delta, str):
        try:
            audio = base64.b64decode(delta)
        except ValueError:
            audio = None
    return RealtimeMessage(text=data, event=event, audio=audio)


def _audio_event(audio: bytes) -> dict[str, Any]:
    return {"type": "input_audio_buffer.append", "audio": base64.b64encode(audio).decode("ascii")}


def _websockets_connect(module: str) -> Any:
    try:
        return importlib.import_module(module).connect
    except ImportError as exc:
        raise ImportError(
            "client.realtime needs the optional 'websockets' package (>= 13): "
            "pip install 'websockets>=13'"
        ) from exc


def _connect_options(cfg: MeshAPIConfig, model: str) -> tuple[str, dict[str, Any]]:
    url = ws_url(cfg.base_url, model, cfg.token)
    options: dict[str, Any] = {
        "subprotocols": [SUBPROTOCOL],
        "additional_headers": {SDK_HEADER: SDK_HEADER_VALUE},
    }
    if url.startswith("wss://"):
        options["ssl"] = _tls_context()
    return url, options


def _tls_context() -> ssl.SSLContext:
    """Verify against certifi's bundle (httpx's), so wss works where REST works."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except (ImportError, OSError):
        return ssl.create_default_context()


class RealtimeSession:
    """A sync realtime session: ``send``/``receive``, or iterate until the socket closes."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    def send(self, event: dict[str, Any]) -> None:
        self._ws.send(json.dumps(event))

    def send_audio(self, audio: bytes) -> None:
        """Append PCM audio to the input buffer (sent base64 in a JSON event)."""
        self.send(_audio_event(audio))

    def receive(self) -> RealtimeMessage:
        return parse_frame(self._ws.recv())

    def __iter__(self) -> Generator[RealtimeMessage, None, None]:
        """Messages until the connection closes; a server error event still raises."""
        while True:
            try:
                message = self.receive()
            except RealtimeError:
                raise
            except Exception:
                return
            yield message

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._ws.close()

    def __enter__(self) -> RealtimeSession:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncRealtimeSession:
    """The async twin of :class:`RealtimeSession`."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    async def send(self, event: dict[str, Any]) -> None:
        await self._ws.send(json.dumps(event))

    async def send_audio(self, audio: bytes) -> None:
        await self.send(_audio_event(audio))

    async def receive(self) -> RealtimeMessage:
        return parse_frame(await self._ws.recv())

    def __aiter__(self) -> AsyncIterator[RealtimeMessage]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[RealtimeMessage]:
        while True:
            try:
                message = await self.receive()
            except RealtimeError:
                raise
            except Exception:
                return
            yield message

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()

    async def __aenter__(self) -> AsyncRealtimeSession:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


class RealtimeResource:
    def __init__(self, cfg: MeshAPIConfig) -> None:
        self._cfg = cfg

    def connect(self, *, model: str) -> RealtimeSession:
        """Open the socket now; use the session in a ``with`` block to close it."""
        connect = _websockets_connect("websockets.sync.client")
        url, options = _connect_options(self._cfg, model)
        # Entered at once: the session owns the connection and closes it. websockets 17.1
        # deprecates a connection used without its `with` block (any version takes one).
        return RealtimeSession(connect(url, **options).__enter__())


class _AsyncConnectionManager:
    """What async ``connect()`` returns: ``await`` it, or use it with ``async with``."""

    def __init__(self, cfg: MeshAPIConfig, model: str) -> None:
        self._cfg = cfg
        self._model = model
        self._session: AsyncRealtimeSession | None = None

    async def _open(self) -> AsyncRealtimeSession:
        connect = _websockets_connect("websockets.asyncio.client")
        url, options = _connect_options(self._cfg, self._model)
        return AsyncRealtimeSession(await connect(url, **options))

    def __await__(self) -> Generator[Any, None, AsyncRealtimeSession]:
        return self._open().__await__()

    async def __aenter__(self) -> AsyncRealtimeSession:
        self._session = await self._open()
        return self._session

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()


class AsyncRealtimeResource:
    def __init__(self, cfg: MeshAPIConfig) -> None:
        self._cfg = cfg

    def connect(self, *, model: str) -> _AsyncConnectionManager:
        """Not a coroutine: ``await`` the result or use it with ``async with``."""
        return _AsyncConnectionManager(self._cfg, model)


__all__ = [
    "AsyncRealtimeResource",
    "AsyncRealtimeSession",
    "RealtimeError",
    "RealtimeMessage",
    "RealtimeResource",
    "RealtimeSession",
]
