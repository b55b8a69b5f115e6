"""`/v1/responses` (contract §4): create (JSON, SSE or a background job), list and get.

Its request and response shapes (`wire.py`), the conversation in `input`
(`conversation.py`), context, vocabulary, scripting face, default mode, renderer and the
store of created responses (`store.py`) are modules of their own; the shared pipeline does
the rest. Background jobs move queued → in_progress → final status on the fake's clock:
1 s queued and 2 s in progress unless a rule's `progress` says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from ...jsonbody import dumps
from ...responses import JSONBytes, SSEStream
from ...templating import apply_to_input
from ..base import Endpoint, Operation, Response
from .context import ResponsesContext
from .conversation import Turn
from .default_mode import synthesize
from .render import Built, build, stream_frames
from .script import ResponsesScript
from .store import ResponseStore, StoredResponse
from .vocabulary import ProgressSpec, ResponsesMatch, ResponsesReply
from .wire import ListQuery, ResponseList, ResponseObject, ResponsesRequest, ResponseStreamEvent

if TYPE_CHECKING:
    from ..base import Host

STORE = "responses"
"""The name of this endpoint's store on `Host`."""
_NO_PROGRESS = ProgressSpec(queued=0, in_progress=0)


def store_of(state: Host) -> ResponseStore:
    return state.store(STORE, lambda: ResponseStore(max_bytes=state.config.responses_max_bytes))


def history(ctx: ResponsesContext, state: Host) -> list[Turn]:
    """The conversation `previous_response_id` continues; 404 when the id is unknown."""
    previous = ctx.create.previous_response_id if ctx.create else None
    if previous is None:
        return []
    return list(store_of(state).find(previous).turns)


def answer(ctx: ResponsesContext, state: Host) -> ResponsesReply:
    if ctx.create is None:
        return _STORED
    return synthesize(ctx, history(ctx, state))


_STORED = ResponsesReply(text="")
"""list and get serve what is stored; their default 'reply' only lets the pipeline on."""


def render_create(ctx: ResponsesContext, reply: ResponsesReply, state: Host) -> ASGIApp:
    store = store_of(state)
    earlier = history(ctx, state)
    number = store.next_number()
    response_id = reply.id or "resp_" + state.ids.digest(b"response", ctx.raw_body, b"%d" % number)
    now = state.clock.now()
    background, stream = ctx.background, ctx.stream
    created_at = reply.created_at
    if created_at is None:
        created_at = int(now) if background else state.ids.created
    built = build(
        ctx, reply, state.ids, response_id=response_id, created_at=created_at, history=earlier
    )
    progress = (reply.progress or ProgressSpec()) if background and not stream else _NO_PROGRESS
    _finish_times(built, created_at, progress)
    request = ctx.create
    assert request is not None
    if background or request.store is not False:
        store.add(
            StoredResponse(
                final=built.body,
                turns=(*earlier, *ctx.turns, *built.turns),
                background=background,
                started=now,
                queued_for=progress.queued,
                running_for=progress.in_progress,
                provider=_provider(built.body["model"]),
            )
        )
    if stream:
        return SSEStream(stream_frames(built, queued=background))
    if background:
        return JSONBytes(dumps(store.find(response_id).view(now)))
    return JSONBytes(dumps(built.body))


def _finish_times(built: Built, created_at: int, progress: ProgressSpec) -> None:
    """`completed_at` only for a completed response: when its job ends on the clock."""
    body = built.body
    done = body["status"] == "completed"
    body["completed_at"] = (
        int(created_at + progress.queued + progress.in_progress) if done else None
    )


def _provider(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else "openai"


def render_list(ctx: ResponsesContext, reply: ResponsesReply, state: Host) -> ASGIApp:
    query: ListQuery = ctx.request
    page = store_of(state).page(query.after, query.limit, state.clock.now())
    return JSONBytes(dumps(page))


def render_get(ctx: ResponsesContext, reply: ResponsesReply, state: Host) -> ASGIApp:
    stored = store_of(state).find(ctx.path_params["response_id"])
    return JSONBytes(dumps(stored.view(state.clock.now())))


ENDPOINT = Endpoint(
    name="responses",
    match=ResponsesMatch,
    reply=ResponsesReply,
    script=ResponsesScript,
    context=ResponsesContext,
    description="The Responses API: create (streamed, or as a background job), list and get.",
    operations=(
        Operation(
            name="create",
            method="POST",
            path="/v1/responses",
            model_fields=("model",),
            model_kinds=("text",),  # contract §4: unsupported models get 501
            upstream_timeout="timeout",
            summary="Create a response",
            request=ResponsesRequest,
            answer=answer,
            render=render_create,
            response=Response(
                "A response (`queued` when `background` is true), or an SSE stream of "
                "events when `stream` is true",
                ResponseObject,
                stream_schema=ResponseStreamEvent,
            ),
            errors=(400, 401, 402, 404, 413, 422, 429, 500, 501, 503),
            prepare=apply_to_input,
        ),
        Operation(
            name="list",
            method="GET",
            path="/v1/responses",
            summary="List background responses, newest first",
            query=ListQuery,
            answer=answer,
            render=render_list,
            response=Response("A page of background jobs", ResponseList),
            errors=(401, 404, 422),
            synthetic=False,
        ),
        Operation(
            name="get",
            method="GET",
            path="/v1/responses/{response_id}",
            summary="Get a stored response",
            answer=answer,
            render=render_get,
            response=Response("The response as it stands on the fake's clock", ResponseObject),
            errors=(401, 404),
            synthetic=False,
        ),
    ),
)
