"""Rendering a Responses reply: the response object, and the SSE events that build it.

Both come from one `Built` response, so a reply means the same thing streamed or not:
the stream's `response.completed` carries exactly the object `stream: false` returns,
and its deltas join to the text and arguments in it. Event shapes and order follow the
OpenAI Responses API, which the `openai` SDK's `responses.stream()` accumulates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ... import catalogue
from ...ids import IdFactory
from ...render import sse
from ...render.chunking import split_every, split_text
from .context import ResponsesContext
from .conversation import Turn
from .vocabulary import ResponsesReply, ResponsesStreamSpec

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """About four characters a token, as a rough tokeniser would count (rounded up)."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass
class Built:
    """A reply with every default filled in: exactly the final response on the wire."""

    body: dict[str, Any]
    stream: ResponsesStreamSpec
    turns: list[Turn] = field(default_factory=list)
    """This response's output as conversation turns (for `previous_response_id`)."""

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def output(self) -> list[dict[str, Any]]:
        output: list[dict[str, Any]] = self.body["output"]
        return output


def input_tokens(ctx: ResponsesContext, history: list[Turn]) -> int:
    total = 3 + estimate_tokens(ctx.instructions)
    for turn in [*history, *ctx.turns]:
        total += 4 + estimate_tokens(turn.text + (turn.name or ""))
    request = ctx.create
    for tool in request.function_tools() if request else ():
        total += 8 + estimate_tokens(tool.name + (tool.description or ""))
        total += estimate_tokens(str(tool.parameters or ""))
    return total


def build(
    ctx: ResponsesContext,
    reply: ResponsesReply,
    ids: IdFactory,
    *,
    response_id: str,
    created_at: int,
    history: list[Turn],
) -> Built:
    request = ctx.create
    assert request is not None
    status = reply.status or "completed"
    text, turns, output = reply.output_text(), [], []
    output_tokens = 0
    if text is not None or reply.refusal is not None:
        if reply.refusal is not None:
            part: dict[str, Any] = {"type": "refusal", "refusal": reply.refusal}
            output_tokens += estimate_tokens(reply.refusal)
        else:
            part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
            output_tokens += estimate_tokens(text or "")
            turns.append(Turn("message", text or "", role="assistant"))
        output.append(
            {
                "id": "msg_" + ids.digest(b"message", response_id.encode())[:32],
                "type": "message",
                "status": "incomplete" if status == "incomplete" else "completed",
                "role": "assistant",
                "content": [part],
            }
        )
    for index, call in enumerate(reply.function_calls or ()):
        seed = (response_id.encode(), b"%d" % index)
        arguments = call.arguments_json()
        call_id = call.call_id or "call_" + ids.digest(b"call", *seed)[:24]
        output.append(
            {
                "id": call.id or "fc_" + ids.digest(b"function-call", *seed)[:32],
                "type": "function_call",
                "status": "completed",
                "call_id": call_id,
                "name": call.name,
                "arguments": arguments,
            }
        )
        output_tokens += 3 + estimate_tokens(call.name + arguments)
        turns.append(Turn("function_call", arguments, name=call.name, call_id=call_id))
    model = reply.model or request.model or catalogue.DEFAULT_MODEL
    body: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": bool(request.background),
        "error": None,
        "incomplete_details": None,
        "instructions": request.instructions,
        "max_output_tokens": request.max_output_tokens,
        "max_tool_calls": request.max_tool_calls,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": request.previous_response_id,
        "reasoning": {"effort": (request.reasoning or {}).get("effort"), "summary": None},
        "store": request.store is not False,
        "temperature": request.temperature if request.temperature is not None else 1.0,
        "text": _text_config(ctx),
        "tool_choice": _tool_choice(ctx),
        "tools": [t.model_dump(mode="json", exclude_none=True) for t in request.tools or ()],
        "top_p": request.top_p if request.top_p is not None else 1.0,
        "truncation": "disabled",
        "usage": _usage(reply, input_tokens(ctx, history), output_tokens),
        "user": request.user,
        "metadata": {},
        "completed_at": created_at,
    }
    if status == "incomplete":
        body["incomplete_details"] = {"reason": reply.incomplete_reason or "max_output_tokens"}
    if status == "failed":
        failure = reply.failure
        body["error"] = failure.model_dump() if failure is not None else None
    return Built(body, reply.stream, turns)


def _text_config(ctx: ResponsesContext) -> dict[str, Any]:
    request = ctx.create
    if request is not None and request.text is not None and request.text.format is not None:
        return {"format": request.text.format.model_dump(by_alias=True, exclude_none=True)}
    return {"format": {"type": "text"}}


def _tool_choice(ctx: ResponsesContext) -> Any:
    choice = ctx.create.tool_choice if ctx.create else None
    if choice is None:
        return "auto"
    return choice if isinstance(choice, str) else choice.model_dump(mode="json")


def _usage(reply: ResponsesReply, prompt: int, completion: int) -> dict[str, Any]:
    spec = reply.usage
    reasoning = cached = 0
    total = None
    if spec is not None:
        prompt = spec.input_tokens if spec.input_tokens is not None else prompt
        completion = spec.output_tokens if spec.output_tokens is not None else completion
        reasoning = spec.reasoning_tokens or 0
        cached = spec.cached_tokens or 0
        total = spec.total_tokens
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt + completion if total is None else total,
    }


# --------------------------------------------------------------------------- the stream


def lifecycle(body: dict[str, Any], status: str) -> dict[str, Any]:
    """The response as announced before its output exists."""
    return {**body, "status": status, "output": [], "usage": None, "completed_at": None}


def events(built: Built, *, queued: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every event of the stream as (type, payload), `sequence_number` not yet set."""
    body = built.body
    first = "queued" if queued else "in_progress"
    yield "response.created", {"response": lifecycle(body, first)}
    if queued:
        yield "response.queued", {"response": lifecycle(body, "queued")}
    yield "response.in_progress", {"response": lifecycle(body, "in_progress")}
    for index, item in enumerate(built.output):
        if item["type"] == "message":
            yield from _message_events(index, item, built.stream)
        else:
            yield from _call_events(index, item, built.stream)
    final = {"completed": "response.completed", "failed": "response.failed"}
    yield final.get(body["status"], "response.incomplete"), {"response": body}


def _message_events(
    index: int, item: dict[str, Any], how: ResponsesStreamSpec
) -> Iterator[tuple[str, dict[str, Any]]]:
    where = {"item_id": item["id"], "output_index": index}
    yield (
        "response.output_item.added",
        {
            "output_index": index,
            "item": {**item, "status": "in_progress", "content": []},
        },
    )
    part = item["content"][0]
    at = {**where, "content_index": 0}
    if part["type"] == "refusal":
        yield "response.content_part.added", {**at, "part": {**part, "refusal": ""}}
        for piece in split_text(part["refusal"], _how(how, part["refusal"])):
            yield "response.refusal.delta", {**at, "delta": piece}
        yield "response.refusal.done", {**at, "refusal": part["refusal"]}
    else:
        yield "response.content_part.added", {**at, "part": {**part, "text": ""}}
        for piece in split_text(part["text"], _how(how, part["text"])):
            yield "response.output_text.delta", {**at, "delta": piece, "logprobs": []}
        yield "response.output_text.done", {**at, "text": part["text"], "logprobs": []}
    yield "response.content_part.done", {**at, "part": part}
    yield "response.output_item.done", {"output_index": index, "item": item}


def _call_events(
    index: int, item: dict[str, Any], how: ResponsesStreamSpec
) -> Iterator[tuple[str, dict[str, Any]]]:
    where = {"item_id": item["id"], "output_index": index}
    yield (
        "response.output_item.added",
        {
            "output_index": index,
            "item": {**item, "status": "in_progress", "arguments": ""},
        },
    )
    for piece in split_every(item["arguments"], how.argument_chunks):
        yield "response.function_call_arguments.delta", {**where, "delta": piece}
    done = {**where, "name": item["name"], "arguments": item["arguments"]}
    yield "response.function_call_arguments.done", done
    yield "response.output_item.done", {"output_index": index, "item": item}


def _how(spec: ResponsesStreamSpec, text: str) -> Any:
    """Explicit chunks cut the text they join to; anything else is cut by words."""
    chunks = spec.chunks
    if isinstance(chunks, list) and "".join(chunks) != text:
        return "words"
    return chunks


def stream_frames(built: Built, *, queued: bool = False) -> list[bytes]:
    """The SSE frames: `event:` + `data:` per event, numbered from 0, then `[DONE]`."""
    frames = [
        sse.frame({"type": kind, "sequence_number": number, **payload}, event=kind)
        for number, (kind, payload) in enumerate(events(built, queued=queued))
    ]
    frames.append(sse.DONE)
    return frames
