"""Embeddings: ``POST /v1/embeddings`` (text, token ids or multimodal items)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel


class ProviderPreferences(OptionsModel):
    order: list[str] | None = None
    allow_fallbacks: bool | None = None
    require_parameters: bool | None = None
    data_collection: Literal["allow", "deny"] | None = None


class ImageEmbeddingUrl(OptionsModel):
    url: str


class VideoEmbeddingUrl(OptionsModel):
    url: str


class MultimodalEmbeddingInput(OptionsModel):
    type: Literal["text", "image_url", "video_url"]
    text: str | None = None
    image_url: ImageEmbeddingUrl | None = None
    video_url: VideoEmbeddingUrl | None = None


class EmbeddingsParams(RequestModel):
    model: str | None = None
    input: str | list[str] | list[int] | list[list[int]] | list[MultimodalEmbeddingInput]
    dimensions: int | None = Field(None, ge=1)
    encoding_format: Literal["float", "base64"] | None = None
    input_type: str | None = None
    provider: str | ProviderPreferences | None = None
    user: str | None = Field(None, max_length=256)
    instructions: str | None = None
    sparse_embedding: dict[str, Any] | None = None


class EmbeddingItem(ResponseModel):
    object: str
    index: int
    embedding: list[float] | str


class EmbeddingsUsage(ResponseModel):
    prompt_tokens: int | None = None
    total_tokens: int | None = None
    byok_used: bool | None = None
    fallback_triggered: bool | None = None


class EmbeddingsResponse(ResponseModel):
    object: str
    data: list[EmbeddingItem]
    model: str
    usage: EmbeddingsUsage | None = None
