"""Realtime's context and rule vocabulary: what a rule matches on and answers.

Rules are asked once per `response.create` of a session (a turn): they match on the
model (base), the handshake's headers (base), `nth` (base: the n-th turn meeting the
rest), the instructions in force, the last user input, whether it was audio, and the
output modality. A reply scripts the words (spoken as audio and transcript, or written as
text), audio on or off, an error event (`error_event`, or the shared HTTP-style `error`,
told as an event) and whether the session ends after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, model_validator

from ...scripting.context import CallContext, clip
from ...scripting.matching import text_difference
from ...scripting.spec import BaseMatch, BaseReply, Spec, TextMatch, string_shorthand
from ...scripting.wire_values import EncodableText
from .wire import Modality, RealtimeQuery, RealtimeTurn

SENDABLE_CLOSE_CODES = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011})
"""Close codes a server may send (RFC 6455 §7.4; 1004-1006 and 1015 never go on the
wire), besides the application range 3000-4999."""


@dataclass
class RealtimeContext(CallContext):
    """The handshake's query (opening the session), or one turn (`RealtimeTurn`)."""

    request: RealtimeQuery | RealtimeTurn

    @property
    def turn(self) -> RealtimeTurn | None:
        return self.request if isinstance(self.request, RealtimeTurn) else None

    @property
    def output(self) -> Modality:
        turn = self.turn
        return turn.output_modalities[0] if turn is not None else "audio"

    def summary(self) -> str:
        parts = [f"model={self.model!r}"]
        turn = self.turn
        if turn is not None:
            parts.append(f"response #{turn.number}")
            if turn.input is not None:
                parts.append(f"input={clip(turn.input)!r}")
            elif turn.input_audio_ms is not None:
                parts.append(f"input audio={turn.input_audio_ms:g} ms")
            parts.append(f"output={self.output}")
        return ", ".join(parts)


class RealtimeMatch(BaseMatch):
    """Which turns (`response.create`) a rule answers. Every field given must hold."""

    instructions: TextMatch | None = Field(
        default=None,
        description="The instructions in force: the response's, else the session's. A "
        "plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    input: TextMatch | None = Field(
        default=None,
        description="The text of the last user input (`conversation.item.create` with an "
        "`input_text` part); audio input has none. A plain string means 'contains'.",
        json_schema_extra=string_shorthand,
    )
    audio_input: bool | None = Field(
        default=None, description="The last user input was audio (a committed buffer)."
    )
    output: Modality | None = Field(
        default=None, description="The output modality asked for: 'text' or 'audio'."
    )

    def differences(self, ctx: CallContext) -> list[str]:
        assert isinstance(ctx, RealtimeContext)
        out = super().differences(ctx)
        turn = ctx.turn
        if turn is None:
            return out
        out.extend(text_difference("instructions", self.instructions, turn.instructions))
        out.extend(text_difference("input", self.input, turn.input, "no text input"))
        audio = turn.input_audio_ms is not None
        if self.audio_input is not None and self.audio_input != audio:
            out.append(f"audio_input: expected {self.audio_input}, got {audio}")
        if self.output is not None and self.output != ctx.output:
            out.append(f"output: expected {self.output!r}, got {ctx.output!r}")
        return out


def _close_code(value: Any) -> Any:
    if isinstance(value, bool):
        return 1000 if value else None
    return value


CloseCode = Annotated[int, Field(ge=1000, le=4999)]


class RealtimeErrorSpec(Spec):
    """An `error` event: `{"type": "error", "error": {type, code, message, param}}`."""

    code: Annotated[EncodableText, Field(min_length=1)] = Field(
        description="e.g. 'insufficient_quota', 'rate_limit_exceeded', 'idle_timeout'."
    )
    message: EncodableText | None = Field(default=None, description="Defaults to the code's.")
    param: EncodableText | None = None
    type: Annotated[EncodableText, Field(min_length=1)] = Field(
        default="invalid_request_error",
        description="The error's `type` ('invalid_request_error', 'server_error', …).",
    )


class RealtimeReply(BaseReply):
    """One turn's answer. Without `text`, default mode's words for the turn.

    `audio` chooses audio (with its transcript) or text; by default the session's (or the
    response's) `output_modalities` decide. An error (`error_event`, or `error` told as
    an event with the code its status implies) ends the turn with `response.done`
    status `failed`; `close` ends the session after the turn, with that close code.
    """

    text_field = "text"

    text: EncodableText | None = Field(default=None, description="The words of the answer.")
    audio: bool | None = Field(
        default=None,
        description="Speak (audio deltas and their transcript) or write (text deltas); "
        "default: as the session's output_modalities say.",
    )
    error_event: RealtimeErrorSpec | None = Field(
        default=None, description="Answer with this error event instead of a response."
    )
    close: CloseCode | None = Field(
        default=None,
        description="Close the session after this turn with this code (1000 normal, 1008 "
        "policy violation, 1011 server error, 3000-4999 the application's); true is 1000.",
    )

    @model_validator(mode="before")
    @classmethod
    def _close_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict) and "close" in value:
            value = {**value, "close": _close_code(value["close"])}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RealtimeReply:
        if self.error is not None and self.error_event is not None:
            raise ValueError("give 'error' or 'error_event', not both")
        failing = self.error is not None or self.error_event is not None
        if failing and (self.text is not None or self.audio is not None):
            raise ValueError("an error reply cannot also carry 'text' or 'audio'")
        code = self.close
        if code is not None and not (code in SENDABLE_CLOSE_CODES or 3000 <= code <= 4999):
            raise ValueError(
                f"close code {code} cannot be sent; use 1000-1003, 1007-1011 or 3000-4999"
            )
        return self
