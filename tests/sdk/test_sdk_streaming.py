"""Streams: chunks out, errors raised, connections released, replies assembled."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from meshapi import (
    AsyncMeshAPI,
    ChatCompletionParams,
    ChatMessage,
    MeshAPI,
    MeshAPIError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    UnauthorizedError,
)

PARAMS = ChatCompletionParams(model="m", messages=[ChatMessage(role="user", content="count")])
ENVELOPE = {"id": "chatcmpl-b21e", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def chunk(content: str | None = None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {**ENVELOPE, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


TAIL = {
    **ENVELOPE,
    "choices": [],
    "usage": {"prompt_tokens": 15, "completion_tokens": 6, "total_tokens": 21},
    "cost": "0.0000059",
}
TEXT_CHUNKS = [chunk("1, 2"), chunk(", 3."), chunk(finish="stop"), TAIL]


def frame(payload: Any) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


DONE = b"data: [DONE]\n\n"
TEXT_STREAM = b"".join(map(frame, TEXT_CHUNKS)) + DONE


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that yields `pieces`, then optionally fails, and records being closed."""

    def __init__(self, *pieces: bytes, fail: Exception | None = None) -> None:
        self.pieces = pieces
        self.fail = fail
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces
        if self.fail is not None:
            raise self.fail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece
        if self.fail is not None:
            raise self.fail

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


class Server:
    """Counts requests and answers each with a fresh response built by `make`."""

    def __init__(self, make: Callable[[], httpx.Response]) -> None:
        self.make = make
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.make()


def sse(*pieces: bytes, fail: Exception | None = None) -> Server:
    return Server(lambda: httpx.Response(200, stream=Body(*pieces, fail=fail)))


def contents(chunks: list[Any]) -> list[str | None]:
    return [c.choices[0].delta.content for c in chunks if c.choices]


# --------------------------------------------------------------------------- happy path


def test_chunks_arrive_in_order_and_assemble_into_a_reply(
    sync_client: Callable[..., MeshAPI],
) -> None:
    server = sse(TEXT_STREAM)
    stream = sync_client(server).chat.completions.stream(PARAMS)

    chunks = list(stream)
    reply = stream.final_response()

    assert contents(chunks) == ["1, 2", ", 3.", None]
    assert chunks[-1].cost == "0.0000059"
    assert stream.completed
    assert reply.choices[0].message.content == "1, 2, 3."
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.total_tokens == 21
    assert reply.cost == "0.0000059"
    assert json.loads(server.requests[0].content)["stream"] is True


def test_final_response_alone_reads_the_whole_stream(sync_client: Callable[..., MeshAPI]) -> None:
    reply = sync_client(sse(TEXT_STREAM)).chat.completions.stream(PARAMS).final_response()

    assert reply.choices[0].message.content == "1, 2, 3."


def test_final_response_includes_chunks_already_iterated(
    sync_client: Callable[..., MeshAPI],
) -> None:
    stream = sync_client(sse(TEXT_STREAM)).chat.completions.stream(PARAMS)

    first = next(stream)
    reply = stream.final_response()

    assert contents([first]) == ["1, 2"]
    assert reply.choices[0].message.content == "1, 2, 3."


def test_framing_noise_is_tolerated(sync_client: Callable[..., MeshAPI]) -> None:
    noisy = (
        b": keep-alive\r\n\r\n"
        b"event: message\r\n" + frame(chunk("a")).replace(b"\n", b"\r\n") + b"data: not json\n\n"
        b"data: [1, 2]\n\n" + frame(chunk("b")) + DONE
    )
    pieces = [noisy[i : i + 5] for i in range(0, len(noisy), 5)]

    chunks = list(sync_client(sse(*pieces)).chat.completions.stream(PARAMS))

    assert contents(chunks) == ["a", "b"]


def test_the_request_is_sent_when_iteration_starts(sync_client: Callable[..., MeshAPI]) -> None:
    server = sse(TEXT_STREAM)
    stream = sync_client(server).chat.completions.stream(PARAMS)

    assert server.requests == []
    next(stream)
    assert len(server.requests) == 1


# --------------------------------------------------------------------------- closing


def test_leaving_the_with_block_early_closes_the_connection(
    sync_client: Callable[..., MeshAPI],
) -> None:
    body = Body(TEXT_STREAM)
    client = sync_client(lambda request: httpx.Response(200, stream=body))

    with client.chat.completions.stream(PARAMS) as stream:
        for _ in stream:
            break
        assert not body.closed

    assert body.closed
    assert stream.response is not None and stream.response.is_closed
    assert list(stream) == []


def test_a_stream_entered_but_never_read_is_closed_on_exit(
    sync_client: Callable[..., MeshAPI],
) -> None:
    body = Body(TEXT_STREAM)
    client = sync_client(lambda request: httpx.Response(200, stream=body))

    with client.chat.completions.stream(PARAMS):
        pass

    assert body.closed


def test_errors_at_open_raise_from_the_with_statement(
    sync_client: Callable[..., MeshAPI],
) -> None:
    client = sync_client(
        lambda request: httpx.Response(401, json={"error": {"code": "unauthorized"}})
    )
    entered = False

    with pytest.raises(UnauthorizedError), client.chat.completions.stream(PARAMS):
        entered = True

    assert not entered


def test_no_final_response_after_closing_early(sync_client: Callable[..., MeshAPI]) -> None:
    stream = sync_client(sse(TEXT_STREAM)).chat.completions.stream(PARAMS)
    next(stream)
    stream.close()

    with pytest.raises(StreamInterruptedError):
        stream.final_response()


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("error_frame", "cls", "code", "message"),
    [
        (
            {"error": {"code": "gateway_timeout", "message": "Upstream timed out."}},
            ServerError,
            "gateway_timeout",
            "Upstream timed out.",
        ),
        (
            {"error": {"code": "rate_limit_exceeded", "message": "Provider RPM."}},
            RateLimitError,
            "rate_limit_exceeded",
            "Provider RPM.",
        ),
        ({"error": "boom"}, ServerError, "upstream_error", "boom"),
        ({"error": {}}, ServerError, "upstream_error", "upstream error"),
        ({"error": {"code": "odd", "message": "?"}}, MeshAPIError, "odd", "?"),
    ],
)
def test_an_error_frame_raises_with_its_code_after_the_chunks_before_it(
    sync_client: Callable[..., MeshAPI],
    error_frame: dict[str, Any],
    cls: type[MeshAPIError],
    code: str,
    message: str,
) -> None:
    body = Body(frame(chunk("partial")), frame(error_frame), DONE)
    client = sync_client(lambda request: httpx.Response(200, stream=body))
    received = []

    with pytest.raises(cls) as caught:
        for c in client.chat.completions.stream(PARAMS):
            received.append(c)

    assert type(caught.value) is cls
    error = caught.value
    assert (error.error_code, error.message, error.status) == (code, message, 0)
    assert contents(received) == ["partial"]
    assert body.closed


def test_a_stream_that_ends_without_done_ends_quietly_but_incomplete(
    sync_client: Callable[..., MeshAPI],
) -> None:
    """Contract §1.10 and the official SDK: closing without [DONE] is no error for the loop;
    only `completed` and `final_response()` tell that the answer may be cut short."""
    stream = sync_client(sse(frame(chunk("half")))).chat.completions.stream(PARAMS)

    received = list(stream)

    assert contents(received) == ["half"]
    assert not stream.completed
    with pytest.raises(StreamInterruptedError) as caught:
        stream.final_response()
    assert (caught.value.error_code, caught.value.status) == ("stream_interrupted", 0)


def test_stream_errors_carry_the_request_id_of_the_response(
    sync_client: Callable[..., MeshAPI],
) -> None:
    def answer(*pieces: bytes) -> Callable[[httpx.Request], httpx.Response]:
        headers = {"x-request-id": "req_stream"}
        return lambda request: httpx.Response(200, stream=Body(*pieces), headers=headers)

    failing = sync_client(answer(frame({"error": {"code": "upstream_error"}})))
    cut = sync_client(answer(frame(chunk("half"))))

    with pytest.raises(ServerError) as error_frame:
        list(failing.chat.completions.stream(PARAMS))
    with pytest.raises(StreamInterruptedError) as interrupted:
        cut.chat.completions.stream(PARAMS).final_response()

    assert error_frame.value.request_id == "req_stream"
    assert interrupted.value.request_id == "req_stream"


def test_a_broken_read_is_interrupted_with_the_cause_attached(
    sync_client: Callable[..., MeshAPI],
) -> None:
    server = sse(frame(chunk("half")), fail=httpx.ReadError("connection reset"))

    with pytest.raises(StreamInterruptedError) as caught:
        list(sync_client(server).chat.completions.stream(PARAMS))

    assert isinstance(caught.value.__cause__, httpx.ReadError)


def test_a_frame_that_is_not_a_chunk_is_a_parse_error(sync_client: Callable[..., MeshAPI]) -> None:
    server = sse(b"event: ping\ndata: {}\n\n", DONE)

    with pytest.raises(MeshAPIError) as caught:
        list(sync_client(server).chat.completions.stream(PARAMS))

    assert caught.value.error_code == "parse_error"


# --------------------------------------------------------------------------- a real socket


class DroppingServer:
    """Serves one connection on 127.0.0.1 with raw bytes, then drops it mid-response.

    The drop must be a clean FIN, never a reset: the whole request (body included) is read before
    replying, and the socket is closed only after the client has closed its side. Closing with
    unread request bytes would send RST, and a reset can overtake the reply's last bytes, so the
    client would see a connection error before any chunk (a race that made this test flaky).
    """

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            _read_whole_request(conn)
            conn.sendall(self.reply)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):  # wait for the client to hang up first
                pass

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=5)


def _read_whole_request(conn: socket.socket) -> bytes:
    """Read the request head and its Content-Length body, so nothing is left unread."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(65536)
        if not more:
            return data
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        more = conn.recv(65536)
        if not more:
            break
        body += more
    return head + b"\r\n\r\n" + body


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
PIECE = frame(chunk("half"))
CUT_CHUNKED = (
    HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(PIECE):x}\r\n".encode() + PIECE + b"\r\n"
)
"""A chunked body without its last chunk: the connection broke, and HTTP can tell."""
ENDS_EARLY = HEAD + b"Connection: close\r\n\r\n" + PIECE
"""A close-delimited body that ends before [DONE]: a clean end as far as HTTP can tell."""


@pytest.fixture
def dropping_server() -> Iterator[DroppingServer]:
    server = DroppingServer(CUT_CHUNKED)
    yield server
    server.close()


@pytest.fixture
def early_ending_server() -> Iterator[DroppingServer]:
    server = DroppingServer(ENDS_EARLY)
    yield server
    server.close()


def test_dropped_connection_is_interrupted(dropping_server: DroppingServer) -> None:
    received = []

    with (
        MeshAPI(base_url=dropping_server.url, token="rsk_test", max_retries=0) as client,
        pytest.raises(StreamInterruptedError),
    ):
        for c in client.chat.completions.stream(PARAMS):
            received.append(c)

    assert contents(received) == ["half"]


@pytest.mark.anyio
async def test_dropped_connection_is_interrupted_async(dropping_server: DroppingServer) -> None:
    received = []

    async with AsyncMeshAPI(base_url=dropping_server.url, token="rsk_test") as client:
        with pytest.raises(StreamInterruptedError):
            async for c in client.chat.completions.stream(PARAMS):
                received.append(c)

    assert contents(received) == ["half"]


def test_a_body_that_ends_cleanly_before_done_ends_the_loop(
    early_ending_server: DroppingServer,
) -> None:
    with MeshAPI(base_url=early_ending_server.url, token="rsk_test", max_retries=0) as client:
        stream = client.chat.completions.stream(PARAMS)
        received = list(stream)

    assert contents(received) == ["half"] and not stream.completed


@pytest.mark.anyio
async def test_a_body_that_ends_cleanly_before_done_ends_the_loop_async(
    early_ending_server: DroppingServer,
) -> None:
    async with AsyncMeshAPI(base_url=early_ending_server.url, token="rsk_test") as client:
        stream = client.chat.completions.stream(PARAMS)
        received = [c async for c in stream]
        with pytest.raises(StreamInterruptedError):
            await stream.final_response()

    assert contents(received) == ["half"] and not stream.completed


# --------------------------------------------------------------------------- async


@pytest.mark.anyio
async def test_async_stream_needs_no_await_and_assembles_a_reply(
    async_client: Callable[..., AsyncMeshAPI],
) -> None:
    server = sse(*(TEXT_STREAM[i : i + 7] for i in range(0, len(TEXT_STREAM), 7)))
    stream = async_client(server).chat.completions.stream(PARAMS)

    assert server.requests == []
    chunks = [c async for c in stream]
    reply = await stream.final_response()

    assert contents(chunks) == ["1, 2", ", 3.", None]
    assert reply.choices[0].message.content == "1, 2, 3."
    assert reply.cost == "0.0000059"


@pytest.mark.anyio
async def test_async_with_closes_the_connection_on_early_exit(
    async_client: Callable[..., AsyncMeshAPI],
) -> None:
    body = Body(TEXT_STREAM)
    client = async_client(lambda request: httpx.Response(200, stream=body))

    async with client.chat.completions.stream(PARAMS) as stream:
        async for _ in stream:
            break
        assert not body.closed

    assert body.closed
    with pytest.raises(StreamInterruptedError):
        await stream.final_response()

    untouched = Body(TEXT_STREAM)
    client = async_client(lambda request: httpx.Response(200, stream=untouched))
    async with client.chat.completions.stream(PARAMS):
        pass
    assert untouched.closed


@pytest.mark.anyio
async def test_async_error_frame_and_interruption(
    async_client: Callable[..., AsyncMeshAPI],
) -> None:
    failing = async_client(sse(frame(chunk("x")), frame({"error": {"code": "upstream_error"}})))
    cut = async_client(sse(frame(chunk("x"))))

    with pytest.raises(ServerError) as caught:
        await failing.chat.completions.stream(PARAMS).final_response()
    with pytest.raises(StreamInterruptedError):
        await cut.chat.completions.stream(PARAMS).final_response()

    assert caught.value.error_code == "upstream_error"
