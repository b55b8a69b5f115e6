"""Images: ``POST /v1/images/generations`` (JSON or SSE) and ``POST /v1/images/edits``."""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import Field

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel


class ImageGenerationParams(RequestModel):
    """Body of ``POST /v1/images/generations``; ``images.stream()`` sets ``stream`` itself."""

    prompt: str
    model: str | None = None
    n: int | None = None
    size: str | None = None
    quality: str | None = None
    response_format: Literal["url", "b64_json"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None
    stream: bool | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    output_compression: int | None = Field(None, ge=0, le=100)
    background: Literal["transparent", "opaque", "auto"] | None = None
    moderation: Literal["low", "auto"] | None = None
    partial_images: int | None = Field(None, ge=0, le=3)
    image: str | list[str] | None = None
    seed: int | None = Field(None, ge=-1, le=2147483647)
    sequential_image_generation: Literal["auto", "disabled"] | None = None
    sequential_image_generation_options: dict[str, Any] | None = None
    guidance_scale: float | None = Field(None, ge=1, le=10)
    watermark: bool | None = None
    optimize_prompt_options: dict[str, Any] | None = None


class ImageItem(ResponseModel):
    """One generated image: inline base64, an inline ``data:`` URL, or a remote URL."""

    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None

    def image_bytes(self) -> bytes:
        """The image itself when it came inline; a remote URL must be fetched by the caller."""
        if self.b64_json:
            return base64.b64decode(self.b64_json)
        if self.url and self.url.startswith("data:"):
            return base64.b64decode(self.url.partition(",")[2])
        if self.url:
            raise ValueError(
                "image is a remote URL; fetch it with an HTTP client (e.g. httpx.get(item.url))"
            )
        raise ValueError("image item has neither b64_json nor url")


class ImageUsage(ResponseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None


class ImageGenerationResponse(ResponseModel):
    created: int
    data: list[ImageItem]
    background: str | None = None
    output_format: str | None = None
    quality: str | None = None
    size: str | None = None
    usage: ImageUsage | None = None


class ImageGenerationChunk(ResponseModel):
    """One SSE chunk of ``images.stream()``. The final images are the ``data`` of chunks whose
    ``status`` is ``"completed"``; earlier chunks carry nothing (``"processing"``) or a partial
    image (``"in_progress"``, when ``partial_images`` asked for some)."""

    id: str | None = None
    object: str | None = "image.chunk"
    created: int
    data: list[ImageItem] = Field(default_factory=list)
    status: str | None = None
    model: str | None = None


class ImageRef(OptionsModel):
    """An image for the edits endpoint: a ``data:image/...;base64,...`` URL or bare base64.

    Remote http(s) URLs are rejected by the endpoint; a plain string works as well.
    """

    url: str


class ImageEditParams(RequestModel):
    """Body of ``POST /v1/images/edits``; ``prompt`` and ``operation`` are always sent."""

    model: str
    image: str | ImageRef
    prompt: str = ""
    operation: Literal[
        "edit", "inpaint", "outpaint", "mix", "reframe", "upscale", "remove_background"
    ] = "edit"
    mask: str | ImageRef | None = None
    reference_images: list[str | ImageRef] | None = None
    n: int | None = None
    size: str | None = None
    response_format: Literal["url", "b64_json"] | None = None
    background: str | None = None
    upscale_factor: str | None = None
    quality_tier: str | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    expand_factor: str | float | None = None
    mask_feather: int | None = None
