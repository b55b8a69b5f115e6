"""Chat-completion models, field for field as the wire contract (§2) spells them.

Request models reject unknown fields so a typo fails in the caller's process instead of being
silently dropped; response models keep unknown fields so a newer server never breaks an older SDK.
Unlike the official SDK (which silently drops unknown keys in nested chat building blocks), the
chat building blocks here refuse them too. The official SDK's names for these models are
aliases at the end of this module.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import BeforeValidator, Field, GetCoreSchemaHandler, model_validator
from pydantic_core import core_schema

from meshapi.types._base import RequestModel, ResponseModel

Role: TypeAlias = Literal["system", "user", "assistant", "tool"]

# --------------------------------------------------------------------------- content parts


class TextContentPart(RequestModel):
    type: Literal["text"] = "text"
    text: str


class ImageUrl(RequestModel):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImageUrlContentPart(RequestModel):
    type: Literal["image_url"] = "image_url"
    image_url: ImageUrl


class InputAudio(RequestModel):
    format: Literal["wav", "mp3", "aiff", "aac", "ogg", "flac", "m4a", "pcm16", "pcm24"]
    data: str | None = None
    uri: str | None = None
    url: str | None = None


class InputAudioContentPart(RequestModel):
    type: Literal["input_audio"] = "input_audio"
    input_audio: InputAudio


class VideoUrl(RequestModel):
    url: str


class VideoUrlContentPart(RequestModel):
    type: Literal["video_url"] = "video_url"
    video_url: VideoUrl
    fps: str | None = None


ContentPart: TypeAlias = Annotated[
    TextContentPart | ImageUrlContentPart | InputAudioContentPart | VideoUrlContentPart,
    Field(discriminator="type"),
]

# --------------------------------------------------------------------------- tools


class ToolFunction(RequestModel):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    """A JSON Schema object describing the arguments."""


class Tool(RequestModel):
    type: Literal["function"] = "function"
    function: ToolFunction


class ToolChoiceFunction(RequestModel):
    name: str


class ToolChoiceObject(RequestModel):
    """Forces one named tool, where the string choices only say whether tools may be used."""

    type: Literal["function"] = "function"
    function: ToolChoiceFunction


ToolChoice: TypeAlias = Literal["auto", "none", "required"] | ToolChoiceObject


class ToolCallFunction(ResponseModel):
    name: str
    arguments: str
    """JSON-encoded arguments, exactly as the model produced them (they may be invalid JSON)."""


class ToolCall(ResponseModel):
    """A call the model asked for.

    Used in both directions: received in a reply and sent back unchanged when the assistant turn
    is replayed, so unknown fields (for example provider signatures) are kept and round-tripped.
    """

    id: str
    type: Literal["function"] = "function"
    function: ToolCallFunction
    thought_signature: str | None = None


# --------------------------------------------------------------------------- request


class ChatMessage(RequestModel):
    role: Role
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[ToolCall] | None = None
    reasoning_details: list[dict[str, Any]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_reply(cls, value: Any) -> Any:
        """A reply's message goes straight into the next request, as in a tool round trip.

        Only fields a request message can carry are taken from it; reply-only fields (such
        as ``audio`` or a provider's extras) stay behind. Plain dicts stay strict.
        """
        if isinstance(value, ChatCompletionMessage):
            fields = cls.model_fields
            data = value.model_dump(exclude_none=True)
            return {key: item for key, item in data.items() if key in fields}
        return value


class ChatImageOptions(RequestModel):
    n: int = Field(default=1, ge=1, le=10)
    size: str = "1024x1024"
    quality: str = "high"
    response_format: Literal["url", "b64_json"] = "url"


class ChatAudioOptions(RequestModel):
    voice: str = "alloy"
    format: Literal["wav", "mp3", "flac", "opus", "pcm16"] = "wav"


class ChatCompletionParams(RequestModel):
    """Body of ``POST /v1/chat/completions``.

    ``stream`` is accepted, as by the official SDK, but the method decides: ``create()`` always
    sends ``false`` and ``stream()`` always ``true``, so a request can never ask for one shape of
    answer while the SDK parses the other.
    """

    messages: list[ChatMessage]
    model: str | None = None
    models: list[str] | None = None
    stream: bool | None = None
    template: str | None = None
    variables: dict[str, str] | None = None
    session_id: str | None = None
    user: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    """OpenAI's newer name for ``max_tokens``; the gateway honours the smaller of the two."""
    seed: int | None = None
    stop: str | list[str] | None = None
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | None = None
    response_format: dict[str, Any] | None = None
    """``{"type": "json_schema", "json_schema": {"name", "schema", "strict"?}}`` or
    ``{"type": "json_object"}``; ``chat.completions.parse()`` fills it from a model."""
    modality: Literal["text", "image"] | None = None
    image: ChatImageOptions | None = None
    async_mode: bool | None = None
    modalities: list[Literal["text", "audio"]] | None = None
    audio: ChatAudioOptions | None = None
    timeout: float | None = Field(default=None, gt=0)
    """Upstream timeout in seconds, enforced by the gateway (not the HTTP client)."""
    cache: bool | None = None
    transforms: list[str] | None = None
    reasoning_effort: Literal["high", "medium", "low", "none"] | None = None


# --------------------------------------------------------------------------- response


class PromptTokensDetails(dict[str, Any]):
    """The usage breakdown object: a plain ``dict`` (as in the official SDK) whose keys also
    read as attributes, so ``details["cached_tokens"]`` and ``details.cached_tokens`` both work.
    """

    @property
    def cached_tokens(self) -> int | None:
        return self.get("cached_tokens")

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(cls, handler(dict[str, Any]))


class Usage(ResponseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: dict[str, Any] | None = None
    classifier_prompt_tokens: int | None = None
    classifier_completion_tokens: int | None = None
    classifier_tokens: int | None = None


class ChatCompletionMessage(ResponseModel):
    role: str
    content: str | list[ContentPart | dict[str, Any]] | None = None
    """Text, or parts: known part shapes become content-part models, anything else stays a dict."""
    refusal: str | None = None
    """Why the model declined to answer (``content`` is then None), as OpenAI's API says it."""
    tool_calls: list[ToolCall] | None = None
    audio: dict[str, Any] | None = None


def _empty_message() -> ChatCompletionMessage:
    return ChatCompletionMessage(role="assistant")


def _none_as_empty_message(value: Any) -> Any:
    return _empty_message() if value is None else value


class ChatCompletionChoice(ResponseModel):
    index: int
    message: Annotated[ChatCompletionMessage, BeforeValidator(_none_as_empty_message)] = Field(
        default_factory=_empty_message
    )
    """Never None: a choice sent without a message (or with ``null``) reads as an empty turn."""
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionResponse(ResponseModel):
    id: str
    object: str
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: Usage | None = None
    system_fingerprint: str | None = None
    cost: str | None = None
    """USD as a decimal string, so no precision is lost to floats. Set on accumulated streams."""


# --------------------------------------------------------------------------- parsed replies

ParsedT = TypeVar("ParsedT")


class ParsedChatCompletionMessage(ChatCompletionMessage, Generic[ParsedT]):
    """A message whose JSON ``content`` was validated as the type given to ``parse()``."""

    parsed: ParsedT | None = None
    """The validated value; None when the model refused (see ``refusal``) or called tools."""


class ParsedChatCompletionChoice(ChatCompletionChoice, Generic[ParsedT]):
    message: ParsedChatCompletionMessage[ParsedT]


class ParsedChatCompletion(ChatCompletionResponse, Generic[ParsedT]):
    """What ``chat.completions.parse()`` returns: the completion, each message ``parsed``."""

    choices: list[ParsedChatCompletionChoice[ParsedT]]  # type: ignore[assignment]
    # (a narrower list than the base's: every parsed choice is a ChatCompletionChoice)


# --------------------------------------------------------------------------- stream chunks


class ToolCallDeltaFunction(ResponseModel):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(ResponseModel):
    """One fragment of a tool call; ``index`` says which call it continues."""

    index: int
    id: str | None = None
    type: str | None = None
    function: ToolCallDeltaFunction | None = None


class ChoiceDelta(ResponseModel):
    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCallDelta] | None = None
    audio: dict[str, Any] | None = None


class ChunkChoice(ResponseModel):
    index: int
    delta: ChoiceDelta | None = None
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(ResponseModel):
    id: str
    object: str
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    cost: str | None = None
    system_fingerprint: str | None = None


# --------------------------------------------------------------------------- official names

# The official SDK (meshapi 0.1.11) spells these models differently; same classes, both names.
ChatRole: TypeAlias = Role
ImageDetail = ImageUrl
ContentPartText = TextContentPart
ContentPartImage = ImageUrlContentPart
ContentPartAudio = InputAudioContentPart
ContentPartVideo = VideoUrlContentPart
ImageOptions = ChatImageOptions
AudioOutputOptions = ChatAudioOptions
UsageInfo = Usage
ToolCallChunk = ToolCallDelta
ToolCallFunctionChunk = ToolCallDeltaFunction
ChatCompletionChunkDelta = ChoiceDelta
ChatCompletionChunkChoice = ChunkChoice
