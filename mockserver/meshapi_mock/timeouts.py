"""`request_timeout`: a client gets that long to send a whole request, head and body.

A client that stops half-way (a crashed test, a slowloris, a bug in the app under test)
would otherwise hold its connection for ever: uvicorn calls the app only once the head is
complete, and arms its keep-alive timer only after a response (any byte received cancels
it), so a fresh connection or a half-sent request waits for ever in both its h11 and
httptools implementations.

So the clock lives in uvicorn's protocol (`RequestDeadline`, installed by
`runner.uvicorn_config`): it runs from a connection's opening, or from the first byte of a
later request, until the request's last byte. A pipelined request whose first bytes came
with the one before (one packet: a whole request, then half of the next) starts its
clock when the one before is answered, since no byte may ever arrive to start it. It
costs nothing per request when a request arrives whole, as nearly all do. When it runs
out:

- during the head, the connection gets a 408 `request_timeout` envelope and is closed
  (just closed if it sent nothing, as when a keep-alive connection expires);
- during the body, the app is told through the request's `BodyWatch`, so its read fails
  with that 408 envelope from the route, journaled like any other error, and the
  connection closes after it.

A value of 0 (or less, or infinity) turns the deadline off.
"""

from __future__ import annotations

import asyncio
import math
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

import h11
from starlette.types import Message, Receive

from .errors import MeshError
from .jsonbody import dumps
from .request_log import log_request

if TYPE_CHECKING:
    from .state import MockState

BODY_WATCH = "meshapi_mock.body_watch"
"""The `scope["state"]` key of a request whose body was still arriving after its head."""


def enabled(seconds: float) -> bool:
    return math.isfinite(seconds) and seconds > 0


def timeout_error(seconds: float, part: str) -> MeshError:
    return MeshError(
        408,
        "request_timeout",
        f"The {part} did not arrive within the request timeout of {seconds:g} s "
        "(--request-timeout).",
        headers={"connection": "close"},  # what is left of the request is not read
    )


class BodyWatch:
    """The protocol's word to the app that a request's body ran out of time."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False

    def bounded(self, receive: Receive) -> Receive:
        """`receive` failing with the 408 once the deadline has passed."""

        async def receive_in_time() -> Message:
            if not self.expired:
                message = await receive()
                if not self.expired:
                    return message
            raise timeout_error(self.seconds, "request body")

        return receive_in_time


class RequestDeadline(asyncio.Protocol):
    """Mixin for uvicorn's HTTP protocols: a request must arrive within `request_timeout`."""

    request_timeout: ClassVar[float]
    mock_state: ClassVar[MockState]
    if TYPE_CHECKING:  # what uvicorn's H11Protocol and HttpToolsProtocol provide
        loop: asyncio.AbstractEventLoop
        transport: asyncio.Transport
        cycle: Any

    _timer: asyncio.TimerHandle | None = None
    _partial_head = False
    _message_begun = False
    """httptools has parsed the start of a request whose head is not complete yet."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._track(received=True)

    def on_response_complete(self) -> None:
        # The parser may hold the next request, whole or in part, received with this one:
        # uvicorn starts it now, and no new byte needs to come for its deadline to run.
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._track(received=False)

    # httptools' parser callbacks (h11 has none): a head has begun, a head is complete.
    def on_message_begin(self) -> None:
        self._message_begun = True
        super().on_message_begin()  # type: ignore[misc]

    def on_headers_complete(self) -> None:
        self._message_begun = False
        super().on_headers_complete()  # type: ignore[misc]

    def _track(self, *, received: bool) -> None:
        """Start, keep or stop the clock for where the connection is now."""
        cycle = self.cycle
        if self.transport.get_protocol() is not self:  # upgraded (WebSocket): not ours
            self._disarm()
        elif cycle is None or cycle.response_complete:  # between requests
            if received:  # a head started
                # (unless these are the last bytes of a body the app answered without reading)
                self._partial_head = cycle is None or not cycle.more_body
                self._arm()
            elif self._next_head_waiting():
                self._partial_head = True
                self._arm()
        elif cycle.more_body:  # the head is in, the body is still coming
            state = cycle.scope["state"]
            if BODY_WATCH not in state:
                state[BODY_WATCH] = BodyWatch(self.request_timeout)
            self._arm()
        else:  # the request is complete: the common case, and nothing to do
            self._partial_head = False
            self._disarm()

    def _next_head_waiting(self) -> bool:
        """Part of a next request's head is in the parser, left over from earlier packets."""
        conn = getattr(self, "conn", None)
        if isinstance(conn, h11.Connection):
            return conn.their_state is h11.IDLE and bool(conn.trailing_data[0])
        return self._message_begun

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        armable = enabled(self.request_timeout) and not self.transport.is_closing()
        if self._timer is None and armable:
            self._timer = self.loop.call_later(self.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        cycle = self.cycle
        if self.transport.is_closing():
            return
        if cycle is not None and not cycle.response_complete:
            watch: BodyWatch | None = cycle.scope["state"].get(BODY_WATCH)
            if cycle.more_body and watch is not None:
                watch.expired = True
                cycle.message_event.set()  # wake a read in progress
            return
        if self._partial_head:
            request_id = self.mock_state.ids.request_id()
            error = timeout_error(self.request_timeout, "request head")
            self.transport.write(raw_response(error, request_id))
            if self.mock_state.config.log_requests:  # a request, though it never got a path
                waited = self.request_timeout * 1000
                log_request("-", "-", 408, None, error.code, waited, request_id)
        self.transport.close()


def raw_response(error: MeshError, request_id: str) -> bytes:
    """The error as HTTP/1.1 bytes: the parser holds half a request, so it cannot write it."""
    body = dumps(error.body(request_id))
    head = (
        f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n"
        f"x-request-id: {request_id}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def with_request_deadline(base: type[asyncio.Protocol], state: MockState) -> type[asyncio.Protocol]:
    """`base` (uvicorn's H11Protocol or HttpToolsProtocol) with `state`'s request deadline."""
    attributes = {"request_timeout": state.config.request_timeout, "mock_state": state}
    protocol: type[asyncio.Protocol] = type(
        f"{base.__name__}WithRequestDeadline", (RequestDeadline, base), attributes
    )
    return protocol
