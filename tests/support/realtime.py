"""Raw realtime sessions over a real port, with the `websockets` client, and their checks.

Every server event a test reads is validated against the `openai` SDK's GA
`RealtimeServerEvent` union, so the fake's events are the ones GA clients parse.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from meshapi_mock import MockServer
from openai.types.realtime import RealtimeServerEvent
from pydantic import TypeAdapter
from websockets.sync.client import ClientConnection, connect

MODEL = "openai/gpt-4o-realtime-preview"
TOKEN = "rsk_realtime"
SERVER_EVENT: TypeAdapter[Any] = TypeAdapter(RealtimeServerEvent)
SAMPLE_RATE = 24_000


def ws_url(server: MockServer, model: str = MODEL, key: str | None = TOKEN) -> str:
    url = server.url.replace("http://", "ws://", 1) + f"/v1/realtime?model={model}"
    return url + (f"&api_key={key}" if key is not None else "")


@contextmanager
def session(server: MockServer, **options: Any) -> Iterator[ClientConnection]:
    url = options.pop("url", None) or ws_url(server)
    with connect(url, subprotocols=["openai-realtime"], open_timeout=5, **options) as ws:  # type: ignore[list-item]
        yield ws


def receive(ws: ClientConnection) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(ws.recv(timeout=5))
    SERVER_EVENT.validate_python(event)  # a GA client parses it
    return event


def until(ws: ClientConnection, kind: str) -> list[dict[str, Any]]:
    """Events up to and including the first of type `kind`."""
    events = [receive(ws)]
    while events[-1]["type"] != kind:
        events.append(receive(ws))
    return events


def send(ws: ClientConnection, event: dict[str, Any]) -> None:
    ws.send(json.dumps(event))


def say(ws: ClientConnection, text: str) -> None:
    send(
        ws,
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        },
    )


def pcm(milliseconds: int) -> bytes:
    """Silence, PCM16 mono 24 kHz."""
    return bytes(SAMPLE_RATE * milliseconds // 1000 * 2)


def append(ws: ClientConnection, audio: bytes) -> None:
    send(ws, {"type": "input_audio_buffer.append", "audio": base64.b64encode(audio).decode()})


def turn(events: list[dict[str, Any]]) -> dict[str, Any]:
    """What a response said: its text or transcript, its audio, its final status."""
    done = events[-1]
    assert done["type"] == "response.done", done
    text = "".join(
        e["delta"]
        for e in events
        if e["type"] in ("response.output_text.delta", "response.output_audio_transcript.delta")
    )
    audio = b"".join(
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    )
    return {"text": text, "audio": audio, "status": done["response"]["status"], "done": done}


def check_turn(server: MockServer, reply: dict[str, Any]) -> str:
    """One turn answered by a rule with `reply`: a complete response, or an error event.
    Returns the outcome ('response' or 'error')."""
    with session(server) as ws:
        assert receive(ws)["type"] == "session.created"
        say(ws, "Hi")
        until(ws, "conversation.item.done")
        send(ws, {"type": "response.create"})
        first = receive(ws)
        if first["type"] == "error":
            assert first["error"]["code"] and first["error"]["code"] != "mock_internal_error"
            return "error"
        events = [first, *until(ws, "response.done")]
        said = turn(events)
        assert said["status"] in ("completed", "incomplete")
        if said["audio"]:
            assert len(said["audio"]) % 2 == 0
        expected = reply.get("text")
        if isinstance(expected, str):
            assert said["text"] == expected
        return "response"
