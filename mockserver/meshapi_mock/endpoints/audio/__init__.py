"""`/v1/audio/*` (contract §14): speech, transcriptions, translations and voices.

Speech answers real audio: WAV (PCM16 mono, 24 kHz unless `speech_sample_rate` says)
or raw PCM, in which the text is said as tones a transcription hears back
(`signal.py`): same request, same bytes; the voice sets the pitch, the seed the
loudness of each word. mp3, opus, aac and flac are refused with a 422 naming wav and
pcm. Transcriptions and translations take multipart uploads (or JSON with the file as
base64) and answer what the upload says when the fake's speech made it, else a stable
phrase derived from its bytes; each is stored under the id its answer carries for
`GET /v1/audio/transcriptions/{id}`. Voices come from a small built-in catalogue,
paged by page token.

The parts: the wire shapes (`wire.py`), tones (`signal.py`), voices (`voices.py`), the
transcription store (`store.py`), the context (`context.py`), the rule vocabulary
(`vocabulary.py`), rendering (`render.py`) and the scripting face (`script.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..base import Endpoint, Operation, Response
from .context import AudioContext
from .render import render_speech, render_stored, render_text, render_voice, render_voices
from .script import AudioScript
from .vocabulary import AudioMatch, AudioReply
from .wire import (
    BINARY,
    AudioTranslationRequest,
    SpeechRequest,
    TranscriptionObject,
    TranscriptionRequest,
    TranscriptionTranslateRequest,
    VoiceObject,
    VoicesPage,
    VoicesQuery,
)

if TYPE_CHECKING:
    from ..base import Host

_DEFAULT = AudioReply()
"""Default mode's reply: say the input, hear the upload, list the catalogue."""


def answer(ctx: AudioContext, state: Host) -> AudioReply:
    return _DEFAULT


_UPLOAD_ERRORS = (400, 401, 402, 403, 404, 413, 422, 429, 500, 503)

GET_TRANSCRIPTION = Operation(
    name="get_transcription",
    method="GET",
    path="/v1/audio/transcriptions/{transcription_id}",
    summary="Get a transcription or translation the fake made, by id",
    answer=answer,
    render=render_stored,
    response=Response("The transcription, as it was answered", TranscriptionObject),
    errors=(401, 404),
    synthetic=False,
    path_examples={"transcription_id": "tr_unknown"},
)
_FETCH = {
    "GetTranscription": {
        "operationId": GET_TRANSCRIPTION.operation_id,
        "parameters": {"transcription_id": "$response.body#/id"},
    }
}


_TEXT_FORMATS = {"text/plain": {"type": "string"}, "text/vtt": {"type": "string"}}
"""`text` and `srt` answers are plain text, `vtt` WebVTT."""


def _text_op(name: str, path: str, summary: str, request: Any) -> Operation:
    return Operation(
        name=name,
        method="POST",
        path=path,
        summary=summary,
        answer=answer,
        render=render_text,
        request=request,
        form=True,
        model_fields=("model",),
        response=Response(
            "The text (json; `response_format` may ask for text, verbose_json, srt or vtt)",
            TranscriptionObject,
            also=_TEXT_FORMATS,
            links=_FETCH,
        ),
        errors=_UPLOAD_ERRORS,
    )


ENDPOINT = Endpoint(
    name="audio",
    match=AudioMatch,
    reply=AudioReply,
    script=AudioScript,
    context=AudioContext,
    description="Audio: speech as real WAV or PCM, transcriptions and translations of "
    "uploads (stored by id), and voices.",
    operations=(
        Operation(
            name="speech",
            method="POST",
            path="/v1/audio/speech",
            summary="Synthesize speech: WAV or raw PCM16 bytes",
            answer=answer,
            render=render_speech,
            request=SpeechRequest,
            model_fields=("model",),
            response=Response(
                "The audio bytes (`audio/wav` or `audio/pcm`)", BINARY, media_type="audio/*"
            ),
            errors=(400, 401, 402, 403, 404, 413, 422, 429, 500, 503),
        ),
        _text_op(
            "transcribe",
            "/v1/audio/transcriptions",
            "Transcribe an audio file (multipart upload)",
            TranscriptionRequest,
        ),
        _text_op(
            "translate",
            "/v1/audio/transcriptions/translate",
            "Transcribe an audio file into English (multipart upload)",
            TranscriptionTranslateRequest,
        ),
        _text_op(
            "translations",
            "/v1/audio/translations",
            "Translate an audio file into English (multipart upload)",
            AudioTranslationRequest,
        ),
        GET_TRANSCRIPTION,
        Operation(
            name="list_voices",
            method="GET",
            path="/v1/audio/voices",
            summary="List voices (page-token paging)",
            answer=answer,
            render=render_voices,
            query=VoicesQuery,
            response=Response("A page of voices", VoicesPage),
            errors=(401, 404, 422),
            synthetic=False,
        ),
        Operation(
            name="get_voice",
            method="GET",
            path="/v1/audio/voices/{voice_id}",
            summary="Get a voice",
            answer=answer,
            render=render_voice,
            response=Response("The voice", VoiceObject),
            errors=(401, 404),
            synthetic=False,
            path_examples={"voice_id": "alloy"},
        ),
    ),
)
