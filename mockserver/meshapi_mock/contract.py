"""The MeshAPI wire contract as pydantic models.

Request models validate what clients send (422 details come straight from them);
response models describe what the fake renders and feed `/openapi.json`. Request
models allow unknown fields: other clients (the `openai` SDK) send extras such as
`stream_options`, and a gateway that rejected them would break those clients.

Request models are strict: a value passes only if it has the JSON type the contract
(and so `/openapi.json`) gives it, so `"stream": "true"` or `"max_tokens": "5"` is a
422 rather than silently coerced. A rule a validator checks beyond types (a tool
message needs `tool_call_id`) is also written into the model's JSON Schema, so the
document and the validator say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

Role = Literal["system", "user", "assistant", "tool"]

JsonSchema = dict[str, Any]


def _integral(value: Any) -> Any:
    """JSON Schema counts `2.0` as an integer; strict pydantic alone would refuse it."""
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise PydanticCustomError(
            "int_from_float", "Input should be a valid integer, got a number with a fractional part"
        )
    return value


Integral = BeforeValidator(_integral)
"""Put last in `Annotated[int, Field(ge=1), Integral]`: constraints before it stay in the schema."""
WireInt = Annotated[int, Integral]
"""A JSON integer: whole numbers (`2` or `2.0`), never strings or booleans."""


def required_when(field: str, value: str, *needs: tuple[str, JsonSchema]) -> JsonSchema:
    """`if field == value then these properties are present and match`, as JSON Schema."""
    return {
        "if": {"properties": {field: {"const": value}}, "required": [field]},
        "then": {
            "properties": dict(needs),
            "required": [name for name, _ in needs],
        },
    }


def with_conditions(*conditions: JsonSchema) -> Callable[[JsonSchema], None]:
    """A `json_schema_extra` that adds what a model validator enforces beyond types."""

    def extra(schema: JsonSchema) -> None:
        schema.setdefault("allOf", []).extend(conditions)

    return extra


class WireModel(BaseModel):
    """Base of every request model: strict JSON types, unknown fields kept."""

    model_config = ConfigDict(extra="allow", strict=True)


_Wire = WireModel


class TextPart(_Wire):
    type: Literal["text"]
    text: str


class ImageURL(_Wire):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImagePart(_Wire):
    type: Literal["image_url"]
    image_url: ImageURL


class InputAudio(_Wire):
    data: str | None = None
    uri: str | None = None
    url: str | None = None
    format: Literal["wav", "mp3", "aiff", "aac", "ogg", "flac", "m4a", "pcm16", "pcm24"]


class AudioPart(_Wire):
    type: Literal["input_audio"]
    input_audio: InputAudio


class VideoURL(_Wire):
    url: str


class VideoPart(_Wire):
    type: Literal["video_url"]
    video_url: VideoURL
    fps: str | None = None


ContentPart = Annotated[TextPart | ImagePart | AudioPart | VideoPart, Field(discriminator="type")]


class FunctionCall(_Wire):
    name: str
    arguments: str


class ToolCall(_Wire):
    id: str
    type: Literal["function"]
    function: FunctionCall
    thought_signature: str | None = None


_NON_EMPTY: JsonSchema = {"type": "string", "minLength": 1}


class Message(_Wire):
    model_config = ConfigDict(
        json_schema_extra=with_conditions(
            required_when("role", "tool", ("tool_call_id", _NON_EMPTY)),
        )
    )

    role: Role
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[ToolCall] | None = None
    reasoning_details: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _tool_messages_name_their_call(self) -> Message:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a message with role 'tool' needs 'tool_call_id'")
        return self

    def text(self) -> str:
        """The message's text, with text parts joined by newlines."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content if isinstance(p, TextPart))


class FunctionDefinition(_Wire):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ToolDefinition(_Wire):
    type: Literal["function"]
    function: FunctionDefinition


class ToolChoiceFunction(_Wire):
    name: str


class ToolChoiceObject(_Wire):
    type: Literal["function"]
    function: ToolChoiceFunction


MESSAGES_UNLESS_TEMPLATE: JsonSchema = {
    "if": {"properties": {"template": {"type": "string"}}, "required": ["template"]},
    "else": {"properties": {"messages": {"minItems": 1}}},
}
"""`messages` may be `[]` only beside a `template`: one that holds the whole conversation
needs no more (the official SDK always sends `messages`, so `[]` is how it says so). Whether
the filled-in conversation is empty is the template's to answer (`templating.py`)."""
MESSAGES_DESCRIPTION = (
    "At least one, unless a `template` is named: its conversation may be the whole one."
)


def messages_or_template(request: Any) -> Any:
    """An `after` model validator: `messages: []` without a `template` is the `too_short`
    at `messages` that `Field(min_length=1)` would give (and `/openapi.json` describes with
    `MESSAGES_UNLESS_TEMPLATE`)."""
    if not request.messages and request.template is None:
        raise ValidationError.from_exception_data(
            type(request).__name__,
            [
                InitErrorDetails(
                    type="too_short",
                    loc=("messages",),
                    input=request.messages,
                    ctx={"field_type": "List", "min_length": 1, "actual_length": 0},
                )
            ],
        )
    return request


class ImageOptions(_Wire):
    n: Annotated[int, Field(ge=1, le=10), Integral] = 1
    size: str = "1024x1024"
    quality: str = "high"
    response_format: Literal["url", "b64_json"] = "url"


class AudioOptions(_Wire):
    voice: str = "alloy"
    format: Literal["wav", "mp3", "flac", "opus", "pcm16"] = "wav"


_WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


# Examples document the common shapes and seed Schemathesis's examples phase, so a
# stream and a tool round trip are checked on every run, not only when drawn.
_CHAT_EXAMPLES: dict[str, Any] = {
    "allOf": [MESSAGES_UNLESS_TEMPLATE],
    "examples": [
        {
            "model": "openai/gpt-4o-mini",
            "messages": [{"role": "user", "content": "What is the capital of France?"}],
        },
        {
            "model": "openai/gpt-4o",
            "stream": True,
            "messages": [{"role": "user", "content": "What's the weather in Paris?"}],
            "tools": [_WEATHER_TOOL],
            "tool_choice": "auto",
        },
        {
            "model": "openai/gpt-4o",
            "stream": True,
            "messages": [
                {"role": "user", "content": "What's the weather in Paris?"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {
                                "name": "get_weather",
                                "arguments": '{"city": "Paris"}',
                            },
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 °C"},
            ],
            "tools": [_WEATHER_TOOL],
        },
    ],
}


class ChatCompletionRequest(_Wire):
    """Body of `POST /v1/chat/completions` (contract §2.1)."""

    model_config = ConfigDict(json_schema_extra=_CHAT_EXAMPLES)

    messages: list[Message] = Field(description=MESSAGES_DESCRIPTION)
    model: str | None = None
    models: list[str] | None = None
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    template: str | None = None
    variables: dict[str, str] | None = None
    session_id: str | None = None
    user: str | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    frequency_penalty: Annotated[float, Field(ge=-2, le=2)] | None = None
    presence_penalty: Annotated[float, Field(ge=-2, le=2)] | None = None
    max_tokens: Annotated[int, Field(ge=1), Integral] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1), Integral] | None = Field(
        default=None, description="OpenAI's newer name for `max_tokens`; the smaller one wins."
    )
    seed: WireInt | None = None
    stop: str | list[str] | None = None
    tools: list[ToolDefinition] | None = None
    tool_choice: Literal["auto", "none", "required"] | ToolChoiceObject | None = Field(
        default=None,
        description="An object must name one of `tools`, else the answer is 400 `invalid_request`.",
    )
    response_format: dict[str, Any] | None = Field(
        default=None,
        description='`{"type": "json_schema", "json_schema": {"name", "schema", "strict"?}}` or '
        '`{"type": "json_object"}`: default mode then answers with JSON (valid against the '
        "schema). Other shapes are accepted and answered with text.",
    )
    modality: Literal["text", "image"] | None = None
    image: ImageOptions | None = None
    async_mode: bool | None = None
    modalities: list[Literal["text", "audio"]] | None = None
    audio: AudioOptions | None = None
    timeout: Annotated[float, Field(gt=0)] | None = None
    cache: bool | None = None
    transforms: list[str] | None = None
    reasoning_effort: Literal["high", "medium", "low", "none"] | None = None

    _messages_or_template = model_validator(mode="after")(messages_or_template)


# --- responses (rendered as plain dicts for speed; these models document them) ---


class Usage(_Wire):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: dict[str, Any] | None = None
    completion_tokens_details: dict[str, Any] | None = None


class AssistantMessage(_Wire):
    role: Literal["assistant"]
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class Choice(_Wire):
    index: int
    message: AssistantMessage
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletion(_Wire):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None


class ToolCallFragmentFunction(_Wire):
    name: str | None = None
    arguments: str | None = None


class ToolCallFragment(_Wire):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: ToolCallFragmentFunction | None = None


class Delta(_Wire):
    role: Literal["assistant"] | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCallFragment] | None = None


class ChunkChoice(_Wire):
    index: int
    delta: Delta | None = None
    finish_reason: str | None = None


class ChatCompletionChunk(_Wire):
    id: str
    object: Literal["chat.completion.chunk"]
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    cost: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] | None = None


class ModelPricing(_Wire):
    prompt_usd_per_1k: str | None = None
    completion_usd_per_1k: str | None = None
    prompt_usd_per_1m: str | None = None
    completion_usd_per_1m: str | None = None
    pricing_unit: str | None = None


class ModelInfo(_Wire):
    id: str
    name: str
    is_free: bool
    context_length: int | None = None
    pricing: ModelPricing | None = None
    description: str | None = None
    model_type: str | None = None
    brand: str | None = None
    provider: str | None = None
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None
    supports_tools: bool | None = None
    supports_structured_output: bool | None = None
    supports_system_prompt: bool | None = None


class ModelsPage(_Wire):
    items: list[ModelInfo]
    total: int
    limit: int
    offset: int
    brands: list[str] = Field(default_factory=list)


class ErrorDetail(_Wire):
    type: str
    loc: list[str | int]
    msg: str


class ErrorBody(_Wire):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None
    provider_error: dict[str, Any] | None = None
    retry_after_seconds: int | None = None


class ErrorEnvelope(_Wire):
    error: ErrorBody
    request_id: str | None = None


class StreamError(_Wire):
    """A mid-stream failure frame (contract §1.10): clients raise on a non-null `error`."""

    error: ErrorBody
