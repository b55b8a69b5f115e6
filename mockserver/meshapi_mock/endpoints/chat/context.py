"""What chat matching, default mode and rendering ask about one request, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ...contract import ChatCompletionRequest, Message
from ...scripting.context import CallContext, clip


@dataclass
class ChatContext(CallContext):
    """A validated chat request plus the conversation facts rules ask about."""

    request: ChatCompletionRequest

    @property
    def stream(self) -> bool:
        return self.request.stream

    @property
    def model(self) -> str | None:
        return self.request.model

    @cached_property
    def last_user(self) -> str | None:
        for message in reversed(self.request.messages):
            if message.role == "user":
                return message.text()
        return None

    @cached_property
    def system(self) -> str:
        return "\n".join(m.text() for m in self.request.messages if m.role == "system")

    @cached_property
    def tool_names(self) -> list[str]:
        return [t.function.name for t in self.request.tools or ()]

    @cached_property
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
