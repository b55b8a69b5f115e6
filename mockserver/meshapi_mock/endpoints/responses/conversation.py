"""`input` as a conversation: the messages, function calls and tool results the fake reads.

Clients send back whatever they received (reasoning items, item references, web search
calls, …), so items are read loosely: what the fake understands becomes a `Turn`, the
rest is skipped, and a field of an unexpected type reads as empty rather than failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

TEXT_PARTS = frozenset({"input_text", "output_text", "text", "summary_text"})
SYSTEM_ROLES = frozenset({"system", "developer"})


@dataclass(frozen=True, slots=True)
class Turn:
    """One item of the conversation the fake understands."""

    kind: Literal["message", "function_call", "function_call_output"]
    text: str = ""
    """A message's text, a call's arguments, a tool result's output."""
    role: str | None = None
    name: str | None = None
    call_id: str | None = None


def read_input(value: str | list[dict[str, Any]]) -> list[Turn]:
    if isinstance(value, str):
        return [Turn("message", value, role="user")]
    return [turn for item in value if (turn := read_item(item)) is not None]


def read_item(item: Mapping[str, Any]) -> Turn | None:
    kind = item.get("type")
    if kind == "function_call":
        return Turn(
            "function_call",
            _text(item.get("arguments")),
            name=_str(item.get("name")),
            call_id=_str(item.get("call_id")),
        )
    if kind == "function_call_output":
        return Turn(
            "function_call_output", _text(item.get("output")), call_id=_str(item.get("call_id"))
        )
    if kind in (None, "message") and isinstance(item.get("role"), str):
        return Turn("message", _text(item.get("content")), role=item["role"])
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _text(value: Any) -> str:
    """A string as is; text parts joined by newlines; any other JSON as its encoding."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_part_texts(value))
    return json.dumps(value, ensure_ascii=False)


def _part_texts(parts: Iterable[Any]) -> Iterable[str]:
    for part in parts:
        if isinstance(part, str):
            yield part
        elif isinstance(part, Mapping) and part.get("type") in TEXT_PARTS:
            text = part.get("text")
            if isinstance(text, str):
                yield text
