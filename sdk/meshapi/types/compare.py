"""Multi-model compare: ``POST /v1/chat/compare`` (JSON or SSE with named events)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel
from meshapi.types.chat import ChatMessage


class ModelOverride(OptionsModel):
    model: str
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, ge=1)
    system_prompt: str | None = None


class CompareParams(RequestModel):
    models: list[str]
    messages: list[ChatMessage]
    model_overrides: list[ModelOverride] | None = None
    comparison_model: str | None = None
    comparison_instructions: str | None = None
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, ge=1)
    stream: bool = False
    cache: bool | None = None
    template: str | None = None
    variables: dict[str, str] | None = None
    skip_comparison: bool = False


class TokenUsage(ResponseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None


class ModelCompareResult(ResponseModel):
    model: str
    response_body: dict[str, Any] | None = None
    content: str | None = None
    latency_ms: int
    error: str | None = None
    error_code: str | None = None
    usage: TokenUsage | None = None
    request_id: str


class CompareResponse(ResponseModel):
    comparison_id: str
    object: str
    created: int
    models: list[str]
    results: list[ModelCompareResult]
    comparison: str | None = None
    comparison_model: str | None = None
    comparison_usage: TokenUsage | None = None
    comparison_fallback_used: bool = False
    total_latency_ms: int
    partial: bool = False
    skip_comparison: bool = False


class CompareStreamEvent(ResponseModel):
    event: str | None = None
    data: dict[str, Any] | None = None
    delta: str | None = None
    model: str | None = None
    comparison_id: str | None = None
    comparison_model: str | None = None
    models: list[str] | None = None
    latency_ms: int | None = None
    total_latency_ms: int | None = None
    finish_reason: str | None = None
    error: Any | None = None
    error_code: str | None = None
    usage: dict[str, Any] | None = None
    skip_comparison: bool | None = None
    partial: bool | None = None
    comparison_fallback_used: bool | None = None
