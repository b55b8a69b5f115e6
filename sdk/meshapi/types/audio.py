"""Audio: speech (raw bytes), transcriptions and translations (multipart), voices."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel


class VoiceSettings(OptionsModel):
    stability: float | None = None
    similarity_boost: float | None = None
    style: float | None = None
    use_speaker_boost: bool | None = None
    speed: float | None = None


class PronunciationDictionaryLocator(OptionsModel):
    pronunciation_dictionary_id: str
    version_id: str


class SpeechParams(RequestModel):
    input: str
    model: str | None = None
    voice: str | None = None
    stream: bool | None = None
    response_format: str | None = None
    language_code: str | None = None
    voice_settings: VoiceSettings | None = None
    pronunciation_dictionary_locators: list[PronunciationDictionaryLocator] | None = None
    seed: int | None = None
    previous_text: str | None = None
    next_text: str | None = None
    previous_request_ids: list[str] | None = None
    next_request_ids: list[str] | None = None
    apply_text_normalization: str | None = None
    apply_language_text_normalization: bool | None = None
    use_pvc_as_ivc: bool | None = None
    enable_logging: bool | None = None
    optimize_streaming_latency: int | None = None
    speaker: str | None = None
    target_language_code: str | None = None
    pitch: float | None = None
    pace: float | None = None
    loudness: float | None = None
    speech_sample_rate: int | None = None
    enable_preprocessing: bool | None = None


class TranscriptionParams(RequestModel):
    model: str
    language_code: str | None = None
    tag_audio_events: bool | None = None
    num_speakers: int | None = None
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
    seed: int | None = None
    use_multi_channel: bool | None = None
    webhook_metadata: str | None = None
    entity_detection: str | None = None
    no_verbatim: bool | None = None
    detect_speaker_roles: bool | None = None
    entity_redaction: str | None = None
    entity_redaction_mode: str | None = None
    keyterms: list[str] | None = None
    with_timestamps: bool | None = None
    debug_mode: bool | None = None


class TranscriptionTranslateParams(RequestModel):
    model: str | None = None
    prompt: str | None = None


class AudioTranslationsParams(RequestModel):
    model: str
    prompt: str | None = None
    response_format: str | None = None
    temperature: float | None = Field(None, ge=0.0, le=2.0)


class TranscriptionResponse(ResponseModel):
    text: str


class ListVoicesParams(RequestModel):
    next_page_token: str | None = None
    page_size: int | None = None
    search: str | None = None
    sort: str | None = None
    sort_direction: str | None = None
    voice_type: str | None = None
    category: str | None = None
    include_total_count: bool | None = None
    voice_ids: list[str] | None = None


class Voice(ResponseModel):
    voice_id: str
    name: str
    category: str | None = None
    description: str | None = None
    preview_url: str | None = None
    labels: dict[str, Any] = Field(default_factory=dict)


class VoicesResponse(ResponseModel):
    voices: list[Voice]
    has_more: bool | None = None
    total_count: int | None = None
    next_page_token: str | None = None
