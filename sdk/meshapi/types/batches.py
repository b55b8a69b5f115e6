"""Batches: ``/v1/batches``; requests are sent inline, each a chat completion body."""

from __future__ import annotations

from typing import Any

from meshapi.types._base import RequestModel, ResponseModel


class BatchRequestItem(RequestModel):
    custom_id: str
    method: str = "POST"
    url: str = "/v1/chat/completions"
    body: dict[str, Any]


class CreateBatchParams(RequestModel):
    requests: list[BatchRequestItem]
    completion_window: str | None = None
    metadata: dict[str, Any] | None = None


class BatchObject(ResponseModel):
    id: str
    object: str | None = None
    endpoint: str | None = None
    input_file_id: str | None = None
    output_file_id: str | None = None
    status: str | None = None
    model: str | None = None
    provider: str | None = None
    created_at: int | None = None
    completed_at: int | None = None
    usage_synced: bool | None = None
    results: list[dict[str, Any]] | None = None
    errors_detail: list[dict[str, Any]] | None = None
    error_file_id: str | None = None
    request_counts: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class BatchListResponse(ResponseModel):
    object: str
    data: list[BatchObject]
    has_more: bool
    first_id: str | None = None
    last_id: str | None = None
