"""Readers for timed and broken answers: the raw bytes a socket got, how the connection
ended, and the journal's `delivery` record; plus Hypothesis strategies for timings and
faults.

A broken answer cannot be read with an HTTP client (it raises, and hides the bytes), so
`raw_exchange` talks HTTP/1.1 over a plain socket and keeps everything that arrived.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, get_args
from urllib.parse import urlsplit

import httpx
from hypothesis import strategies as st
from meshapi_mock.delivery.spec import FaultKind

TOKEN = "rsk_test_key"
CHAT = "/v1/chat/completions"
KEEP_ALIVE = b": keep-alive\n\n"
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


def chat_body(text: str = "Hello", *, stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": "openai/gpt-4o-mini",
        "messages": [{"role": "user", "content": text}],
        "stream": stream,
        **extra,
    }


@dataclass
class Exchange:
    """What one raw request got back."""

    head: bytes
    """Status line and headers (empty when nothing arrived)."""
    raw_body: bytes
    """The body as it came, chunk sizes and all."""
    ended: str
    """`eof` (FIN), `reset` (RST) or `timeout` (the socket went quiet)."""
    elapsed: float

    @property
    def status(self) -> int | None:
        if not self.head:
            return None
        return int(self.head.split(b" ", 2)[1])

    def header(self, name: str) -> str | None:
        for line in self.head.decode("latin-1").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None

    @property
    def chunked(self) -> bool:
        return (self.header("transfer-encoding") or "").lower() == "chunked"

    @property
    def body(self) -> bytes:
        """The body's bytes, chunk framing removed (as far as it arrived)."""
        return dechunk(self.raw_body)[0] if self.chunked else self.raw_body

    @property
    def complete(self) -> bool:
        """The body arrived whole: the last chunk, or Content-Length bytes."""
        if self.chunked:
            return dechunk(self.raw_body)[1]
        length = self.header("content-length")
        return length is not None and len(self.raw_body) == int(length)


def dechunk(raw: bytes) -> tuple[bytes, bool]:
    """(the data of a chunked body, whether its last chunk `0` arrived)."""
    out = bytearray()
    rest = raw
    while True:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            return bytes(out), False
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return bytes(out), True
        out += rest[:size]
        if len(rest) < size + 2:
            return bytes(out), False
        rest = rest[size + 2 :]


def raw_exchange(
    url: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    method: str = "POST",
    timeout: float = 5.0,
    quiet_after: float | None = None,
) -> Exchange:
    """One request over a fresh socket (`Connection: close`); reads until the server
    closes or resets, or until nothing has come for `quiet_after` (else `timeout`) s."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    payload = b"" if body is None else json.dumps(body).encode()
    request = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    ).encode() + payload
    started = time.monotonic()
    received = bytearray()
    ended = "eof"
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(quiet_after if quiet_after is not None else timeout)
        sock.sendall(request)
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                ended = "reset"
                break
            except TimeoutError:
                ended = "timeout"
                break
            if not data:
                break
            received += data
            if time.monotonic() - started > timeout:
                ended = "timeout"
                break
    head, _, raw_body = bytes(received).partition(b"\r\n\r\n")
    return Exchange(head, raw_body, ended, time.monotonic() - started)


def frames(body: bytes) -> list[bytes]:
    """An SSE body's frames, each with its blank line; the last may be partial."""
    parts = body.split(b"\n\n")
    whole = [part + b"\n\n" for part in parts[:-1]]
    return [*whole, parts[-1]] if parts[-1] else whole


def data_frames(body: bytes) -> list[bytes]:
    """The frames a client parses: keep-alive comments aside."""
    return [f for f in frames(body) if f != KEEP_ALIVE]


def last_entry(http: httpx.Client) -> dict[str, Any]:
    """The newest journal entry, through the admin API."""
    entries: list[dict[str, Any]] = http.get("/_mock/requests").json()
    return entries[-1]


def delivery_of(http: httpx.Client) -> dict[str, Any]:
    """The newest request's delivery record, once its delivery has ended: the fake
    writes the outcome (and counts the last chunk) just after the bytes leave, so a quick
    client may ask before."""
    assert last_entry(http)["delivery"] is not None, "the newest request has no delivery"
    wait_for(lambda: last_entry(http)["delivery"]["outcome"] != "pending")
    record: dict[str, Any] = last_entry(http)["delivery"]
    return record


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    """Until `condition()` holds: the journal settles just after the client has its bytes."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)


class Records(logging.Handler):
    """Every record a logger emits from here on (uvicorn's loggers do not propagate)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def problems(self) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= logging.WARNING]


@contextmanager
def server_logs() -> Iterator[Records]:
    """Collect what `uvicorn.error` and `meshapi_mock` log meanwhile."""
    records = Records()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "meshapi_mock")]
    for logger in loggers:
        logger.addHandler(records)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(records)


# --- Hypothesis strategies

seconds = st.floats(min_value=0, max_value=2, allow_nan=False, allow_infinity=False)
timings = st.fixed_dictionaries(
    {},
    optional={
        "delay": seconds,
        "first_chunk": seconds,
        "jitter": st.floats(min_value=0, max_value=1),
        "keep_alive": st.floats(min_value=0.05, max_value=1),
    },
).flatmap(
    lambda base: st.one_of(
        st.just(base),
        seconds.map(lambda s: {**base, "interval": s}),
        st.floats(min_value=5, max_value=500).map(lambda t: {**base, "tokens_per_second": t}),
    )
)
"""Any rule timing (seconds at 1x, a few seconds at most: run them on a tiny time scale)."""

fault_points: st.SearchStrategy[dict[str, int]] = st.one_of(
    st.just({}),
    st.integers(min_value=0, max_value=12).map(lambda n: {"after_chunks": n}),
)
