"""Exceptions, and the code that turns any failed response into the right one.

Callers catch by meaning (``except RateLimitError``), so the class is chosen from the HTTP status
and, where there is no status (an error frame inside a stream), from the MeshAPI error code.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import httpx

from meshapi._retry import parse_retry_after

_BODY_EXCERPT = 500


class MeshAPIError(Exception):
    """Base of every error the SDK raises about a call.

    The attributes are those of the official SDK's ``MeshAPIError``, with the same types:
    ``status`` (0 when no HTTP status applies: connection failures, errors inside a stream),
    ``error_code``, ``request_id`` (``""`` when unknown), ``details`` (a list, maybe empty),
    ``provider_error`` and ``retry_after_seconds`` (whole seconds or None); plus ``message``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        error_code: str = "http_error",
        request_id: str | None = "",
        details: list[Any] | None = None,
        provider_error: Any = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.request_id: str = request_id or ""
        self.details: list[Any] = details if details is not None else []
        self.provider_error = provider_error
        self.retry_after_seconds = retry_after_seconds

    def __str__(self) -> str:
        where = f"{self.status} {self.error_code}" if self.status else self.error_code
        text = f"[{where}] {self.message}"
        if self.request_id:
            text += f" (request_id={self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, error_code={self.error_code!r}, "
            f"request_id={self.request_id!r}, message={str(self)!r})"
        )

    @classmethod
    def from_response(cls, response: httpx.Response) -> MeshAPIError:
        """The error for a failed ``httpx`` response: the subclass its status and code call for."""
        return error_from_response(response.status_code, response.headers, response.read())

    @classmethod
    def stream_interrupted(cls, cause: str) -> MeshAPIError:
        """The error for a stream whose connection broke before it was complete."""
        return StreamInterruptedError(
            f"Stream interrupted: {cause}", status=0, error_code="stream_interrupted"
        )


class InvalidRequestError(MeshAPIError):
    """400: the gateway or the provider refused the request as written."""


class RequestValidationError(InvalidRequestError):
    """422: the body did not match the API schema; ``details`` lists each problem."""


class UnauthorizedError(MeshAPIError):
    """401: the key is missing, invalid or revoked."""


class SpendLimitExceededError(MeshAPIError):
    """402: the account's balance or spend limit is exhausted; retrying will not help."""


class ForbiddenError(MeshAPIError):
    """403: the key is valid but may not do this (suspended key, disabled feature)."""


class NotFoundError(MeshAPIError):
    """404: unknown model, resource or route."""


class ConflictError(MeshAPIError):
    """409: the resource's state does not allow the operation."""


class RateLimitError(MeshAPIError):
    """429: too many requests; ``retry_after_seconds`` says when to try again, if known."""


class ServerError(MeshAPIError):
    """5xx, or an upstream failure reported inside a stream."""


class APIConnectionError(MeshAPIError):
    """The server could not be reached or the connection broke before a complete answer."""


class APITimeoutError(APIConnectionError):
    """The HTTP client gave up waiting (connect, read, write or pool timeout)."""


class StreamInterruptedError(APIConnectionError):
    """A stream stopped before ``data: [DONE]``: what was received is incomplete."""


class ResponseParseError(MeshAPIError, ValueError):
    """A success answer whose body is not the JSON its call returns (``parse_error``).

    Also a ``ValueError``, as the errors the official SDK lets through here are
    (``json.JSONDecodeError``, pydantic's ``ValidationError``): ``except ValueError``
    written for it catches this too."""


class StructuredOutputParseError(MeshAPIError):
    """``chat.completions.parse()`` got content that is not JSON valid for the requested type.

    The call itself succeeded (``status`` 0, ``error_code`` ``structured_output_parse_error``);
    ``content`` is the text that did not validate, ``completion`` the whole reply, and
    ``__cause__`` the JSON or pydantic error saying why.
    """

    def __init__(self, message: str, *, content: str | None, completion: Any) -> None:
        super().__init__(message, status=0, error_code="structured_output_parse_error")
        self.content = content
        self.completion = completion


_BY_STATUS: dict[int, type[MeshAPIError]] = {
    400: InvalidRequestError,
    401: UnauthorizedError,
    402: SpendLimitExceededError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: RequestValidationError,
    429: RateLimitError,
}

_FALLBACK_CODE: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    402: "spend_limit_exceeded",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "validation_error",
    429: "rate_limit_exceeded",
    500: "upstream_error",
    502: "upstream_error",
    503: "upstream_error",
    504: "upstream_error",
}

_BY_CODE: dict[str, type[MeshAPIError]] = {
    "invalid_request": InvalidRequestError,
    "model_capability_not_supported": InvalidRequestError,
    "validation_error": RequestValidationError,
    "unprocessable_entity": RequestValidationError,
    "unauthorized": UnauthorizedError,
    "spend_limit_exceeded": SpendLimitExceededError,
    "forbidden": ForbiddenError,
    "not_found": NotFoundError,
    "model_not_found": NotFoundError,
    "conflict": ConflictError,
    "rate_limit_exceeded": RateLimitError,
    "upstream_error": ServerError,
    "gateway_timeout": ServerError,
    "internal_error": ServerError,
}


def _error_class(status: int, code: str) -> type[MeshAPIError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return _BY_CODE.get(code, MeshAPIError)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _as_details(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _as_seconds(value: Any) -> int | None:
    """Whole seconds, rounded up, from a number; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return None
    return math.ceil(value)


def _json_object(headers: httpx.Headers, body: bytes) -> Mapping[str, Any] | None:
    """The body as a JSON object to read the envelope from; None when it is not JSON at all.

    As the official SDK reads it (contract §1.7): a Content-Type without ``application/json``
    or a body that does not decode is not JSON; JSON that is not an object reads as ``{}``.
    """
    if "application/json" not in headers.get("content-type", ""):
        return None
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return None
    return payload if isinstance(payload, Mapping) else {}


def error_from_response(status: int, headers: httpx.Headers, body: bytes) -> MeshAPIError:
    """Build the error for a response with status >= 400.

    A JSON object body is read as the MeshAPI envelope (or FastAPI's ``{"detail": …}``).
    Anything else (an HTML page from a proxy, plain text from a crashed upstream) is a
    ``parse_error``, as in the official SDK, still of the class its status calls for, with
    the start of the body as the message.
    """
    fallback_code = _FALLBACK_CODE.get(status, "http_error")
    header_request_id = headers.get("x-request-id")
    header_retry_after = _as_seconds(parse_retry_after(headers.get("retry-after")))
    payload = _json_object(headers, body)

    if payload is None:
        text = body.decode("utf-8", errors="replace")[:_BODY_EXCERPT]
        return _error_class(status, "parse_error")(
            text or f"HTTP {status}",
            status=status,
            error_code="parse_error",
            request_id=header_request_id or "",
            retry_after_seconds=header_retry_after,
        )

    raw_error = payload.get("error")
    envelope: Mapping[str, Any] = raw_error if isinstance(raw_error, Mapping) else {}
    detail = payload.get("detail")
    code = _str_or_none(envelope.get("code")) or fallback_code
    message = (
        _str_or_none(envelope.get("message"))
        or _str_or_none(raw_error)
        or _str_or_none(detail)
        or _str_or_none(payload.get("message"))
        or f"HTTP {status}"
    )
    details = envelope.get("details")
    if details is None and isinstance(detail, list):
        details = detail
    retry_after = _as_seconds(envelope.get("retry_after_seconds"))
    return _error_class(status, code)(
        message,
        status=status,
        error_code=code,
        request_id=_str_or_none(payload.get("request_id")) or header_request_id or "",
        details=_as_details(details),
        retry_after_seconds=retry_after if retry_after is not None else header_retry_after,
        provider_error=envelope.get("provider_error"),
    )


def error_from_frame(payload: Mapping[str, Any]) -> MeshAPIError:
    """Build the error for a ``{"error": …}`` data frame inside a successful stream."""
    raw_error = payload.get("error")
    envelope: Mapping[str, Any] = raw_error if isinstance(raw_error, Mapping) else {}
    code = _str_or_none(envelope.get("code")) or "upstream_error"
    message = _str_or_none(envelope.get("message")) or _str_or_none(raw_error) or "upstream error"
    return _error_class(0, code)(
        message,
        error_code=code,
        request_id=_str_or_none(payload.get("request_id")) or "",
        details=_as_details(envelope.get("details")),
        retry_after_seconds=_as_seconds(envelope.get("retry_after_seconds")),
        provider_error=envelope.get("provider_error"),
    )


E = TypeVar("E", bound=APIConnectionError)


_COMBINED: dict[tuple[type[Exception], type[Exception]], type[Exception]] = {}


def _also(base: type[E], transport: type[httpx.TransportError]) -> type[E]:
    """`base` that is also `transport`: the official SDK lets httpx's exceptions through,
    so code written for it (`except httpx.ReadTimeout`) must catch ours too, while code
    written for ours catches `APIConnectionError` without importing httpx. Made once per
    pair."""
    both = _COMBINED.get((base, transport))
    if both is None:
        namespace = {"__module__": base.__module__, "__reduce__": _reduce_combined}
        both = type(base.__name__, (base, transport), namespace)
        _COMBINED[(base, transport)] = both
    return cast("type[E]", both)


def _reduce_combined(error: APIConnectionError) -> tuple[Any, ...]:
    """Pickle a made-up class by its two bases (its own name is its base's), so an error
    crosses a process pool or a task queue as it did before it was also httpx's."""
    base, transport = type(error).__bases__
    return _rebuild_combined, (base, transport, error.message, error.error_code, error.__dict__)


def _rebuild_combined(
    base: type[E], transport: type[httpx.TransportError], message: str, code: str, state: Any
) -> E:
    error = _also(base, transport)(message, error_code=code)
    error.__dict__.update(state)
    return error


def as_transport_error(base: type[E], exc: httpx.TransportError, message: str, code: str) -> E:
    """An error of class `base` that is also an instance of `exc`'s httpx class."""
    error = _also(base, type(exc))(message, error_code=code)
    with contextlib.suppress(RuntimeError):  # httpx raised it without a request
        error.request = exc.request  # type: ignore[attr-defined]
    return error


def connection_error(exc: httpx.TransportError) -> APIConnectionError:
    """An httpx transport failure as `APIConnectionError` (or `APITimeoutError`) that is
    still the httpx exception it was, for code written either way."""
    if isinstance(exc, httpx.TimeoutException):
        return as_transport_error(APITimeoutError, exc, f"request timed out: {exc!r}", "timeout")
    return as_transport_error(
        APIConnectionError, exc, f"connection failed: {exc!r}", "connection_error"
    )
