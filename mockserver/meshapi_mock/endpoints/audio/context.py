"""What rules and the renderers ask about an audio request, resolved once.

An upload is decoded before any rule is tried: an empty or oversized file is the
client's error (400, 413) whatever a test scripted, as the gateway checks it first.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from dataclasses import dataclass
from typing import Any, Literal

from ...errors import MeshError
from ...forms import file_names, is_form
from ...memo import cached_attribute
from ...scripting.context import CallContext, clip
from . import signal
from .voices import DEFAULT_VOICE
from .wire import SpeechRequest

Kind = Literal["speech", "text", "voices", "stored"]
KINDS: dict[str, Kind] = {
    "speech": "speech",
    "transcribe": "text",
    "translate": "text",
    "translations": "text",
    "list_voices": "voices",
    "get_voice": "voices",
    "get_transcription": "stored",
}
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""The largest audio file a transcription takes (as OpenAI's and ElevenLabs' limits)."""


@dataclass
class AudioContext(CallContext):
    def __post_init__(self) -> None:
        if self.kind == "text":
            _ = self.upload

    @property
    def kind(self) -> Kind:
        return KINDS.get(self.operation, "stored")

    @property
    def speech(self) -> SpeechRequest | None:
        return self.request if isinstance(self.request, SpeechRequest) else None

    @property
    def input(self) -> str | None:
        speech = self.speech
        return None if speech is None else speech.input

    @property
    def voice(self) -> str | None:
        speech = self.speech
        if speech is not None:
            return speech.voice or DEFAULT_VOICE
        return self.path_params.get("voice_id")

    @property
    def sample_rate(self) -> int:
        speech = self.speech
        rate = None if speech is None else speech.speech_sample_rate
        return rate or signal.DEFAULT_RATE

    @property
    def seed(self) -> int | None:
        return getattr(self.request, "seed", None)

    @property
    def response_format(self) -> str | None:
        if self.kind == "speech":
            return getattr(self.request, "response_format", None) or "wav"
        if self.kind == "text":
            return getattr(self.request, "response_format", None) or "json"
        return None

    @property
    def language_code(self) -> str | None:
        code = getattr(self.request, "language_code", None) or getattr(
            self.request, "language", None
        )
        return code if isinstance(code, str) else None

    @cached_attribute
    def upload(self) -> bytes:
        value: Any = getattr(self.request, "file", None)
        data = decode_upload(value) if isinstance(value, str) else b""
        if not data:
            raise MeshError(
                400,
                "invalid_request",
                "The audio file is empty.",
                details=[{"type": "empty_file", "loc": ["body", "file"], "msg": "empty file"}],
            )
        if len(data) > MAX_UPLOAD_BYTES:
            raise MeshError(
                413,
                "payload_too_large",
                f"The audio file is {len(data)} bytes; the limit is {MAX_UPLOAD_BYTES} bytes.",
            )
        return data

    @cached_attribute
    def filename(self) -> str | None:
        """The upload's file name, when it came as a multipart file part."""
        if self.kind != "text" or not is_form(self.headers.get("content-type")):
            return None
        return file_names(self.raw_body).get("file")

    @cached_attribute
    def heard(self) -> signal.Heard:
        """What the uploaded audio says, if the fake's own speech made it."""
        return signal.hear(self.upload)

    def summary(self) -> str:
        parts = [f"operation={self.operation}"]
        if self.model is not None:
            parts.append(f"model={self.model!r}")
        if self.input is not None:
            parts.append(f"input={clip(self.input)!r}")
        if self.voice is not None:
            parts.append(f"voice={self.voice!r}")
        if self.kind == "text":
            parts.append(f"filename={self.filename!r}")
            if self.heard.text is not None:
                parts.append(f"transcript={clip(self.heard.text)!r}")
        if self.response_format is not None:
            parts.append(f"response_format={self.response_format}")
        return ", ".join(parts)


def decode_upload(value: str) -> bytes:
    """A form's file part (a `data:` URL), or a JSON `file`: a `data:` URL, base64, or
    else the string's own UTF-8 bytes."""
    if value.startswith("data:") and "," in value:
        header, _, payload = value.partition(",")
        if header.endswith(";base64"):
            try:
                return base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError):
                pass
        return urllib.parse.unquote_to_bytes(payload)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode("utf-8", "surrogatepass")
