"""Chat's default mode: a plausible, deterministic reply when no rule matches.

Same request, same reply: every choice here is a function of the request alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ...contract import ToolChoiceObject, ToolDefinition
from ...errors import MeshError
from ...memo import small_key_cache
from ...schema_example import example
from .context import ChatContext, OutputFormat
from .vocabulary import ReplySpec, ToolCallSpec

_OPENERS = (
    "Here is a short answer.",
    "Good question.",
    "Happy to help.",
    "Let me answer briefly.",
    "Sure.",
)
_CLOSERS = (
    "This reply comes from meshapi-mock's default mode.",
    "Script a rule to choose the exact words.",
    "Nothing was sent to a real model.",
)
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9_-]+")
_PROPER_NOUN = re.compile(r"\b([A-Z][a-zA-Z\u00C0-\u024F-]+)\b")


# Copying a validated blank is far cheaper than validating or constructing per request,
# and every value synthesized here is the fake's own, hence valid.
_BLANK = ReplySpec(text="")


def synthesize(ctx: ChatContext) -> ReplySpec:
    tool = _tool_to_call(ctx)
    if tool is not None:
        return ReplySpec(
            tool_calls=[ToolCallSpec(name=tool.function.name, arguments=_args(ctx, tool))]
        )
    ends_with_tool_result = ctx.request.messages[-1].role == "tool"
    text = _answer_tool_results(ctx) if ends_with_tool_result else _answer(ctx)
    if ctx.output_format is not None:
        text = _structured(ctx, ctx.output_format, text)
    limit = ctx.token_limit
    if limit is not None and len(text) > limit * 4:
        return _BLANK.with_values(text=text[: limit * 4], finish_reason="length")
    return _BLANK.with_values(text=text)


def _pick(options: tuple[str, ...], seed: str) -> str:
    digest = hashlib.blake2b(seed.encode(), digest_size=4).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def _answer(ctx: ChatContext) -> str:
    return answer_prompt(ctx.last_user or ctx.system or "")


@small_key_cache(maxsize=1024)
def answer_prompt(raw_prompt: str) -> str:
    """Default mode's words for a prompt; responses answer with the same wording."""
    prompt = " ".join(raw_prompt.split())
    if not prompt:
        return f"{_pick(_OPENERS, '')} {_CLOSERS[0]}"
    shown = prompt if len(prompt) <= 120 else prompt[:119] + "…"
    return f"{_pick(_OPENERS, prompt)} You asked: “{shown}” {_pick(_CLOSERS, prompt[::-1])}"


def _answer_tool_results(ctx: ChatContext) -> str:
    parts = []
    for _, name, message in ctx.pending_tool_results:
        content = " ".join(message.text().split())
        if len(content) > 200:
            content = content[:199] + "…"
        name = name or "the tool"
        parts.append(f"{name} returned {content}" if content else f"{name} finished")
    return "Based on the tool results: " + "; ".join(parts) + "."


def _structured(ctx: ChatContext, wanted: OutputFormat, text: str) -> str:
    """JSON valid against the requested schema; `{"answer": text}` when none is given."""
    value: Any = {"answer": text}
    if wanted.schema is not None:
        value = _example(wanted.schema, _hint(ctx))
    return json.dumps(value, ensure_ascii=False)


def _tool_to_call(ctx: ChatContext) -> ToolDefinition | None:
    tools = ctx.request.tools or []
    choice = ctx.request.tool_choice
    if not tools or choice == "none":
        return None
    if isinstance(choice, ToolChoiceObject):
        for tool in tools:
            if tool.function.name == choice.function.name:
                return tool
        raise MeshError(
            400,
            "invalid_request",
            f"tool_choice names {choice.function.name!r}, which is not among the offered tools "
            f"{[t.function.name for t in tools]}.",
        )
    if choice == "required":
        return _next_required_tool(ctx, tools)
    last = ctx.request.messages[-1]
    return _best_tool(tools, last.text()) if last.role == "user" else None


_OUTPUT_WORDS = {"final", "result", "output", "answer", "respond", "response", "submit", "finish"}


def _next_required_tool(ctx: ChatContext, tools: list[ToolDefinition]) -> ToolDefinition:
    """A tool must be called: one not yet called in this conversation comes first, so an
    agent loop moves on (to its output tool, say) instead of repeating a call for ever.
    After a tool result, a fresh tool whose name says it delivers the answer (pydantic-ai's
    `final_result`) is preferred; once every tool was called, the best match repeats."""
    called = set(ctx.called_tools)
    fresh = [tool for tool in tools if tool.function.name not in called]
    if fresh and ctx.pending_tool_results:
        finishing = [tool for tool in fresh if _OUTPUT_WORDS & _name_words(tool)]
        fresh = finishing or fresh
    return _best_tool(fresh or tools, ctx.last_user or "")


def _name_words(tool: ToolDefinition) -> set[str]:
    return {w.lower() for w in re.split(r"[^A-Za-z0-9]+", tool.function.name) if w}


def _best_tool(tools: list[ToolDefinition], prompt: str) -> ToolDefinition:
    """The tool whose name and description share most words with the prompt."""
    wanted = {w.lower() for w in _WORDS.findall(prompt)}

    def overlap(tool: ToolDefinition) -> int:
        words = _WORDS.findall(tool.function.name.replace("_", " "))
        words += _WORDS.findall(tool.function.description or "")
        return len(wanted & {w.lower() for w in words})

    return max(tools, key=overlap)


def _hint(ctx: ChatContext) -> str:
    """The prompt's last proper noun (a city, say), to fill string values."""
    nouns = _PROPER_NOUN.findall(ctx.last_user or "")
    return next((n for n in reversed(nouns) if n.lower() not in _QUESTION_WORDS), "example")


def _example(schema: dict[str, Any], hint: str) -> Any:
    try:
        return example(schema, hint)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError):
        return {}  # a schema too broken to follow still gets a well-formed answer


def _args(ctx: ChatContext, tool: ToolDefinition) -> object:
    schema = tool.function.parameters or {"type": "object", "properties": {}}
    value = _example(schema, _hint(ctx))
    return value if isinstance(value, dict) else {"value": value}


_QUESTION_WORDS = {"what", "who", "where", "when", "why", "how", "which", "is", "can", "please"}
