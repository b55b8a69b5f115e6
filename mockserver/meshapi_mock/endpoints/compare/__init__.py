"""`POST /v1/chat/compare` (contract §3): one conversation, several models, a judge.

Each model in `models` answers as a chat completion would (`legs.py`: chat rules, else
chat's default mode), with its `model_overrides`; a model that fails is reported in
`results[]` (`error`, `error_code`) and makes the answer `partial`, never an HTTP
error. Unless `skip_comparison`, a judge (`comparison_model`) reads the answers: a
compare rule scripts its text (`vocabulary.py`), default mode sums them up (`judge.py`).
A `template` is filled in first, as for chat. Streamed, the answer is named events
(`wire.EVENTS`, `render.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from ...templating import apply_to_conversation
from ..base import Endpoint, Operation, Response
from .render import CompareApp, outcome
from .script import CompareScript
from .vocabulary import CompareContext, CompareMatch, CompareReply
from .wire import CompareRequest, CompareResponse, CompareStreamEvent

if TYPE_CHECKING:
    from ..base import Host

_DEFAULT = CompareReply()


def answer(ctx: CompareContext, state: Host) -> CompareReply:
    return _DEFAULT


async def render(ctx: CompareContext, reply: CompareReply, state: Host) -> ASGIApp:
    return CompareApp(await outcome(ctx, reply, state))


ENDPOINT = Endpoint(
    name="compare",
    match=CompareMatch,
    reply=CompareReply,
    script=CompareScript,
    context=CompareContext,
    description="Compare: each model answers by chat rules; a judge compares the answers.",
    operations=(
        Operation(
            name="create",
            method="POST",
            path="/v1/chat/compare",
            model_fields=("models", "model_overrides.model", "comparison_model"),
            summary="Compare several models' answers to one conversation",
            request=CompareRequest,
            answer=answer,
            render=render,
            response=Response(
                "The answers and the comparison, or an SSE stream of named events when "
                "`stream` is true (start, delta, model_done, comparison_delta, summary)",
                CompareResponse,
                stream_schema=CompareStreamEvent,
            ),
            errors=(400, 401, 402, 404, 413, 422, 429, 500, 503),
            # Its answer is assembled from the legs, which strict mode checks one by one.
            synthetic=False,
            prepare=apply_to_conversation,
        ),
    ),
)
