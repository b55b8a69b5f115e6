"""Server-sent events framing exactly as MeshAPI emits it: LF only, `data: ` prefix."""

from __future__ import annotations

DONE = b"data: [DONE]\n\n"
