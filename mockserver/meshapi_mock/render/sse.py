"""Server-sent events framing exactly as MeshAPI emits it: LF only, `data: ` prefix."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..jsonbody import dumps

DONE = b"data: [DONE]\n\n"


def frame(payload: Any) -> bytes:
    return b"data: " + dumps(payload) + b"\n\n"


def encode(payloads: Iterable[Any]) -> bytes:
    return b"".join(frame(p) for p in payloads) + DONE
