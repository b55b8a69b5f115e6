"""Minimal ASGI responses for the hot path: pre-encoded JSON, bytes and SSE frames."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence

from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

_JSON = b"application/json"
# Only what the contract needs: every extra header costs h11 a validation per response.
_SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8")]


class RawBytes:
    """A response whose body is already encoded, with its content type."""

    def __init__(self, body: bytes, status: int = 200, content_type: bytes = _JSON) -> None:
        self.body = body
        self.status = status
        self.content_type = content_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", self.content_type),
            (b"content-length", str(len(self.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


class JSONBytes(RawBytes):
    """A 200 (or other) JSON response whose body is already encoded."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        super().__init__(body, status)


class SSEStream:
    """SSE frames, rendered one by one, sent with chunked encoding like a live gateway.

    Frames due at the same instant go out together, packed into ASGI messages of up to
    `BURST_BYTES`: under h11 every message costs about as much as the whole reply, and a
    client cannot tell one write of three frames from three writes in a row. (Scripted
    timing between frames, when it exists, puts each frame in a message of its own.)

    A client that hangs up is noticed after each message but the last and raised as
    `ClientDisconnect`, so the journal records the stream as not completed. (After the last
    message every byte is with the transport: nothing is left to cut short.)
    """

    BURST_BYTES = 64 * 1024

    def __init__(self, frames: Sequence[bytes]) -> None:
        self.frames = frames

    def bursts(self) -> Iterator[bytes]:
        frames = self.frames
        if sum(map(len, frames)) <= self.BURST_BYTES:  # nearly every answer: one write
            yield b"".join(frames)
            return
        burst: list[bytes] = []
        size = 0
        for frame in self.frames:
            if burst and size + len(frame) > self.BURST_BYTES:
                yield b"".join(burst)
                burst, size = [], 0
            burst.append(frame)
            size += len(frame)
        if burst:
            yield b"".join(burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(_SSE_HEADERS)})
        gone: asyncio.Future[Message] | None = None
        bursts = self.bursts()
        last = next(bursts, b"")
        try:
            for burst in bursts:  # all but the last, each followed by a hang-up check
                await send({"type": "http.response.body", "body": last, "more_body": True})
                gone = await _check_connection(receive, gone)
                last = burst
            await send({"type": "http.response.body", "body": last})
        finally:
            if gone is not None and not gone.done():
                gone.cancel()


async def _check_connection(
    receive: Receive, gone: asyncio.Future[Message] | None
) -> asyncio.Future[Message]:
    """Raise `ClientDisconnect` if the client has gone; the watcher is made on first use.

    The request body is read already, so the next message is `http.disconnect`: it arrives
    when the client goes away, or once the response is complete.
    """
    if gone is None:
        gone = asyncio.ensure_future(receive())
    await asyncio.sleep(0)  # one loop turn: the watcher runs and a closed socket is seen
    if gone.done():
        raise ClientDisconnect()
    return gone
