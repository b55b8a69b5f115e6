"""The rule model: one shape for Python, scenario files and the admin API.

A rule is a `match` (which requests), a `reply` (what to answer) and `times` (how
often; once by default, `null`/"unlimited" for ever). Python-only extras — a match
predicate and a callable reply — live on the runtime `Rule`, not here, so that
everything in this module round-trips through JSON.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _string_shorthand(schema: dict[str, Any]) -> None:
    """Tell editors that a plain string is accepted too (see the before-validators)."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        options.insert(0, {"type": "string"})


class TextMatch(_Spec):
    """How to match a piece of text. A plain string in a file means `contains`."""

    contains: str | None = None
    equals: str | None = None
    regex: str | None = None
    ignore_case: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"contains": value}
        if isinstance(value, re.Pattern):
            return {"regex": value.pattern, "ignore_case": bool(value.flags & re.IGNORECASE)}
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> TextMatch:
        given = [k for k in ("contains", "equals", "regex") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'contains', 'equals' or 'regex'")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"invalid regex {self.regex!r}: {exc}") from exc
        return self

    def describe(self) -> str:
        for key in ("contains", "equals", "regex"):
            value = getattr(self, key)
            if value is not None:
                suffix = " (ignoring case)" if self.ignore_case else ""
                return f"{key} {value!r}{suffix}"
        return "?"


class ToolResultMatch(_Spec):
    """Matches the tool results that end the conversation (the turn being answered)."""

    tool_call_id: str | None = None
    name: str | None = None


Endpoint = Literal["chat"]


class MatchSpec(_Spec):
    """Which requests a rule answers. Every field given must hold; none given matches all."""

    endpoint: Endpoint = "chat"
    model: str | None = Field(
        default=None, description="Exact model id or a glob such as 'openai/*'."
    )
    last_user: TextMatch | None = Field(
        default=None,
        description="The latest user message. A plain string means 'contains'.",
        json_schema_extra=_string_shorthand,
    )
    any_message: TextMatch | None = Field(
        default=None,
        description="Any message of any role.",
        json_schema_extra=_string_shorthand,
    )
    system: TextMatch | None = Field(
        default=None,
        description="The system prompt (system messages joined).",
        json_schema_extra=_string_shorthand,
    )
    tools: bool | list[str] | None = Field(
        default=None,
        description="true: tools offered; false: none; a list: all these names offered.",
    )
    tool_result: bool | ToolResultMatch | None = Field(
        default=None,
        description="Whether the request ends with tool results; or which (a tool name).",
        json_schema_extra=_string_shorthand,
    )
    stream: bool | None = None
    headers: dict[str, str | TextMatch] | None = Field(
        default=None, description="Header values; a plain string must be equal (names ignore case)."
    )
    nth: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Only the n-th request (1-based) that meets the other criteria."
    )

    @field_validator("tool_result", mode="before")
    @classmethod
    def _tool_name_shorthand(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value


class ToolCallSpec(_Spec):
    name: Annotated[str, Field(min_length=1)]
    arguments: Any = Field(
        default_factory=dict,
        description="An object (JSON-encoded on the wire) or a raw string sent as-is.",
    )
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False)


class StreamSpec(_Spec):
    """How a reply is cut into SSE chunks when the request asks for `stream: true`."""

    chunks: Literal["words"] | Annotated[int, Field(ge=1)] | list[str] = Field(
        default="words",
        description="'words', a number of characters per chunk, or the explicit chunks.",
    )
    argument_chunks: Annotated[int, Field(ge=1)] = Field(
        default=16, description="Characters per tool-call `arguments` fragment."
    )
    interleave: bool = Field(default=False, description="Interleave parallel tool calls by index.")


class UsageSpec(_Spec):
    prompt_tokens: Annotated[int, Field(ge=0)] | None = None
    completion_tokens: Annotated[int, Field(ge=0)] | None = None
    total_tokens: Annotated[int, Field(ge=0)] | None = None


class ErrorSpec(_Spec):
    status: Annotated[int, Field(ge=400, le=599)]
    code: str | None = None
    message: str | None = None
    details: list[dict[str, Any]] | None = None
    retry_after: Annotated[float, Field(ge=0)] | None = Field(
        default=None, description="Seconds; sets `Retry-After` and `retry_after_seconds`."
    )
    provider_error: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


class ReplySpec(_Spec):
    """What the fake answers. Serves `stream: false` and `stream: true` alike."""

    text: str | None = None
    tool_calls: list[ToolCallSpec] | None = None
    finish_reason: str | None = Field(
        default=None, description="Defaults to 'tool_calls' or 'stop'."
    )
    id: str | None = None
    model: str | None = None
    created: int | None = None
    usage: UsageSpec | None = None
    cost: str | None = Field(default=None, description="USD as a decimal string, e.g. '0.00054'.")
    error: ErrorSpec | None = None
    stream: StreamSpec = Field(default_factory=StreamSpec)

    @field_validator("cost", mode="before")
    @classmethod
    def _cost_is_decimal(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise ValueError("cost must be a decimal number such as '0.00054'")
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"cost {value!r} is not a decimal number") from exc
        if not number.is_finite() or number < 0:
            raise ValueError("cost must be a non-negative decimal")
        return format(number, "f")

    @model_validator(mode="after")
    def _consistent(self) -> ReplySpec:
        if self.error is not None and (self.text is not None or self.tool_calls):
            raise ValueError("an error reply cannot also carry text or tool calls")
        if isinstance(self.stream.chunks, list):
            joined = "".join(self.stream.chunks)
            if self.text is None:
                self.text = joined
            elif joined != self.text:
                raise ValueError("stream.chunks must join to exactly the reply text")
        return self


def parse_times(value: Any) -> int | None:
    """`times`: a positive count, or `None`/'unlimited' for a rule that never runs out."""
    if value is None or value == "unlimited":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("times must be a positive integer, null or 'unlimited'")
    return value


class RuleSpec(_Spec):
    name: str | None = None
    match: MatchSpec = Field(default_factory=MatchSpec)
    reply: ReplySpec
    times: int | Literal["unlimited"] | None = 1

    @field_validator("times", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return parse_times(value)


class ScenarioFile(_Spec):
    """A scenario file: a list of rules, optionally named and described."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str | None = None
    description: str | None = None
    rules: list[RuleSpec]
