"""Realtime's default mode: the words of a turn when no rule answers it.

A text input is answered in the words chat and responses use for the same prompt; audio
input, which the fake does not transcribe, by what it heard (how long); nothing at all
by the default opener. Same turn, same words, same audio.
"""

from __future__ import annotations

from ..chat.default_mode import answer_prompt
from .vocabulary import RealtimeContext, RealtimeReply


def synthesize(ctx: RealtimeContext) -> RealtimeReply:
    turn = ctx.turn
    if turn is None:  # the handshake itself is never answered with words
        return RealtimeReply()
    if turn.input is not None:
        return RealtimeReply(text=answer_prompt(turn.input))
    if turn.input_audio_ms is not None:
        seconds = turn.input_audio_ms / 1000
        return RealtimeReply(
            text=f"I heard {seconds:.2f} seconds of audio. "
            "This reply comes from meshapi-mock's default mode."
        )
    return RealtimeReply(text=answer_prompt(""))
