"""Every failed response surfaces as the exception class a caller would catch, fields filled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatMessage,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    MeshAPI,
    MeshAPIError,
    NotFoundError,
    RateLimitError,
    RequestValidationError,
    ServerError,
    SpendLimitExceededError,
    UnauthorizedError,
)

PARAMS = ChatCompletionParams(model="m", messages=[ChatMessage(role="user", content="hi")])


@dataclass
class Case:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def envelope(code: str, message: str, request_id: str | None = "req_body", **more: Any) -> Any:
    return {"error": {"code": code, "message": message, **more}, "request_id": request_id}


def respond(case: Case) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(case.body, bytes | str):
            return httpx.Response(case.status, content=case.body, headers=case.headers)
        return httpx.Response(case.status, json=case.body, headers=case.headers)

    return handler


# (case, class, code, message, request_id)
ENVELOPES = [
    (Case(400, envelope("invalid_request", "Rejected by safety filter.")),
     InvalidRequestError, "invalid_request", "Rejected by safety filter."),
    (Case(401, envelope("unauthorized", "API key is invalid or has been revoked.")),
     UnauthorizedError, "unauthorized", "API key is invalid or has been revoked."),
    (Case(402, envelope("spend_limit_exceeded", "Balance is zero.")),
     SpendLimitExceededError, "spend_limit_exceeded", "Balance is zero."),
    (Case(403, envelope("forbidden", "Key suspended.")),
     ForbiddenError, "forbidden", "Key suspended."),
    (Case(404, envelope("model_not_found", "No such model.")),
     NotFoundError, "model_not_found", "No such model."),
    (Case(409, envelope("conflict", "Already exists.")),
     ConflictError, "conflict", "Already exists."),
    (Case(422, envelope("validation_error", "Request body failed validation.")),
     RequestValidationError, "validation_error", "Request body failed validation."),
    (Case(429, envelope("rate_limit_exceeded", "Slow down.")),
     RateLimitError, "rate_limit_exceeded", "Slow down."),
    (Case(500, envelope("upstream_error", "boom")),
     ServerError, "upstream_error", "boom"),
    (Case(503, envelope("upstream_error", "Provider unavailable.")),
     ServerError, "upstream_error", "Provider unavailable."),
]  # fmt: skip


@pytest.mark.parametrize(("case", "cls", "code", "message"), ENVELOPES)
def test_envelope_errors_map_to_their_class_code_and_message(
    sync_client: Callable[..., MeshAPI],
    case: Case,
    cls: type[MeshAPIError],
    code: str,
    message: str,
) -> None:
    case = Case(case.status, case.body, {"x-request-id": "req_header"})  # the body's id wins
    client = sync_client(respond(case), max_retries=0)

    with pytest.raises(cls) as caught:
        client.chat.completions.create(PARAMS)

    error = caught.value
    assert type(error) is cls
    assert (error.status, error.error_code, error.message) == (case.status, code, message)
    assert error.request_id == "req_body"
    assert str(error) == f"[{case.status} {code}] {message} (request_id=req_body)"


def test_validation_details_and_rate_limit_hint_are_surfaced(
    sync_client: Callable[..., MeshAPI],
) -> None:
    details = [{"type": "missing", "loc": ["body", "messages"], "msg": "Field required"}]
    invalid = sync_client(
        respond(Case(422, envelope("validation_error", "Bad body.", details=details))),
        max_retries=0,
    )
    limited = sync_client(
        respond(
            Case(
                429,
                envelope("rate_limit_exceeded", "RPM.", retry_after_seconds=12),
                {"Retry-After": "12"},
            )
        ),
        max_retries=0,
    )

    with pytest.raises(RequestValidationError) as validation:
        invalid.chat.completions.create(PARAMS)
    with pytest.raises(RateLimitError) as rate_limit:
        limited.chat.completions.create(PARAMS)

    assert validation.value.details == details
    assert rate_limit.value.retry_after_seconds == 12


def test_header_request_id_is_used_when_the_body_has_none(
    sync_client: Callable[..., MeshAPI],
) -> None:
    case = Case(401, envelope("unauthorized", "No.", request_id=None), {"x-request-id": "req_h"})
    client = sync_client(respond(case), max_retries=0)

    with pytest.raises(UnauthorizedError) as caught:
        client.chat.completions.create(PARAMS)

    assert caught.value.request_id == "req_h"


# (case, class, code, message, details)
NON_ENVELOPES = [
    (Case(502, b"<html><body>502 Bad Gateway</body></html>", {"content-type": "text/html"}),
     ServerError, "parse_error", "<html><body>502 Bad Gateway</body></html>", []),
    (Case(500, b"", {"content-type": "application/json"}),
     ServerError, "parse_error", "HTTP 500", []),
    (Case(503, b"upstream crashed", {"content-type": "text/plain"}),
     ServerError, "parse_error", "upstream crashed", []),
    (Case(500, b'{"error": {"code": "x"}}', {"content-type": "text/plain"}),
     ServerError, "parse_error", '{"error": {"code": "x"}}', []),
    (Case(404, {"detail": "Model 'x' not found"}),
     NotFoundError, "not_found", "Model 'x' not found", []),
    (Case(422, {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required"}]}),
     RequestValidationError, "validation_error", "HTTP 422",
     [{"type": "missing", "loc": ["body"], "msg": "Field required"}]),
    (Case(403, {"error": "key suspended"}), ForbiddenError, "forbidden", "key suspended", []),
    (Case(401, b"[1, 2]", {"content-type": "application/json"}),
     UnauthorizedError, "unauthorized", "HTTP 401", []),
    (Case(418, envelope("teapot", "Short and stout.", request_id=None)),
     MeshAPIError, "teapot", "Short and stout.", []),
    (Case(405, b"Method Not Allowed"), MeshAPIError, "parse_error", "Method Not Allowed", []),
]  # fmt: skip


@pytest.mark.parametrize(("case", "cls", "code", "message", "details"), NON_ENVELOPES)
def test_non_envelope_bodies_still_give_a_useful_error(
    sync_client: Callable[..., MeshAPI],
    case: Case,
    cls: type[MeshAPIError],
    code: str,
    message: str,
    details: list[Any],
) -> None:
    case = Case(case.status, case.body, {**case.headers, "x-request-id": "req_h"})
    client = sync_client(respond(case), max_retries=0)

    with pytest.raises(cls) as caught:
        client.chat.completions.create(PARAMS)

    error = caught.value
    assert type(error) is cls
    assert (error.status, error.error_code, error.message) == (case.status, code, message)
    assert error.details == details
    assert error.request_id == "req_h"


def test_long_non_json_bodies_are_cut_to_500_characters(
    sync_client: Callable[..., MeshAPI],
) -> None:
    client = sync_client(respond(Case(500, "x" * 2000)), max_retries=0)

    with pytest.raises(ServerError) as caught:
        client.chat.completions.create(PARAMS)

    assert caught.value.message == "x" * 500


def test_retry_after_header_fills_the_hint_when_the_envelope_lacks_it(
    sync_client: Callable[..., MeshAPI],
) -> None:
    case = Case(429, envelope("rate_limit_exceeded", "RPM."), {"Retry-After": "7"})
    client = sync_client(respond(case), max_retries=0)

    with pytest.raises(RateLimitError) as caught:
        client.chat.completions.create(PARAMS)

    assert caught.value.retry_after_seconds == 7


def test_a_success_body_that_is_not_a_completion_is_a_parse_error(
    sync_client: Callable[..., MeshAPI],
) -> None:
    client = sync_client(
        lambda request: httpx.Response(200, json={"hello": "world"}, headers={"x-request-id": "r"})
    )

    with pytest.raises(MeshAPIError) as caught:
        client.chat.completions.create(PARAMS)

    assert (caught.value.error_code, caught.value.status, caught.value.request_id) == (
        "parse_error",
        200,
        "r",
    )


@pytest.mark.anyio
async def test_async_client_raises_the_same_errors(
    async_client: Callable[..., AsyncMeshAPI],
) -> None:
    body = envelope("spend_limit_exceeded", "Balance is zero.", request_id="req_a")
    client = async_client(respond(Case(402, body)), max_retries=0)

    with pytest.raises(SpendLimitExceededError) as caught:
        await client.chat.completions.create(PARAMS)

    assert (caught.value.status, caught.value.error_code, caught.value.request_id) == (
        402,
        "spend_limit_exceeded",
        "req_a",
    )
