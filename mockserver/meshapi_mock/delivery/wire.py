"""The pipeline's last step for a timed or faulty answer: the rendered response, sent on
its plan.

Any endpoint's response works, because this runs on what the renderer produced: the
renderer's ASGI messages are collected first (every renderer builds its whole answer at
once), then sent again part by part. An SSE body is cut into its frames (each ends with
a blank line); any other body is one chunk. Answers without timing or fault never come
here and keep the fast path.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import request_scope
from ..errors import DEFAULT_MESSAGES, MeshError, whole_seconds
from ..jsonbody import dumps
from ..render.sse import DONE
from .connection import Connection, Pauses, Released
from .plan import DeliveryPlan
from .spec import AT_THE_END, CONNECTION, WHOLE_RESPONSE, FaultSpec

KEEP_ALIVE = b": keep-alive\n\n"
BODYLESS = frozenset({204, 304})
"""Statuses whose answer has no body: faults that rewrite a body leave them alone."""
GATEWAY_TIMEOUT = {"code": "gateway_timeout", "message": "Upstream timed out."}
PROXY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class Skip:
    """What a fault that took a frame's place returns: go on with the next frame."""


SKIP = Skip()


class UpstreamTimeout(Exception):
    """The scripted answer took longer than the gateway waits for its model."""


def gateway_timeout() -> MeshError:
    return MeshError(504, GATEWAY_TIMEOUT["code"], GATEWAY_TIMEOUT["message"])


class Captured:
    """The renderer's response: status, headers and body, as it sent them."""

    def __init__(self) -> None:
        self.status = 200
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    @property
    def is_stream(self) -> bool:
        return any(
            k.lower() == b"content-type" and v.startswith(b"text/event-stream")
            for k, v in self.headers
        )

    def frames(self) -> list[bytes]:
        """The SSE frames, each with its closing blank line."""
        parts = bytes(self.body).split(b"\n\n")
        frames = [part + b"\n\n" for part in parts[:-1]]
        if parts[-1]:
            frames.append(parts[-1])
        return frames

    def start(self, body_length: int | None) -> Message:
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        if body_length is not None:
            headers.append((b"content-length", str(body_length).encode()))
        return {"type": "http.response.start", "status": self.status, "headers": headers}


class Delivered:
    """`inner` (a rendered response) sent as `plan` says."""

    def __init__(self, inner: ASGIApp, plan: DeliveryPlan, pauses: Pauses) -> None:
        self.inner = inner
        self.plan = plan
        self.pauses = pauses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = Connection(scope, receive, self.pauses)
        run = _Run(self.plan, connection, send)
        try:
            await run.deliver(self.inner, scope)
        except UpstreamTimeout:  # before anything was sent: the gateway's 504
            self.plan.record.outcome = "fault"
            error = gateway_timeout()
            request_scope.record_error(scope, error)
            await error.response(request_scope.request_id(scope))(scope, receive, send)
        except ClientDisconnect:
            self.plan.record.outcome = "client_disconnected"
            raise
        except Released:
            self.plan.record.outcome = "released"
            await connection.close()
        finally:
            connection.done()


class _Run:
    """One delivery in progress: its timeline and what it has sent."""

    def __init__(self, plan: DeliveryPlan, connection: Connection, send: Send) -> None:
        self.plan = plan
        self.connection = connection
        self._send = send
        self.started = time.monotonic()
        self.due = self.started
        """When the next part is due (the timeline, see `plan.py`)."""
        self.last_sent = self.started
        self.chunks = 0
        self.last_data = b""
        """A stream's last data frame before `[DONE]`, which `data_after_done` repeats."""
        self.struck = False
        """The fault has struck: however the answer ends, the journal says `fault`."""
        self.sent_done = False

    # --- time

    async def wait(self, seconds: float, *, keep_alive: bool = False) -> None:
        """Until `seconds` after the last part was due, with keep-alive frames if asked;
        `UpstreamTimeout` instead when the plan has run past the gateway's patience."""
        overdue = self.plan.overdue()
        if overdue is not None:
            seconds = overdue
        self.due += seconds
        period = self.plan.keep_alive if keep_alive else None
        while True:
            left = self.due - time.monotonic()
            if period is None or left <= period:
                await self.connection.wait(left)
                break
            await self.connection.wait(period)
            await self._send({"type": "http.response.body", "body": KEEP_ALIVE, "more_body": True})
        if overdue is not None:
            raise UpstreamTimeout()

    async def stall(self, *, keep_alive: bool) -> None:
        seconds = self.plan.stall_wait()
        if seconds is not None:
            await self.wait(seconds, keep_alive=keep_alive)
            return
        period = self.plan.keep_alive if keep_alive else None
        while True:  # until the client hangs up or the fake is reset
            await self.connection.wait(period)
            await self._send({"type": "http.response.body", "body": KEEP_ALIVE, "more_body": True})

    # --- sending

    async def send_start(self, message: Message) -> None:
        await self._send(message)
        now = time.monotonic()
        self.plan.sent_headers(now - self.started)
        self.last_sent = now

    async def send_chunk(self, body: bytes, *, more: bool = True, last: bool = False) -> None:
        """One chunk; the `last` one a client reads (the end of the body, or a stream's
        final frame, after which a client may stop reading) is journaled before it leaves,
        so a test that has read it finds the journal complete."""
        if last or not more:
            self.plan.sent_chunk(self.chunks, time.monotonic() - self.last_sent)
            self.chunks += 1
            self.settle()
        await self._send({"type": "http.response.body", "body": body, "more_body": more})
        now = time.monotonic()
        if more and not last:
            self.plan.sent_chunk(self.chunks, now - self.last_sent)
            self.chunks += 1
        self.last_sent = now

    def settle(self) -> None:
        """The answer's outcome, written before its last bytes leave."""
        self.plan.record.outcome = "fault" if self.struck else "completed"

    async def end(self) -> None:
        self.settle()
        await self._send({"type": "http.response.body", "body": b""})

    async def cut(self, *, reset: bool = False) -> None:
        """The connection goes, mid-answer, as the fault says."""
        self.struck = True
        self.settle()
        await (self.connection.reset() if reset else self.connection.close())

    # --- the plan

    async def deliver(self, inner: ASGIApp, scope: Scope) -> None:
        plan, fault = self.plan, self.plan.fault
        await self.wait(plan.headers_wait())
        if fault is not None and fault.kind in WHOLE_RESPONSE:
            await self.replace(fault)
            return
        if fault is not None and fault.before_headers:
            if await self.strike_connection(fault, keep_alive=False):
                return
            fault = None  # it has struck: the answer goes on whole
        captured = Captured()
        await inner(scope, self.connection.receive, captured.send)
        if captured.is_stream:
            await self.stream(captured, fault)
        else:
            await self.body(captured, fault)

    async def replace(self, fault: FaultSpec) -> None:
        """A whole response that is not the gateway's: a crashed upstream or a proxy."""
        if fault.kind == "html_502":
            status, content_type, body = 502, b"text/html", PROXY_PAGE
        else:
            status = fault.status or 500
            content_type = b"text/plain; charset=utf-8"
            words = fault.message or DEFAULT_MESSAGES.get(status, "Internal Server Error")
            body = words.encode()
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        if fault.retry_after is not None:
            headers.append((b"retry-after", str(whole_seconds(fault.retry_after)).encode()))
        self.struck = True
        first_chunk = self.plan.first_chunk_wait()
        if self.plan.overdue() is not None:  # the gateway's 504 comes before any header
            await self.wait(first_chunk)
        await self.send_start({"type": "http.response.start", "status": status, "headers": headers})
        await self.wait(first_chunk)
        await self.send_chunk(body, more=False)

    async def strike_connection(self, fault: FaultSpec, *, keep_alive: bool) -> bool:
        """disconnect, reset or stall; True when the answer ends here."""
        self.struck = True
        if fault.kind == "stall":
            await self.stall(keep_alive=keep_alive)
            return False
        await self.cut(reset=fault.kind == "reset")
        return True

    async def body(self, captured: Captured, fault: FaultSpec | None) -> None:
        """A JSON (or other) body: one chunk; a fault strikes at it."""
        if captured.status in BODYLESS:  # a 204 has no body for a fault to change
            fault = fault if fault is not None and fault.kind in CONNECTION else None
        kind = None if fault is None else fault.kind
        first_chunk = self.plan.first_chunk_wait()
        if self.plan.overdue() is not None:  # a JSON answer waits for the whole model
            await self.wait(first_chunk)
        body = _faulty_body(bytes(captured.body), fault)
        replaced = body is not None
        if body is None:
            body = bytes(captured.body)
        bodyless = captured.status in BODYLESS
        await self.send_start(captured.start(None if bodyless else len(body)))
        if (
            fault is not None
            and kind in CONNECTION
            and await self.strike_connection(fault, keep_alive=False)
        ):
            return
        await self.wait(first_chunk)
        if kind == "half_frame":
            await self.send_chunk(body[: len(body) // 2])
            await self.cut()
            return
        self.struck = self.struck or replaced
        await self.send_chunk(body, more=False)

    async def stream(self, captured: Captured, fault: FaultSpec | None) -> None:
        frames = captured.frames()
        self.last_data = next((f for f in reversed(frames) if f != DONE), b"data: {}\n\n")
        point = _strike_point(fault, frames)
        await self.send_start(captured.start(None))
        for index, frame in enumerate(frames):
            struck = fault is not None and index == point and await self.strike(fault, frame)
            if struck is SKIP:
                continue
            if struck:
                return
            wait = self.plan.first_chunk_wait() if index == 0 else self.plan.gap_before(frame)
            try:
                await self.wait(wait, keep_alive=True)
            except UpstreamTimeout:  # mid-stream, the gateway says so in a frame
                self.struck = True
                await self.send_chunk(b"data: " + dumps({"error": GATEWAY_TIMEOUT}) + b"\n\n")
                await self.end()
                return
            strikes_at_the_end = fault is not None and point == len(frames)
            last = index == len(frames) - 1 and not strikes_at_the_end
            await self.send_chunk(frame, last=last)
            self.sent_done = frame == DONE
        if fault is not None and point == len(frames) and await self.strike(fault, None):
            return
        await self.end()

    async def strike(self, fault: FaultSpec, frame: bytes | None) -> bool | Skip:
        """The fault, before `frame` (None: after the last): True when the answer ends,
        `SKIP` when the fault took the frame's place."""
        kind = fault.kind
        if kind in CONNECTION:
            return await self.strike_connection(fault, keep_alive=True)
        self.struck = True
        if kind == "error_frame":
            await self.send_chunk(b"data: " + dumps({"error": _error_of(fault)}) + b"\n\n")
            if fault.done_after:
                await self.send_chunk(DONE)
            await self.end()
            return True
        if kind == "no_done":
            await self.end()
            return True
        if kind == "half_frame":
            whole = frame if frame is not None else DONE
            await self.send_chunk(whole[: max(1, (len(whole) - 2) // 2)])
            await self.cut()
            return True
        if kind == "malformed_frame":  # this frame, cut to non-JSON; its content is lost
            whole = (frame if frame is not None else DONE).rstrip(b"\n")
            await self.send_chunk(whole[: max(7, len(whole) // 2)] + b"\n\n")
            if frame is None:
                await self.end()
                return True
            return SKIP
        # data_after_done: [DONE] here, then what is left; at the end, after the stream's
        # own [DONE], one more data frame
        if frame is not None:
            await self.send_chunk(DONE)
            return False
        if not self.sent_done:
            await self.send_chunk(DONE)
        await self.send_chunk(self.last_data)  # a late copy of the last frame
        await self.end()
        return True


def _faulty_body(body: bytes, fault: FaultSpec | None) -> bytes | None:
    """The body a fault puts in place of a JSON one, or None when it keeps it."""
    kind = None if fault is None else fault.kind
    if kind == "error_frame":
        return dumps({"error": _error_of(fault)})
    if kind == "no_done":
        return b""
    if kind == "malformed_frame":
        return body[: len(body) // 2]
    if kind == "data_after_done":
        return body + b"\n" + body
    return None


def _strike_point(fault: FaultSpec | None, frames: list[bytes]) -> int | None:
    """Before which frame the fault strikes (`len(frames)`: after the last)."""
    if fault is None:
        return None
    if fault.after_chunks is not None:
        return min(fault.after_chunks, len(frames))
    if fault.kind in AT_THE_END:
        done_last = bool(frames) and frames[-1] == DONE
        return len(frames) - 1 if fault.kind == "no_done" and done_last else len(frames)
    if fault.kind == "stall":
        return 0
    return len(frames) // 2


def _error_of(fault: FaultSpec | None) -> dict[str, Any]:
    code = (fault.code if fault else None) or "upstream_error"
    message = (fault.message if fault else None) or "The upstream provider failed mid-stream."
    return {"code": code, "message": message}
