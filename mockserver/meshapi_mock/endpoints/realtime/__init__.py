"""`/v1/realtime` (contract §16): a WebSocket session in the OpenAI Realtime GA protocol.

The handshake takes `?model=…&api_key=…` and the `openai-realtime` subprotocol; a bad
key or model is told as an `error` event, then the socket closes (1008). The session
(`session.py`) answers `session.update`, input audio (base64 PCM16 at 24 kHz), items and
`response.create` with the GA events: text deltas, or audio deltas (deterministic PCM16,
`audio.py`) with their transcript, then `response.done`. Each `response.create` is a
turn that rules answer (`vocabulary.py`, `script.py`) through the shared rule selection;
default mode answers the rest (`default_mode.py`). The journal entry of a session holds
its events, both ways (audio shown by its size).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import Endpoint, Operation
from .default_mode import synthesize
from .script import RealtimeScript
from .session import serve
from .vocabulary import RealtimeContext, RealtimeMatch, RealtimeReply
from .wire import RealtimeQuery

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from ..base import Host


def answer(ctx: RealtimeContext, state: Host) -> RealtimeReply:
    return synthesize(ctx)


def render(ctx: RealtimeContext, reply: RealtimeReply, state: Host) -> ASGIApp:
    raise NotImplementedError("a WebSocket operation is rendered by its session")


ENDPOINT = Endpoint(
    name="realtime",
    match=RealtimeMatch,
    reply=RealtimeReply,
    script=RealtimeScript,
    context=RealtimeContext,
    description="Realtime WebSocket sessions: each response.create is a turn rules answer.",
    operations=(
        Operation(
            name="session",
            method="GET",
            path="/v1/realtime",
            summary="A realtime session (WebSocket, subprotocol openai-realtime)",
            query=RealtimeQuery,
            answer=answer,
            render=render,
            websocket=serve,
            key_query="api_key",
            model_fields=("model",),
        ),
    ),
)
