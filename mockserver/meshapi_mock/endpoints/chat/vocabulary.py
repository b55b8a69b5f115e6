"""Chat's rule vocabulary: what a chat rule can match on and what it can answer.

Matching on the conversation (last user message, system prompt, tools offered, tool
results) and replies (text, tool calls, finish reason, usage, cost, stream cutting)
are chat's own; model, headers, `nth` and `error` come from the shared base.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ...scripting.calls import (
    CallSpec,
    tool_name_shorthand,
    tool_result_differences,
    tools_differences,
)
from ...scripting.context import CallContext
from ...scripting.conversation import (
    AnyMessageCriterion,
    LastUserCriterion,
    SystemCriterion,
    conversation_differences,
)
from ...scripting.matching import stream_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, string_shorthand
from ...scripting.wire_values import (
    MAX_DECIMAL_PLACES,
    ChunkSize,
    TokenCount,
    UnixTime,
    decimal_text,
    json_problem,
)
from .context import ChatContext


class ToolResultMatch(Spec):
    """Matches the tool results that end the conversation (the turn being answered)."""

    tool_call_id: str | None = None
    name: str | None = None


class MatchSpec(BaseMatch):
    """Which chat requests a rule answers. Every field given must hold; none given matches all."""

    last_user: LastUserCriterion = None
    any_message: AnyMessageCriterion = None
    system: SystemCriterion = None
    tools: bool | list[str] | None = Field(
        default=None,
        description="true: tools offered; false: none; a list: all these names offered.",
    )
    tool_result: bool | ToolResultMatch | None = Field(
        default=None,
        description="Whether the request ends with tool results; or which (a tool name).",
        json_schema_extra=string_shorthand,
    )
    stream: bool | None = None

    _tool_name_shorthand = field_validator("tool_result", mode="before")(tool_name_shorthand)

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, ChatContext)
        out = super().differences(ctx)
        out.extend(stream_difference(self.stream, ctx))
        out.extend(conversation_differences(self, ctx))
        # The context reads the conversation lazily: only for criteria that are set.
        if self.tools is not None:
            out.extend(tools_differences(self.tools, ctx.tool_names))
        if self.tool_result is not None:
            out.extend(
                tool_result_differences(
                    self.tool_result,
                    ctx.pending_tool_results,
                    id_field="tool_call_id",
                    subject="the request",
                    item="tool result",
                )
            )
        return out


class ToolCallSpec(CallSpec):
    id: str | None = None


class StreamSpec(Spec):
    """How a reply is cut into SSE chunks when the request asks for `stream: true`."""

    chunks: Literal["words"] | ChunkSize | list[str] = Field(
        default="words",
        description="'words', a number of characters per chunk, or the explicit chunks "
        "(joining to the text, the encoded json or the refusal).",
    )
    argument_chunks: ChunkSize = Field(
        default=16, description="Characters per tool-call `arguments` fragment."
    )
    interleave: bool = Field(default=False, description="Interleave parallel tool calls by index.")


class UsageSpec(Spec):
    """Token counts to report instead of the estimates (each below 2**31)."""

    prompt_tokens: TokenCount | None = None
    completion_tokens: TokenCount | None = None
    total_tokens: TokenCount | None = None


class ReplySpec(BaseReply):
    """What the fake answers. Serves `stream: false` and `stream: true` alike.

    It must say something — text (`""` for an empty message), a JSON value, a refusal, tool
    calls or an error — so a rule cannot answer a silent nothing by accident.
    """

    text_field = "text"
    list_field = "tool_calls"

    text: str | None = None
    json_value: Any = Field(
        default=None,
        alias="json",
        description="A JSON value sent as the message's text, JSON-encoded (structured "
        "output). Instead of `text`.",
    )
    refusal: str | None = Field(
        default=None,
        description="The model declines: `message.refusal` carries this, `content` is null "
        "(streamed as `delta.refusal`). Alone, or with `finish_reason` and the overrides.",
    )
    tool_calls: list[ToolCallSpec] | None = None
    finish_reason: str | None = Field(
        default=None, description="Defaults to 'tool_calls' or 'stop'."
    )
    id: str | None = None
    model: str | None = None
    created: UnixTime | None = Field(default=None, description="Unix seconds.")
    usage: UsageSpec | None = None
    cost: str | None = Field(
        default=None,
        description="USD as a decimal string, e.g. '0.00054' (below a million, at most "
        f"{MAX_DECIMAL_PLACES} decimal places).",
    )
    stream: StreamSpec = Field(default_factory=StreamSpec)

    @field_validator("cost", mode="before")
    @classmethod
    def _cost_is_decimal(cls, value: Any) -> Any:
        return None if value is None else decimal_text(value, "cost")

    @field_validator("json_value", mode="after")
    @classmethod
    def _encodable_json(cls, value: Any) -> Any:
        if value is not None and (problem := json_problem(value, "json")):
            raise ValueError(problem)
        return value

    @property
    def content(self) -> str | None:
        """The message text on the wire: `text`, or `json` encoded."""
        if self.json_value is not None:
            return json.dumps(self.json_value, ensure_ascii=False)
        return self.text

    @model_validator(mode="after")
    def _consistent(self) -> ReplySpec:
        said = [
            name
            for name, value in (
                ("text", self.text),
                ("json", self.json_value),
                ("refusal", self.refusal),
            )
            if value is not None
        ]
        if self.error is not None and (said or self.tool_calls):
            raise ValueError(f"an error reply cannot also carry {', '.join(said) or 'tool calls'}")
        if len(said) > 1:
            raise ValueError(f"give one of {' or '.join(said)}: each is the whole message")
        if self.refusal is not None and self.tool_calls:
            raise ValueError("a refusal cannot also call tools")
        if isinstance(self.stream.chunks, list):
            joined = "".join(self.stream.chunks)
            whole = self.refusal if self.refusal is not None else self.content
            if not said:
                self.text = joined
            elif joined != whole:
                raise ValueError(f"stream.chunks must join to exactly the reply's {said[0]}")
        if self.error is None and self.text is None and not said and not self.tool_calls:
            raise ValueError(
                'a chat reply needs text ("" for an empty message), json, a refusal, '
                "tool_calls or an error"
            )
        return self
