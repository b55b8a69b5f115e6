"""What matching, default mode and rendering ask about one Responses call, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...memo import cached_attribute
from ...scripting.context import CallContext, clip
from .conversation import SYSTEM_ROLES, Turn, read_input
from .wire import ResponsesRequest


@dataclass
class ResponsesContext(CallContext):
    """A Responses call: for `create`, the request plus the conversation in its `input`.

    `list` and `get` carry a query model or nothing; their conversation is empty.
    """

    @property
    def create(self) -> ResponsesRequest | None:
        return self.request if isinstance(self.request, ResponsesRequest) else None

    @property
    def stream(self) -> bool:
        return self.create is not None and self.create.stream

    @property
    def background(self) -> bool:
        return self.create is not None and bool(self.create.background)

    @property
    def model(self) -> str | None:
        return self.create.model if self.create is not None else None

    @cached_attribute
    def turns(self) -> list[Turn]:
        return read_input(self.create.input) if self.create is not None else []

    @cached_attribute
    def last_user(self) -> str | None:
        for turn in reversed(self.turns):
            if turn.kind == "message" and turn.role == "user":
                return turn.text
        return None

    @cached_attribute
    def instructions(self) -> str:
        """`instructions`, then system and developer messages, joined by newlines."""
        texts = [self.create.instructions] if self.create and self.create.instructions else []
        texts += [t.text for t in self.turns if t.kind == "message" and t.role in SYSTEM_ROLES]
        return "\n".join(texts)

    @cached_attribute
    def message_texts(self) -> list[str]:
        return [t.text for t in self.turns if t.kind == "message"]

    @cached_attribute
    def tool_names(self) -> list[str]:
        return [t.name for t in self.create.function_tools()] if self.create else []

    @cached_attribute
    def pending_tool_results(self) -> list[tuple[str, str | None, str]]:
        """`function_call_output` items ending the input: (call_id, tool name, output)."""
        names = {t.call_id: t.name for t in self.turns if t.kind == "function_call"}
        trailing: list[tuple[str, str | None, str]] = []
        for turn in reversed(self.turns):
            if turn.kind != "function_call_output":
                break
            call_id = turn.call_id or ""
            trailing.append((call_id, names.get(call_id), turn.text))
        trailing.reverse()
        return trailing

    @cached_attribute
    def text_format(self) -> dict[str, Any] | None:
        """The structured-output format asked for, as `{type, schema?, name?}`; None for text.

        `text.format` is the Responses spelling; a chat-style `response_format` is read too.
        """
        request = self.create
        if request is None:
            return None
        if request.text is not None and request.text.format is not None:
            fmt = request.text.format
            if fmt.type == "text":
                return None
            return {"type": fmt.type, "name": fmt.name, "schema": fmt.json_schema}
        legacy = request.response_format
        if legacy and legacy.get("type") in ("json_object", "json_schema"):
            inner = legacy.get("json_schema")
            inner = inner if isinstance(inner, dict) else {}
            schema = inner.get("schema")
            return {
                "type": legacy["type"],
                "name": inner.get("name"),
                "schema": schema if isinstance(schema, dict) else None,
            }
        return None

    def summary(self) -> str:
        """One line naming the request, for near-miss reports."""
        if self.create is None:
            return f"operation={self.operation}"
        parts = [f"model={self.model!r}", f"stream={self.stream}"]
        if self.background:
            parts.append("background=True")
        if self.last_user is not None:
            parts.append(f"last user message={clip(self.last_user)!r}")
        if self.tool_names:
            parts.append(f"tools={self.tool_names}")
        if self.pending_tool_results:
            parts.append(f"tool results={[n or i for i, n, _ in self.pending_tool_results]}")
        if self.text_format is not None:
            parts.append(f"text format={self.text_format['type']}")
        return ", ".join(parts)
