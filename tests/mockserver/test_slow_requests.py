"""`request_timeout` over raw sockets: a client that stops half-way is answered and let go.

The fakes here use a 0.3 s timeout; socket reads wait up to 10 s, so a slow machine makes
nothing flaky, and a fake without the deadline fails by timing out the read.
"""

from __future__ import annotations

import importlib.util
import json
import select
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from meshapi_mock import MockServer

TIMEOUT = 0.3
PATIENCE = 10.0  # how long a test waits for the fake; never reached when it works
KEY = "rsk_slow_client"
CHAT = "/v1/chat/completions"
BODY = json.dumps(
    {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
).encode()


def _implementations() -> list[Any]:
    """Both of uvicorn's HTTP/1.1 parsers: issue 13 moves to httptools where installed."""
    missing = importlib.util.find_spec("httptools") is None
    skip = pytest.mark.skipif(missing, reason="httptools is not installed")
    return ["h11", pytest.param("httptools", marks=skip)]


@pytest.fixture(scope="module", params=_implementations())
def slow_server(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    implementation: str = request.param

    class Server(MockServer):
        http = implementation

    with Server(request_timeout=TIMEOUT) as server:
        yield server


@pytest.fixture
def fake(slow_server: MockServer) -> MockServer:
    slow_server.reset()
    return slow_server


def connect(server: MockServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE)


def head(path: str = CHAT, length: int = len(BODY), method: str = "POST") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the fake sends until it closes; a timeout here means it never let go."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def parse_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head_bytes, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def check_timeout_answer(raw: bytes) -> dict[str, Any]:
    status, headers, body = parse_response(raw)
    assert status == 408, raw[:300]
    assert headers["content-type"].startswith("application/json")
    assert headers["connection"] == "close"
    envelope: dict[str, Any] = json.loads(body[: int(headers["content-length"])])
    assert envelope["error"]["code"] == "request_timeout"
    assert "--request-timeout" in envelope["error"]["message"]
    assert envelope["request_id"] == headers["x-request-id"]
    return envelope


def is_open_and_silent(sock: socket.socket) -> bool:
    """Nothing to read yet: not closed (a closed socket is readable, with b"")."""
    readable, _, _ = select.select([sock], [], [], 0)
    return not readable


# --- a body that stops -------------------------------------------------------------------


def test_a_body_that_stops_half_way_gets_408_and_the_connection_closes(fake: MockServer) -> None:
    with connect(fake) as sock:
        sock.sendall(head(length=100) + BODY[:50])
        envelope = check_timeout_answer(read_until_closed(sock))

    (entry,) = fake.requests
    assert (entry.status, entry.error_code) == (408, "request_timeout")
    assert entry.request_id == envelope["request_id"]


def test_the_deadline_covers_the_whole_body_not_each_read(fake: MockServer) -> None:
    # A byte every 0.05 s keeps the connection busy but never finishes within 0.3 s.
    with connect(fake) as sock:
        sock.sendall(head())
        deadline = time.monotonic() + PATIENCE
        answered = b""
        for byte in BODY:
            sock.sendall(bytes([byte]))
            if select.select([sock], [], [], 0.05)[0] or time.monotonic() > deadline:
                break
        answered = read_until_closed(sock)
    check_timeout_answer(answered)


def test_a_stalled_admin_body_gets_408(fake: MockServer) -> None:
    with connect(fake) as sock:
        sock.sendall(head("/_mock/rules", length=100) + b'{"reply": {"text": ')
        check_timeout_answer(read_until_closed(sock))
    assert fake.rules == []


# --- a head that stops -------------------------------------------------------------------


def test_a_head_that_stops_half_way_gets_408_and_the_connection_closes(fake: MockServer) -> None:
    with connect(fake) as sock:
        sock.sendall(head()[:40])
        check_timeout_answer(read_until_closed(sock))
    assert fake.requests == [], "a request without a complete head has no path to journal"


def test_a_connection_that_sends_nothing_is_closed_silently(fake: MockServer) -> None:
    with connect(fake) as sock:
        assert read_until_closed(sock) == b""


def test_a_kept_alive_connection_gets_the_same_deadline(fake: MockServer) -> None:
    # After one answer uvicorn's keep-alive timer runs; a byte of the next request stops
    # it, so the half-sent second head needs the deadline as much as a first one.
    with connect(fake) as sock:
        sock.sendall(head() + BODY)
        first = b""
        while b"\r\n\r\n" not in first or not first.rstrip().endswith(b"}"):
            first += sock.recv(65536)
        assert parse_response(first)[0] == 200
        sock.sendall(head()[:30])
        check_timeout_answer(read_until_closed(sock))


def split_first(raw: bytes) -> tuple[int, bytes]:
    """The status of the first response in `raw` (framed by its content-length) and what
    follows it."""
    status, headers, rest = parse_response(raw)
    return status, rest[int(headers["content-length"]) :]


MODELS = f"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n\r\n"


@pytest.mark.parametrize(
    "second",
    [
        pytest.param(head()[:40], id="half a head"),
        pytest.param(head(length=100) + BODY[:50], id="half a body"),
    ],
)
def test_a_pipelined_request_that_stops_half_way_gets_408(fake: MockServer, second: bytes) -> None:
    # One packet: a whole request, then part of the next. The parser holds the part while
    # the first is answered, and no byte arrives after it: the deadline must run all the same.
    with connect(fake) as sock:
        sock.sendall(MODELS.encode() + second)
        first, rest = split_first(read_until_closed(sock))

    assert first == 200
    check_timeout_answer(rest)


def test_pipelined_whole_requests_are_all_served(fake: MockServer) -> None:
    last = head().replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n") + BODY
    with connect(fake) as sock:
        sock.sendall(MODELS.encode() * 3 + last)
        rest = read_until_closed(sock)
    statuses = []
    while rest:
        status, rest = split_first(rest)
        statuses.append(status)
    assert statuses == [200] * 4


# --- everyone else -----------------------------------------------------------------------


def test_stalled_clients_do_not_hold_up_others() -> None:
    # The default timeout (30 s) keeps the stalled connections open all through the test.
    with MockServer() as server:
        stalled = [connect(server) for _ in range(3)]
        try:
            stalled[0].sendall(head()[:40])
            stalled[1].sendall(head(length=100) + BODY[:50])
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}
            ) as http:
                answers = [http.post(CHAT, content=BODY).status_code for _ in range(5)]
            assert answers == [200] * 5
            assert all(is_open_and_silent(sock) for sock in stalled), "nobody was cut off"
        finally:
            for sock in stalled:
                sock.close()


def test_a_client_within_the_deadline_is_served(fake: MockServer) -> None:
    with connect(fake) as sock:
        sock.sendall(head()[:40])
        sock.sendall(head()[40:] + BODY[:10])
        sock.sendall(BODY[10:])
        status, headers, _ = parse_response(sock.recv(65536))
    assert status == 200
    assert headers.get("connection") != "close"


def test_zero_turns_the_deadline_off() -> None:
    with MockServer(request_timeout=0) as server, connect(server) as sock:
        sock.sendall(head()[:40])
        time.sleep(TIMEOUT * 2)
        assert is_open_and_silent(sock)
