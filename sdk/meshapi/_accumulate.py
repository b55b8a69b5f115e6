"""Fold stream chunks into the response a non-streaming call would have returned.

Every streaming caller otherwise re-implements the same fiddly merge: text pieces in order,
tool-call fragments joined by their ``index`` (indices may interleave), the last finish_reason,
and the usage/cost tail that arrives in a chunk with no choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meshapi._errors import MeshAPIError
from meshapi.types.chat import (
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionResponse,
    ChunkChoice,
    ToolCall,
    ToolCallDelta,
    ToolCallFunction,
    Usage,
)


@dataclass
class _ToolCallParts:
    id: str | None = None
    name: str | None = None
    arguments: list[str] = field(default_factory=list)

    def add(self, delta: ToolCallDelta) -> None:
        self.id = self.id or delta.id
        if delta.function is not None:
            self.name = self.name or delta.function.name
            if delta.function.arguments:
                self.arguments.append(delta.function.arguments)

    def build(self) -> ToolCall:
        return ToolCall(
            id=self.id or "",
            type="function",
            function=ToolCallFunction(name=self.name or "", arguments="".join(self.arguments)),
        )


@dataclass
class _ChoiceParts:
    role: str | None = None
    content: list[str] | None = None
    refusal: list[str] | None = None
    tool_calls: dict[int, _ToolCallParts] = field(default_factory=dict)
    finish_reason: str | None = None

    def add(self, choice: ChunkChoice) -> None:
        if choice.finish_reason is not None:
            self.finish_reason = choice.finish_reason
        delta = choice.delta
        if delta is None:
            return
        self.role = self.role or delta.role
        if delta.content is not None:
            if self.content is None:
                self.content = []
            self.content.append(delta.content)
        if delta.refusal is not None:
            if self.refusal is None:
                self.refusal = []
            self.refusal.append(delta.refusal)
        for fragment in delta.tool_calls or []:
            self.tool_calls.setdefault(fragment.index, _ToolCallParts()).add(fragment)

    def build(self, index: int) -> ChatCompletionChoice:
        tool_calls = [self.tool_calls[i].build() for i in sorted(self.tool_calls)]
        text = "".join(self.content) if self.content is not None else None
        if not text and tool_calls:
            text = None  # a pure tool-call turn has no content, as in a non-streamed reply
        message = ChatCompletionMessage(
            role=self.role or "assistant",
            content=text,
            refusal="".join(self.refusal) if self.refusal is not None else None,
            tool_calls=tool_calls or None,
        )
        return ChatCompletionChoice(index=index, message=message, finish_reason=self.finish_reason)


class ChatCompletionAccumulator:
    """Collects chunks with :meth:`add`; :meth:`result` gives the assembled response.

    Streams do this for you (``stream.final_response()``); use it directly when chunks come from
    somewhere else.
    """

    def __init__(self) -> None:
        self._first: ChatCompletionChunk | None = None
        self._choices: dict[int, _ChoiceParts] = {}
        self._usage: Usage | None = None
        self._cost: str | None = None
        self._system_fingerprint: str | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        if self._first is None:
            self._first = chunk
        for choice in chunk.choices:
            self._choices.setdefault(choice.index, _ChoiceParts()).add(choice)
        self._usage = chunk.usage or self._usage
        self._cost = chunk.cost if chunk.cost is not None else self._cost
        self._system_fingerprint = chunk.system_fingerprint or self._system_fingerprint

    def result(self) -> ChatCompletionResponse:
        if self._first is None:
            raise MeshAPIError("the stream carried no chunks to assemble", error_code="parse_error")
        return ChatCompletionResponse(
            id=self._first.id,
            object="chat.completion",
            created=self._first.created,
            model=self._first.model,
            choices=[self._choices[i].build(i) for i in sorted(self._choices)],
            usage=self._usage,
            system_fingerprint=self._system_fingerprint,
            cost=self._cost,
        )
