"""MeshAPI error envelopes: one exception type, one renderer.

Every failure in the fake, from a bad token to an unknown path, leaves as the same
`{"error": {...}, "request_id": ...}` envelope clients parse (contract §1.7).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from starlette.responses import Response

from .jsonbody import dumps

# Fallback code per status, as the official SDK assigns them (contract §1.7).
DEFAULT_CODES: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    402: "spend_limit_exceeded",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limit_exceeded",
    500: "upstream_error",
    501: "not_implemented",
    502: "upstream_error",
    503: "upstream_error",
    504: "upstream_error",
}

DEFAULT_MESSAGES: dict[int, str] = {
    400: "The request was invalid.",
    401: "API key is invalid or has been revoked.",
    402: "Spend limit exceeded: the account balance is zero.",
    403: "This API key is not allowed to perform the request.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict.",
    413: "Request body is too large.",
    422: "Request body failed validation.",
    429: "Requests-per-minute limit reached for this key.",
    500: "The upstream provider returned an error.",
    501: "Not implemented.",
    502: "Bad gateway: the upstream provider failed.",
    503: "The upstream provider is unavailable.",
    504: "The upstream provider timed out.",
}


def default_code(status: int) -> str:
    return DEFAULT_CODES.get(status, "http_error")


def default_message(status: int) -> str:
    return DEFAULT_MESSAGES.get(status, f"HTTP {status}")


class ScriptedError(Protocol):
    """A scripted `error` reply (`scripting.spec.ErrorSpec`), as `MeshError.from_spec`
    reads it: a protocol, so these envelopes sit below the rule vocabulary."""

    @property
    def status(self) -> int: ...
    @property
    def code(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def details(self) -> Sequence[Mapping[str, Any]] | None: ...
    @property
    def retry_after(self) -> float | None: ...
    @property
    def provider_error(self) -> Mapping[str, Any] | None: ...
    @property
    def headers(self) -> Mapping[str, str] | None: ...


class MeshError(Exception):
    """A failure that becomes a MeshAPI error response."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        details: Sequence[Mapping[str, Any]] | None = None,
        retry_after: float | None = None,
        provider_error: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code or default_code(status)
        self.message = message or default_message(status)
        self.details = list(details) if details is not None else None
        self.retry_after = retry_after
        self.provider_error = dict(provider_error) if provider_error is not None else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(f"{status} {self.code}: {self.message}")

    @classmethod
    def from_spec(cls, spec: ScriptedError) -> MeshError:
        """The error a scripted `error` reply describes."""
        return cls(
            spec.status,
            spec.code,
            spec.message,
            details=spec.details,
            retry_after=spec.retry_after,
            provider_error=spec.provider_error,
            headers=spec.headers,
        )

    def body(self, request_id: str | None) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        if self.provider_error is not None:
            error["provider_error"] = self.provider_error
        if self.retry_after is not None:
            error["retry_after_seconds"] = whole_seconds(self.retry_after)
        return {"error": error, **self.extra, "request_id": request_id}

    def response(self, request_id: str | None) -> Response:
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers.setdefault("retry-after", str(whole_seconds(self.retry_after)))
            headers.setdefault("retry-after-ms", str(milliseconds(self.retry_after)))
        return Response(
            dumps(self.body(request_id)),
            status_code=self.status,
            headers=headers,
            media_type="application/json",
        )


def whole_seconds(seconds: float) -> int:
    """`Retry-After` and `retry_after_seconds`: HTTP's delta-seconds are a whole number
    (urllib3, for one, refuses `0.5`), rounded up so no client comes back too early."""
    return math.ceil(Decimal(repr(seconds)))


def milliseconds(seconds: float) -> int:
    """`retry-after-ms`, which the openai SDK reads before `Retry-After`: the scripted
    delay itself, to the millisecond (rounded up), for clients that can use a fraction."""
    return math.ceil(Decimal(repr(seconds)) * 1000)
