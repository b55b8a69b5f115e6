"""The Responses API on the wire (contract §4): what clients send and what the fake sends.

The request is validated as the gateway's schema says (strict JSON types, unknown fields
kept for clients such as the `openai` SDK that send more); `input` items are read loosely
by `conversation.py`, because clients replay every kind of item they received. The
response models document what the fake renders (as plain dicts, for speed) in the
OpenAI shape that the `openai` SDK, the official `meshapi` SDK and agent frameworks read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...contract import Integral, WireInt, WireModel

BUILTIN_TOOLS = (
    "image_generation",
    "web_search_preview",
    "web_search_preview_2025_03_11",
    "file_search",
    "computer_use_preview",
    "code_interpreter",
)

HOSTED_CHOICES = (*BUILTIN_TOOLS, "allowed_tools", "mcp", "custom")


class FunctionTool(WireModel):
    type: Literal["function"]
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class BuiltinTool(WireModel):
    """A tool the provider runs itself; the fake accepts it and never calls it."""

    type: Literal[BUILTIN_TOOLS]  # type: ignore[valid-type]


Tool = Annotated[FunctionTool | BuiltinTool, Field(discriminator="type")]


class FunctionChoice(WireModel):
    type: Literal["function"]
    name: str


class HostedChoice(WireModel):
    """A choice of a built-in tool (or the provider's other kinds); the fake answers as
    with `auto` minus function calls, since it runs no built-in tool."""

    type: Literal[HOSTED_CHOICES]  # type: ignore[valid-type]


ToolChoice = Literal["auto", "none", "required"] | FunctionChoice | HostedChoice


class TextFormat(WireModel):
    """`text.format`: plain text, any JSON object, or JSON valid against `schema`."""

    model_config = ConfigDict(populate_by_name=True)

    type: Literal["text", "json_object", "json_schema"]
    name: str | None = None
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None
    description: str | None = None


class TextConfig(WireModel):
    format: TextFormat | None = None
    verbosity: Literal["low", "medium", "high"] | None = None


_WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}

# Seed Schemathesis's examples phase: a stream, a tool round trip, structured output and
# a background job are checked on every run, not only when drawn.
_EXAMPLES: dict[str, Any] = {
    "examples": [
        {"model": "openai/gpt-4o-mini", "input": "What is the capital of France?"},
        {
            "model": "openai/gpt-4o",
            "stream": True,
            "instructions": "Answer briefly.",
            "input": [{"role": "user", "content": "What's the weather in Paris?"}],
            "tools": [_WEATHER_TOOL],
        },
        {
            "model": "openai/gpt-4o",
            "input": [
                {"role": "user", "content": "What's the weather in Paris?"},
                {
                    "type": "function_call",
                    "call_id": "call_1",
                    "name": "get_weather",
                    "arguments": '{"city": "Paris"}',
                },
                {"type": "function_call_output", "call_id": "call_1", "output": "Sunny, 21 °C"},
            ],
            "tools": [_WEATHER_TOOL],
        },
        {
            "model": "openai/gpt-4o-mini",
            "input": "Name a city and its country.",
            "text": {
                "format": {
                    "type": "json_schema",
                    "name": "place",
                    "strict": True,
                    "schema": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
                        "required": ["city", "country"],
                        "additionalProperties": False,
                    },
                }
            },
        },
        {
            "model": "openai/gpt-4o-mini",
            "input": "Summarise the report.",
            "background": True,
            "reasoning": {"effort": "medium"},
        },
    ]
}


class ResponsesRequest(WireModel):
    """Body of `POST /v1/responses` (contract §4)."""

    model_config = ConfigDict(json_schema_extra=_EXAMPLES)

    input: str | list[dict[str, Any]] = Field(
        description="A user message, or conversation items: messages (`role` + `content`), "
        "`function_call` and `function_call_output` items; other item types are kept as sent."
    )
    model: str | None = None
    background: bool | None = None
    text: TextConfig | None = None
    template: str | None = None
    variables: dict[str, str] | None = None
    session_id: str | None = None
    stream: bool = False
    max_output_tokens: Annotated[int, Field(ge=1), Integral] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    seed: WireInt | None = None
    reasoning: dict[str, Any] | None = None
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | None = Field(
        default=None,
        description="A function choice must name one of `tools`, else the answer is 400 "
        "`invalid_request`.",
    )
    response_format: dict[str, Any] | None = None
    user: Annotated[str, Field(max_length=256)] | None = None
    timeout: Annotated[float, Field(gt=0)] | None = None
    previous_response_id: str | None = Field(
        default=None,
        description="Continue a stored response's conversation; unknown ids answer 404.",
    )
    instructions: str | None = None
    thinking: dict[str, Any] | None = None
    caching: dict[str, Any] | None = None
    context_management: dict[str, Any] | None = None
    store: bool | None = None
    include: list[Any] | None = None
    expire_at: WireInt | None = None
    max_tool_calls: Annotated[int, Field(ge=1, le=10), Integral] | None = None
    plugins: list[Any] | None = None

    def function_tools(self) -> list[FunctionTool]:
        return [t for t in self.tools or () if isinstance(t, FunctionTool)]


class ListQuery(BaseModel):
    """`GET /v1/responses?after=&limit=`: a page of background jobs, newest first."""

    model_config = ConfigDict(extra="ignore")

    after: str | None = Field(
        default=None, description="The id of the last job of the previous page."
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 20


# --------------------------------------------------------------------------- what is sent

Status = Literal["queued", "in_progress", "completed", "incomplete", "failed", "cancelled"]


class ResponseUsage(WireModel):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None


class ResponseObject(WireModel):
    """A response as created, retrieved or carried by a lifecycle event."""

    id: str
    object: Literal["response"]
    created_at: int
    status: Status
    model: str
    output: list[dict[str, Any]]
    usage: ResponseUsage | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    background: bool | None = None
    completed_at: int | None = None


class ResponseStreamEvent(WireModel):
    """One server-sent event; its SSE `event:` line repeats `type`."""

    type: str
    sequence_number: int
    response: ResponseObject | None = None


class ResponseListItem(WireModel):
    id: str
    object: Literal["response"]
    model: str
    provider: str
    status: Status
    created_at: int
    completed_at: int | None = None
    usage_synced: bool


class ResponseList(WireModel):
    object: Literal["list"]
    data: list[ResponseListItem]
    has_more: bool
    first_id: str | None = None
    last_id: str | None = None
