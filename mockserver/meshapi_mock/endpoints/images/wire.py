"""The wire shapes of `/v1/images/generations` and `/v1/images/edits` (contract §6).

Request models validate what clients send (a 422 names the offending field); what the
JSON Schema can say — sizes, ranges, the prompt an edit needs — it says, so
`/openapi.json` and the validator agree. Whether an inline image really is an image is
read from its bytes later (`inputs.py`): a 400, as the gateway answers.

The response models document what is rendered. Stream chunks carry MeshAPI's fields
(`object: image.chunk`, `status`, `data`) and, alongside, the fields of OpenAI's
`image_generation.partial_image` / `image_generation.completed` events, so the `openai`
SDK's `images.generate(stream=True)` reads the same stream.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ...contract import Integral, WireModel
from ...imaging import MAX_SIDE

_SIDE = r"(?:[1-9]\d{0,2}|[1-3]\d{3}|40[0-8]\d|409[0-6])"
"""1 to 4096 (`MAX_SIDE`), as a regular expression the JSON Schema can carry."""
SIZE_PATTERN = rf"^(?:auto|[124][Kk]|{_SIDE}[xX]{_SIDE})$"
_SIZE = re.compile(SIZE_PATTERN)
assert MAX_SIDE == 4096, "SIZE_PATTERN spells out 4096"

Size = Annotated[
    str,
    Field(
        pattern=SIZE_PATTERN,
        description="`WIDTHxHEIGHT` (1-4096 a side), `auto` (1024x1024), or `1K`/`2K`/`4K` "
        "(a square of 1024, 2048 or 4096).",
    ),
]
Count = Annotated[int, Field(ge=1, le=10), Integral]
OutputFormat = Literal["png", "jpeg", "webp"]
ResponseFormat = Literal["url", "b64_json"]
EditOperation = Literal[
    "edit", "inpaint", "outpaint", "mix", "reframe", "upscale", "remove_background"
]
PROMPTED_EDITS: tuple[EditOperation, ...] = ("edit", "outpaint", "mix")
"""Edit operations that need a prompt (contract §6)."""


def parse_size(text: str) -> tuple[int, int] | None:
    """`(width, height)` of a size string; None for `auto`. Raises ValueError if invalid."""
    if not _SIZE.match(text):
        raise ValueError(f"size {text!r} is not WIDTHxHEIGHT (1-4096 a side), auto, 1K, 2K or 4K")
    if text == "auto":
        return None
    if text[-1] in "kK":
        side = int(text[:-1]) * 1024
        return side, side
    width, height = re.split("[xX]", text)
    return int(width), int(height)


class ImageRef(WireModel):
    """An inline image as `{url}`: a `data:` URL or bare base64, never a remote URL."""

    url: str


ImageInput = Annotated[
    str | ImageRef,
    Field(description="A `data:image/…;base64,…` URL, bare base64, or `{url}` of either."),
]


class ImageGenerationRequest(WireModel):
    """Body of `POST /v1/images/generations` (contract §6)."""

    prompt: str
    model: str | None = None
    n: Count | None = None
    size: Size | None = None
    quality: str | None = None
    response_format: ResponseFormat | None = None
    output_format: OutputFormat | None = None
    stream: bool | None = None
    aspect_ratio: str | None = Field(
        default=None, description="`W:H`; used for the size when `size` is absent."
    )
    resolution: str | None = Field(
        default=None, description="`1K`, `2K` or `4K`: the long side when `size` is absent."
    )
    output_compression: Annotated[int, Field(ge=0, le=100), Integral] | None = None
    background: Literal["transparent", "opaque", "auto"] | None = None
    moderation: Literal["low", "auto"] | None = None
    partial_images: Annotated[int, Field(ge=0, le=3), Integral] | None = None
    image: ImageInput | list[ImageInput] | None = Field(
        default=None, description="Reference images, inline (`data:` URLs or base64)."
    )
    seed: Annotated[int, Field(ge=-1, le=2147483647), Integral] | None = None
    sequential_image_generation: Literal["auto", "disabled"] | None = None
    sequential_image_generation_options: dict[str, Any] | None = None
    guidance_scale: Annotated[float, Field(ge=1, le=10)] | None = None
    watermark: bool | None = None
    optimize_prompt_options: dict[str, Any] | None = None


_PROMPT_NEEDED: dict[str, Any] = {
    # An absent `operation` is `edit`, so the condition holds for it too (no `required`).
    "if": {"properties": {"operation": {"enum": list(PROMPTED_EDITS)}}},
    "then": {"properties": {"prompt": {"type": "string", "minLength": 1}}, "required": ["prompt"]},
}
TINY_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP8n+zOwMDAxAAG"
    "ABTOAa20Q1YgAAAAAElFTkSuQmCC"
)
"""A 2x2 tomato-red PNG: the documented examples' image."""


class ImageEditRequest(WireModel):
    """Body of `POST /v1/images/edits` (contract §6): images travel inline, as JSON."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [_PROMPT_NEEDED],
            "examples": [
                {"model": "openai/gpt-image-1", "image": TINY_PNG, "prompt": "Add a hat"},
                {"model": "openai/gpt-image-1", "image": {"url": TINY_PNG}, "operation": "upscale"},
            ],
        }
    )

    model: str
    image: ImageInput
    operation: EditOperation = "edit"
    prompt: str = Field(default="", validate_default=True)
    mask: ImageInput | None = None
    reference_images: list[ImageInput] | None = None
    n: Count | None = None
    size: Size | None = None
    response_format: ResponseFormat | None = None
    output_format: OutputFormat | None = Field(
        default=None, description="Beyond the contract, as OpenAI's edits accept it."
    )
    output_compression: Annotated[int, Field(ge=0, le=100), Integral] | None = None
    quality: str | None = None
    background: str | None = None
    upscale_factor: str | None = Field(default=None, description="`2`, `4`, `2x`…")
    quality_tier: str | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    expand_factor: str | float | None = None
    mask_feather: Annotated[int, Field(ge=0), Integral] | None = None

    @model_validator(mode="before")
    @classmethod
    def _form_images(cls, data: Any, info: ValidationInfo) -> Any:
        """A form (the `openai` SDK's upload) may send several `image[]` parts: the first
        is the image, the others reference images, as a JSON body names them itself."""
        if not (info.context or {}).get("form") or not isinstance(data, dict):
            return data
        images, references = data.get("image"), data.get("reference_images")
        if isinstance(references, str):
            data = {**data, "reference_images": [references]}
        if isinstance(images, list) and images:
            first, *others = images
            data = {**data, "image": first}
            if others:
                data["reference_images"] = [*(data.get("reference_images") or []), *others]
        return data

    @field_validator("prompt", mode="after")
    @classmethod
    def _prompted(cls, prompt: str, info: ValidationInfo) -> str:
        operation = info.data.get("operation")  # absent when `operation` itself is invalid
        if operation in PROMPTED_EDITS and not prompt:
            raise ValueError(f"the {operation!r} operation needs a prompt")
        return prompt


# --- responses (rendered as bytes; these models document them) ---


class ImageData(WireModel):
    url: str | None = Field(default=None, description="A `data:` URL (or a scripted URL).")
    b64_json: str | None = None
    revised_prompt: str | None = None


class TokenDetails(WireModel):
    text_tokens: int
    image_tokens: int


class ImagesUsage(WireModel):
    """MeshAPI's token counts, with OpenAI's names for the same numbers alongside."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    input_tokens: int
    output_tokens: int
    input_tokens_details: TokenDetails
    output_tokens_details: TokenDetails


class ImagesResponse(WireModel):
    created: int
    data: list[ImageData]
    background: Literal["transparent", "opaque"]
    output_format: OutputFormat
    quality: str
    size: str
    usage: ImagesUsage


class ImageStreamChunk(WireModel):
    """One image (or partial image) of a stream; OpenAI's event fields ride along."""

    id: str
    object: Literal["image.chunk"]
    created: int
    model: str
    status: Literal["in_progress", "completed"]
    data: list[ImageData]
    type: Literal["image_generation.partial_image", "image_generation.completed"]
    b64_json: str = Field(description="The image again, as OpenAI's stream events carry it.")
    created_at: int
    background: Literal["transparent", "opaque"]
    output_format: OutputFormat
    quality: str
    size: str
    partial_image_index: int | None = None
    usage: ImagesUsage | None = None
