"""Steps 2 and 3 of the pipeline: read the body within limits, parse it, validate the contract.

Bodies must be standard JSON: `NaN`, `Infinity` and numbers too large for a float are a
400, as any other syntax error, with a message that says what is wrong and where.
Query strings validate the same way against a model, with `loc` starting at "query".
"""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from .errors import MeshError
from .jsonbody import InvalidJson, loads

M = TypeVar("M", bound=BaseModel)


async def read_body(receive: Receive, declared_length: str | None, limit: int) -> bytes:
    """The whole body, refusing more than `limit` bytes before buffering them."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        if not message.get("more_body", False):
            return chunk if not chunks else b"".join([*chunks, chunk])
        chunks.append(chunk)


def _too_large(limit: int) -> MeshError:
    return MeshError(413, "payload_too_large", f"Request body exceeds the limit of {limit} bytes.")


NOT_JSON = "Request body is not valid JSON"
"""How every 400 for a malformed body begins."""


def parse_json(raw: bytes) -> Any:
    """The body as standard JSON; an empty body is a 422, a malformed one a 400."""
    if not raw.strip():
        raise MeshError(
            422,
            "validation_error",
            "Request body failed validation.",
            details=[{"type": "missing", "loc": ["body"], "msg": "Field required"}],
        )
    try:
        return loads(raw)
    except InvalidJson as exc:
        raise not_json(exc) from None


def not_json(exc: InvalidJson) -> MeshError:
    """The 400 for a malformed body: the words for people, the position for programs."""
    where = {"line": exc.line, "column": exc.column, "offset": exc.offset}
    return MeshError(
        400,
        "invalid_request",
        f"{NOT_JSON}: {exc}.",
        details=[
            {
                "type": "json_invalid",
                "loc": ["body"],
                "msg": exc.reason,
                "ctx": {**(where if exc.line is not None else {}), "error": exc.error},
            }
        ],
    )


def validate_json(model: type[M], raw: bytes) -> M:
    """Parse and validate in one pass; bad JSON is a 400, a bad shape a 422 (as FastAPI)."""
    parse_json(raw)  # pydantic's own parser takes NaN and 1e400: refuse them first (~2 us)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            parse_json(raw)  # raises the 422 (empty body) or 400 (malformed) the client expects
        raise MeshError(
            422,
            "validation_error",
            "Request body failed validation.",
            details=validation_details(exc),
        ) from None


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"type": e["type"], "loc": ["body", *e["loc"]], "msg": e["msg"]}
        for e in exc.errors(include_url=False)
    ]


def validate_query(model: type[M], raw_query: str) -> M:
    """Validate a query string; a list field takes every value of a repeated key."""
    params = QueryParams(raw_query)
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in params:
            continue
        data[name] = params.getlist(key) if _is_list(info.annotation) else params[key]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MeshError(
            422,
            "validation_error",
            "Request query failed validation.",
            details=[
                {"type": e["type"], "loc": ["query", *e["loc"]], "msg": e["msg"]}
                for e in exc.errors(include_url=False)
            ],
        ) from None


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return False
