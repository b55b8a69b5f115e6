"""Minimal ASGI responses for the hot path: pre-encoded JSON and SSE bodies."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

_JSON = (b"content-type", b"application/json")
# Only what the contract needs: every extra header costs h11 a validation per response.
_SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8")]


class JSONBytes:
    """A 200 (or other) JSON response whose body is already encoded."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body = body
        self.status = status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [_JSON, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


class SSEStream:
    """An SSE body sent with chunked transfer encoding, like a live gateway stream."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(_SSE_HEADERS)})
        await send({"type": "http.response.body", "body": self.body})
