"""Models catalogue: ``GET /v1/models`` (bare list), ``/v1/models/{id}`` and ``/v1/models/search``.

Prices are decimal strings so no precision is lost to floats.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel


class ModelPricing(ResponseModel):
    prompt_usd_per_1k: str | None = None
    completion_usd_per_1k: str | None = None
    pricing_unit: str | None = None
    prompt_usd_per_1m: str | None = None
    completion_usd_per_1m: str | None = None
    image_output_usd_per_image: str | None = None
    request_usd: str | None = None
    long_context_input_usd_per_1m: str | None = None
    long_context_output_usd_per_1m: str | None = None
    cache_read_input_usd_per_1m: str | None = None
    cache_write_input_usd_per_1m: str | None = None
    cache_read_audio_input_usd_per_1m: str | None = None
    long_context_cache_read_input_usd_per_1m: str | None = None
    long_context_cache_write_input_usd_per_1m: str | None = None
    batch_input_usd_per_1m: str | None = None
    batch_output_usd_per_1m: str | None = None
    training_usd_per_1m: str | None = None
    fine_tuned_input_usd_per_1m: str | None = None
    fine_tuned_output_usd_per_1m: str | None = None
    audio_input_usd_per_1m: str | None = None
    audio_output_usd_per_1m: str | None = None
    transcription_usd_per_1m: str | None = None
    cached_audio_input_usd_per_1m: str | None = None
    cached_text_input_usd_per_1m: str | None = None
    cache_hit_usd_per_1m: str | None = None
    output_with_audio_usd_per_1m: str | None = None
    output_with_video_usd_per_1m: str | None = None
    image_input_usd_per_image: str | None = None
    image_output_size: str | None = None
    effective_date: str | None = None
    deprecated_date: str | None = None
    notes: str | None = None
    source_url: str | None = None
    discount_pct: str | None = None


class ModelInfo(ResponseModel):
    id: str
    name: str
    context_length: int | None = None
    is_free: bool
    pricing: ModelPricing | None = None
    description: str | None = None
    supports_thinking: bool | None = None
    supports_completions_api: bool | None = None
    supports_responses_api: bool | None = None
    model_type: str | None = None
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None
    brand: str | None = None
    provider: str | None = None
    supports_realtime: bool | None = None
    supports_embeddings: bool | None = None
    supports_tools: bool | None = None
    supports_structured_output: bool | None = None
    supports_system_prompt: bool | None = None
    supports_batching: bool | None = None
    supports_background_response: bool | None = None
    supports_video_generation: bool | None = None
    supports_image_edit: bool | None = None
    supports_image_inpaint: bool | None = None
    supports_image_outpaint: bool | None = None
    supports_image_mix: bool | None = None
    supports_image_reframe: bool | None = None
    supports_image_upscale: bool | None = None
    supports_image_remove_background: bool | None = None
    supports_image_reference: bool | None = None
    context_window: int | None = None
    standard_context_threshold: int | None = None
    realtime_session_max_tokens: int | None = None
    realtime_max_concurrent_per_owner: int | None = None
    is_composite: bool = False
    composite_models: list[str] | None = None


class ListModelsParams(OptionsModel):
    free: bool | None = None
    type: Literal["text", "embedding", "image", "audio", "video"] | None = None
    provider: str | None = None


class ModelSearchParams(RequestModel):
    q: str | None = None
    free: bool | None = None
    discounted: bool | None = None
    input_modality: list[str] | None = None
    output_modality: list[str] | None = None
    brand: list[str] | None = None
    sort: Literal["brand", "name", "id", "context_length"] | None = None
    order: Literal["asc", "desc"] | None = None
    limit: int | None = None
    offset: int | None = None


class ModelsPage(ResponseModel):
    items: list[ModelInfo] = Field(default_factory=list)
    total: int
    limit: int
    offset: int
    brands: list[str] = Field(default_factory=list)
