"""Steps 5 and 6 of the pipeline — select a rule, build the reply — and the request's
context, as functions of an endpoint's `Host`.

The pipeline (`pipeline.py`) and the WebSocket sessions (`sockets.py`) run them for each
request or turn; compare's legs and a batch's items run them too, for answers given
inside another request. Living here, below the endpoints and taking a `Host` rather than
the fake's state, they let those endpoints answer without importing the pipeline, which
sits above every endpoint.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pydantic import ValidationError
from starlette.types import Message, Scope

from .endpoints.base import Endpoint, Host, Operation
from .errors import MeshError
from .forms import is_form, validate_form
from .headers import header
from .journal import JournalEntry
from .scripting.context import CallContext
from .scripting.rulebook import Rule, RuleError
from .scripting.spec import BaseReply
from .validation import validate_json, validate_query


async def answer_of(
    state: Host,
    endpoint: Endpoint,
    operation: Operation,
    ctx: CallContext,
    entry: JournalEntry | None,
    request_line: str | None = None,
) -> tuple[BaseReply, Rule | None]:
    """Steps 5 and 6: the rule for `ctx` (noted in `entry`) and its reply, else the default
    answer. A WebSocket session (`sockets.py`) asks once per turn."""
    strict = state.config.strict and operation.synthetic
    if request_line is None:
        request_line = f"{entry.method} {entry.path}" if entry is not None else operation.path
    rule = await select_rule(state, ctx, strict, request_line)
    if entry is not None:
        entry.matched = "default" if rule is None else rule.id
    scripted = None if rule is None else await reply_of(rule, ctx, endpoint.reply)
    if scripted is None:  # no rule, or one that only times or breaks the answer
        return operation.answer(ctx, state), rule
    return scripted, rule


async def select_rule(
    state: Host, ctx: CallContext, strict: bool, request_line: str
) -> Rule | None:
    """The first live rule for `ctx` (its use counted); None means default mode, which
    `strict` refuses with `no_matching_rule`. Compare answers each leg with it too."""
    # A regex may take up to its budget: match in a worker thread then, so the event
    # loop keeps serving everyone else. Without regexes, matching stays inline (fast).
    slow = state.rules.uses_regex(ctx.endpoint)
    try:
        rule = await _off_loop(state.rules.select, ctx) if slow else state.rules.select(ctx)
    except RuleError as exc:  # the test's rule is broken: say which and why
        raise MeshError(
            500,
            "mock_rule_error",
            f"Rule {exc.rule.label} cannot be matched: {exc.reason}.",
            details=[{"type": "rule_error", "loc": ["rules", exc.rule.id], "msg": exc.reason}],
        ) from exc
    if rule is None and strict:
        raise (
            await _off_loop(no_match, state, ctx, request_line)
            if slow
            else no_match(state, ctx, request_line)
        )
    return rule


async def reply_of(rule: Rule, ctx: CallContext, model: type[BaseReply]) -> BaseReply | None:
    """The rule's reply for `ctx`: as scripted, or built by its Python reply function;
    None for a rule without one (default mode answers, on the rule's timing and fault)."""
    if rule.reply is None or isinstance(rule.reply, BaseReply):
        return rule.reply
    return await call_reply_function(rule, ctx, model)


async def render_in_memory(
    operation: Operation, ctx: CallContext, reply: BaseReply, state: Host, request_id: str
) -> tuple[int, bytes]:
    """The status and body `operation` renders for `reply`, with no client: an answer given
    inside another (a batch's requests) goes into that one's body, not on the wire."""
    response = operation.render(ctx, reply, state)
    if inspect.isawaitable(response):
        response = await response
    status, parts = 500, list[bytes]()
    hang: asyncio.Future[Message] = asyncio.get_running_loop().create_future()  # no client

    async def receive() -> Message:
        return await asyncio.shield(hang)

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    scope: Scope = {"type": "http", "method": "POST", "headers": [], "state": {}}
    scope["state"]["request_id"] = request_id
    await response(scope, receive, send)
    return status, b"".join(parts)


T = TypeVar("T")
_MATCHING = ThreadPoolExecutor(max_workers=16, thread_name_prefix="meshapi-mock-match")
"""Threads for regex matching, shared by every fake in the process. `regex` releases the
GIL while it searches, and each search ends by its budget, so a few threads go far."""


async def _off_loop(function: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_MATCHING, function, *args)


def build_context(
    endpoint: Endpoint,
    operation: Operation,
    raw_body: bytes,
    query_string: bytes,
    raw_headers: Any,
) -> CallContext:
    """Validate the request (body or query) and wrap it in the endpoint's context."""
    request: Any = None
    if operation.request is not None:
        content_type = header(raw_headers, b"content-type") if operation.form else None
        if content_type is not None and is_form(content_type):
            request = validate_form(operation.request, raw_body, content_type)
        else:
            request = validate_json(operation.request, raw_body)
    elif operation.query is not None:
        request = validate_query(operation.query, query_string.decode("latin-1"))
    return endpoint.context(
        request,
        raw_body,
        raw_headers,
        endpoint.name,
        operation.name,
    )


async def call_reply_function(rule: Rule, ctx: CallContext, model: type[BaseReply]) -> BaseReply:
    """Run a Python reply function; whatever goes wrong is a `mock_reply_error` naming it."""
    assert rule.reply is not None and not isinstance(rule.reply, BaseReply)
    try:
        result: Any = rule.reply(ctx.request)
        if inspect.isawaitable(result):
            result = await result
    except MeshError:
        raise
    except Exception as exc:
        raise MeshError(
            500, "mock_reply_error", f"The reply function of {rule.label} raised {exc!r}."
        ) from exc
    return reply_from_result(rule, result, model)


def reply_from_result(rule: Rule, result: Any, model: type[BaseReply]) -> BaseReply:
    """A reply function's return value as the endpoint's reply, checked like any rule."""
    whose = f"The reply function of {rule.label}"
    if isinstance(result, BaseReply):
        if not isinstance(result, model):
            raise MeshError(
                500,
                "mock_reply_error",
                f"{whose} returned {_a(type(result).__name__)}, which is not "
                f"{_a(rule.endpoint)} reply; return {_accepted_returns(model)}.",
            )
        document: Any = result.model_dump(exclude_unset=True)  # checked again: it may be mutated
    elif isinstance(result, str) and model.text_field is not None:
        document = {model.text_field: result}
    elif isinstance(result, list | tuple) and model.list_field is not None:
        document = {model.list_field: list(result)}
    elif isinstance(result, Mapping):
        document = result
    else:
        raise MeshError(
            500,
            "mock_reply_error",
            f"{whose} returned {_kind(result)}; {_a(rule.endpoint)} reply function returns "
            f"{_accepted_returns(model)}.",
        )
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        details = [
            {
                "type": e["type"],
                "loc": ["reply", *e["loc"]],
                "msg": e["msg"].removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        first = details[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MeshError(
            500,
            "mock_reply_error",
            f"{whose} returned an invalid {rule.endpoint} reply: {where}: {first['msg']}",
            details=details,
        ) from None


def _accepted_returns(model: type[BaseReply]) -> str:
    options = [_a(model.__name__), "a mapping of its fields"]
    if model.text_field is not None:
        options.append(f"a str (its {model.text_field})")
    if model.list_field is not None:
        options.append(f"a list (its {model.list_field})")
    return ", ".join(options[:-1]) + " or " + options[-1]


def _kind(value: Any) -> str:
    return "None" if value is None else _a(type(value).__name__)


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def no_match(state: Host, ctx: CallContext, request_line: str) -> MeshError:
    misses = state.rules.near_misses(ctx)
    lines = [f"No rule matched {request_line} ({ctx.summary()})."]
    if misses:
        lines.append("Closest rules:")
        lines.extend(f"- {m.rule.label}: {'; '.join(m.differences)}" for m in misses)
    else:
        lines.append("No rules are scripted (strict mode is on).")
    details = [
        {"type": "near_miss", "loc": ["rules", m.rule.id], "msg": "; ".join(m.differences)}
        for m in misses
    ]
    return MeshError(404, "no_matching_rule", "\n".join(lines), details=details)
