"""`/v1/batches` (contract §9): create with inline requests, list, get and cancel.

Each request of a batch is answered when the batch is created, by the operation its
`url` names, with that operation's rules and default mode (`inline.py`): a rule's uses
count as for a live call. Only the batch call itself is journaled. The batch then moves
on the fake's clock (`store.py`): `validating` 1 s, `in_progress` 2 s while
`request_counts` grow, `finalizing` 1 s, then `completed` with `results`; a rule scripts
other durations, a failed validation or an expiry. A cancel while validating or in
progress gives `cancelling`, then `cancelled` (with the requests done by then); a
finished batch cannot be cancelled (409 `conflict`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from ...ids import IdFactory
from ...jsonbody import dumps
from ...responses import JSONBytes
from ...scripting.context import CallContext
from ..base import Endpoint, Response, held_data_operations
from . import inline
from .script import BatchesScript
from .store import BatchStore, StoredBatch
from .vocabulary import BatchDurations, BatchesContext, BatchesMatch, BatchesReply
from .wire import BatchCreateRequest, BatchList, BatchListQuery, BatchObject

if TYPE_CHECKING:
    from ..base import Host

STORE = "batches"
PATH = "/v1/batches"
ITEM = PATH + "/{batch_id}"
DEFAULT_WINDOW = "24h"
_PROCEED = BatchesReply()


def store_of(state: Host) -> BatchStore:
    return state.store(STORE, BatchStore)


def batch_id(ids: IdFactory, number: int) -> str:
    """The id of the `number`-th batch a fake creates (derived from its seed)."""
    return "batch_" + ids.digest(b"batch", b"%d" % number)[:24]


FIRST_ID = batch_id(IdFactory(), 1)
"""The id of the first batch on a fake with seed 0 (for `/openapi.json` examples)."""


def _answer(ctx: CallContext, state: Host) -> BatchesReply:
    return _PROCEED


async def _create(ctx: BatchesContext, reply: BatchesReply, state: Host) -> ASGIApp:
    request = ctx.create
    assert request is not None
    store = store_of(state)
    number = store.next_number()
    new_id = reply.id or batch_id(state.ids, number)
    now = state.clock.now()
    answers = []
    seen: set[str] = set()
    if reply.failure is None:  # a batch that fails validation answers nothing
        for index, item in enumerate(request.requests):
            key = b"%s\x00%d" % (new_id.encode(), index)
            answers.append(
                await inline.answer(
                    state,
                    item,
                    ctx.raw_headers,
                    request_id="req_" + state.ids.digest(b"batch-request", key)[:24],
                    result_id="batch_req_" + state.ids.digest(b"batch-result", key)[:24],
                    repeated=item.custom_id in seen,
                )
            )
            seen.add(item.custom_id)
    durations = reply.durations or BatchDurations()
    batch = StoredBatch(
        id=new_id,
        started=now,
        endpoint=request.requests[0].url,
        model=ctx.model,
        completion_window=request.completion_window or DEFAULT_WINDOW,
        metadata=request.metadata,
        answers=tuple(answers),
        total=len(request.requests),
        validating=durations.validating,
        running=durations.in_progress,
        finalizing=durations.finalizing,
        cancelling=durations.cancelling,
        failure=None
        if reply.failure is None
        else [e.model_dump(exclude_none=True) for e in reply.failure],
        expire_after=None if reply.expire is None else reply.expire.finished,
    )
    store.add(batch)
    return JSONBytes(dumps(batch.view(now)))


def _list(ctx: CallContext, reply: BatchesReply, state: Host) -> ASGIApp:
    query: BatchListQuery = ctx.request
    return JSONBytes(dumps(store_of(state).page(query.after, query.limit, state.clock.now())))


def _get(ctx: CallContext, reply: BatchesReply, state: Host) -> ASGIApp:
    now = state.clock.now()
    return JSONBytes(dumps(store_of(state).find(ctx.path_params["batch_id"]).view(now)))


def _cancel(ctx: CallContext, reply: BatchesReply, state: Host) -> ASGIApp:
    now = state.clock.now()
    return JSONBytes(dumps(store_of(state).cancel(ctx.path_params["batch_id"], now).view(now)))


_op = held_data_operations(_answer, "batch_id", FIRST_ID)


GET = _op(
    "get",
    "GET",
    ITEM,
    "Get a batch as it stands on the fake's clock",
    _get,
    response=Response("The batch", BatchObject),
    errors=(401, 404),
)
CANCEL = _op(
    "cancel",
    "POST",
    ITEM + "/cancel",
    "Cancel a validating or in-progress batch (cancelling, then cancelled)",
    _cancel,
    response=Response("The batch, cancelling", BatchObject),
    errors=(401, 404, 409),
)
_BY_ID = {"batch_id": "$response.body#/id"}
CREATE = _op(
    "create",
    "POST",
    PATH,
    "Create a batch of inline requests, each answered as the live operation its url names",
    _create,
    request=BatchCreateRequest,
    response=Response(
        "The batch, validating",
        BatchObject,
        links={
            verb: {"operationId": op.operation_id, "parameters": _BY_ID}
            for verb, op in (("GetBatch", GET), ("CancelBatch", CANCEL))
        },
    ),
    errors=(400, 401, 413, 422, 429, 500, 503),
)
LIST = _op(
    "list",
    "GET",
    PATH,
    "List batches, newest first (cursor paging)",
    _list,
    query=BatchListQuery,
    response=Response("A page of batches", BatchList),
    errors=(401, 404, 422),
)

ENDPOINT = Endpoint(
    name="batches",
    match=BatchesMatch,
    reply=BatchesReply,
    script=BatchesScript,
    context=BatchesContext,
    description="Batches of inline requests, answered by the operations they name, on the "
    "fake's clock: create, list, get and cancel.",
    operations=(CREATE, LIST, GET, CANCEL),
)
