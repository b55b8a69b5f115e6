"""The ASGI application: routes from the registry, the middleware around them, errors.

Outside in, every request passes: the request log (when on) → `RequestEnvelope` (request
id, journal entry, the body's deadline, last-resort 500) → `EdgeGuard` (Host; origin, key
and JSON for `/_mock/`) → the route. A WebSocket handshake passes the same layers (its
session runs in `sockets.py`).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import admin, index, request_scope, sockets
from .config import ServerConfig
from .errors import MeshError
from .guard import EdgeGuard, take_absolute_form
from .headers import header
from .jsonbody import dumps
from .openapi import openapi_document
from .pipeline import OperationApp
from .registry import ENDPOINTS
from .request_log import RequestLog
from .responses import JSONBytes
from .state import MockState
from .timeouts import BODY_WATCH, BodyWatch

log = logging.getLogger("meshapi_mock")

NOT_JOURNALED = frozenset({"/", "/openapi.json"})
"""The fake's own documents; admin calls are not journaled either."""


class RequestEnvelope:
    """Gives every request an id and a journal entry, and every response `x-request-id`.

    A body still arriving after the head is read against the request deadline (the
    runner's protocol flags it, `timeouts.py`). It also turns any exception a route lets
    slip into a MeshAPI envelope, so a client never sees a bare 500 or a dropped
    connection from the fake's own bugs.
    """

    def __init__(self, app: ASGIApp, state: MockState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        take_absolute_form(scope)
        request_id = header(scope["headers"], b"x-request-id") or self.state.ids.request_id()
        path: str = scope["path"]
        entry = None
        if path not in NOT_JOURNALED and not admin.is_admin_path(path):
            entry = self.state.journal.open(
                scope["method"],
                path,
                scope.get("query_string", b"").decode("latin-1"),
                scope["headers"],
                request_id,
            )
        request_scope.start(scope, request_id, entry)
        watch: BodyWatch | None = scope["state"].get(BODY_WATCH)  # set by the runner
        if watch is not None:
            receive = watch.bounded(receive)
        rid = request_id.encode("latin-1", "replace")
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid)]
                if entry is not None:
                    entry.status = message["status"]
                    if entry.stream:
                        entry.stream_completed = False
            elif (
                entry is not None
                and entry.stream
                and message["type"] == "http.response.body"
                and not message.get("more_body", False)
            ):
                entry.stream_completed = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:  # nobody is left to answer; the journal says what happened
            if entry is not None:
                entry.error_code = "client_disconnected"
        except Exception as exc:
            log.exception("meshapi-mock failed while answering %s %s", scope["method"], path)
            if started:
                raise
            error = MeshError(500, "mock_internal_error", f"meshapi-mock failed: {exc!r}")
            request_scope.record_error(scope, error)
            await error.response(request_id)(scope, receive, send_with_id)

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket handshake and session: the same id and journal entry; the handshake's
        answer (101, or a refusal) carries `x-request-id`, and the entry its status."""
        request_id = header(scope["headers"], b"x-request-id") or self.state.ids.request_id()
        path: str = scope["path"]
        entry = None
        if not admin.is_admin_path(path):
            query = scope.get("query_string", b"").decode("latin-1")
            entry = self.state.journal.open("GET", path, query, scope["headers"], request_id)
        request_scope.start(scope, request_id, entry)
        rid = request_id.encode("latin-1", "replace")
        answered = False

        async def send_with_id(message: Message) -> None:
            nonlocal answered
            kind = message["type"]
            if not answered and kind in ("websocket.accept", "websocket.http.response.start"):
                answered = True
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid)]
                if entry is not None:
                    entry.status = message.get("status", 101)
            elif not answered and kind == "websocket.close":  # refused before the handshake
                answered = True
                if entry is not None:
                    entry.status = 403
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.exception("meshapi-mock failed while answering WebSocket %s", path)
            if answered:
                raise
            error = MeshError(500, "mock_internal_error", f"meshapi-mock failed: {exc!r}")
            await sockets.deny(scope, receive, send_with_id, error)


async def _mesh_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MeshError)
    request_scope.record_error(request.scope, exc)
    return exc.response(request_scope.request_id(request.scope))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = MeshError(404, "not_found", f"No route for {request.method} {request.url.path}.")
    elif exc.status_code == 405:
        allow = (exc.headers or {}).get("allow") or (exc.headers or {}).get("Allow", "")
        error = MeshError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}"
            + (f"; use {allow}." if allow else "."),
            headers={"allow": allow} if allow else None,
        )
    else:
        error = MeshError(exc.status_code, message=str(exc.detail))
    return await _mesh_error(request, error)


async def _openapi(request: Request) -> ASGIApp:
    return JSONBytes(dumps(openapi_document()))


class _MethodDispatch:
    """Sends each method of one path to its handler (an operation or an admin function)."""

    def __init__(self, handlers: dict[str, Any]) -> None:
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        handler = self.handlers[method]
        if isinstance(handler, OperationApp):
            await handler(scope, receive, send)
        else:
            response = await handler(Request(scope, receive))
            await response(scope, receive, send)


def _by_method(path: str, handlers: dict[str, Any]) -> Route:
    """One route per path, so a 405 lists every method the path allows."""
    if len(handlers) == 1:
        ((method, handler),) = handlers.items()
        return Route(path, handler, methods=[method])
    return Route(path, _MethodDispatch(handlers), methods=list(handlers))


def api_routes(
    state: MockState, static: dict[tuple[str, str], ASGIApp] | None = None
) -> list[BaseRoute]:
    """Every operation of every registered endpoint, grouped by path; a WebSocket
    operation's path answers a plain GET with 426 `upgrade_required`. Operations on a path
    without parameters also go into `static`, by (method, path), for `StaticRoutes`."""
    by_path: dict[str, dict[str, Any]] = {}
    sockets_: list[BaseRoute] = []
    for endpoint in ENDPOINTS:
        for operation in endpoint.operations:
            if operation.websocket is not None:
                app = sockets.SocketApp(state, endpoint, operation)
                sockets_.append(WebSocketRoute(operation.path, app))
                handler: Any = sockets.upgrade_required(operation)
            else:
                handler = OperationApp(state, endpoint, operation)
                if static is not None and "{" not in operation.path:
                    static[(operation.method, operation.path)] = handler
            by_path.setdefault(operation.path, {})[operation.method] = handler
    return [*sockets_, *(_by_method(path, handlers) for path, handlers in by_path.items())]


class StaticRoutes:
    """The API operations on fixed paths, found by one dict lookup: most requests a fake
    serves (chat, embeddings, …) skip Starlette's route scan and exception wrapping, which
    they do not need — an operation answers its own errors in the envelope, and anything
    else reaches `RequestEnvelope`. Everything else goes on to Starlette's router."""

    def __init__(self, app: ASGIApp, table: dict[tuple[str, str], ASGIApp]) -> None:
        self.app = app
        self.table = table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = self.table.get((scope["method"], scope["path"]))
            if handler is not None:
                await handler(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _NoSocket:
    """A WebSocket handshake on a path without one: 404 in the envelope, not a bare 403."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = MeshError(404, "not_found", f"No WebSocket at {scope['path']}.")
        await sockets.deny(scope, receive, send, error)


def routes(
    state: MockState, static: dict[tuple[str, str], ASGIApp] | None = None
) -> list[BaseRoute]:
    prefix = admin.PREFIX
    return [
        *api_routes(state, static),
        Route("/", index.index, methods=["GET"]),
        Route("/openapi.json", _openapi, methods=["GET"]),
        Route(f"{prefix}/health", admin.health, methods=["GET"]),
        _by_method(
            f"{prefix}/rules",
            {"GET": admin.list_rules, "POST": admin.add_rules, "DELETE": admin.clear_rules},
        ),
        Route(f"{prefix}/rules/{{rule_id}}", admin.delete_rule, methods=["DELETE"]),
        _by_method(
            f"{prefix}/requests", {"GET": admin.list_requests, "DELETE": admin.clear_requests}
        ),
        Route(f"{prefix}/reset", admin.reset, methods=["POST"]),
        _by_method(f"{prefix}/config", {"GET": admin.get_config, "PATCH": admin.patch_config}),
        Route(f"{prefix}/clock", admin.get_clock, methods=["GET"]),
        Route(f"{prefix}/clock/advance", admin.advance_clock, methods=["POST"]),
        _by_method(
            f"{prefix}/chaos",
            {"GET": admin.get_chaos, "PUT": admin.put_chaos, "DELETE": admin.delete_chaos},
        ),
        WebSocketRoute("/{path:path}", _NoSocket()),
    ]


def create_app(state: MockState | ServerConfig | None = None) -> Starlette:
    """Build the fake as an ASGI app; `app.state.mock` is its `MockState`."""
    if not isinstance(state, MockState):
        state = MockState(state)
    config = state.config
    handlers: dict[Any, Any] = {MeshError: _mesh_error, HTTPException: _http_error}
    static: dict[tuple[str, str], ASGIApp] = {}
    all_routes = routes(state, static)
    middleware = [
        *([Middleware(RequestLog)] if config.log_requests else []),
        Middleware(RequestEnvelope, state=state),
        Middleware(EdgeGuard, config=config),
        Middleware(StaticRoutes, table=static),
    ]
    app = Starlette(routes=all_routes, middleware=middleware, exception_handlers=handlers)
    app.state.mock = state
    return app
