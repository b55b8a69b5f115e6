"""The connection under a response: watched for hang-ups, closed or reset on purpose.

ASGI has no message for "drop this connection", so the runner's uvicorn protocol
(`TransportInScope`) puts each request's transport in its scope; a fault then closes it
(an incomplete body, as a dying proxy leaves it) or resets it (TCP RST). Served some
other way (an in-process ASGI client), the fault raises `ConnectionFault` instead, which
the server or client in front turns into a broken response.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from typing import TYPE_CHECKING, Any

from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope

TRANSPORT = "meshapi_mock.transport"
"""The `scope["state"]` key of the request's transport (set by `TransportInScope`)."""
GOODBYE_SECONDS = 1.0
"""How long a closed connection may take to be seen closed before the answer ends anyway."""


class ConnectionFault(Exception):
    """A scripted connection fault where the fake cannot reach the connection itself."""


class Released(Exception):
    """The fake was reset or stopped while this answer waited: it ends here."""


class TransportInScope(asyncio.Protocol):
    """Mixin for uvicorn's HTTP protocols: each request's scope carries its transport."""

    if TYPE_CHECKING:  # what uvicorn's protocols provide
        transport: asyncio.Transport
        scope: Any

    def handle_events(self) -> None:  # h11: each request's scope is made here
        super().handle_events()  # type: ignore[misc]
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["state"][TRANSPORT] = self.transport

    def on_message_begin(self) -> None:  # httptools: each request's scope is made here
        super().on_message_begin()  # type: ignore[misc]
        self.scope["state"][TRANSPORT] = self.transport


class Pauses:
    """Every delivery waiting right now, so a reset or a stop can end them all: a stalled
    answer of one test must not outlive it, nor hold up the server's shutdown."""

    def __init__(self) -> None:
        self._waiting: dict[asyncio.Future[None], asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()  # a test's reset runs in its own thread

    def register(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        released: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._waiting[released] = loop
        return released

    def unregister(self, released: asyncio.Future[None]) -> None:
        with self._lock:
            self._waiting.pop(released, None)

    def release_all(self) -> None:
        """Thread-safe: end every waiting delivery."""
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for released, loop in waiting.items():
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, released)


async def _disconnect(receive: Receive) -> Message:
    """The `http.disconnect` message: what is left of a body nobody read (a GET's empty
    one) comes first and is passed over."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return message


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Connection:
    """One response's view of its connection: hang-ups, release, close and reset."""

    def __init__(self, scope: Scope, receive: Receive, pauses: Pauses) -> None:
        self.transport: asyncio.Transport | None = scope["state"].get(TRANSPORT)
        self._receive = receive
        self._gone: asyncio.Future[Message] | None = None
        self._pauses = pauses
        self._released = pauses.register()

    def _watch(self) -> asyncio.Future[Message]:
        if self._gone is None:
            self._gone = asyncio.ensure_future(_disconnect(self._receive))
        return self._gone

    async def receive(self) -> Message:
        """For the app inside: the same single watcher, never a second reader."""
        return await asyncio.shield(self._watch())

    async def wait(self, seconds: float | None) -> None:
        """Wait `seconds` (None: for ever). A hang-up raises `ClientDisconnect`; a reset
        or stop of the fake raises `Released`."""
        gone = self._watch()
        if seconds is not None and seconds <= 0:
            await asyncio.sleep(0)  # one loop turn: a closed socket is seen
        else:
            either: set[asyncio.Future[Any]] = {gone, self._released}
            await asyncio.wait(either, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        if gone.done():
            raise ClientDisconnect()
        if self._released.done():
            raise Released()

    async def close(self) -> None:
        """Close the connection now, whatever the response has sent."""
        if self.transport is None:
            raise ConnectionFault("connection closed by a scripted fault")
        self.transport.close()
        await self._goodbye()

    async def reset(self) -> None:
        """Reset the connection (TCP RST): SO_LINGER 0, then close."""
        transport = self.transport
        if transport is None:
            raise ConnectionFault("connection reset by a scripted fault")
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        await self._goodbye()

    async def _goodbye(self) -> None:
        """Until the server has seen the connection go, so it does not report an answer
        left unfinished (the fault meant it)."""
        await asyncio.wait({self._watch()}, timeout=GOODBYE_SECONDS)

    def done(self) -> None:
        self._pauses.unregister(self._released)
        if self._gone is not None and not self._gone.done():
            self._gone.cancel()
