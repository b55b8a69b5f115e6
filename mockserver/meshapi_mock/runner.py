"""`MockServer`: the fake on a real loopback port, served by uvicorn in a thread.

The listening socket is created with `IPPROTO_TCP` on purpose: asyncio only turns on
TCP_NODELAY for sockets whose protocol says TCP, and without it every small response
waits ~40 ms for Nagle's algorithm and delayed ACKs.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import threading
import time
from types import TracebackType
from typing import ClassVar

import uvicorn
from uvicorn.config import HTTP_PROTOCOLS
from uvicorn.importer import import_from_string

from .app import create_app
from .config import ServerConfig
from .delivery.connection import TransportInScope
from .guard import WholeTarget
from .mock import Mock
from .sockets import quiet_denied_handshakes
from .state import MockState
from .timeouts import with_request_deadline


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def base_url(bound: str, port: int) -> str:
    """The URL a client on this machine uses for a fake bound to `bound`: a wildcard bind
    (`0.0.0.0`, `::`) is reached on loopback, since the edge guard answers only to the
    names a client can really reach it under, and `0.0.0.0` is none of them."""
    host = bound
    try:
        address = ipaddress.ip_address(bound.strip("[]"))
    except ValueError:
        pass
    else:
        if address.is_unspecified:
            host = "::1" if address.version == 6 else "127.0.0.1"
        else:
            host = str(address)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def is_wildcard(bound: str) -> bool:
    """Whether `bound` listens on every address of the machine."""
    try:
        return ipaddress.ip_address(bound.strip("[]")).is_unspecified
    except ValueError:
        return False


def uvicorn_config(
    app: object, *, http: str | type[asyncio.Protocol] = "auto", **overrides: object
) -> uvicorn.Config:
    """uvicorn settings for the fake; `http` picks the implementation, as in uvicorn.

    The implementation is wrapped so a request must arrive within the fake's
    `request_timeout` (`timeouts.py`) and so scripted faults can close or reset a
    connection (`delivery/connection.py`); an app made by `create_app` brings its settings.
    """
    state = getattr(getattr(app, "state", None), "mock", None)
    if not isinstance(state, MockState):
        state = MockState()
    options: dict[str, object] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "off",
        "timeout_graceful_shutdown": 2,
        "timeout_keep_alive": 30,
        "http": with_request_deadline(_with_fault_access(_http_protocol(http)), state),
    }
    options.update(overrides)
    config = uvicorn.Config(app, **options)  # type: ignore[arg-type]
    quiet_denied_handshakes(logging.getLogger("uvicorn.error"))
    return config


def _http_protocol(http: str | type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """uvicorn's class for a name ('auto', 'h11', 'httptools'); 'auto' takes httptools
    when it is installed, else h11."""
    if isinstance(http, str):
        protocol: type[asyncio.Protocol] = import_from_string(HTTP_PROTOCOLS[http])
        return protocol
    return http


def _with_fault_access(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """`base` keeping an absolute-form target whole, as the edge guard reads it, and
    putting each request's transport in its scope, for faults to close or reset."""
    protocol: type[asyncio.Protocol] = type(
        base.__name__, (TransportInScope, WholeTarget, base), {}
    )
    return protocol


class FakeServer(uvicorn.Server):
    """uvicorn's server, ending answers that wait (a stall, a long delay) when it shuts
    down: they would hold up the shutdown until its grace period ran out."""

    def __init__(self, config: uvicorn.Config, state: MockState) -> None:
        super().__init__(config)
        self.mock_state = state
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        """uvicorn's loop, but a stop (`exit_soon`) ends it at once: uvicorn looks at
        `should_exit` every 100 ms, which made every `MockServer.stop()` take 200 ms."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864_000
            with contextlib.suppress(asyncio.TimeoutError):  # not TimeoutError before 3.11
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def exit_soon(self) -> None:
        """Thread-safe: ask the server to stop, and wake its loop to notice now."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.mock_state.delivery.pauses.release_all()
        await asyncio.sleep(0)  # one turn: connections their clients closed are seen closed
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)  # lets them finish (100 ms at least)
            return
        # Idle: nothing to wait for, so no pause; what uvicorn's shutdown does besides.
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        if not self.force_exit:
            await self.lifespan.shutdown()


class MockServer(Mock):
    """A running fake: `with MockServer() as server: server.chat.reply("Hi")`."""

    http: ClassVar[str] = "auto"
    """uvicorn's HTTP implementation: 'auto' (httptools when installed, else h11), 'h11'
    or 'httptools'."""

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **settings: object,
    ) -> None:
        if config is None:
            config = ServerConfig(**settings)  # type: ignore[arg-type]
        elif settings:
            raise TypeError("pass either a ServerConfig or keyword settings, not both")
        super().__init__(MockState(config))
        self.host = host
        self.port = port
        self.app = create_app(self.state)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL without `/v1`, as the MeshAPI SDK expects; add `/v1` for `openai`.

        On loopback when the fake listens on all addresses (`host="0.0.0.0"`)."""
        if self._server is None:
            raise RuntimeError("the server is not running; call start() first")
        return base_url(self.host, self.port)

    def start(self, timeout: float = 10.0) -> MockServer:
        if self._server is not None:
            return self
        sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        server = FakeServer(uvicorn_config(self.app, http=self.http), self.state)
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"meshapi-mock:{self.port}",
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"meshapi-mock did not start on {self.host}:{self.port}")
            time.sleep(0.001)
        self._server, self._thread, self._socket = server, thread, sock
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        assert isinstance(server, FakeServer)
        server.exit_soon()
        thread.join(timeout=10)
        self._socket.close()
        self._server = self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
