"""`POST /v1/chat/completions`: auth → validate → journal → match → render."""

from __future__ import annotations

import inspect
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from ..auth import require_token
from ..contract import ChatCompletionRequest
from ..errors import MeshError
from ..headers import header
from ..journal import JournalEntry
from ..render.chat import build_completion, completion_body, stream_body
from ..responses import JSONBytes, SSEStream
from ..scripting.context import ChatContext
from ..scripting.rulebook import Rule
from ..scripting.spec import ReplySpec
from ..state import MockState
from ..synth import synthesize
from ..validation import read_body, validate_json, validation_details


class ChatCompletions:
    """The endpoint as a plain ASGI app: the hot path needs no Starlette `Request`."""

    def __init__(self, state: MockState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry: JournalEntry = scope["state"]["journal_entry"]
        try:
            response = await self.answer(scope, receive, entry)
        except MeshError as error:
            entry.error_code, entry.error_message = error.code, error.message
            response = error.response(scope["state"]["request_id"])
        await response(scope, receive, send)

    async def answer(self, scope: Scope, receive: Receive, entry: JournalEntry) -> ASGIApp:
        state = self.state
        raw_headers = scope["headers"]
        require_token(header(raw_headers, b"authorization"), state.tokens)
        length = header(raw_headers, b"content-length")
        raw = await read_body(receive, length, state.config.max_body_bytes)
        entry.raw_body = raw
        chat = validate_json(ChatCompletionRequest, raw)
        entry.stream = chat.stream

        ctx = ChatContext(chat, raw, raw_headers)
        reply = _choose_reply(state, ctx, entry)
        if not isinstance(reply, ReplySpec):
            reply = await _call_reply_function(reply, ctx)
        if reply.error is not None:
            raise MeshError.from_spec(reply.error)
        completion = build_completion(ctx, reply, state.ids)
        if chat.stream:
            return SSEStream(stream_body(completion))
        return JSONBytes(completion_body(completion))


def _choose_reply(state: MockState, ctx: ChatContext, entry: JournalEntry) -> ReplySpec | Rule:
    """The reply to send, or the rule whose Python function will build it."""
    try:
        rule = state.rules.select(ctx)
    except Exception as exc:  # a Python predicate raised: the test's bug, shown plainly
        raise MeshError(500, "mock_rule_error", f"A rule predicate raised {exc!r}.") from exc
    if rule is None:
        if state.config.strict:
            raise _no_match(state, ctx)
        entry.matched = "default"
        return synthesize(ctx)
    entry.matched = rule.id
    return rule.reply if isinstance(rule.reply, ReplySpec) else rule


async def _call_reply_function(rule: Rule, ctx: ChatContext) -> ReplySpec:
    assert not isinstance(rule.reply, ReplySpec)
    try:
        result: Any = rule.reply(ctx.request)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, ReplySpec):
            return result
        if isinstance(result, str):
            return ReplySpec(text=result)
        return ReplySpec.model_validate(result)
    except ValidationError as exc:
        raise MeshError(
            500,
            "mock_reply_error",
            f"The reply function of {rule.label} returned an invalid reply.",
            details=validation_details(exc),
        ) from exc
    except MeshError:
        raise
    except Exception as exc:
        raise MeshError(
            500, "mock_reply_error", f"The reply function of {rule.label} raised {exc!r}."
        ) from exc


def _no_match(state: MockState, ctx: ChatContext) -> MeshError:
    misses = state.rules.near_misses(ctx)
    lines = [f"No rule matched POST /v1/chat/completions ({ctx.summary()})."]
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
