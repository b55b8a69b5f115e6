"""What matching, default mode and rendering know about one call, computed once.

`CallContext` holds what every endpoint shares: which endpoint and operation, the
validated request, the raw bytes, headers, path and query parameters. Endpoints with
more to ask (chat's last user message, tools offered, …) subclass it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..config import ServerConfig
from ..headers import RawHeaders, header_map
from ..memo import cached_attribute


@dataclass
class CallContext:
    """A validated request plus the facts rules ask about it."""

    request: Any
    raw_body: bytes = b""
    raw_headers: RawHeaders = field(default_factory=list)
    endpoint: str = ""
    operation: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    regex_timeout: float | None = ServerConfig.regex_timeout
    """Seconds each rule's regexes may spend on this request (None: no limit)."""

    @cached_attribute
    def headers(self) -> dict[str, str]:
        return header_map(self.raw_headers)

    @property
    def model(self) -> str | None:
        model = getattr(self.request, "model", None)
        return model if isinstance(model, str) else self.path_params.get("model_id")

    @property
    def stream(self) -> bool:
        """False: an endpoint that streams says so in its own context, so an extra
        `"stream": true` a client sends elsewhere never marks the journal entry a stream."""
        return False

    def summary(self) -> str:
        """One line naming the request, for near-miss reports."""
        parts = [f"model={self.model!r}"]
        if self.operation:
            parts.insert(0, f"operation={self.operation}")
        return ", ".join(parts)


def clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
