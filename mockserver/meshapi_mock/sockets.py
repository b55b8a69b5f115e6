"""The pipeline's WebSocket side: one session, its shared steps, its journal entry.

A WebSocket operation (`Operation.websocket`) is served by a `WebSocketRoute` whose app is
`SocketApp`. The steps every endpoint shares run here, as `pipeline.py` runs them for a
request: the key (`Operation.key_query`, else a bearer header) → the query → the model
check → the journal entry; then, once per turn the endpoint's protocol asks for one,
rule selection and the reply (`SocketSession.answer`). What is said on the socket — the
events, their order, how an error is told — is the endpoint module's handler.

The edge guard (`guard.py`) has already checked the handshake's `Host` and `Origin`, and
`RequestEnvelope` (`app.py`) opened the journal entry and put `x-request-id` on the
handshake's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from . import request_scope
from .answering import answer_of, build_context
from .auth import check_key, require_token
from .delivery.plan import DeliveryPlan
from .endpoints.base import POLICY_VIOLATION, Endpoint, Operation
from .errors import MeshError
from .headers import header
from .journal import JournalEntry, SessionLog
from .jsonbody import dumps
from .model_check import check_request_models
from .scripting.context import CallContext
from .scripting.rulebook import Rule
from .scripting.spec import BaseReply
from .state import MockState

log = logging.getLogger("meshapi_mock")

DENIAL = "websocket.http.response"
"""The ASGI extension that lets a handshake be refused with an HTTP response."""
INTERNAL_ERROR = 1011


async def deny(scope: Scope, receive: Receive, send: Send, error: MeshError) -> None:
    """Refuse a WebSocket handshake with the error's envelope (status, JSON body), or, where
    the server cannot send one, with a close before the handshake (an HTTP 403)."""
    request_scope.record_error(scope, error)
    if DENIAL in scope.get("extensions", {}):
        await error.response(request_scope.request_id(scope))(scope, receive, send)
        _DENIED.set(True)
    else:
        await send({"type": "websocket.close", "code": POLICY_VIOLATION})


_DENIED: contextvars.ContextVar[bool] = contextvars.ContextVar("handshake_denied", default=False)
"""Set in the task serving a handshake once it was refused with an HTTP response."""
_UNFINISHED = "ASGI callable returned without completing handshake."


class DeniedHandshakeFilter(logging.Filter):
    """Drops uvicorn's error for a handshake the fake refused with an HTTP response.

    uvicorn's `websockets-sansio` protocol (0.54) logs "returned without completing
    handshake" after a complete `websocket.http.response` too, so every refused socket (a
    foreign origin, an unknown path) read as a crash. uvicorn logs it in the task that ran
    the app, so `deny`'s mark is seen here, and any other such error still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_DENIED.get() and record.getMessage() == _UNFINISHED)


def quiet_denied_handshakes(logger: logging.Logger) -> None:
    """Install `DeniedHandshakeFilter` on uvicorn's error logger, once."""
    if not any(isinstance(f, DeniedHandshakeFilter) for f in logger.filters):
        logger.addFilter(DeniedHandshakeFilter())


def upgrade_required(operation: Operation) -> Callable[[Request], Awaitable[Response]]:
    """The plain-HTTP face of a WebSocket path: 426 saying how to open the socket."""

    async def app(request: Request) -> Response:
        entry = request_scope.journal_entry(request.scope)
        if entry is not None:
            entry.operation = operation.name
        error = MeshError(
            426,
            "upgrade_required",
            f"{operation.path} is a WebSocket: open it with an upgrade (ws://…{operation.path})"
            f" — {operation.summary}.",
            headers={"upgrade": "websocket", "connection": "Upgrade"},
        )
        request_scope.record_error(request.scope, error)
        return error.response(request_scope.request_id(request.scope))

    return app


class SocketSession:
    """One WebSocket session as the endpoint's handler sees it."""

    def __init__(
        self,
        state: MockState,
        endpoint: Endpoint,
        operation: Operation,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        self.state = state
        self.endpoint = endpoint
        self.operation = operation
        self.scope = scope
        self._receive = receive
        self._send = send
        self.entry: JournalEntry | None = request_scope.journal_entry(scope)
        self.request_id: str = request_scope.request_id(scope) or state.ids.request_id()
        self.accepted = False
        self.closed = False
        if self.entry is not None:
            self.entry.endpoint, self.entry.operation = endpoint.name, operation.name
            self.entry.session = SessionLog()

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order."""
        offered: list[str] = self.scope.get("subprotocols", [])
        return offered

    def open(self) -> CallContext:
        """The shared steps before the socket opens: key, query, model check. Raises the
        `MeshError` to tell (the handler says it its way: a denial, an error event)."""
        state, operation = self.state, self.operation
        headers = self.scope["headers"]
        ctx = build_context(self.endpoint, operation, b"", self.scope["query_string"], headers)
        ctx.regex_timeout = state.config.regex_timeout
        if not operation.public:
            key = getattr(ctx.request, operation.key_query, None) if operation.key_query else None
            if isinstance(key, str) and key:
                check_key(key, state.tokens)
            else:
                require_token(header(headers, b"authorization"), state.tokens)
        if self.entry is not None:
            self.entry.authorized = True
        model_status, refusal = check_request_models(ctx.request, operation, state)
        if self.entry is not None:
            self.entry.model_status = model_status
        if refusal is not None:
            raise refusal
        return ctx

    def note_error(self, error: MeshError) -> None:
        """The journal entry's error: the last one the session told."""
        if self.entry is not None:
            self.entry.error_code, self.entry.error_message = error.code, error.message

    async def accept(self, subprotocol: str | None = None) -> None:
        await self._send({"type": "websocket.accept", "subprotocol": subprotocol})
        self.accepted = True

    async def refuse(self, error: MeshError) -> None:
        """Refuse the handshake with the error's envelope (see `deny`)."""
        self.note_error(error)
        self.closed = True
        await deny(self.scope, self._receive, self._send, error)

    async def receive(self) -> str | bytes | None:
        """The next frame from the client; None once it has gone (its close is journaled)."""
        if self.closed:
            return None
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            text = message.get("text")
            if text is not None:
                return str(text)
            return bytes(message.get("bytes") or b"")
        if kind == "websocket.disconnect":
            if not self.closed:
                self._closed("client", message.get("code", 1005), message.get("reason") or "")
            return None
        return await self.receive()  # websocket.connect, already answered

    async def send_event(self, event: dict[str, Any], shown: dict[str, Any] | None = None) -> bool:
        """Send one JSON text frame, journaled as `shown` (default: as sent). False when the
        client has gone."""
        if self.closed:
            return False
        try:
            await self._send({"type": "websocket.send", "text": dumps(event).decode("utf-8")})
        except OSError:  # uvicorn's ClientDisconnected: the socket went while we spoke
            self._closed("client", 1006, "")
            return False
        self.record("server", event if shown is None else shown)
        return True

    async def send_text(self, text: str) -> bool:
        """Send a text frame that is no JSON event (a scripted fault's); journaled as such."""
        if self.closed:
            return False
        try:
            await self._send({"type": "websocket.send", "text": text})
        except OSError:
            self._closed("client", 1006, "")
            return False
        self.record("server", {"text": text[:200]})
        return True

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self._closed("server", code, reason)
        with contextlib.suppress(OSError):  # already gone
            await self._send({"type": "websocket.close", "code": code, "reason": reason})

    def _closed(self, by: str, code: int, reason: str) -> None:
        self.closed = True
        if self.entry is not None and self.entry.session is not None:
            self.entry.session.closed = {"by": by, "code": code, "reason": reason}

    def record(self, side: str, event: dict[str, Any]) -> None:
        if self.entry is not None:
            self.entry.record_event(side, event)

    async def answer(self, ctx: CallContext) -> tuple[BaseReply, Rule | None]:
        """One turn's reply: the first matching rule's, else default mode's (strict mode
        refuses that with `no_matching_rule`). Raises `MeshError` as the pipeline does."""
        line = f"{self.operation.name} turn on {self.operation.path}"
        return await answer_of(self.state, self.endpoint, self.operation, ctx, self.entry, line)

    def plan(self, rule: Rule | None) -> DeliveryPlan | None:
        """The turn's delivery: the rule's timing and fault, or chaos's draw (None: at once)."""
        delivery = self.state.delivery
        plan = delivery.plan(rule, delivery.draw(self.endpoint.name))
        if plan is not None and self.entry is not None:
            self.entry.delivery = plan.record
        return plan

    async def pause(self, seconds: float) -> bool:
        """Wait (scaled seconds, as a plan gives them); False when the fake was reset or
        stopped meanwhile, which ends what the session was sending."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return True
        pauses = self.state.delivery.pauses
        released = pauses.register()
        try:
            await asyncio.wait({released}, timeout=seconds)
        finally:
            pauses.unregister(released)
        return not released.done()


class SocketApp:
    """A WebSocket operation as an ASGI app: its handler runs the session."""

    def __init__(self, state: MockState, endpoint: Endpoint, operation: Operation) -> None:
        assert operation.websocket is not None
        self.state = state
        self.endpoint = endpoint
        self.operation = operation
        self.handler = operation.websocket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        session = SocketSession(self.state, self.endpoint, self.operation, scope, receive, send)
        try:
            await self.handler(session)
        except Exception as exc:  # the fake's own bug: say so, never leave the socket hanging
            log.exception("meshapi-mock failed in a %s session", self.endpoint.name)
            error = MeshError(500, "mock_internal_error", f"meshapi-mock failed: {exc!r}")
            session.note_error(error)
            if not session.accepted:
                await session.refuse(error)
            else:
                await session.close(INTERNAL_ERROR, "meshapi-mock failed")
            return
        if not session.closed:
            await session.close()
