"""``client.audio``: speech (raw bytes), transcriptions and translations (multipart), voices.

Multipart form fields are stringified as the official SDK does (``True``, ``['a', 'b']``); the
file is the part ``file``, sent as ``application/octet-stream``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.audio import (
    AudioTranslationsParams,
    ListVoicesParams,
    SpeechParams,
    TranscriptionParams,
    TranscriptionResponse,
    TranscriptionTranslateParams,
    Voice,
    VoicesResponse,
)

M = TypeVar("M", bound=BaseModel)
DEFAULT_FILENAME = "audio.mp3"


def _synthesize(params: SpeechParams | Mapping[str, Any]) -> Call[bytes]:
    return rq.post("/v1/audio/speech", rq.dump(params, SpeechParams), rq.raw_bytes)


def _upload(
    path: str, file: bytes, filename: str, params: M | Mapping[str, Any] | None, model: type[M]
) -> Call[TranscriptionResponse]:
    files = {"file": (filename, file, "application/octet-stream")}
    fields = rq.form_fields(params, model)
    return rq.multipart(path, fields, files, rq.as_model(TranscriptionResponse))


def _transcribe(
    file: bytes, params: TranscriptionParams | Mapping[str, Any], filename: str
) -> Call[TranscriptionResponse]:
    return _upload("/v1/audio/transcriptions", file, filename, params, TranscriptionParams)


def _translate(
    file: bytes, params: TranscriptionTranslateParams | Mapping[str, Any] | None, filename: str
) -> Call[TranscriptionResponse]:
    path = "/v1/audio/transcriptions/translate"
    return _upload(path, file, filename, params, TranscriptionTranslateParams)


def _audio_translate(
    file: bytes, params: AudioTranslationsParams | Mapping[str, Any], filename: str
) -> Call[TranscriptionResponse]:
    return _upload("/v1/audio/translations", file, filename, params, AudioTranslationsParams)


def _get_transcription(transcription_id: str) -> Call[Any]:
    # Ids go into paths as given, as the official SDK does; the answer is untyped JSON.
    return rq.get(f"/v1/audio/transcriptions/{transcription_id}", rq.raw_json)


def _list_voices(params: ListVoicesParams | Mapping[str, Any] | None) -> Call[VoicesResponse]:
    query = rq.dump(params, ListVoicesParams)
    return rq.get("/v1/audio/voices", rq.as_model(VoicesResponse), query)


def _get_voice(voice_id: str) -> Call[Voice]:
    return rq.get(f"/v1/audio/voices/{voice_id}", rq.as_model(Voice))


class AudioResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def synthesize(self, params: SpeechParams | Mapping[str, Any]) -> bytes:
        """The audio bytes exactly as the server sent them."""
        return self._http.call(_synthesize(params))

    def transcribe(
        self,
        file: bytes,
        params: TranscriptionParams | Mapping[str, Any],
        *,
        filename: str = DEFAULT_FILENAME,
    ) -> TranscriptionResponse:
        return self._http.call(_transcribe(file, params, filename))

    def get_transcription(self, transcription_id: str) -> Any:
        return self._http.call(_get_transcription(transcription_id))

    def translate(
        self,
        file: bytes,
        params: TranscriptionTranslateParams | Mapping[str, Any] | None = None,
        *,
        filename: str = DEFAULT_FILENAME,
    ) -> TranscriptionResponse:
        """``POST /v1/audio/transcriptions/translate``: transcribe into English."""
        return self._http.call(_translate(file, params, filename))

    def audio_translate(
        self,
        file: bytes,
        params: AudioTranslationsParams | Mapping[str, Any],
        *,
        filename: str = DEFAULT_FILENAME,
    ) -> TranscriptionResponse:
        """``POST /v1/audio/translations``: the standalone translation endpoint."""
        return self._http.call(_audio_translate(file, params, filename))

    def list_voices(
        self, params: ListVoicesParams | Mapping[str, Any] | None = None
    ) -> VoicesResponse:
        return self._http.call(_list_voices(params))

    def get_voice(self, voice_id: str) -> Voice:
        return self._http.call(_get_voice(voice_id))


class AsyncAudioResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def synthesize(self, params: SpeechParams | Mapping[str, Any]) -> bytes:
        """The audio bytes exactly as the server sent them."""
        return await self._http.call(_synthesize(params))

    async def transcribe(
        self,
        file: bytes,
        params: TranscriptionParams | Mapping[str, Any],
        *,
        filename: str = DEFAULT_FILENAME,
    ) -> TranscriptionResponse:
        return await self._http.call(_transcribe(file, params, filename))

    async def get_transcription(self, transcription_id: str) -> Any:
        return await self._http.call(_get_transcription(transcription_id))

    async def translate(
        self,
        file: bytes,
        params: TranscriptionTranslateParams | Mapping[str, Any] | None = None,
        *,
        filename: str = DEFAULT_FILENAME,
    ) -> TranscriptionResponse:
        """``POST /v1/audio/transcriptions/translate``: transcribe into English."""
        return await self._http.call(_translate(file, params, filename))

    async def audio_translate(
        self,
        file: bytes,
        params: AudioTranslationsParams | Mapping[str, Any],
        *,
        filename: str = DEFAULT_FILENAME,
    ) -> TranscriptionResponse:
        """``POST /v1/audio/translations``: the standalone translation endpoint."""
        return await self._http.call(_audio_translate(file, params, filename))

    async def list_voices(
        self, params: ListVoicesParams | Mapping[str, Any] | None = None
    ) -> VoicesResponse:
        return await self._http.call(_list_voices(params))

    async def get_voice(self, voice_id: str) -> Voice:
        return await self._http.call(_get_voice(voice_id))
