"""`POST /v1/chat/compare` on the wire (contract §3): the request, the body, the events."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from ...contract import (
    MESSAGES_DESCRIPTION,
    MESSAGES_UNLESS_TEMPLATE,
    Integral,
    Message,
    WireModel,
    messages_or_template,
)

MAX_MODELS = 16
"""Legs one compare may fan out to: the fake's bound, so one request stays cheap."""

EVENTS = ("start", "delta", "model_done", "comparison_delta", "summary")
"""The stream's event names, in the order they come: `start`; each model's `delta`s
(interleaved across models) and its `model_done`; the judge's `comparison_delta`s; the
`summary`, whose `data` is the whole non-streamed body; then `data: [DONE]`."""


class ModelOverride(WireModel):
    """Settings for one of the compared models instead of the request's."""

    model: str
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, Field(ge=1), Integral] | None = None
    system_prompt: str | None = Field(
        default=None, description="Replaces the conversation's system messages for this model."
    )


_EXAMPLES: dict[str, Any] = {
    "allOf": [MESSAGES_UNLESS_TEMPLATE],
    "examples": [
        {
            "models": ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5"],
            "messages": [{"role": "user", "content": "Explain recursion in one sentence."}],
            "comparison_instructions": "Which answer is clearer?",
        },
        {
            "models": ["openai/gpt-4o-mini", "openai/gpt-4o"],
            "messages": [{"role": "user", "content": "Name three primes."}],
            "model_overrides": [{"model": "openai/gpt-4o", "temperature": 0.1}],
            "skip_comparison": True,
            "stream": True,
        },
    ],
}


class CompareRequest(WireModel):
    """Body of `POST /v1/chat/compare`: the same conversation to several models."""

    model_config = ConfigDict(json_schema_extra=_EXAMPLES)

    models: Annotated[list[str], Field(min_length=1, max_length=MAX_MODELS)]
    messages: list[Message] = Field(description=MESSAGES_DESCRIPTION)
    model_overrides: list[ModelOverride] | None = None
    comparison_model: str | None = None
    comparison_instructions: str | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, Field(ge=1), Integral] | None = None
    stream: bool = False
    cache: bool | None = None
    template: str | None = None
    variables: dict[str, str] | None = None
    skip_comparison: bool = False

    _messages_or_template = model_validator(mode="after")(messages_or_template)


class CompareUsage(WireModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class CompareResult(WireModel):
    """One model's answer: `content` and `response_body`, or `error` and `error_code`."""

    model: str
    latency_ms: int
    request_id: str
    content: str | None = None
    response_body: dict[str, Any] | None = None
    error: str | None = None
    error_code: str | None = None
    usage: CompareUsage | None = None


class CompareResponse(WireModel):
    comparison_id: str
    object: str
    created: int
    models: list[str]
    results: list[CompareResult]
    comparison: str | None = None
    comparison_model: str | None = None
    comparison_usage: CompareUsage | None = None
    comparison_fallback_used: bool = False
    partial: bool = False
    skip_comparison: bool = False
    total_latency_ms: int


class CompareStreamEvent(WireModel):
    """One event of the stream (its name is also the SSE `event:` line). A failed model
    is reported by `error_code` and `data.error`, never a top-level `error`, which would
    end the stream in clients (contract §1.10)."""

    event: str
    data: dict[str, Any]
    delta: str | None = None
    model: str | None = None
    comparison_id: str | None = None
    comparison_model: str | None = None
    models: list[str] | None = None
    latency_ms: int | None = None
    total_latency_ms: int | None = None
    finish_reason: str | None = None
    error_code: str | None = None
    usage: dict[str, Any] | None = None
    skip_comparison: bool | None = None
    partial: bool | None = None
    comparison_fallback_used: bool | None = None
