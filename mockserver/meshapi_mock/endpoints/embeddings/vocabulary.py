"""Embeddings' context and rule vocabulary: what a rule can match on and answer.

Matching on the input texts, the requested dimensions, encoding and input type is
embeddings' own; model, headers, `nth` and `error` come from the shared base. A reply
scripts the vectors (one per input, or one for every input), the model and the usage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from ...memo import cached_attribute
from ...scripting.context import CallContext, clip
from ...scripting.matching import any_text_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, TextMatch, string_shorthand
from ...scripting.wire_values import TokenCount
from . import vectors
from .vectors import Vector
from .wire import EmbeddingContentPart, EmbeddingsRequest

# --------------------------------------------------------------------------- context


@dataclass(frozen=True, slots=True)
class InputItem:
    """One thing to embed: a text, a token-id array, or an image/video by URL."""

    kind: Literal["text", "tokens", "image", "video"]
    text: str = ""
    """The text, or the URL of an image or video."""
    tokens: tuple[int, ...] = ()

    def vector(self, dimensions: int) -> Vector:
        if self.kind == "text":
            return vectors.text_vector(self.text, dimensions)
        if self.kind == "tokens":
            return vectors.tokens_vector(self.tokens, dimensions)
        return vectors.url_vector(self.kind, self.text, dimensions)

    @property
    def token_count(self) -> int:
        if self.kind == "text":
            return vectors.text_tokens(self.text)
        if self.kind == "tokens":
            return len(self.tokens)
        return vectors.url_tokens(self.kind)


def _part_item(part: EmbeddingContentPart) -> InputItem:
    if part.type == "text":
        return InputItem("text", part.text or "")
    image = part.type == "image_url"
    media = part.image_url if image else part.video_url
    assert media is not None  # the part's validator insists on it
    return InputItem("image" if image else "video", media.url)


@dataclass
class EmbeddingsContext(CallContext):
    """A validated embeddings request plus the facts rules and the renderer ask about."""

    request: EmbeddingsRequest

    @property
    def model(self) -> str:
        """The model that answers: the one asked for, else the default embedding model."""
        return self.request.model or vectors.DEFAULT_MODEL

    @cached_attribute
    def items(self) -> list[InputItem]:
        """The inputs in order; one embedding is answered per item."""
        value = self.request.input
        if isinstance(value, str):
            return [InputItem("text", value)]
        if isinstance(value[0], int):  # one token-id array
            return [InputItem("tokens", tokens=tuple(value))]
        items: list[InputItem] = []
        for entry in value:
            if isinstance(entry, str):
                items.append(InputItem("text", entry))
            elif isinstance(entry, list):
                items.append(InputItem("tokens", tokens=tuple(entry)))
            else:
                items.append(_part_item(entry))
        return items

    @cached_attribute
    def texts(self) -> list[str]:
        """The input texts (strings and text parts) that `input` criteria read."""
        return [item.text for item in self.items if item.kind == "text"]

    @property
    def dimensions(self) -> int:
        """The dimensions asked for, else the model's native ones."""
        return self.request.dimensions or vectors.native_dimensions(self.model)

    @property
    def encoding_format(self) -> Literal["float", "base64"]:
        return self.request.encoding_format or "float"

    def summary(self) -> str:
        """One line naming the request, for near-miss reports."""
        parts = [f"model={self.model!r}", f"inputs={len(self.items)}"]
        if self.texts:
            parts.append(f"first text={clip(self.texts[0])!r}")
        if self.request.dimensions is not None:
            parts.append(f"dimensions={self.request.dimensions}")
        parts.append(f"encoding_format={self.encoding_format}")
        return ", ".join(parts)


# --------------------------------------------------------------------------- match


class EmbeddingsMatch(BaseMatch):
    """Which embeddings requests a rule answers. Every field given must hold.

    `model` matches the model that answers: the default embedding model when the
    request names none.
    """

    input: TextMatch | None = Field(
        default=None,
        description="Any input text (strings and text parts). A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    dimensions: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="The `dimensions` the request asks for (not the model's native size).",
    )
    encoding_format: Literal["float", "base64"] | None = Field(
        default=None, description="The encoding asked for; a request naming none asks for float."
    )
    input_type: str | None = Field(default=None, description="The request's `input_type`.")

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, EmbeddingsContext)
        out = super().differences(ctx)
        out.extend(any_text_difference("input", self.input, ctx.texts))
        request = ctx.request
        if self.dimensions is not None and self.dimensions != request.dimensions:
            out.append(f"dimensions: expected {self.dimensions}, got {request.dimensions}")
        if self.encoding_format is not None and self.encoding_format != ctx.encoding_format:
            out.append(
                f"encoding_format: expected {self.encoding_format!r}, got {ctx.encoding_format!r}"
            )
        if self.input_type is not None and self.input_type != request.input_type:
            out.append(f"input_type: expected {self.input_type!r}, got {request.input_type!r}")
        return out


# --------------------------------------------------------------------------- reply


FLOAT32_MAX = 3.4028234663852886e38
"""The largest float32: base64 vectors are float32, so larger values cannot be sent."""


def _finite_floats(value: Any, what: str) -> Any:
    """Vectors are JSON numbers that fit float32 (base64 sends them so): refuse booleans,
    strings, NaN, infinities and larger values up front."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what} must be a list of numbers")
    for number in value:
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"{what} must hold numbers only, got {number!r}")
        if not math.isfinite(number):
            raise ValueError(f"{what} must hold finite numbers, got {number!r}")
        if abs(number) > FLOAT32_MAX:
            raise ValueError(f"{what} values must fit float32 (|x| <= 3.4e38), got {number!r}")
    return list(value)


Floats = Annotated[list[float], Field(min_length=1)]


class EmbeddingsUsageSpec(Spec):
    """Overrides the usage the fake computes; `total_tokens` defaults to `prompt_tokens`."""

    prompt_tokens: TokenCount | None = None
    total_tokens: TokenCount | None = None
    byok_used: bool | None = None
    fallback_triggered: bool | None = None


class EmbeddingsReply(BaseReply):
    """What the fake answers. Without vectors, the default-mode vectors of the inputs.

    Scripted vectors are sent as scripted: their number and length do not follow the
    request's inputs or `dimensions`, so a test can also script a gateway that errs.
    """

    list_field = "embeddings"

    embeddings: list[Floats] | None = Field(
        default=None,
        description="One vector per item of `data`, in order (sent as scripted, whatever "
        "the number of inputs or the `dimensions` asked for).",
    )
    embedding: Floats | None = Field(
        default=None, description="One vector answered for every input."
    )
    model: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="The `model` to report; defaults to the one that answers."
    )
    usage: EmbeddingsUsageSpec | None = None

    @field_validator("embeddings", mode="before")
    @classmethod
    def _vectors(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list | tuple):
            raise ValueError("embeddings must be a list of vectors (lists of numbers)")
        if value and all(isinstance(v, int | float) for v in value):
            raise ValueError(
                "embeddings is a list of vectors, one per input; "
                "give a single vector as 'embedding' (reply_vector) to answer it for every input"
            )
        return [_finite_floats(v, f"embeddings[{i}]") for i, v in enumerate(value)]

    @field_validator("embedding", mode="before")
    @classmethod
    def _vector(cls, value: Any) -> Any:
        return None if value is None else _finite_floats(value, "embedding")

    @model_validator(mode="after")
    def _consistent(self) -> EmbeddingsReply:
        if self.embeddings is not None and self.embedding is not None:
            raise ValueError("give 'embeddings' (one per input) or 'embedding' (for all), not both")
        if self.error is not None and (self.embeddings is not None or self.embedding is not None):
            raise ValueError("an error reply cannot also carry vectors")
        return self
