"""Minimal ASGI responses for the hot path: pre-encoded JSON, bytes and SSE frames."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

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
    """SSE frames sent one per ASGI message with chunked encoding, like a live gateway.

    A client that hangs up mid-stream is noticed between frames and raised as
    `ClientDisconnect`, so the journal records the stream as not completed.
    """

    def __init__(self, frames: Sequence[bytes]) -> None:
        self.frames = frames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(_SSE_HEADERS)})
        # The request body is read already, so the next message is `http.disconnect`:
        # it arrives when the client goes away, or once the response is complete.
        gone = asyncio.ensure_future(receive())
        try:
            for frame in self.frames:
                await send({"type": "http.response.body", "body": frame, "more_body": True})
                await asyncio.sleep(0)  # one loop turn: a closed socket is seen here
                if gone.done():
                    raise ClientDisconnect()
            await send({"type": "http.response.body", "body": b""})
        finally:
            if not gone.done():
                gone.cancel()
