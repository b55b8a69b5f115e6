"""Server-sent events framing exactly as MeshAPI emits it: LF only, `data: ` prefix."""

from __future__ import annotations

from typing import Any

from ..jsonbody import dumps

DONE = b"data: [DONE]\n\n"


def frame(data: Any, event: str | None = None) -> bytes:
    """One frame: an optional `event:` line, then the JSON data line, then a blank line."""
    body = b"data: " + dumps(data) + b"\n\n"
    return b"event: " + event.encode() + b"\n" + body if event else body
