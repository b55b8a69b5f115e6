"""RAG files: init an upload, PUT the bytes to the signed URL, embed, then search."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from meshapi.types._base import RequestModel, ResponseModel


class InitUploadRequest(RequestModel):
    file_name: str
    mime_type: str
    embed: bool | None = None
    metadata: dict[str, Any] | None = None


class InitUploadResponse(ResponseModel):
    file_id: str
    signed_url: str
    expires_at: str


class RagFileStatus(ResponseModel):
    file_id: str
    upload_status: str
    file_name: str
    file_type: str
    mime_type: str
    size_bytes: int | None = None
    asset_url: str | None = None
    signed_url: str | None = None
    signed_url_expires_at: str | None = None
    embedding_status: str
    created_at: str
    updated_at: str
    total_tokens: int | None = None
    total_cost_usd: float | None = None
    last_error_code: str | None = None


class RagFileListResponse(ResponseModel):
    files: list[RagFileStatus]
    total: int
    limit: int
    offset: int


class BulkEmbedRequest(RequestModel):
    file_ids: list[str] = Field(min_length=1, max_length=100)
    wait: bool | None = None
    metadata: dict[str, Any] | None = None


class BulkEmbedResult(ResponseModel):
    file_id: str
    embedding_status: str
    chunk_count: int | None = None
    error: str | None = None


class BulkEmbedResponse(ResponseModel):
    results: list[BulkEmbedResult]


class SearchRequest(RequestModel):
    query: str
    top_k: int | None = None
    file_ids: list[str] | None = None
    filter: dict[str, Any] | None = None
    date_from: int | None = None
    date_to: int | None = None


class SearchResult(ResponseModel):
    score: float
    text: str
    parent_text: str
    file_id: str | None = None
    file_name: str | None = None
    file_type: str | None = None
    mime_type: str | None = None
    chunk_index: int | None = None
    created_at: int | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class SearchResponse(ResponseModel):
    results: list[SearchResult]
