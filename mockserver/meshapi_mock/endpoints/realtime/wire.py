"""Realtime's wire shapes (contract §16; the OpenAI Realtime GA protocol).

The handshake's query (`RealtimeQuery`), the client events the fake reads into models
(`session.update`'s session, `conversation.item.create`'s item, `response.create`'s
response) and `RealtimeTurn`, what a rule matches and a reply function reads for each
`response.create`. Unknown fields of a session or response are refused as the real API
refuses them (`unknown_parameter`), so a typo in an app's session shows up in its tests.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Modality = Literal["text", "audio"]
SAMPLE_RATE = 24_000
"""PCM16 mono at 24 kHz: the only audio format the fake speaks and reads."""


class RealtimeQuery(BaseModel):
    """`/v1/realtime?model=…&api_key=…` (the official SDK's handshake)."""

    model_config = ConfigDict(extra="ignore")

    model: Annotated[str, Field(min_length=1)] = Field(
        description="The realtime model, e.g. 'openai/gpt-4o-realtime-preview'."
    )
    api_key: str | None = Field(
        default=None,
        description="The MeshAPI key (`rsk_…`); a bearer `Authorization` header is taken "
        "when it is absent.",
    )


class AudioFormat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["audio/pcm"] = "audio/pcm"
    rate: Literal[24000] = 24000


class AudioInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: AudioFormat | None = None
    transcription: dict[str, Any] | None = None
    noise_reduction: dict[str, Any] | None = None
    turn_detection: dict[str, Any] | None = None


class AudioOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: AudioFormat | None = None
    voice: str | dict[str, Any] | None = None
    speed: Annotated[float, Field(ge=0.25, le=1.5)] | None = None


class AudioConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: AudioInput | None = None
    output: AudioOutput | None = None


OutputModalities = Annotated[list[Modality], Field(min_length=1, max_length=1)]
"""`["text"]` or `["audio"]` (audio comes with its transcript): not both, as in GA."""


class SessionUpdate(BaseModel):
    """`session.update`'s `session`: the fields given replace the session's."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["realtime"] = "realtime"
    model: str | None = None
    instructions: str | None = None
    output_modalities: OutputModalities | None = None
    audio: AudioConfig | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    max_output_tokens: Annotated[int, Field(ge=1, le=4096)] | Literal["inf"] | None = None
    tracing: str | dict[str, Any] | None = None
    truncation: str | dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    include: list[str] | None = None
    parallel_tool_calls: bool | None = None
    reasoning: dict[str, Any] | None = None


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["input_text", "input_audio", "input_image", "output_text", "output_audio", "text"]
    text: str | None = None
    audio: str | None = None
    transcript: str | None = None
    image_url: str | None = None
    detail: str | None = None


class Item(BaseModel):
    """`conversation.item.create`'s item: a message, or a function call and its output."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    object: Literal["realtime.item"] | None = None
    type: Literal["message", "function_call", "function_call_output"]
    role: Literal["user", "assistant", "system"] | None = None
    status: str | None = None
    content: list[ContentPart] | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None
    output: str | None = None


class ResponseParams(BaseModel):
    """`response.create`'s `response`: this response's overrides of the session."""

    model_config = ConfigDict(extra="forbid")

    instructions: str | None = None
    output_modalities: OutputModalities | None = None
    conversation: str | None = None
    metadata: dict[str, str] | None = None
    max_output_tokens: Annotated[int, Field(ge=1, le=4096)] | Literal["inf"] | None = None
    audio: dict[str, Any] | None = None
    input: list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    reasoning: dict[str, Any] | None = None


class ConversationEntry(BaseModel):
    """One item of the conversation as a turn shows it: who, and what was said (text)."""

    role: str
    type: str = "message"
    text: str | None = None
    audio_ms: float | None = None


class RealtimeTurn(BaseModel):
    """One `response.create`, as rules match it and a reply function reads it."""

    model: str
    instructions: str = ""
    """This response's instructions, else the session's."""
    output_modalities: list[Modality] = Field(default_factory=lambda: list[Modality](["audio"]))
    voice: str = "marin"
    input: str | None = None
    """The last user input's text (an `input_text` part); None after audio input."""
    input_audio_ms: float | None = None
    """The last user input's audio, in milliseconds, when it was audio."""
    conversation: list[ConversationEntry] = Field(default_factory=list)
    number: int = 1
    """1 for the session's first response, 2 for the next, …"""
    metadata: dict[str, str] | None = None
