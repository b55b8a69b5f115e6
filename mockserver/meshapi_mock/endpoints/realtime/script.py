"""The realtime scripting face: what the model says in a session, turn by turn.

mock.realtime.reply("Hello! How can I help?")              # the next response's words
mock.realtime.when(input="weather").reply("Sunny.", audio=False)
mock.realtime.when(audio_input=True).reply("I heard you.")
mock.realtime.fail("insufficient_quota", "No credit left.", close=1008)
mock.realtime.timing(interval=0.05).reply("word by word")  # deltas paced on the clock

Each rule answers one `response.create` (a turn) of any session, in order of the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .vocabulary import RealtimeMatch, RealtimeReply


class RealtimeScript(Script[RealtimeMatch]):
    """Scripts the turns of `/v1/realtime` sessions. `when(...)` narrows; verbs add a rule."""

    endpoint = "realtime"
    match_model = RealtimeMatch
    reply_model = RealtimeReply

    def when(
        self,
        *,
        operation: Literal["session"] | None = None,
        model: str | None = None,
        instructions: TextCriterion | None = None,
        input: TextCriterion | None = None,
        audio_input: bool | None = None,
        output: Literal["text", "audio"] | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> RealtimeScript:
        """Only turns meeting every given criterion. `input`: the last user text input;
        `nth`: the n-th turn (of any session) meeting the rest."""
        given: dict[str, Any] = {
            "operation": operation,
            "model": model,
            "instructions": instructions,
            "input": input,
            "audio_input": audio_input,
            "output": output,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(given, predicate)

    def reply(
        self,
        text: str,
        *,
        audio: bool | None = None,
        close: int | bool | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with these words: spoken (audio deltas and transcript) or written, as
        the session's output_modalities say unless `audio` does; `close` ends the session
        after it with that code (True: 1000)."""
        return self._add({"text": text, "audio": audio, "close": close}, times, name, priority)

    def fail(
        self,
        code: str,
        message: str | None = None,
        *,
        param: str | None = None,
        type: str | None = None,
        close: int | bool | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer the turn with an `error` event (the SDKs raise `RealtimeError`), and with
        `close` end the session after it (1008 for a policy refusal, 1011 a server error)."""
        error: dict[str, Any] = {"code": code, "message": message, "param": param}
        if type is not None:
            error["type"] = type
        spec = {k: v for k, v in error.items() if v is not None}
        return self._add({"error_event": spec, "close": close}, times, name, priority)


__all__ = ["RealtimeReply", "RealtimeScript"]
