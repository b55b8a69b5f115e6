"""The request journal: what clients sent and what the fake did about it.

Bounded, thread-safe and cheap to append to: the server thread writes, the test
thread reads.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .headers import RawHeaders, header_map
from .jsonbody import InvalidJson, loads
from .redaction import redact_header, redact_query, scrub, secret_values

__all__ = ["Journal", "JournalEntry", "redact_query"]

_UNPARSED: Any = object()
_SHOWN = (
    "seq",
    "method",
    "path",
    "request_id",
    "time",
    "endpoint",
    "operation",
    "authorized",
    "matched",
    "status",
    "stream",
    "stream_completed",
    "error_code",
    "error_message",
)
"""What `repr()` shows of an entry: never the raw request, which may hold credentials."""


@dataclass(eq=False, repr=False)
class JournalEntry:
    """One request. `body` is the parsed JSON (None when there was none or it did not parse)."""

    seq: int
    method: str
    path: str
    raw_query: str = field(repr=False)
    raw_headers: RawHeaders = field(repr=False)
    request_id: str = ""
    time: float = field(default_factory=time.time)
    raw_body: bytes | None = field(default=None, repr=False)
    _parsed: Any = field(default=_UNPARSED, repr=False)
    endpoint: str | None = None
    """The endpoint the path belongs to (`chat`, `embeddings`, …); None for unknown paths."""
    operation: str | None = None
    path_params: dict[str, str] = field(default_factory=dict, repr=False)
    authorized: bool = False
    """The request got past authentication: a call the app made to the endpoint."""
    matched: str | None = None
    """The id of the rule that answered, `"default"` for a synthetic reply, else None."""
    status: int | None = None
    stream: bool = False
    stream_completed: bool | None = None
    error_code: str | None = None
    _error_message: str | None = None

    @property
    def error_message(self) -> str | None:
        """What the fake answered with, less any credential of the request it quotes."""
        return self._error_message

    @error_message.setter
    def error_message(self, message: str | None) -> None:
        # A near-miss report quotes the headers the request had; scrub on the (error) write
        # so every reader, from the wire form to a pytest report, gets the clean text.
        if message:
            message = scrub(message, secret_values(header_map(self.raw_headers), self.raw_query))
        self._error_message = message

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _SHOWN)
        return f"JournalEntry({shown})"

    # Decoding and redacting happen on read: requests are many, reads of the journal few.
    @cached_property
    def headers(self) -> dict[str, str]:
        """Lower-cased names, repeated headers joined by ', ', credentials redacted."""
        raw = header_map(self.raw_headers)
        return {name: redact_header(name, value) for name, value in raw.items()}

    @property
    def body(self) -> Any:
        """The parsed JSON body; None when there was none (yet) or it was not standard JSON."""
        if self._parsed is _UNPARSED:
            if self.raw_body is None:
                return None  # not read yet: parse later, not cache a None
            try:
                self._parsed = loads(self.raw_body) if self.raw_body else None
            except InvalidJson:
                self._parsed = None
        return self._parsed

    @cached_property
    def query(self) -> str:
        return redact_query(self.raw_query)

    @property
    def is_complete(self) -> bool:
        return self.status is not None

    def to_wire(self) -> dict[str, Any]:
        """The entry as `GET /_mock/requests` shows it: standard JSON, no credentials."""
        return {
            "seq": self.seq,
            "time": self.time,
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "endpoint": self.endpoint,
            "operation": self.operation,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "matched": self.matched,
            "status": self.status,
            "stream": self.stream,
            "stream_completed": self.stream_completed,
            "error_code": self.error_code,
            "error_message": self.error_message,
        }

    def summary(self) -> str:
        """One readable line (plus messages) for assertion failures."""
        head = f"#{self.seq} {self.method} {self.path}"
        if self.query:
            head += f"?{self.query}"
        head += f" -> {self.status}"
        if self.error_code:
            head += f" {self.error_code}"
        body = self.body if isinstance(self.body, dict) else {}
        if body.get("model"):
            head += f" model={body['model']!r}"
        if body.get("stream"):
            head += " stream"
        lines = [head]
        for message in body.get("messages") or ():
            if isinstance(message, dict):
                lines.append(f"    {message.get('role')}: {_message_text(message)}")
        for key in ("input", "query", "prompt"):  # what other endpoints are asked
            if key in body:
                lines.append(f"    {key}: {_clip(repr(body[key]))}")
        return "\n".join(lines)


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        content = " ".join(
            str(p.get("text", f"[{p.get('type')}]")) for p in content if isinstance(p, dict)
        )
    text = repr(content) if content is not None else ""
    if message.get("tool_calls"):
        names = [
            c.get("function", {}).get("name") for c in message["tool_calls"] if isinstance(c, dict)
        ]
        text += f" tool_calls={names}"
    if message.get("tool_call_id"):
        text += f" (tool_call_id={message['tool_call_id']!r})"
    return _clip(text)


def _clip(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"


class Journal:
    def __init__(self, limit: int = 1000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._seq = itertools.count(1)

    @property
    def limit(self) -> int:
        return self._entries.maxlen or 0

    def open(
        self,
        method: str,
        path: str,
        query: str,
        raw_headers: RawHeaders,
        request_id: str,
    ) -> JournalEntry:
        # No lock anywhere: next() on a count, deque.append, deque.clear and list(deque)
        # each run as one C call under the GIL, so the server and test threads cannot tear.
        entry = JournalEntry(next(self._seq), method, path, query, raw_headers, request_id)
        self._entries.append(entry)
        return entry

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
