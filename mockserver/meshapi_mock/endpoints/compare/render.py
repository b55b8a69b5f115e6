"""A compare's answer: one JSON body, or named SSE events that end with the same body.

Both come from one `Outcome` (the legs, the judge), so a comparison means the same thing
streamed or not. The request id only the ASGI scope holds is put in at send time: each
result's `request_id` is the compare's, suffixed with the model's position.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from starlette.types import Receive, Scope, Send

from ... import catalogue
from ...jsonbody import dumps, loads
from ...render import sse
from ...render.chunking import split_text, split_words
from ...responses import JSONBytes, SSEStream
from ..chat.render import completion_body, estimate_tokens
from .judge import synthesis
from .legs import BASE_LATENCY_MS, LATENCY_MS_PER_TOKEN, Leg, answer_legs
from .vocabulary import CompareContext, CompareReply

if TYPE_CHECKING:
    from ..base import Host

OBJECT = "chat.comparison"


@dataclass(frozen=True)
class Outcome:
    """Everything a compare answers with, but the request id."""

    ctx: CompareContext
    comparison_id: str
    created: int
    legs: list[Leg]
    comparison: str | None
    comparison_model: str | None
    comparison_usage: dict[str, int] | None
    fallback_used: bool

    @property
    def partial(self) -> bool:
        """Some model failed: the comparison covers fewer models than were asked."""
        return any(leg.error is not None for leg in self.legs)

    @property
    def total_latency_ms(self) -> int:
        """The models answer side by side, then the judge reads their answers."""
        slowest = max(leg.latency_ms for leg in self.legs)
        if self.comparison_usage is None:
            return slowest
        judging = LATENCY_MS_PER_TOKEN * self.comparison_usage["completion_tokens"]
        return slowest + BASE_LATENCY_MS + judging


async def outcome(ctx: CompareContext, reply: CompareReply, state: Host) -> Outcome:
    legs = await answer_legs(ctx, state)
    request = ctx.request
    judged = not request.skip_comparison and any(leg.completion for leg in legs)
    fallback = judged and bool(reply.comparison_fallback_used)
    comparison: str | None = None
    if judged and not fallback:
        comparison = reply.comparison
        if comparison is None:
            question = ctx.last_user
            comparison = synthesis(question, legs, request.comparison_instructions)
    judge = reply.comparison_model or request.comparison_model or catalogue.DEFAULT_MODEL
    return Outcome(
        ctx=ctx,
        comparison_id="cmp_" + state.ids.digest(b"compare", ctx.raw_body)[:24],
        created=state.ids.created,
        legs=legs,
        comparison=comparison,
        comparison_model=judge if judged else None,
        comparison_usage=_judge_usage(ctx, legs, comparison) if comparison is not None else None,
        fallback_used=fallback,
    )


def _judge_usage(ctx: CompareContext, legs: list[Leg], comparison: str) -> dict[str, int]:
    read = [ctx.last_user or "", ctx.request.comparison_instructions or ""]
    read += [leg.completion.text or "" for leg in legs if leg.completion]
    prompt = 12 + sum(estimate_tokens(text) for text in read)
    completion = estimate_tokens(comparison)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


# --------------------------------------------------------------------------- JSON


def result(leg: Leg, request_id: str) -> dict[str, Any]:
    """One model's entry in `results`: its answer, or its error (never an HTTP error)."""
    entry: dict[str, Any] = {
        "model": leg.model,
        "latency_ms": leg.latency_ms,
        "request_id": f"{request_id}-{leg.index + 1}",
    }
    if leg.completion is not None:
        usage = leg.completion.usage
        entry["content"] = leg.completion.text
        entry["response_body"] = loads(completion_body(leg.completion))
        entry["usage"] = {key: usage[key] for key in _USAGE_KEYS}
    elif leg.error is not None:
        entry["error"] = leg.error.message
        entry["error_code"] = leg.error.code
    return entry


_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


def body(o: Outcome, request_id: str) -> dict[str, Any]:
    request = o.ctx.request
    return {
        "comparison_id": o.comparison_id,
        "object": OBJECT,
        "created": o.created,
        "models": list(request.models),
        "results": [result(leg, request_id) for leg in o.legs],
        "comparison": o.comparison,
        "comparison_model": o.comparison_model,
        "comparison_usage": o.comparison_usage,
        "comparison_fallback_used": o.fallback_used,
        "partial": o.partial,
        "skip_comparison": request.skip_comparison,
        "total_latency_ms": o.total_latency_ms,
    }


# --------------------------------------------------------------------------- events


def _event(name: str, data: dict[str, Any], **top: Any) -> bytes:
    """A named event; `data` also keeps the fields, as clients read either (contract §3)."""
    return sse.frame({"event": name, **top, "data": data}, name)


def _leg_events(leg: Leg, request_id: str) -> list[bytes]:
    """The model's deltas (cut as its reply says), then its `model_done`."""
    events: list[bytes] = []
    done = result(leg, request_id)
    done.pop("response_body", None)
    top: dict[str, Any] = {"model": leg.model, "latency_ms": leg.latency_ms}
    if leg.completion is not None:
        completion = leg.completion
        for piece in split_text(completion.text or "", completion.stream.chunks):
            data = {"model": leg.model, "delta": piece}
            events.append(_event("delta", data, **data))
        done["finish_reason"] = completion.finish_reason
        top |= {"finish_reason": completion.finish_reason, "usage": done["usage"]}
    else:
        top["error_code"] = done["error_code"]  # and `data.error`: never a top-level error
    events.append(_event("model_done", done, **top))
    return events


def frames(o: Outcome, request_id: str) -> list[bytes]:
    request = o.ctx.request
    start = {
        "comparison_id": o.comparison_id,
        "models": list(request.models),
        "comparison_model": o.comparison_model,
        "skip_comparison": request.skip_comparison,
    }
    out = [_event("start", start, **start)]
    per_leg = [_leg_events(leg, request_id) for leg in o.legs]
    out.extend(frame for row in zip_longest(*per_leg) for frame in row if frame is not None)
    if o.comparison is not None:
        for piece in split_words(o.comparison):
            data = {"comparison_model": o.comparison_model, "delta": piece}
            out.append(_event("comparison_delta", data, **data))
    whole = body(o, request_id)
    summary: dict[str, Any] = {
        "comparison_id": o.comparison_id,
        "comparison_model": o.comparison_model,
        "total_latency_ms": o.total_latency_ms,
        "partial": o.partial,
        "skip_comparison": request.skip_comparison,
        "comparison_fallback_used": o.fallback_used,
    }
    if o.comparison_usage is not None:
        summary["usage"] = o.comparison_usage
    out.append(_event("summary", whole, **summary))
    out.append(sse.DONE)
    return out


class CompareApp:
    """Sends the outcome with the request's id, which only the ASGI scope holds."""

    def __init__(self, o: Outcome) -> None:
        self.outcome = o

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id") or ""
        if self.outcome.ctx.request.stream:
            app: Any = SSEStream(frames(self.outcome, request_id))
        else:
            app = JSONBytes(dumps(body(self.outcome, request_id)))
        await app(scope, receive, send)
