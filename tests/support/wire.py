"""Strict readers for what the fake sends, per the wire contract (§1.10, §2.4)."""

from __future__ import annotations

import json
from typing import Any

import httpx

ENVELOPE_KEYS = ("id", "object", "created", "model")


def sse_payloads(body: bytes) -> list[dict[str, Any]]:
    """Parse an SSE body strictly: LF-only frames of one `data: ` line, ending in [DONE]."""
    assert b"\r" not in body, "SSE must use LF framing only"
    assert body.endswith(b"data: [DONE]\n\n"), body[-80:]
    frames = body.decode("utf-8").split("\n\n")
    assert frames[-1] == ""
    payloads = []
    for frame in frames[:-2]:
        assert frame.startswith("data: ") and "\n" not in frame, frame
        payloads.append(json.loads(frame[len("data: ") :]))
    assert frames[-2] == "data: [DONE]"
    return payloads


def check_stream_shape(payloads: list[dict[str, Any]]) -> None:
    """Order role → deltas → finish_reason → usage tail; full envelope on every chunk."""
    assert len(payloads) >= 3
    first = payloads[0]
    for p in payloads:
        for key in ENVELOPE_KEYS:
            assert p[key] == first[key], (key, p)
        assert p["object"] == "chat.completion.chunk"
        assert isinstance(p["created"], int)
    assert payloads[0]["choices"][0]["delta"]["role"] == "assistant"
    for p in payloads[1:-2]:
        assert "role" not in p["choices"][0]["delta"]
        assert p["choices"][0]["finish_reason"] is None
    finish = payloads[-2]["choices"][0]
    assert finish["delta"] == {} and finish["finish_reason"]
    tail = payloads[-1]
    assert tail["choices"] == []
    assert set(tail["usage"]) >= {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert isinstance(tail["cost"], str)


def streamed_text(payloads: list[dict[str, Any]]) -> str:
    return "".join(p["choices"][0]["delta"].get("content") or "" for p in payloads if p["choices"])


def streamed_tool_calls(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Assemble tool calls from fragments by `index`, as clients must."""
    calls: dict[int, dict[str, Any]] = {}
    for p in payloads:
        for fragment in (p["choices"][0]["delta"].get("tool_calls") or []) if p["choices"] else []:
            call = calls.setdefault(fragment["index"], {"id": None, "name": None, "arguments": ""})
            if "id" in fragment:
                assert call["id"] is None, "only a call's first fragment carries its id"
                call["id"] = fragment["id"]
                assert fragment["type"] == "function"
                call["name"] = fragment["function"]["name"]
            call["arguments"] += fragment.get("function", {}).get("arguments", "")
    return [calls[i] for i in sorted(calls)]


def chat(client: httpx.Client, stream: bool = False, **body: Any) -> httpx.Response:
    body.setdefault("model", "openai/gpt-4o-mini")
    body.setdefault("messages", [{"role": "user", "content": "Hello"}])
    return client.post("/v1/chat/completions", json={**body, "stream": stream})


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The MeshAPI error envelope, checked for shape."""
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "request_id"}
    assert body["request_id"] == response.headers["x-request-id"]
    error: dict[str, Any] = body["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    return error


def response_events(body: bytes) -> list[dict[str, Any]]:
    """Parse a Responses stream strictly: LF frames of `event:` + one `data:` line whose
    `type` repeats the event name, numbered from 0, ending with `[DONE]`."""
    assert b"\r" not in body, "SSE must use LF framing only"
    assert body.endswith(b"data: [DONE]\n\n"), body[-80:]
    frames = body.decode("utf-8").split("\n\n")
    assert frames[-1] == "" and frames[-2] == "data: [DONE]"
    events = []
    for number, frame in enumerate(frames[:-2]):
        event_line, data_line = frame.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: "), frame
        event = json.loads(data_line[len("data: ") :])
        assert event["type"] == event_line[len("event: ") :]
        assert event["sequence_number"] == number
        events.append(event)
    return events
