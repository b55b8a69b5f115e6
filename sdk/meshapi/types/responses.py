"""Responses API: ``/v1/responses``. Responses and stream events keep every field sent."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel


class BuiltinTool(ResponseModel):
    type: Literal[
        "image_generation",
        "web_search_preview",
        "web_search_preview_2025_03_11",
        "file_search",
        "computer_use_preview",
        "code_interpreter",
    ]


class ResponsesFunctionTool(OptionsModel):
    type: Literal["function"] = "function"
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ResponsesParams(RequestModel):
    model: str | None = None
    input: str | list[Any]
    background: bool | None = None
    text: dict[str, Any] | None = None
    template: str | None = None
    variables: dict[str, str] | None = None
    session_id: str | None = None
    stream: bool = False
    max_output_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    seed: int | None = None
    reasoning: dict[str, Any] | None = None
    tools: list[ResponsesFunctionTool | BuiltinTool] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = Field(None, max_length=256)
    timeout: float | None = Field(None, gt=0)
    previous_response_id: str | None = None
    instructions: str | None = None
    thinking: dict[str, Any] | None = None
    caching: dict[str, Any] | None = None
    store: bool | None = None
    include: list[Any] | None = None
    expire_at: int | None = None
    max_tool_calls: int | None = Field(None, ge=1, le=10)
    context_management: dict[str, Any] | None = None
    plugins: list[Any] | None = None


class ResponsesUsage(ResponseModel):
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: dict[str, Any] | None = None
    completion_tokens_details: dict[str, Any] | None = None
    classifier_tokens: int | None = None


class ResponsesResponse(ResponseModel):
    id: str | None = None
    object: str | None = None
    model: str | None = None
    output: list[Any] | None = None
    usage: ResponsesUsage | None = None
    status: str | None = None


class ResponsesStreamEvent(ResponseModel):
    type: str | None = None
    response: dict[str, Any] | None = None
    usage: ResponsesUsage | None = None


class ResponsesListItem(ResponseModel):
    id: str
    object: str | None = None
    model: str | None = None
    provider: str | None = None
    status: str | None = None
    created_at: int | None = None
    completed_at: int | None = None
    usage_synced: bool | None = None


class ResponsesListResponse(ResponseModel):
    object: str | None = None
    data: list[ResponsesListItem] = Field(default_factory=list)
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None
