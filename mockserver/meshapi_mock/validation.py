"""Step 2 of the pipeline: read the body within limits, parse JSON, validate the contract."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from .errors import MeshError

M = TypeVar("M", bound=BaseModel)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> MeshError:
    return MeshError(413, "payload_too_large", f"Request body exceeds the limit of {limit} bytes.")


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        raise MeshError(
            422,
            "validation_error",
            "Request body failed validation.",
            details=[{"type": "missing", "loc": ["body"], "msg": "Field required"}],
        )
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MeshError(400, "invalid_request", f"Request body is not valid JSON: {exc}") from None


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
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
