"""Each compared model answers as a chat completion would: chat rules, then default mode.

A leg is the compare's conversation sent to one model as a chat request (its model,
the request's `temperature`/`max_tokens` or the model's override, `stream` as asked),
matched against the chat rules like any chat request — so `mock.chat.when(model=...)`
scripts one model's answer and `nth`/`times` count legs as chat calls. A leg a rule
fails (a scripted error, a broken reply function) is reported in its result; the
others still answer. In strict mode a leg no chat rule answers makes the whole compare
a `no_matching_rule` error, as an unscripted chat request would be.

Legs are not journaled as chat requests: the compare's own entry records the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...answering import no_match, reply_of, select_rule
from ...contract import ChatCompletionRequest, Message
from ...errors import MeshError
from ...scripting.spec import BaseReply
from ..chat import ENDPOINT as CHAT
from ..chat.context import ChatContext
from ..chat.render import Completion, build_completion
from ..chat.vocabulary import ReplySpec
from .vocabulary import CompareContext

if TYPE_CHECKING:
    from ..base import Host

_CHAT_CREATE = CHAT.operations[0]
BASE_LATENCY_MS = 180
LATENCY_MS_PER_TOKEN = 12
FAILED_LATENCY_MS = 45


@dataclass(frozen=True)
class Leg:
    """One model's outcome: a completion, or the error that failed it."""

    index: int
    model: str
    completion: Completion | None
    error: MeshError | None

    @property
    def latency_ms(self) -> int:
        """Made up, deterministic: a base plus a cost per completion token."""
        if self.completion is None:
            return FAILED_LATENCY_MS
        tokens: int = self.completion.usage["completion_tokens"]
        return BASE_LATENCY_MS + LATENCY_MS_PER_TOKEN * tokens


def leg_request(ctx: CompareContext, model: str) -> ChatCompletionRequest:
    """The chat request one compared model is asked."""
    request = ctx.request
    override = next((o for o in request.model_overrides or () if o.model == model), None)
    messages = list(request.messages)
    temperature, max_tokens = request.temperature, request.max_tokens
    if override is not None:
        if override.system_prompt is not None:
            system = Message(role="system", content=override.system_prompt)
            messages = [system, *(m for m in messages if m.role != "system")]
        if override.temperature is not None:
            temperature = override.temperature
        if override.max_tokens is not None:
            max_tokens = override.max_tokens
    fields = {"model": model, "messages": messages, "stream": request.stream}
    if temperature is not None:
        fields["temperature"] = temperature
    if max_tokens is not None:
        fields["max_tokens"] = max_tokens
    return ChatCompletionRequest.model_validate(fields)


def leg_context(ctx: CompareContext, index: int, model: str) -> ChatContext:
    return ChatContext(
        request=leg_request(ctx, model),
        # Distinct bytes per leg, so each gets its own completion and tool-call ids.
        raw_body=b"%s\x00leg %d %s" % (ctx.raw_body, index, model.encode()),
        raw_headers=ctx.raw_headers,
        endpoint=CHAT.name,
        operation=_CHAT_CREATE.name,
        regex_timeout=ctx.regex_timeout,
    )


async def answer_legs(ctx: CompareContext, state: Host) -> list[Leg]:
    """Every compared model's outcome, in the order the request lists them."""
    return [await _answer(ctx, state, i, model) for i, model in enumerate(ctx.request.models)]


async def _answer(ctx: CompareContext, state: Host, index: int, model: str) -> Leg:
    leg = leg_context(ctx, index, model)
    line = f"compare leg {index + 1} ({model})"
    reply: BaseReply
    try:
        rule = await select_rule(state, leg, False, line)
        if rule is None and state.config.strict:
            raise _StrictRefusal(no_match(state, leg, line))
        scripted = None if rule is None else await reply_of(rule, leg, CHAT.reply)
        reply = _default(leg, state, model) if scripted is None else scripted
        assert isinstance(reply, ReplySpec)
        if reply.error is not None:
            return Leg(index, model, None, MeshError.from_spec(reply.error))
        return Leg(index, model, build_completion(leg, reply, state.ids, state.catalogue), None)
    except _StrictRefusal as refusal:
        raise refusal.error from None
    except MeshError as error:
        return Leg(index, model, None, error)


def _default(leg: ChatContext, state: Host, model: str) -> ReplySpec:
    """Chat's default answer, introduced by the model's name so the columns differ."""
    reply = _CHAT_CREATE.answer(leg, state)
    assert isinstance(reply, ReplySpec)
    if not reply.text or reply.tool_calls:
        return reply
    text = f"{model}: {reply.text}"
    limit = leg.request.max_tokens
    if reply.finish_reason == "length" and limit is not None:
        text = text[: limit * 4]  # still within the length default mode cut it to
    return reply.model_copy(update={"text": text})


class _StrictRefusal(Exception):
    """Carries strict mode's refusal past the handler that turns errors into failed legs."""

    def __init__(self, error: MeshError) -> None:
        self.error = error
