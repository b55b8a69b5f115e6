"""Rendering a chat reply as a `chat.completion` body or a `chat.completion.chunk` stream.

Both shapes come from one `Completion`, so a reply means the same thing streamed or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from typing import Any, Literal

from ... import catalogue
from ...ids import IdFactory
from ...jsonbody import dumps
from ...render import sse
from ...render.chunking import split_every, split_text
from .context import ChatContext
from .vocabulary import ReplySpec, StreamSpec


@dataclass(frozen=True, slots=True)
class RenderedToolCall:
    id: str
    name: str
    arguments: str


@dataclass(slots=True)
class Completion:
    """A reply with every default filled in: exactly what goes on the wire."""

    id: str
    model: str
    created: int
    text: str | None
    refusal: str | None
    tool_calls: tuple[RenderedToolCall, ...]
    finish_reason: str
    usage: dict[str, Any]
    cost: str
    stream: StreamSpec


def estimate_tokens(text: str) -> int:
    """About four characters a token, as a rough tokeniser would count (rounded up)."""
    return (len(text) + 3) // 4


def prompt_tokens(ctx: ChatContext) -> int:
    total = 3
    for message in ctx.request.messages:
        content = message.content
        total += 4 + estimate_tokens(content if isinstance(content, str) else message.text())
        for call in message.tool_calls or ():
            total += estimate_tokens(call.function.name + call.function.arguments)
    for tool in ctx.request.tools or ():
        total += 8 + estimate_tokens(tool.function.name + (tool.function.description or ""))
        total += estimate_tokens(str(tool.function.parameters or ""))
    return total


def build_completion(
    ctx: ChatContext, reply: ReplySpec, ids: IdFactory, prices: catalogue.Catalogue
) -> Completion:
    tool_calls: tuple[RenderedToolCall, ...] = ()
    if reply.tool_calls:
        tool_calls = tuple(
            RenderedToolCall(
                id=spec.id or ids.tool_call_id(ctx.raw_body, index),
                name=spec.name,
                arguments=spec.arguments_json(),
            )
            for index, spec in enumerate(reply.tool_calls)
        )
    text = reply.content
    refusal = reply.refusal
    if text is None and refusal is None and not tool_calls:
        text = ""
    completion_tokens = estimate_tokens(text or refusal or "")
    for call in tool_calls:
        completion_tokens += 3 + estimate_tokens(call.name + call.arguments)
    usage = _usage(reply, prompt_tokens(ctx), completion_tokens)
    model = reply.model or ctx.request.model or catalogue.DEFAULT_MODEL
    cost = reply.cost or prices.cost(model, usage["prompt_tokens"], usage["completion_tokens"])
    return Completion(
        id=reply.id or ids.completion_id(ctx.raw_body),
        model=model,
        created=reply.created if reply.created is not None else ids.created,
        text=text,
        refusal=refusal,
        tool_calls=tool_calls,
        finish_reason=reply.finish_reason or ("tool_calls" if tool_calls else "stop"),
        usage=usage,
        cost=cost,
        stream=reply.stream,
    )


def _usage(reply: ReplySpec, prompt: int, completion: int) -> dict[str, Any]:
    override = reply.usage
    if override is not None:
        prompt = override.prompt_tokens if override.prompt_tokens is not None else prompt
        if override.completion_tokens is not None:
            completion = override.completion_tokens
    total = prompt + completion
    if override is not None and override.total_tokens is not None:
        total = override.total_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total,
        "prompt_tokens_details": {"cached_tokens": 0},
    }


def completion_body(c: Completion) -> bytes:
    """The `chat.completion` JSON body, spliced from cached parts like the stream."""
    envelope = dumps(
        {"id": c.id, "object": "chat.completion", "created": c.created, "model": c.model}
    )
    tail = dumps({"usage": c.usage, "system_fingerprint": None})
    choices = _encoded_choices(c.text, c.refusal, c.tool_calls, c.finish_reason)
    return envelope[:-1] + b',"choices":' + choices + b"," + tail[1:]


@lru_cache(maxsize=512)
def _encoded_choices(
    text: str | None,
    refusal: str | None,
    tool_calls: tuple[RenderedToolCall, ...],
    finish_reason: str,
) -> bytes:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if refusal is not None:
        message["refusal"] = refusal
    if tool_calls:
        message["tool_calls"] = [
            {"id": t.id, "type": "function", "function": {"name": t.name, "arguments": t.arguments}}
            for t in tool_calls
        ]
    return dumps(
        [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}]
    )


def stream_deltas(c: Completion) -> bytes:
    """Each content chunk's encoded `delta`, joined by `CUT`: role first, then text (or the
    refusal), then tool calls."""
    chunks = c.stream.chunks
    return _encoded_deltas(
        "refusal" if c.refusal is not None else "content",
        c.refusal if c.refusal is not None else c.text or "",
        tuple(chunks) if isinstance(chunks, list) else chunks,
        c.tool_calls,
        c.stream.argument_chunks,
        c.stream.interleave,
    )


CUT = b"\x00"
"""Between two encoded deltas: no JSON the encoder writes holds a NUL byte (it escapes
control characters, and UTF-8 has no zero byte inside a character)."""


def _one_space_apart(text: str) -> bool:
    """Words one space apart, none before the first, and no quote: `split_words` then cuts
    exactly at each space. (A printable text has no whitespace but the space: every other
    whitespace character is a Unicode separator or control character.)"""
    return text[:1] != " " and "  " not in text and '"' not in text and text.isprintable()


@lru_cache(maxsize=512)
def _encoded_deltas(
    field: Literal["content", "refusal"],
    text: str,
    chunks: Literal["words"] | int | tuple[str, ...],
    tool_calls: tuple[RenderedToolCall, ...],
    argument_chunks: int,
    interleave: bool,
) -> bytes:
    # Cached: a reply served again (an unlimited rule, a repeated prompt in default mode)
    # splits and encodes to the same deltas; only the envelope around them changes.
    key = b'"' + field.encode() + b'":'
    if chunks == "words" and text and _one_space_apart(text):
        # Default mode's answers: words one space apart are cut at each space, so the
        # text is encoded once and each space becomes the start of the next chunk.
        between = b'"}' + CUT + b"{" + key + b'" '
        members = [b"{" + key + dumps(text).replace(b" ", between) + b"}"]
    else:
        how = list(chunks) if isinstance(chunks, tuple) else chunks
        members = [b"{" + key + dumps(piece) + b"}" for piece in split_text(text, how)]
    if tool_calls:
        fragments = _tool_fragments(tool_calls, argument_chunks, interleave)
        members.extend(b'{"tool_calls":[' + dumps(f) + b"]}" for f in fragments)
    if not members:
        members.append(b"{" + key + b'""}')
    members[0] = b'{"role":"assistant",' + members[0][1:]
    return CUT.join(members)


def stream_frames(c: Completion) -> list[bytes]:
    """The SSE body in parts: the content chunks (joined in one part), the finish chunk,
    the usage tail, `[DONE]`.

    Every chunk repeats the same envelope, so it is encoded once and spliced around the
    deltas, whose cuts become one frame's end and the next one's start; the bytes equal
    encoding each chunk object on its own.
    """
    envelope = dumps(
        {"id": c.id, "object": "chat.completion.chunk", "created": c.created, "model": c.model}
    )
    head = b"data: " + envelope[:-1] + b',"choices":'
    open_delta, close_delta = head + b'[{"index":0,"delta":', b',"finish_reason":null}]}\n\n'
    tail = dumps({"usage": c.usage, "cost": c.cost})
    deltas = stream_deltas(c).replace(CUT, close_delta + open_delta)
    content = open_delta + deltas + close_delta
    return [
        content,
        head + _finish_choices(c.finish_reason) + b"}\n\n",
        head + b"[]," + tail[1:] + b"\n\n",
        sse.DONE,
    ]


@lru_cache(maxsize=64)
def _finish_choices(finish_reason: str) -> bytes:
    return dumps([{"index": 0, "delta": {}, "finish_reason": finish_reason}])


def _tool_fragments(
    tool_calls: tuple[RenderedToolCall, ...], argument_chunks: int, interleave: bool
) -> list[dict[str, Any]]:
    per_call: list[list[dict[str, Any]]] = []
    for index, call in enumerate(tool_calls):
        first = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        rest = [
            {"index": index, "function": {"arguments": piece}}
            for piece in split_every(call.arguments, argument_chunks)
        ]
        per_call.append([first, *rest])
    if not interleave:
        return [fragment for fragments in per_call for fragment in fragments]
    return [f for row in zip_longest(*per_call) for f in row if f is not None]
