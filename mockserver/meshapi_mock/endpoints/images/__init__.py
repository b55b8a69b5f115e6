"""`POST /v1/images/generations` and `POST /v1/images/edits` (contract §6).

Every answer holds real images — PNG, JPEG or lossless WebP that any image library
opens — drawn by `meshapi_mock.imaging` at the requested size: in default mode a scene
chosen by the prompt (same request, same bytes), or what a rule scripts (a colour, a
size, a format, exact bytes). Images come as base64 or as a `data:` URL, as the
request's `response_format` asks (`url` when it names none, as MeshAPI inlines them).
Edits take their images inline and refuse anything else with a 400.

The parts: the wire shapes (`wire.py`), inline images (`inputs.py`), the context
(`context.py`), the rule vocabulary (`vocabulary.py`), rendering (`render.py`) and the
scripting face (`script.py`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from ...responses import JSONBytes, SSEStream
from ..base import Endpoint, Operation, Response
from .context import ImagesContext
from .render import body, build, stream_frames
from .script import ImagesScript
from .vocabulary import ImagesMatch, ImagesReply
from .wire import ImageEditRequest, ImageGenerationRequest, ImagesResponse, ImageStreamChunk

if TYPE_CHECKING:
    from ..base import Host

_DEFAULT = ImagesReply()
"""Default mode's reply: draw what the request asks for."""


def answer(ctx: ImagesContext, state: Host) -> ImagesReply:
    return _DEFAULT


_INLINE_PIXELS = 1 << 20
"""Answers drawing more pixels than this are drawn in a worker thread, so a 4096x4096
image (a few hundred milliseconds) does not hold up every other request meanwhile."""


async def render(ctx: ImagesContext, reply: ImagesReply, state: Host) -> ASGIApp:
    built = build(ctx, reply, state.ids)

    def respond() -> ASGIApp:
        if ctx.stream:
            return SSEStream(stream_frames(built, state.ids))
        return JSONBytes(body(built))

    if built.pixels <= _INLINE_PIXELS:
        return respond()
    return await asyncio.get_running_loop().run_in_executor(None, respond)


_ERRORS = (400, 401, 402, 403, 413, 422, 429, 500, 501, 503)

ENDPOINT = Endpoint(
    name="images",
    match=ImagesMatch,
    reply=ImagesReply,
    script=ImagesScript,
    context=ImagesContext,
    description="Images: real PNG, JPEG and WebP images, generated or edited, streamed or not.",
    operations=(
        Operation(
            name="generate",
            method="POST",
            path="/v1/images/generations",
            model_fields=("model",),
            summary="Generate images",
            request=ImageGenerationRequest,
            answer=answer,
            render=render,
            response=Response(
                "The images, or an SSE stream of image chunks when `stream` is true",
                ImagesResponse,
                stream_schema=ImageStreamChunk,
            ),
            errors=_ERRORS,
        ),
        Operation(
            name="edit",
            method="POST",
            path="/v1/images/edits",
            model_fields=("model",),
            summary="Edit images (inline images as JSON)",
            request=ImageEditRequest,
            form=True,
            answer=answer,
            render=render,
            response=Response("The edited images", ImagesResponse),
            errors=_ERRORS,
        ),
    ),
)
