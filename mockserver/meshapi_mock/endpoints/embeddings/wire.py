"""The wire shapes of `POST /v1/embeddings` (contract §5) as pydantic models.

The request model validates what clients send, so bad input is a 422 whose `details`
point at the offending value; like every request model of the fake it keeps unknown
fields (other clients send extras). The response models document what is rendered
and feed `/openapi.json`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from ...contract import Integral, WireModel, required_when, with_conditions
from .vectors import MAX_DIMENSIONS

_Wire = WireModel


class EmbeddingMediaURL(_Wire):
    url: str


class EmbeddingContentPart(_Wire):
    """One item of the multimodal input form; it carries the field its `type` names."""

    model_config = ConfigDict(
        json_schema_extra=with_conditions(
            required_when("type", "text", ("text", {"type": "string"})),
            required_when("type", "image_url", ("image_url", {"type": "object"})),
            required_when("type", "video_url", ("video_url", {"type": "object"})),
        )
    )

    type: Literal["text", "image_url", "video_url"]
    text: str | None = None
    image_url: EmbeddingMediaURL | None = None
    video_url: EmbeddingMediaURL | None = None

    @model_validator(mode="after")
    def _carries_its_payload(self) -> EmbeddingContentPart:
        if getattr(self, self.type) is None:
            raise ValueError(f"a {self.type!r} part needs a {self.type!r} field")
        return self


class EmbeddingProviderPreferences(_Wire):
    order: list[str] | None = None
    allow_fallbacks: bool | None = None
    require_parameters: bool | None = None
    data_collection: Literal["allow", "deny"] | None = None


TokenId = Annotated[int, Field(ge=0), Integral]


def _input_form(value: Any) -> str | None:
    """Which of the five input forms `value` is, judged by its first item."""
    if isinstance(value, str):
        return "string"
    if not isinstance(value, list):
        return None
    first = value[0] if value else ""
    if isinstance(first, str):
        return "strings"
    if isinstance(first, int | float):  # bools and fractions too: refused as token ids
        return "tokens"
    if isinstance(first, list):
        return "token_lists"
    if isinstance(first, dict | BaseModel):
        return "parts"
    return None


EmbeddingInput = Annotated[
    Union[  # noqa: UP007 - tagged members read better spelled out
        Annotated[str, Tag("string")],
        Annotated[list[str], Field(min_length=1), Tag("strings")],
        Annotated[list[TokenId], Field(min_length=1), Tag("tokens")],
        Annotated[
            list[Annotated[list[TokenId], Field(min_length=1)]],
            Field(min_length=1),
            Tag("token_lists"),
        ],
        Annotated[list[EmbeddingContentPart], Field(min_length=1), Tag("parts")],
    ],
    Discriminator(
        _input_form,
        custom_error_type="input_form",
        custom_error_message=(
            "input must be a string, a list of strings, a list of token ids, a list of "
            "token-id lists or a list of content parts"
        ),
    ),
]


class EmbeddingsRequest(_Wire):
    """Body of `POST /v1/embeddings` (contract §5)."""

    input: EmbeddingInput
    model: str | None = None
    dimensions: Annotated[int, Field(ge=1, le=MAX_DIMENSIONS), Integral] | None = None
    encoding_format: Literal["float", "base64"] | None = None
    input_type: str | None = None
    provider: str | EmbeddingProviderPreferences | None = None
    user: Annotated[str, Field(max_length=256)] | None = None
    instructions: str | None = None
    sparse_embedding: dict[str, Any] | None = None


# --- responses (rendered as bytes for speed; these models document them) ---


class EmbeddingItem(_Wire):
    object: Literal["embedding"]
    index: int
    embedding: list[float] | str = Field(
        description="Floats, or base64 of little-endian float32 when `encoding_format=base64`."
    )


class EmbeddingsUsage(_Wire):
    prompt_tokens: int | None = None
    total_tokens: int | None = None
    byok_used: bool | None = None
    fallback_triggered: bool | None = None


class EmbeddingsResponse(_Wire):
    object: Literal["list"]
    data: list[EmbeddingItem]
    model: str
    usage: EmbeddingsUsage | None = None
