"""A batch's requests, each answered as the live operation its `method` and `url` name.

The operation is found among the fake's endpoints, as its `Host` lists them (any
operation with a JSON body, batches aside), so a batch of chat completions, embeddings
or moderations is answered by the same rules and default mode as the live calls: the
body is validated by that operation's request model, rules are selected (and their uses
counted) by the shared `select_rule`, and the answer is rendered by the operation's own
renderer. Whatever goes wrong with one request (an unknown url, a body that fails
validation, a scripted error, strict mode with no rule) is that request's answer, in
the MeshAPI envelope; the batch itself is fine. Rule timing and faults shape a wire, and
these answers have none, so they do not apply here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.routing import compile_path

from ...answering import build_context, render_in_memory, reply_of, select_rule
from ...errors import MeshError
from ...jsonbody import InvalidJson, dumps, loads
from ...model_check import check_request_models
from ..base import Endpoint, Operation
from .store import ItemAnswer
from .wire import BatchRequestItem

if TYPE_CHECKING:
    from ...headers import RawHeaders
    from ..base import Host

OWN_ENDPOINT = "batches"
"""A batch cannot hold a batch."""


Routes = tuple[tuple[str, re.Pattern[str], Endpoint, Operation], ...]
_compiled: list[tuple[tuple[Endpoint, ...], Routes]] = []
"""The routes of the last endpoint tuple asked about (the fake's is always the same one)."""


def _routes(endpoints: tuple[Endpoint, ...]) -> Routes:
    if not _compiled or _compiled[0][0] is not endpoints:
        routes = tuple(
            (op.method, compile_path(op.path)[0], ep, op)
            for ep in endpoints
            for op in ep.operations
        )
        _compiled[:] = [(endpoints, routes)]
    return _compiled[0][1]


def find(
    endpoints: tuple[Endpoint, ...], method: str, url: str
) -> tuple[Endpoint, Operation, dict[str, str]] | None:
    """The operation among `endpoints` that `method url` names, and its path parameters."""
    path = url.split("?", 1)[0]
    for route_method, pattern, endpoint, operation in _routes(endpoints):
        found = pattern.match(path)
        if found is not None and route_method == method.upper():
            return endpoint, operation, found.groupdict()
    return None


async def answer(
    state: Host,
    item: BatchRequestItem,
    raw_headers: RawHeaders,
    request_id: str,
    result_id: str,
    repeated: bool = False,
) -> ItemAnswer:
    """`item`'s answer; a `repeated` custom_id (an earlier request has it) fails alone."""
    try:
        if repeated:
            message = f"custom_id {item.custom_id!r} is used by an earlier request of the batch."
            raise MeshError(400, "invalid_request", message)
        status, raw = await _answer(state, item, raw_headers, request_id)
    except MeshError as error:
        status, raw = error.status, dumps(error.body(request_id))
    try:
        body: Any = loads(raw)
    except InvalidJson:
        body = raw.decode("utf-8", "replace")
    return ItemAnswer(item.custom_id, status, body, request_id, result_id, len(raw))


async def _answer(
    state: Host, item: BatchRequestItem, raw_headers: RawHeaders, request_id: str
) -> tuple[int, bytes]:
    line = f"{item.method} {item.url}"
    found = find(state.endpoints, item.method, item.url)
    if found is None:
        raise MeshError(404, "not_found", f"No operation {line} to answer in a batch.")
    endpoint, operation, path_params = found
    if endpoint.name == OWN_ENDPOINT or operation.request is None:
        raise MeshError(400, "invalid_request", f"{line} cannot be sent in a batch.")
    ctx = build_context(endpoint, operation, dumps(item.body), b"", raw_headers)
    ctx.path_params = path_params
    ctx.regex_timeout = state.config.regex_timeout
    if operation.prepare is not None:
        ctx = operation.prepare(ctx, state)
    _, refusal = check_request_models(ctx.request, operation, state)
    if refusal is not None:
        raise refusal
    if ctx.stream:
        raise MeshError(400, "invalid_request", "Streaming is not supported in a batch.")
    strict = state.config.strict and operation.synthetic
    rule = await select_rule(state, ctx, strict, line)
    reply = None if rule is None else await reply_of(rule, ctx, endpoint.reply)
    if reply is None:
        reply = operation.answer(ctx, state)
    if reply.error is not None:
        raise MeshError.from_spec(reply.error)
    return await render_in_memory(operation, ctx, reply, state, request_id)
