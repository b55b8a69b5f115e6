"""The one request pipeline every endpoint runs through.

    auth → read body → validate → journal → select rule → build reply → render → deliver

Each step is one call below; what differs between endpoints comes from their
declaration (`endpoints/base.py`): the request model, the context, the default answer
and the renderer. Nothing here knows an endpoint by name. Delivery (`delivery/`) sends
the rendered answer on the rule's timing and fault, or chaos's; answers with neither
go out as rendered.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .answering import answer_of, build_context
from .auth import require_token
from .delivery.plan import DeliveryPlan
from .delivery.wire import Delivered
from .endpoints.base import Endpoint, Operation
from .errors import MeshError
from .headers import header
from .journal import JournalEntry
from .model_check import check_request_models
from .scripting.context import CallContext
from .scripting.rulebook import Rule
from .scripting.spec import BaseReply
from .state import MockState
from .validation import read_body


class OperationApp:
    """One operation as a plain ASGI app: the hot path needs no Starlette `Request`."""

    def __init__(self, state: MockState, endpoint: Endpoint, operation: Operation) -> None:
        self.state = state
        self.endpoint = endpoint
        self.operation = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry: JournalEntry = scope["state"]["journal_entry"]
        try:
            response = await self.answer(scope, receive, entry)
        except MeshError as error:
            entry.error_code, entry.error_message = error.code, error.message
            response = error.response(scope["state"]["request_id"])
        plan: DeliveryPlan | None = scope["state"].get(DELIVERY)
        if plan is not None and plan.shapes_the_wire:
            response = Delivered(response, plan, self.state.delivery.pauses)
        await response(scope, receive, send)

    async def answer(self, scope: Scope, receive: Receive, entry: JournalEntry) -> ASGIApp:
        state, endpoint, operation = self.state, self.endpoint, self.operation
        raw_headers = scope["headers"]
        entry.endpoint, entry.operation = endpoint.name, operation.name
        # 1. auth
        if not operation.public:
            require_token(header(raw_headers, b"authorization"), state.tokens)
        entry.authorized = True
        # 2. read body
        raw = b""
        if operation.request is not None or operation.body == "raw":
            length = header(raw_headers, b"content-length")
            raw = await read_body(receive, length, state.config.max_body_bytes)
            entry.raw_body = raw
        # 3. validate
        path_params: dict[str, str] = scope.get("path_params", {})
        ctx = build_context(endpoint, operation, raw, scope["query_string"], raw_headers)
        ctx.path_params = path_params
        ctx.regex_timeout = state.config.regex_timeout
        if operation.prepare is not None:  # e.g. a stored template filled in
            prepared = operation.prepare(ctx, state)
            if prepared is not ctx:
                entry.rendered = prepared.request.model_dump(mode="json", exclude_unset=True)
            ctx = prepared
        entry.model_status, refusal = check_request_models(ctx.request, operation, state)
        if refusal is not None:
            raise refusal
        # 4. journal
        entry.path_params = path_params
        entry.stream = ctx.stream
        # 5. select rule, 6. build reply (and how it will be delivered); chaos draws first
        drawn = state.delivery.draw(endpoint.name)
        if isinstance(drawn, MeshError):  # an error instead of any rule: none is spent
            plan = state.delivery.plan(None, drawn)
            assert plan is not None
            scope["state"][DELIVERY], entry.delivery = plan, plan.record
            raise drawn
        reply, rule = await self.reply(ctx, entry)
        plan = state.delivery.plan(rule, drawn)
        if plan is not None:
            if operation.upstream_timeout is not None:
                plan.limit_upstream(getattr(ctx.request, operation.upstream_timeout, None))
            scope["state"][DELIVERY], entry.delivery = plan, plan.record
        if reply.error is not None:
            raise MeshError.from_spec(reply.error)
        # 7. render
        response = operation.render(ctx, reply, state)
        if hasattr(response, "__await__"):  # an async renderer (one that reads a store)
            response = await response
        return response

    async def reply(self, ctx: CallContext, entry: JournalEntry) -> tuple[BaseReply, Rule | None]:
        """The answer and the rule that gave it (None: default mode)."""
        return await answer_of(self.state, self.endpoint, self.operation, ctx, entry)


DELIVERY = "meshapi_mock.delivery"
"""The `scope["state"]` key of a request's `DeliveryPlan`."""
