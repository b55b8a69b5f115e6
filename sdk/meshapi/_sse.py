"""Incremental Server-Sent Events decoder (WHATWG event-stream rules), free of any I/O.

Network reads split the stream anywhere — inside a line, inside a UTF-8 character, between the
CR and LF of a CRLF — so the decoder buffers bytes and only looks at complete lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class ServerSentEvent:
    data: str
    event: str | None = None
    id: str | None = None


class SSEDecoder:
    """Feed bytes as they arrive; get back the events those bytes completed.

    An event is dispatched by the blank line that ends it. Bytes after the last blank line when
    the stream ends are an incomplete event and are never dispatched.
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._after_cr = False
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if not chunk:
            return []
        if self._after_cr and chunk.startswith(b"\n"):
            # The previous chunk ended on CR: this LF completes that CRLF, not a new blank line.
            chunk = chunk[1:]
        self._after_cr = False
        buffer = self._buffer + chunk
        *lines, self._buffer = _LINE_END.split(buffer)
        if lines and not self._buffer and buffer.endswith(b"\r"):
            self._after_cr = True
        events: list[ServerSentEvent] = []
        for raw in lines:
            event = self._line(raw.decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # comment / keep-alive
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], None
        if not data:
            return None
        return ServerSentEvent(data="\n".join(data), event=event or None, id=self._id)
