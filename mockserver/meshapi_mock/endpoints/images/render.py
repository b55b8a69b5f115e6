"""Rendering an images reply: one JSON body, or an SSE stream of image chunks.

Both come from one `Answer`, so a reply means the same streamed or not. A stream sends,
for each image, its partial images (the scene with fewer shapes) then the image, each
chunk with MeshAPI's fields and OpenAI's event fields, then `[DONE]`. The final
images are the `data` of the chunks whose `status` is `completed`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ...ids import IdFactory
from ...imaging import SHAPES, Drawing, Format, draw, kind, mime_type, parse_colour
from ...jsonbody import dumps
from ...render import sse
from .context import ImagesContext, size_text
from .vocabulary import ImageSpec, ImagesReply
from .wire import parse_size

_OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 6240, "max": 8320}
"""Image tokens of a 1024x1024 image by quality (others scale with the area)."""
_MEGAPIXEL = 1024 * 1024


@dataclass(frozen=True)
class Image:
    """One image as it goes on the wire."""

    b64: str
    """Its bytes, base64 ("" for a scripted remote URL)."""
    media_type: str
    url: str | None = None
    """A scripted URL, sent instead of the bytes."""
    revised_prompt: str | None = None

    def item(self, response_format: str) -> dict[str, Any]:
        if self.url is not None:
            item: dict[str, Any] = {"url": self.url}
        elif response_format == "b64_json":
            item = {"b64_json": self.b64}
        else:
            item = {"url": f"data:{self.media_type};base64,{self.b64}"}
        if self.revised_prompt is not None:
            item["revised_prompt"] = self.revised_prompt
        return item


@dataclass
class Answer:
    """A reply with every default filled in."""

    ctx: ImagesContext
    reply: ImagesReply
    created: int
    format: Format
    size: tuple[int, int]
    transparent: bool
    quality: str
    count: int

    @property
    def pixels(self) -> int:
        """Pixels to draw, partial images included: what the answer costs."""
        frames = self.count * (1 + (self.ctx.partial_images if self.ctx.stream else 0))
        return frames * self.size[0] * self.size[1]

    @property
    def background(self) -> str:
        return "transparent" if self.transparent else "opaque"

    def image(self, index: int, shapes: int = SHAPES) -> Image:
        spec = self.reply.images[index] if self.reply.images is not None else ImageSpec()
        revised = spec.revised_prompt or self.reply.revised_prompt
        media_type = mime_type(self.format)
        if spec.url is not None:
            return Image("", media_type, spec.url, revised)
        if spec.b64_json is not None:
            return Image(spec.b64_json, _media_type_of(spec.b64_json, media_type), None, revised)
        colour = spec.colour or self.reply.colour
        drawing = Drawing(
            self.size[0],
            self.size[1],
            self.format,
            key=self.ctx.picture_key(index),
            colour=parse_colour(colour) if colour else None,
            transparent=self.transparent,
            shapes=shapes,
            quality=self.ctx.compression,
        )
        return Image(encoded(drawing), media_type, None, revised)

    def usage(self) -> dict[str, Any]:
        text = (len(self.ctx.prompt) + 3) // 4
        images_in = sum(_input_tokens(i.info.width, i.info.height) for i in self.ctx.inputs)
        per_image = _OUTPUT_TOKENS.get(self.quality, _OUTPUT_TOKENS["medium"])
        output = self.count * max(16, round(per_image * self.size[0] * self.size[1] / _MEGAPIXEL))
        prompt = text + images_in
        given = self.reply.usage
        if given is not None:
            prompt = given.prompt_tokens if given.prompt_tokens is not None else prompt
            output = given.completion_tokens if given.completion_tokens is not None else output
        total = prompt + output
        if given is not None and given.total_tokens is not None:
            total = given.total_tokens
        return usage_body(prompt, output, total, min(images_in, prompt))


def usage_body(prompt: int, output: int, total: int, images_in: int) -> dict[str, Any]:
    """MeshAPI's counts, and OpenAI's names for the same numbers."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": output,
        "total_tokens": total,
        "input_tokens": prompt,
        "output_tokens": output,
        "input_tokens_details": {"text_tokens": prompt - images_in, "image_tokens": images_in},
        "output_tokens_details": {"text_tokens": 0, "image_tokens": output},
    }


def build(ctx: ImagesContext, reply: ImagesReply, ids: IdFactory) -> Answer:
    format = reply.output_format or ctx.output_format
    size = ctx.size
    if reply.size is not None:
        size = parse_size(reply.size) or size
    background = reply.background or ctx.background
    return Answer(
        ctx=ctx,
        reply=reply,
        created=reply.created if reply.created is not None else ids.created,
        format=format,
        size=size,
        transparent=background == "transparent" and format != "jpeg",
        quality=reply.quality or ctx.quality,
        count=len(reply.images) if reply.images is not None else ctx.n,
    )


def body(answer: Answer) -> bytes:
    response_format = answer.ctx.response_format
    return dumps(
        {
            "created": answer.created,
            "data": [answer.image(i).item(response_format) for i in range(answer.count)],
            "background": answer.background,
            "output_format": answer.format,
            "quality": answer.quality,
            "size": size_text(answer.size),
            "usage": answer.usage(),
        }
    )


def stream_frames(answer: Answer, ids: IdFactory) -> list[bytes]:
    ctx = answer.ctx
    response_format = ctx.response_format
    shared = {
        "id": "img_" + ids.digest(b"image", ctx.raw_body)[:24],
        "object": "image.chunk",
        "created": answer.created,
        "model": answer.reply.model or ctx.model,
    }
    described = {
        "created_at": answer.created,
        "background": answer.background,
        "output_format": answer.format,
        "quality": answer.quality,
        "size": size_text(answer.size),
    }
    usage = answer.usage()
    frames: list[bytes] = []
    for index in range(answer.count):
        for partial in range(ctx.partial_images):
            image = answer.image(index, shapes=partial)
            frames.append(
                sse.frame(
                    {
                        **shared,
                        "status": "in_progress",
                        "data": [image.item(response_format)],
                        "type": "image_generation.partial_image",
                        "b64_json": image.b64,
                        **described,
                        "partial_image_index": partial,
                    }
                )
            )
        image = answer.image(index)
        frames.append(
            sse.frame(
                {
                    **shared,
                    "status": "completed",
                    "data": [image.item(response_format)],
                    "type": "image_generation.completed",
                    "b64_json": image.b64,
                    **described,
                    "usage": _share(usage, index, answer.count),
                }
            )
        )
    frames.append(sse.DONE)
    return frames


def _share(usage: dict[str, Any], index: int, count: int) -> dict[str, Any]:
    """Image `index`'s part of the usage: the prompt on the first, the output split evenly,
    so the chunks of a stream add up to the request's usage."""
    if count == 1:
        return usage
    prompt = usage["prompt_tokens"] if index == 0 else 0
    images_in = usage["input_tokens_details"]["image_tokens"] if index == 0 else 0
    output_total = usage["completion_tokens"]
    output = output_total // count + (output_total % count if index == count - 1 else 0)
    total_extra = usage["total_tokens"] - usage["prompt_tokens"] - output_total
    total = prompt + output + (total_extra if index == count - 1 else 0)
    return usage_body(prompt, output, total, images_in)


@lru_cache(maxsize=32)
def encoded(drawing: Drawing) -> str:
    return base64.b64encode(draw(drawing)).decode("ascii")


def _media_type_of(b64: str, fallback: str) -> str:
    """A scripted image's own type, read from its first bytes (the format asked if unknown)."""
    found = kind(base64.b64decode(b64[:16]))
    return f"image/{found}" if found else fallback


def _input_tokens(width: int, height: int) -> int:
    """An input image priced like a vision input: a base plus 512-pixel tiles."""
    tiles = -(-min(width, 2048) // 512) * -(-min(height, 2048) // 512)
    return 85 + 170 * tiles
