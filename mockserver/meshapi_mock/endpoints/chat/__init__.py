"""`POST /v1/chat/completions` (contract §2): the declaration that wires chat's parts.

Its vocabulary (`vocabulary.py`), context (`context.py`), scripting face (`script.py`),
default mode (`default_mode.py`) and renderer (`render.py`) are modules of their own
because chat is the largest area; the shared pipeline does the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from ...contract import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from ...responses import JSONBytes, SSEStream
from ...templating import apply_to_conversation
from ..base import Endpoint, Operation, Response
from .context import ChatContext
from .default_mode import synthesize
from .render import build_completion, completion_body, stream_frames
from .script import ChatScript
from .vocabulary import MatchSpec, ReplySpec

if TYPE_CHECKING:
    from ..base import Host


def answer(ctx: ChatContext, state: Host) -> ReplySpec:
    return synthesize(ctx)


def render(ctx: ChatContext, reply: ReplySpec, state: Host) -> ASGIApp:
    completion = build_completion(ctx, reply, state.ids, state.catalogue)
    if ctx.request.stream:
        return SSEStream(stream_frames(completion))
    return JSONBytes(completion_body(completion))


ENDPOINT = Endpoint(
    name="chat",
    match=MatchSpec,
    reply=ReplySpec,
    script=ChatScript,
    context=ChatContext,
    description="Chat completions, streamed or not, with tool calls.",
    operations=(
        Operation(
            name="create",
            method="POST",
            path="/v1/chat/completions",
            model_fields=("model",),
            upstream_timeout="timeout",
            summary="Create a chat completion",
            request=ChatCompletionRequest,
            answer=answer,
            render=render,
            response=Response(
                "A completion, or an SSE stream of chunks when `stream` is true",
                ChatCompletion,
                stream_schema=ChatCompletionChunk,
            ),
            errors=(400, 401, 402, 413, 422, 429, 500, 503),
            prepare=apply_to_conversation,
        ),
    ),
)
