"""What chat matching, default mode and rendering ask about one request, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...contract import ChatCompletionRequest, Message
from ...memo import cached_attribute
from ...scripting.context import clip
from ...scripting.conversation import ConversationContext


@dataclass(frozen=True)
class OutputFormat:
    """What `response_format` asks the answer to be: JSON, valid against `schema` if given."""

    schema: dict[str, Any] | None
    name: str | None = None
    strict: bool = False


def output_format(response_format: dict[str, Any] | None) -> OutputFormat | None:
    """`json_schema` (with a schema object) or `json_object`; None for text or other shapes."""
    if not response_format:
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return OutputFormat(schema=None)
    spec = response_format.get("json_schema")
    if kind != "json_schema" or not isinstance(spec, dict):
        return None
    schema = spec.get("schema")
    name = spec.get("name")
    return OutputFormat(
        schema=schema if isinstance(schema, dict) else None,
        name=name if isinstance(name, str) else None,
        strict=spec.get("strict") is True,
    )


@dataclass
class ChatContext(ConversationContext):
    """A validated chat request plus the conversation facts rules ask about."""

    request: ChatCompletionRequest

    @property
    def stream(self) -> bool:
        return self.request.stream

    @property
    def model(self) -> str | None:
        return self.request.model

    @cached_attribute
    def tool_names(self) -> list[str]:
        return [t.function.name for t in self.request.tools or ()]

    @cached_attribute
    def output_format(self) -> OutputFormat | None:
        return output_format(self.request.response_format)

    @property
    def token_limit(self) -> int | None:
        """`max_tokens` or `max_completion_tokens` (OpenAI's newer name): the smaller."""
        tokens, completion_tokens = self.request.max_tokens, self.request.max_completion_tokens
        if tokens is None or completion_tokens is None:
            return completion_tokens if tokens is None else tokens
        return min(tokens, completion_tokens)

    @cached_attribute
    def called_tools(self) -> list[str]:
        """Names of the tools the assistant already called in this conversation, in order."""
        return [
            call.function.name
            for message in self.request.messages
            for call in message.tool_calls or ()
        ]

    @cached_attribute
    def pending_tool_results(self) -> list[tuple[str, str | None, Message]]:
        """Tool messages ending the conversation: (tool_call_id, tool name, message)."""
        names: dict[str, str] = {}
        for message in self.request.messages:
            for call in message.tool_calls or ():
                names[call.id] = call.function.name
        trailing: list[tuple[str, str | None, Message]] = []
        for message in reversed(self.request.messages):
            if message.role != "tool":
                break
            call_id = message.tool_call_id or ""
            trailing.append((call_id, message.name or names.get(call_id), message))
        trailing.reverse()
        return trailing

    def summary(self) -> str:
        """One line naming the request, for near-miss reports."""
        parts = [f"model={self.model!r}", f"stream={self.stream}"]
        if self.last_user is not None:
            parts.append(f"last user message={clip(self.last_user)!r}")
        if self.tool_names:
            parts.append(f"tools={self.tool_names}")
        if self.pending_tool_results:
            parts.append(f"tool results={[n or i for i, n, _ in self.pending_tool_results]}")
        return ", ".join(parts)
