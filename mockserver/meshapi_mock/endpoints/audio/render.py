"""Audio answers: speech as WAV or raw PCM bytes, transcripts as JSON (or text, SRT,
VTT when asked), stored transcriptions and voice pages."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from ...jsonbody import dumps
from ...responses import JSONBytes, RawBytes
from . import signal, voices
from .context import AudioContext
from .store import transcriptions_of
from .vocabulary import AudioReply
from .wire import VoicesQuery

if TYPE_CHECKING:
    from ..base import Host

CONTENT_TYPES = {"wav": b"audio/wav", "pcm": b"audio/pcm"}
_WORDS = [
    "amber",
    "autumn",
    "bright",
    "canal",
    "quiet",
    "river",
    "lantern",
    "meadow",
    "silver",
    "harbour",
    "morning",
    "gentle",
    "orchard",
    "window",
    "valley",
    "copper",
    "thunder",
    "garden",
    "distant",
    "market",
    "evening",
    "paper",
    "compass",
    "island",
    "winter",
    "pocket",
    "signal",
    "marble",
    "forest",
    "candle",
    "violet",
    "shadow",
]


def speech_audio(
    text: str,
    voice: str | None,
    seed: int | None,
    response_format: str = "wav",
    sample_rate: int = signal.DEFAULT_RATE,
) -> bytes:
    """What default mode says for `text`: also `mock.audio.speech_bytes`."""
    pcm = signal.speak(text, signal.voice_of(voices.pitch_of(voice), seed), sample_rate)
    return signal.wav(pcm, sample_rate) if response_format == "wav" else pcm


def render_speech(ctx: AudioContext, reply: AudioReply, state: Host) -> ASGIApp:
    if reply.audio_base64 is not None:
        kind = (reply.content_type or "application/octet-stream").encode("latin-1")
        return RawBytes(base64.b64decode(reply.audio_base64), content_type=kind)
    rate = reply.sample_rate or ctx.sample_rate
    fmt = reply.response_format or ctx.response_format or "wav"
    if reply.tone is not None:
        pcm = signal.tone(reply.tone, reply.duration or 1.0, rate)
    else:
        text = reply.text if reply.text is not None else (ctx.input or "")
        pcm = signal.speak(text, signal.voice_of(voices.pitch_of(ctx.voice), ctx.seed), rate)
        if reply.duration is not None:
            pcm = signal.fit(pcm, reply.duration, rate)
    body = signal.wav(pcm, rate) if fmt == "wav" else pcm
    return RawBytes(body, content_type=CONTENT_TYPES[fmt])


def phrase(data: bytes) -> str:
    """What default mode hears in audio it did not make: a stable sentence per file."""
    digest = hashlib.blake2b(data, digest_size=16).digest()
    words = [_WORDS[b % len(_WORDS)] for b in digest[1 : 5 + digest[0] % 6]]
    return " ".join(words).capitalize() + "."


def render_text(ctx: AudioContext, reply: AudioReply, state: Host) -> ASGIApp:
    store = transcriptions_of(state)
    heard = ctx.heard
    text = reply.text
    if text is None:
        text = heard.text if heard.text is not None else phrase(ctx.upload)
    translating = ctx.operation != "transcribe"
    number = store.next_number()
    kind = b"translation" if translating else b"transcription"
    answer: dict[str, Any] = {
        "id": "tr_" + state.ids.digest(kind, b"%d" % number)[:24],
        "object": "audio.translation" if translating else "audio.transcription",
        "text": text,
        "model": ctx.model,
        "language_code": reply.language_code
        or ("en" if translating else (ctx.language_code or "en")),
        "duration": reply.duration if reply.duration is not None else heard.seconds,
        "created_at": int(state.clock.now()),
        **(reply.extra or {}),
    }
    store.add(answer)
    return _formatted(answer, ctx.response_format or "json")


def _formatted(answer: dict[str, Any], fmt: str) -> ASGIApp:
    text: str = answer["text"]
    end = _timestamp(answer.get("duration") or 0.0, fmt == "srt")
    if fmt == "text":
        return RawBytes(text.encode(), content_type=b"text/plain; charset=utf-8")
    if fmt == "srt":
        body = f"1\n{_timestamp(0, True)} --> {end}\n{text}\n"
        return RawBytes(body.encode(), content_type=b"text/plain; charset=utf-8")
    if fmt == "vtt":
        body = f"WEBVTT\n\n{_timestamp(0, False)} --> {end}\n{text}\n"
        return RawBytes(body.encode(), content_type=b"text/vtt; charset=utf-8")
    if fmt == "verbose_json":
        segment = {"id": 0, "start": 0.0, "end": answer.get("duration") or 0.0, "text": text}
        answer = {"task": answer["object"].split(".")[1], **answer, "segments": [segment]}
        answer.setdefault("language", answer["language_code"])
    return JSONBytes(dumps(answer))


def _timestamp(seconds: float, comma: bool) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{',' if comma else '.'}{millis:03d}"


def render_stored(ctx: AudioContext, reply: AudioReply, state: Host) -> ASGIApp:
    return JSONBytes(dumps(transcriptions_of(state).find(ctx.path_params["transcription_id"])))


def _scripted(reply: AudioReply) -> list[dict[str, Any]] | None:
    if reply.voices is None:
        return None
    return [v.model_dump(mode="json", exclude_none=True) for v in reply.voices]


def render_voices(ctx: AudioContext, reply: AudioReply, state: Host) -> ASGIApp:
    query: VoicesQuery = ctx.request
    return JSONBytes(dumps(voices.page(query, voices.catalogue(_scripted(reply)))))


def render_voice(ctx: AudioContext, reply: AudioReply, state: Host) -> ASGIApp:
    found = voices.find(ctx.path_params["voice_id"], voices.catalogue(_scripted(reply)))
    return JSONBytes(dumps(found))
