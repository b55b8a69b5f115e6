"""Responses' default mode: a plausible, deterministic reply when no rule matches.

It behaves as chat's does: a function call when tools are offered and the conversation
calls for one (with its arguments built from the tool's JSON Schema), a text answer
after tool results, prose that depends on the prompt otherwise (chat's own words). Two
things are the Responses API's: `text.format` asks for JSON, answered with a value valid
against its schema; and `tool_choice: "required"` after tool results calls a tool this
conversation has not called yet before repeating one, so an agent's final-output tool
gets its turn instead of the same call looping for ever.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ...errors import MeshError
from ...schema_example import example
from ..chat.default_mode import answer_prompt
from .context import ResponsesContext
from .conversation import Turn
from .vocabulary import FunctionCallSpec, ResponsesReply
from .wire import FunctionChoice, FunctionTool, HostedChoice

CHARS_PER_TOKEN = 4
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9_-]+")
_PROPER_NOUN = re.compile(r"\b([A-Z][a-zA-Z\u00C0-\u024F-]+)\b")
_QUESTION_WORDS = {"what", "who", "where", "when", "why", "how", "which", "is", "can", "please"}


def synthesize(ctx: ResponsesContext, history: Sequence[Turn] = ()) -> ResponsesReply:
    """The reply for `ctx`; `history` is the conversation of `previous_response_id`."""
    turns = [*history, *ctx.turns]
    tool = tool_to_call(ctx, turns)
    if tool is not None:
        call = FunctionCallSpec(name=tool.name, arguments=tool_arguments(ctx, tool))
        return ResponsesReply(function_calls=[call])
    if ctx.text_format is not None:
        text = structured_text(ctx.text_format, _hint(ctx.last_user or ""), _prose(ctx))
    else:
        text = _prose(ctx)
    limit = ctx.create.max_output_tokens if ctx.create else None
    if limit is not None and len(text) > limit * CHARS_PER_TOKEN:
        return ResponsesReply(text=text[: limit * CHARS_PER_TOKEN], status="incomplete")
    return ResponsesReply(text=text)


def _prose(ctx: ResponsesContext) -> str:
    if ctx.pending_tool_results:
        return answer_tool_results(ctx.pending_tool_results)
    return answer_prompt(ctx.last_user or ctx.instructions or "")


def answer_tool_results(results: Sequence[tuple[str, str | None, str]]) -> str:
    parts = []
    for _, name, output in results:
        content = " ".join(output.split())
        if len(content) > 200:
            content = content[:199] + "…"
        name = name or "the tool"
        parts.append(f"{name} returned {content}" if content else f"{name} finished")
    return "Based on the tool results: " + "; ".join(parts) + "."


def structured_text(fmt: dict[str, Any], hint: str, prose: str) -> str:
    """JSON for `text.format`: valid against its schema, or an object holding the prose."""
    schema = fmt.get("schema")
    if fmt["type"] != "json_schema" or not isinstance(schema, dict):
        return json.dumps({"answer": prose}, ensure_ascii=False)
    try:
        value = example(schema, hint)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError):
        value = {}  # a schema too broken to follow still gets well-formed JSON
    return json.dumps(value, ensure_ascii=False)


def tool_to_call(ctx: ResponsesContext, turns: Sequence[Turn]) -> FunctionTool | None:
    request = ctx.create
    tools = request.function_tools() if request else []
    choice = request.tool_choice if request else None
    if not tools or choice == "none" or isinstance(choice, HostedChoice):
        return None
    if isinstance(choice, FunctionChoice):
        for tool in tools:
            if tool.name == choice.name:
                return tool
        raise MeshError(
            400,
            "invalid_request",
            f"tool_choice names {choice.name!r}, which is not among the offered tools "
            f"{[t.name for t in tools]}.",
        )
    prompt = ctx.last_user or ""
    if choice == "required":
        called = {t.name for t in turns if t.kind == "function_call"}
        fresh = [tool for tool in tools if tool.name not in called]
        return best_tool(fresh or tools, prompt)
    last = turns[-1] if turns else None
    if last is not None and last.kind == "message" and last.role == "user":
        return best_tool(tools, prompt)
    return None


def best_tool(tools: Sequence[FunctionTool], prompt: str) -> FunctionTool:
    """The tool whose name and description share most words with the prompt (first on ties)."""
    wanted = {w.lower() for w in _WORDS.findall(prompt)}

    def overlap(tool: FunctionTool) -> int:
        words = _WORDS.findall(tool.name.replace("_", " ")) + _WORDS.findall(tool.description or "")
        return len(wanted & {w.lower() for w in words})

    return max(tools, key=overlap)


def tool_arguments(ctx: ResponsesContext, tool: FunctionTool) -> dict[str, Any]:
    schema = tool.parameters or {"type": "object", "properties": {}}
    try:
        value = example(schema, _hint(ctx.last_user or ""))
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError):
        value = {}  # a schema too broken to follow still gets a well-formed call
    return value if isinstance(value, dict) else {"value": value}


def _hint(prompt: str) -> str:
    """The last proper noun of the prompt (a city, a name), to seed string values."""
    nouns = _PROPER_NOUN.findall(prompt)
    return next((n for n in reversed(nouns) if n.lower() not in _QUESTION_WORDS), "example")
