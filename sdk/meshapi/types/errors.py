"""The error envelope every failed call carries (parsed by hand in ``meshapi._errors``)."""

from __future__ import annotations

from typing import Any

from meshapi.types._base import ResponseModel


class ApiErrorBody(ResponseModel):
    code: str
    message: str
    details: list[Any] | None = None
    provider_error: dict[str, Any] | None = None
    retry_after_seconds: int | None = None


class ApiErrorEnvelope(ResponseModel):
    error: ApiErrorBody
    request_id: str
