"""The audio scripting face: rules that read like the sentence a tester would say.

mock.audio.transcript("Book a table for two")                 # any transcription
mock.audio.when(filename="*.wav").transcript("hello", language_code="en")
mock.audio.when(input="hello").speak(duration=2.5)            # 2.5 s of audio
mock.audio.speak(tone=440, duration=1)                        # a plain A4
mock.audio.audio_bytes(mp3_bytes, content_type="audio/mpeg")  # exactly these bytes
mock.audio.voices([{"voice_id": "v1", "name": "Mine"}])       # list and get these
mock.audio.when(operation="transcribe").error(413)
mock.audio.speech_bytes("hello")                              # what default mode says

Each verb answers only its kind of call unless `when(operation=…)` chose one: a
`transcript` rule is not used up by a speech request made first.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from . import signal
from .context import Kind
from .render import speech_audio
from .vocabulary import AudioMatch, AudioReply, Operation, VoiceSpec

VoiceLike = VoiceSpec | Mapping[str, Any]


class AudioScript(Script[AudioMatch]):
    """Scripts `/v1/audio/*`: speech, transcriptions, translations and voices."""

    endpoint = "audio"
    match_model = AudioMatch
    reply_model = AudioReply

    def when(
        self,
        *,
        operation: Operation | None = None,
        kind: Kind | None = None,
        model: str | None = None,
        input: TextCriterion | None = None,
        voice: str | None = None,
        filename: str | None = None,
        transcript: TextCriterion | None = None,
        response_format: str | None = None,
        language_code: str | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> AudioScript:
        """Only requests meeting every given criterion. `input`, `transcript`: a string
        means 'contains'; `filename` is exact or a glob."""
        given: dict[str, Any] = {
            "operation": operation,
            "kind": kind,
            "model": model,
            "input": input,
            "voice": voice,
            "filename": filename,
            "transcript": transcript,
            "response_format": response_format,
            "language_code": language_code,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(given, predicate)

    def _of_kind(self, kind: Kind) -> AudioScript:
        match = self._match
        assert isinstance(match, AudioMatch)
        if match.operation is not None or match.kind is not None:
            return self
        return self.when(kind=kind)

    def transcript(
        self,
        text: str,
        *,
        language_code: str | None = None,
        duration: float | None = None,
        extra: Mapping[str, Any] | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Transcriptions and translations answer `text` (with `extra` JSON fields)."""
        return self._of_kind("text")._add(
            {
                "text": text,
                "language_code": language_code,
                "duration": duration,
                "extra": dict(extra) if extra is not None else None,
            },
            times,
            name,
            priority,
        )

    def speak(
        self,
        text: str | None = None,
        *,
        duration: float | None = None,
        tone: int | None = None,
        response_format: Literal["wav", "pcm"] | None = None,
        sample_rate: int | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Speech says `text` (the input when None), or is a plain `tone` (Hz); exactly
        `duration` seconds long when given."""
        return self._of_kind("speech")._add(
            {
                "text": text,
                "duration": duration,
                "tone": tone,
                "response_format": response_format,
                "sample_rate": sample_rate,
            },
            times,
            name,
            priority,
        )

    def audio_bytes(
        self,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Speech answers exactly `data` (the rule holds it as base64: keep it small)."""
        return self._of_kind("speech")._add(
            {"audio_base64": base64.b64encode(data).decode("ascii"), "content_type": content_type},
            times,
            name,
            priority,
        )

    def voices(
        self,
        voices: Sequence[VoiceLike],
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Voices list and get serve these instead of the built-in catalogue."""
        listed = [
            v.model_dump(exclude_none=True) if isinstance(v, VoiceSpec) else dict(v) for v in voices
        ]
        return self._of_kind("voices")._add({"voices": listed}, times, name, priority)

    @staticmethod
    def speech_bytes(
        text: str,
        *,
        voice: str | None = None,
        seed: int | None = None,
        response_format: Literal["wav", "pcm"] = "wav",
        sample_rate: int = signal.DEFAULT_RATE,
    ) -> bytes:
        """The bytes default mode answers for speech saying `text`: an upload whose
        transcription gives `text` back."""
        return speech_audio(text, voice, seed, response_format, sample_rate)

    @staticmethod
    def heard(audio: bytes) -> str | None:
        """The text in audio the fake's speech made; None for any other audio."""
        return signal.hear(audio).text
