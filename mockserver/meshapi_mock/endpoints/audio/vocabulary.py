"""Audio's rule vocabulary: what an audio rule can match on and what it can answer.

A rule matches on the `kind` of call (`speech`, `text` for transcriptions and
translations, `voices`, `stored` for a stored transcription), the speech's input and
voice, the uploaded file's name and what the upload says (when the fake's own speech
made it), the response format and the language; model, headers, `nth` and the
operation come from the shared base.

A reply scripts what is said, not the bytes: the text (spoken, or transcribed), a
duration, a plain tone, a format or sample rate — rendered per request, so a rule stays
a few bytes. A test that needs exact audio bytes scripts them as `audio_base64`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from ...scripting.context import CallContext
from ...scripting.globs import glob_matches
from ...scripting.matching import text_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, TextMatch, string_shorthand
from ...scripting.wire_values import JsonObject
from .context import AudioContext, Kind
from .wire import MAX_INPUT, SampleRate, SpeechFormat

# --------------------------------------------------------------------------- match

Operation = Literal[
    "speech",
    "transcribe",
    "translate",
    "translations",
    "get_transcription",
    "list_voices",
    "get_voice",
]


class AudioMatch(BaseMatch):
    """Which audio requests a rule answers. Every field given must hold."""

    operation: Operation | None = Field(
        default=None,
        description="`speech`, `transcribe` (/transcriptions), `translate` "
        "(/transcriptions/translate), `translations`, `get_transcription`, `list_voices` "
        "or `get_voice`.",
    )
    kind: Kind | None = Field(
        default=None,
        description="`speech` (audio out), `text` (the three transcription and translation "
        "operations), `voices` (list and get) or `stored` (get a transcription).",
    )
    input: TextMatch | None = Field(
        default=None,
        description="The text speech is asked to say. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    voice: str | None = Field(
        default=None, description="The speech's voice (`alloy` when none), or the voice got."
    )
    filename: str | None = Field(
        default=None,
        description="The uploaded file's name, exact or a glob such as '*.wav' (multipart "
        "uploads only; the official SDK names every file 'audio.mp3' unless told).",
    )
    transcript: TextMatch | None = Field(
        default=None,
        description="What the uploaded audio says, when the fake's own speech made it. A "
        "plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    response_format: str | None = Field(
        default=None,
        description="Speech: `wav` (when none) or `pcm`; text: `json` (when none), `text`, "
        "`verbose_json`, `srt` or `vtt`.",
    )
    language_code: str | None = Field(default=None, description="`language_code` or `language`.")

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, AudioContext)
        out = super().differences(ctx)
        _compare(out, "kind", self.kind, ctx.kind)
        out.extend(text_difference("input", self.input, ctx.input, "no speech input"))
        _compare(out, "voice", self.voice, ctx.voice)
        if self.filename is not None:
            name = ctx.filename
            if name is None or not glob_matches(name, self.filename):
                out.append(f"filename: expected {self.filename!r}, got {name!r}")
        if self.transcript is not None:
            heard = ctx.heard.text if ctx.kind == "text" else None
            out.extend(text_difference("transcript", self.transcript, heard, "no speech heard"))
        _compare(out, "response_format", self.response_format, ctx.response_format)
        _compare(out, "language_code", self.language_code, ctx.language_code)
        return out


def _compare(out: list[str], name: str, expected: Any, got: Any) -> None:
    if expected is not None and expected != got:
        out.append(f"{name}: expected {expected!r}, got {got!r}")


# --------------------------------------------------------------------------- reply

MAX_SECONDS = 120.0
MEDIA_TYPE = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$"


class VoiceSpec(Spec):
    """A voice a rule serves (`Voice` as clients parse it)."""

    voice_id: Annotated[str, Field(min_length=1)]
    name: str
    category: str | None = None
    description: str | None = None
    preview_url: str | None = None
    labels: JsonObject = Field(default_factory=dict)


class AudioReply(BaseReply):
    """What the fake answers. Each operation reads the fields that concern it: speech
    says `text` (the request's input when absent); transcriptions and translations answer
    `text` (what the upload says when absent); voices list and get serve `voices`."""

    model_config = ConfigDict(extra="forbid")
    text_field = "text"
    list_field = "voices"

    text: Annotated[str, Field(max_length=MAX_INPUT)] | None = Field(
        default=None, description="Speech: what the audio says. Text calls: the transcript."
    )
    duration: Annotated[float, Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)] | None = Field(
        default=None,
        description="Seconds. Speech: the audio is exactly this long (padded with silence or "
        "cut). Text calls: the `duration` reported.",
    )
    tone: Annotated[int, Field(ge=20, le=3900)] | None = Field(
        default=None,
        description="Speech: a plain sine of this many Hz (for `duration`, else 1 s) "
        "instead of spoken text.",
    )
    response_format: SpeechFormat | None = Field(
        default=None, description="Speech: encode as this instead of what was asked."
    )
    sample_rate: SampleRate | None = Field(
        default=None, description="Speech: samples per second instead of what was asked."
    )
    audio_base64: str | None = Field(
        default=None, description="Speech: exactly these bytes (base64), sent as `content_type`."
    )
    content_type: Annotated[str, Field(pattern=MEDIA_TYPE)] | None = Field(
        default=None,
        description="The media type of `audio_base64` (`application/octet-stream` when none).",
    )
    language_code: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="Text calls: the language reported."
    )
    extra: JsonObject | None = Field(
        default=None,
        description="Text calls: more fields of the JSON answer (`words`, `segments`…); "
        "`id` and `text` are the fake's.",
    )
    voices: list[VoiceSpec] | None = Field(
        default=None, description="Voices list and get: serve these instead of the catalogue."
    )

    @field_validator("audio_base64", mode="after")
    @classmethod
    def _base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"audio_base64 is not valid base64 ({exc})") from None
        return value

    @field_validator("extra", mode="after")
    @classmethod
    def _own_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        taken = sorted({"id", "text"} & set(value or {}))
        if taken:
            raise ValueError(f"extra cannot set {taken}: the answer's own fields")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AudioReply:
        given = [
            name
            for name in type(self).model_fields
            if name != "error" and getattr(self, name) is not None
        ]
        if self.error is not None and given:
            raise ValueError(f"an error reply cannot also answer ({', '.join(given)})")
        if self.audio_base64 is not None:
            clash = [
                n
                for n in ("text", "tone", "duration", "response_format", "sample_rate")
                if getattr(self, n) is not None
            ]
            if clash:
                raise ValueError(f"audio_base64 is sent as is: drop {', '.join(clash)}")
        elif self.content_type is not None:
            raise ValueError("content_type goes with audio_base64")
        if self.tone is not None and self.text is not None:
            raise ValueError("give text (spoken) or tone (a plain sine), not both")
        ids = [voice.voice_id for voice in self.voices or ()]
        if len(ids) != len(set(ids)):
            raise ValueError("voices: each voice_id once")
        return self
