"""Images' rule vocabulary: what an images rule can match on and what it can answer.

A rule matches on the prompt, the resolved size, format, response format, quality,
background, `n`, streaming and (for edits) the edit operation; model, headers, `nth`
and the endpoint operation (`generate` or `edit`) come from the shared base.

A reply scripts what is drawn, not the bytes: a colour, a size, a format — rendered per
request, so a rule (and the rule listing) stays a few bytes whatever the image size. A
test that needs exact bytes scripts them as `b64_json`, or a remote `url`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from ...imaging import hex_colour, parse_colour
from ...scripting.context import CallContext
from ...scripting.matching import stream_difference, text_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, TextMatch, string_shorthand
from ...scripting.wire_values import TokenCount, UnixTime
from .context import ImagesContext, size_text
from .wire import EditOperation, OutputFormat, ResponseFormat, parse_size

# --------------------------------------------------------------------------- match


class ImagesMatch(BaseMatch):
    """Which images requests a rule answers. Every field given must hold.

    `operation` is the endpoint's: `generate` or `edit`; the kind of edit is
    `edit_operation`. Size, formats and `n` are compared after defaults apply (a
    request naming no size is 1024x1024, no format is png, no response format is url).
    """

    operation: Literal["generate", "edit"] | None = Field(
        default=None,
        description="`generate` (/v1/images/generations) or `edit` (/v1/images/edits).",
    )
    prompt: TextMatch | None = Field(
        default=None,
        description="The prompt. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    edit_operation: EditOperation | None = Field(
        default=None,
        description="The edit's `operation` (edits only; an edit naming none is `edit`).",
    )
    size: str | None = Field(
        default=None, description="`WIDTHxHEIGHT` of the image to draw, or the size string sent."
    )
    output_format: OutputFormat | None = None
    response_format: ResponseFormat | None = None
    quality: str | None = Field(default=None, description="The quality asked for (`auto` if none).")
    background: Literal["transparent", "opaque", "auto"] | None = None
    n: Annotated[int, Field(ge=1)] | None = None
    stream: bool | None = None

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, ImagesContext)
        out = super().differences(ctx)
        out.extend(stream_difference(self.stream, ctx))
        out.extend(text_difference("prompt", self.prompt, ctx.prompt))
        if self.edit_operation is not None and self.edit_operation != ctx.edit_operation:
            got = repr(ctx.edit_operation) if ctx.is_edit else "a generation"
            out.append(f"edit_operation: expected {self.edit_operation!r}, got {got}")
        if self.size is not None:
            drawn, sent = size_text(ctx.size), ctx.request.size
            if self.size.lower() not in (drawn.lower(), (sent or "").lower()):
                out.append(f"size: expected {self.size!r}, got {drawn!r}")
        _compare(out, "output_format", self.output_format, ctx.output_format)
        _compare(out, "response_format", self.response_format, ctx.response_format)
        _compare(out, "quality", self.quality, ctx.request.quality or "auto")
        _compare(out, "background", self.background, ctx.background)
        _compare(out, "n", self.n, ctx.n)
        return out


def _compare(out: list[str], name: str, expected: Any, got: Any) -> None:
    if expected is not None and expected != got:
        out.append(f"{name}: expected {expected!r}, got {got!r}")


# --------------------------------------------------------------------------- reply

ColourText = Annotated[
    str,
    Field(
        description="`#rgb`, `#rrggbb`, `#rrggbbaa`, a name such as `red`, or [r, g, b(, a)]; "
        "listed as `#rrggbb(aa)`."
    ),
]


def normalise_colour(value: Any) -> Any:
    """A colour as `#rrggbb(aa)`, whichever form it was given in."""
    if value is None:
        return None
    if isinstance(value, str | list | tuple):
        return hex_colour(parse_colour(value))
    raise ValueError("a colour is a string such as '#ff0000' or a list [r, g, b(, a)]")


class ImageSpec(Spec):
    """One image of the answer: a solid colour, exact base64 bytes, or a URL (sent as is).
    With none of them, the default-mode picture for its position."""

    colour: ColourText | None = Field(
        default=None, validation_alias=AliasChoices("colour", "color")
    )
    b64_json: str | None = Field(
        default=None,
        description="The image's bytes as base64, sent exactly (also inside a `data:` URL).",
    )
    url: str | None = Field(
        default=None, description="Sent as the item's `url` whatever `response_format` asks."
    )
    revised_prompt: str | None = None

    @field_validator("colour", mode="before")
    @classmethod
    def _colour(cls, value: Any) -> Any:
        return normalise_colour(value)

    @field_validator("b64_json", mode="after")
    @classmethod
    def _base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"b64_json is not valid base64 ({exc})") from None
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ImageSpec:
        given = [name for name in ("colour", "b64_json", "url") if getattr(self, name) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of colour, b64_json or url for an image, not {given}")
        return self


class ImagesUsageSpec(Spec):
    """Token counts to report instead of the estimates; `total_tokens` defaults to the sum."""

    prompt_tokens: TokenCount | None = None
    completion_tokens: TokenCount | None = None
    total_tokens: TokenCount | None = None


class ImagesReply(BaseReply):
    """What the fake answers. Without `images`, `n` default-mode images (or solid
    `colour` ones); `size`, `output_format` and `background` override the request's."""

    list_field = "images"

    images: list[ImageSpec] | None = Field(
        default=None,
        description="One `data` item each, in order (their number is the answer's, whatever "
        "`n` asked for); as strings, colours.",
    )
    colour: ColourText | None = Field(
        default=None,
        validation_alias=AliasChoices("colour", "color"),
        description="Every drawn image one solid colour.",
    )
    size: str | None = Field(default=None, description="Draw at this size instead (`WxH`).")
    output_format: OutputFormat | None = Field(default=None, description="Encode as this instead.")
    background: Literal["transparent", "opaque"] | None = None
    quality: str | None = Field(default=None, description="The `quality` to report.")
    revised_prompt: str | None = Field(default=None, description="On every item without its own.")
    model: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="The `model` of stream chunks."
    )
    created: UnixTime | None = None
    usage: ImagesUsageSpec | None = None

    @field_validator("colour", mode="before")
    @classmethod
    def _colour(cls, value: Any) -> Any:
        return normalise_colour(value)

    @field_validator("size", mode="after")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is not None:
            parse_size(value)
        return value

    @field_validator("images", mode="before")
    @classmethod
    def _colour_shorthand(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [{"colour": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ImagesReply:
        drawn = [n for n in ("images", "colour", "size", "output_format") if getattr(self, n)]
        if self.error is not None and drawn:
            raise ValueError(f"an error reply cannot also carry images ({', '.join(drawn)})")
        return self
