"""Auto-router: ``POST /v1/router/select`` picks a model without running it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meshapi.types._base import RequestModel, ResponseModel
from meshapi.types.chat import ChatMessage


class RouterSelectParams(RequestModel):
    messages: list[ChatMessage] = Field(min_length=1)
    api_type: Literal["completions", "responses", "embeddings"] = "completions"
    exclude_models: list[str] | None = None


class AutoRouterMeta(ResponseModel):
    fallback_used: bool = False
    fallback_reason: str | None = None


class RouterSelectResponse(ResponseModel):
    model: str
    auto_router: AutoRouterMeta
    reasoning_effort: str | None = None
