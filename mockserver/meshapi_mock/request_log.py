"""One log line per request (`ServerConfig.log_requests`), for watching a fake at work.

The line goes to the `meshapi_mock` logger at INFO, written just before the response's
last byte, so a client that has its answer can already find the line. Its fields also
ride on the record (`record.status`, `record.matched`, …) for structured handlers.

What a client chose (the path, decoded from `%0d%0a`; its request id; a rule's name) is
logged with control and other unprintable characters escaped (`\r` as `\\r`), so no
request can end its line early and forge another.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import request_scope

log = logging.getLogger("meshapi_mock")


def log_request(
    method: str,
    path: str,
    status: int | None,
    matched: str | None,
    error_code: str | None,
    duration_ms: float,
    request_id: str | None,
) -> None:
    method, path = printable(method), printable(path)
    matched, error_code, request_id = (
        printable_or_none(v) for v in (matched, error_code, request_id)
    )
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "matched": matched,
        "error_code": error_code,
        "duration_ms": round(duration_ms, 1),
        "request_id": request_id,
    }
    log.info(
        "%s %s %s %.1fms matched=%s error=%s request_id=%s",
        method,
        path,
        status if status is not None else "-",
        duration_ms,
        matched or "-",
        error_code or "-",
        request_id or "-",
        extra=fields,
    )


def printable(text: str) -> str:
    """`text` with each unprintable character (CR, LF, ESC, U+2028…) as a Python escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def printable_or_none(text: str | None) -> str | None:
    return None if text is None else printable(text)


class RequestLog:
    """ASGI middleware around `RequestEnvelope`: it sees the final status and the outcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None
        logged = False

        def write() -> None:
            nonlocal logged
            logged = True
            entry = request_scope.journal_entry(scope)
            log_request(
                scope["method"],
                scope["path"],
                status,
                entry.matched if entry is not None else None,
                request_scope.error_code(scope),
                (time.perf_counter() - started) * 1000,
                request_scope.request_id(scope),
            )

        async def send_and_log(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                write()
            await send(message)

        try:
            await self.app(scope, receive, send_and_log)
        finally:
            if not logged:  # the response never finished: a hang-up or a crash
                write()
