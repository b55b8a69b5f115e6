"""The wire shapes of `/v1/audio/*` (contract §14).

Speech takes JSON and answers audio bytes. Transcriptions and translations take
`multipart/form-data` (a `file` part and text parts, which the official SDK stringifies
Python-style: `True`, `['a', 'b']`); the same request models also read a JSON body
whose `file` is a `data:` URL or base64, which is what `/openapi.json` documents.
Voices are a page-token listing (contract §1.11).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ...contract import WireInt, WireModel
from ...forms import PythonList

SpeechFormat = Literal["wav", "pcm"]
"""What the fake encodes; mp3, opus, aac and flac are refused with a 422 naming these."""
SPEECH_FORMATS: tuple[str, ...] = ("wav", "pcm")
SampleRate = Literal[8000, 16000, 22050, 24000, 44100, 48000]
TextFormat = Literal["json", "text", "verbose_json", "srt", "vtt"]
"""How a transcription is answered (the `openai` SDK's `response_format`); json by default."""
MAX_INPUT = 4096
"""Characters of text one speech request says."""
SPEECH_EXAMPLE: dict[str, Any] = {
    "input": "Hello from the fake",
    "voice": "alloy",
    "response_format": "wav",
}
TINY_WAV_B64 = (
    "data:audio/wav;base64,UklGRiwAAABXQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0YQgAAAAAAAAAAAAAAA=="
)
"""A WAV of four silent samples: the documented examples' upload."""
Upload = Annotated[
    str,
    Field(
        min_length=1,
        description="The audio file: a `file` part of a multipart form, or in JSON a "
        "`data:` URL or base64.",
    ),
]


class VoiceSettings(WireModel):
    stability: float | None = None
    similarity_boost: float | None = None
    style: float | None = None
    use_speaker_boost: bool | None = None
    speed: float | None = None


class PronunciationDictionaryLocator(WireModel):
    pronunciation_dictionary_id: str
    version_id: str


class SpeechRequest(WireModel):
    """Body of `POST /v1/audio/speech`."""

    model_config = ConfigDict(json_schema_extra={"examples": [SPEECH_EXAMPLE]})

    input: Annotated[str, Field(min_length=1, max_length=MAX_INPUT)]
    model: str | None = None
    voice: str | None = None
    stream: bool | None = None
    response_format: SpeechFormat | None = Field(
        default=None,
        description="`wav` (the default: PCM16 mono) or `pcm` (raw PCM16 little-endian mono).",
    )
    language_code: str | None = None
    voice_settings: VoiceSettings | None = None
    pronunciation_dictionary_locators: list[PronunciationDictionaryLocator] | None = None
    seed: WireInt | None = None
    previous_text: str | None = None
    next_text: str | None = None
    previous_request_ids: list[str] | None = None
    next_request_ids: list[str] | None = None
    apply_text_normalization: str | None = None
    apply_language_text_normalization: bool | None = None
    use_pvc_as_ivc: bool | None = None
    enable_logging: bool | None = None
    optimize_streaming_latency: WireInt | None = None
    speaker: str | None = None
    target_language_code: str | None = None
    pitch: float | None = None
    pace: float | None = None
    loudness: float | None = None
    speech_sample_rate: SampleRate | None = Field(
        default=None, description="Samples per second (24000 by default)."
    )
    enable_preprocessing: bool | None = None


_UPLOAD_EXAMPLE: dict[str, Any] = {"file": TINY_WAV_B64, "model": "openai/whisper-1"}


class TranscriptionRequest(WireModel):
    """Body of `POST /v1/audio/transcriptions`."""

    model_config = ConfigDict(json_schema_extra={"examples": [_UPLOAD_EXAMPLE]})

    file: Upload
    model: str
    language_code: str | None = None
    tag_audio_events: bool | None = None
    num_speakers: WireInt | None = None
    timestamps_granularity: str | None = None
    diarize: bool | None = None
    diarization_threshold: float | None = None
    additional_formats: str | None = None
    file_format: str | None = None
    cloud_storage_url: str | None = None
    source_url: str | None = None
    webhook: bool | None = None
    webhook_id: str | None = None
    temperature: float | None = None
    seed: WireInt | None = None
    use_multi_channel: bool | None = None
    webhook_metadata: str | None = None
    entity_detection: str | None = None
    no_verbatim: bool | None = None
    detect_speaker_roles: bool | None = None
    entity_redaction: str | None = None
    entity_redaction_mode: str | None = None
    keyterms: Annotated[list[str], PythonList] | None = None
    with_timestamps: bool | None = None
    debug_mode: bool | None = None
    language: str | None = Field(default=None, description="The `openai` SDK's language.")
    response_format: TextFormat | None = None


_TRANSLATE_EXAMPLE: dict[str, Any] = {"file": TINY_WAV_B64}


class TranscriptionTranslateRequest(WireModel):
    """Body of `POST /v1/audio/transcriptions/translate`: transcribe into English."""

    model_config = ConfigDict(json_schema_extra={"examples": [_TRANSLATE_EXAMPLE]})

    file: Upload
    model: str | None = None
    prompt: str | None = None
    response_format: TextFormat | None = None


class AudioTranslationRequest(WireModel):
    """Body of `POST /v1/audio/translations`."""

    model_config = ConfigDict(json_schema_extra={"examples": [_UPLOAD_EXAMPLE]})

    file: Upload
    model: str
    prompt: str | None = None
    response_format: TextFormat | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None


TextRequest = TranscriptionRequest | TranscriptionTranslateRequest | AudioTranslationRequest


class TranscriptionObject(BaseModel):
    """A transcription or translation (json answer; `GET …/transcriptions/{id}` too)."""

    id: str = Field(description="Fetch it again with `GET /v1/audio/transcriptions/{id}`.")
    object: Literal["audio.transcription", "audio.translation"]
    text: str
    model: str | None = None
    language_code: str
    duration: float | None = Field(
        default=None, description="Seconds of audio, when the file's format tells."
    )
    created_at: int


class VoicesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    next_page_token: str | None = None
    page_size: Annotated[int, Field(ge=1, le=100)] = 10
    search: str | None = None
    sort: Literal["name", "created_at_unix"] | None = None
    sort_direction: Literal["asc", "desc"] = "asc"
    voice_type: str | None = None
    category: str | None = None
    include_total_count: bool = True
    voice_ids: list[str] = []


class VoiceObject(BaseModel):
    voice_id: str
    name: str
    category: str | None = None
    description: str | None = None
    preview_url: str | None = None
    labels: dict[str, Any] = {}


class VoicesPage(BaseModel):
    voices: list[VoiceObject]
    has_more: bool
    total_count: int | None = None
    next_page_token: str | None = None


BINARY: dict[str, Any] = {"type": "string", "format": "binary"}
