"""The Responses rule vocabulary: what a rule can match on and what it can answer.

A rule answers `create` unless its match names another `operation` (`list`, `get`), so
scripting a reply never gets used up by a client polling a background job; on `list` and
`get` only an `error` reply means anything (the stored responses are what is served).
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ...scripting.calls import (
    CallSpec,
    tool_name_shorthand,
    tool_result_differences,
    tools_differences,
)
from ...scripting.context import CallContext
from ...scripting.matching import any_text_difference, stream_difference, text_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, TextMatch, string_shorthand
from ...scripting.wire_values import (
    MAX_RETRY_AFTER,
    ChunkSize,
    JsonValue,
    TokenCount,
    UnixTime,
)
from .context import ResponsesContext

Operation = Literal["create", "list", "get"]
TextFormatType = Literal["text", "json_object", "json_schema"]


class FunctionResultMatch(Spec):
    """Matches the `function_call_output` items that end the input."""

    call_id: str | None = None
    name: str | None = None


class ResponsesMatch(BaseMatch):
    """Which Responses calls a rule answers. Every field given must hold."""

    operation: Operation | None = Field(
        default="create",
        description="Which operation: 'create' (the default), 'list' or 'get'; null for any.",
    )
    last_user: TextMatch | None = Field(
        default=None,
        description="The latest user message of `input`. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    any_message: TextMatch | None = Field(
        default=None,
        description="Any message of `input`, of any role.",
        json_schema_extra=string_shorthand,
    )
    instructions: TextMatch | None = Field(
        default=None,
        description="`instructions` and system or developer messages, joined.",
        json_schema_extra=string_shorthand,
    )
    tools: bool | list[str] | None = Field(
        default=None,
        description="true: function tools offered; false: none; a list: all these offered.",
    )
    tool_result: bool | FunctionResultMatch | None = Field(
        default=None,
        description="Whether `input` ends with function_call_output items; or which (a tool "
        "name, or {call_id, name}).",
        json_schema_extra=string_shorthand,
    )
    stream: bool | None = None
    background: bool | None = None
    text_format: TextFormatType | None = Field(
        default=None, description="The structured output asked for (`text.format.type`)."
    )

    _tool_name_shorthand = field_validator("tool_result", mode="before")(tool_name_shorthand)

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, ResponsesContext)
        out = super().differences(ctx)
        if ctx.create is None:  # list and get: only the shared criteria apply
            return out
        out.extend(stream_difference(self.stream, ctx))
        if self.background is not None and self.background != ctx.background:
            out.append(f"background: expected {self.background}, got {ctx.background}")
        # The context reads the input lazily: only for criteria that are set.
        if self.last_user is not None:
            out.extend(
                text_difference("last_user", self.last_user, ctx.last_user, "no user message")
            )
        if self.any_message is not None:
            out.extend(any_text_difference("any_message", self.any_message, ctx.message_texts))
        if self.instructions is not None:
            out.extend(text_difference("instructions", self.instructions, ctx.instructions))
        if self.tools is not None:
            out.extend(tools_differences(self.tools, ctx.tool_names, noun="function tools"))
        if self.tool_result is not None:
            out.extend(
                tool_result_differences(
                    self.tool_result,
                    ctx.pending_tool_results,
                    id_field="call_id",
                    subject="the input",
                    item="function_call_output",
                )
            )
        if self.text_format is not None:
            asked = ctx.text_format["type"] if ctx.text_format else "text"
            if asked != self.text_format:
                out.append(f"text_format: expected {self.text_format!r}, got {asked!r}")
        return out


# --------------------------------------------------------------------------- replies


class FunctionCallSpec(CallSpec):
    """One `function_call` output item."""

    call_id: str | None = Field(default=None, description="Made up from the request if absent.")
    id: str | None = Field(default=None, description="The item's id; made up if absent.")


class ResponsesStreamSpec(Spec):
    """How the output is cut into `…delta` events when the request asks for `stream: true`."""

    chunks: Literal["words"] | ChunkSize | list[str] = Field(
        default="words",
        description="'words', a number of characters per delta, or the explicit deltas.",
    )
    argument_chunks: ChunkSize = Field(
        default=16, description="Characters per `function_call_arguments.delta`."
    )


class ResponsesUsageSpec(Spec):
    """Token counts to report instead of the estimates (each below 2**31)."""

    input_tokens: TokenCount | None = None
    output_tokens: TokenCount | None = None
    total_tokens: TokenCount | None = None
    reasoning_tokens: TokenCount | None = None
    cached_tokens: TokenCount | None = None


Seconds = Annotated[float, Field(ge=0, le=MAX_RETRY_AFTER, allow_inf_nan=False)]


class ProgressSpec(Spec):
    """How long a background job stays in each state, in seconds of the fake's clock."""

    queued: Seconds = 1.0
    in_progress: Seconds = 2.0


class FailureSpec(Spec):
    """The `error` object of a response whose status is `failed`."""

    code: Annotated[str, Field(min_length=1)] = "server_error"
    message: str = "The model failed to produce a response."


class ResponsesReply(BaseReply):
    """What a Responses rule answers; serves `stream: false`, `stream: true` and background.

    It must say something — text (`""` for an empty message), function calls, a refusal,
    a failure or an error — so a rule cannot answer a silent nothing by accident.
    """

    text_field = "text"
    list_field = "function_calls"

    text: str | dict[str, JsonValue] | list[JsonValue] | None = Field(
        default=None,
        description="The message text; an object or array is sent as its JSON encoding.",
    )
    function_calls: list[FunctionCallSpec] | None = None
    refusal: str | None = Field(default=None, description="A refusal instead of text.")
    status: Literal["completed", "incomplete", "failed"] | None = Field(
        default=None,
        description="Defaults to 'completed' ('incomplete' when `max_output_tokens` cut it).",
    )
    incomplete_reason: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="`incomplete_details.reason`; 'max_output_tokens' by default."
    )
    failure: FailureSpec | None = Field(
        default=None, description="The response's `error`; implies status 'failed'."
    )
    id: str | None = None
    model: str | None = None
    created_at: UnixTime | None = Field(default=None, description="Unix seconds.")
    usage: ResponsesUsageSpec | None = None
    stream: ResponsesStreamSpec = Field(default_factory=ResponsesStreamSpec)
    progress: ProgressSpec | None = Field(
        default=None,
        description="Background jobs: seconds queued and in progress (1 and 2 by default).",
    )

    def output_text(self) -> str | None:
        """The text as sent: objects and arrays JSON-encoded."""
        if self.text is None or isinstance(self.text, str):
            return self.text
        return json.dumps(self.text, ensure_ascii=False)

    @model_validator(mode="after")
    def _consistent(self) -> ResponsesReply:
        says = self.text is not None or bool(self.function_calls) or self.refusal is not None
        if self.error is not None and (says or self.failure is not None):
            raise ValueError("an error reply cannot also carry text, calls, a refusal or a failure")
        if self.failure is not None:
            if self.status not in (None, "failed"):
                raise ValueError(f"a failure goes with status 'failed', not {self.status!r}")
            self.status = "failed"
        if isinstance(self.stream.chunks, list):
            joined = "".join(self.stream.chunks)
            if self.text is None:
                self.text = joined
                says = True
            elif joined != self.output_text():
                raise ValueError("stream.chunks must join to exactly the reply text")
        if self.error is None and not says and self.status != "failed":
            raise ValueError(
                'a responses reply needs text ("" for an empty message), function_calls, '
                "a refusal, a failure or an error"
            )
        return self
