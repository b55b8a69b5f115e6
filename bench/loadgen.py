"""What `bench_server.py` and `bench_peers.py` share: the servers they start in their own
processes (the fake, and a bare Starlette app answering with the fake's own bytes on the
same uvicorn settings) and the load generator.

The load generator is a separate process speaking raw HTTP/1.1 from asyncio protocol
callbacks on keep-alive connections: an HTTP client library would cost more CPU than the
server and measure itself. It counts responses in a measured window after a warm-up,
checks each one's status and body size, and reads the server's CPU time from /proc over
the same window. A spec can stamp a counter into every request (`vary`), so no two
requests of a run carry the same body, pin the generator to one CPU, and run it on uvloop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from starlette.applications import Starlette

HOST = "127.0.0.1"
TOKEN = "rsk_bench"
BASELINE_PATH = "/bench"


class BenchError(Exception):
    """Something other than slowness went wrong: the figures would be meaningless."""


# --- the servers (run in their own processes) ------------------------------------------


def baseline_app(bodies: dict[str, tuple[bytes, bool]]) -> Starlette:
    """One route answering with fixed bytes: the floor any Starlette app pays."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    class ChunkedResponse(Response):
        """No Content-Length, so uvicorn sends it chunked like the fake's `SSEStream`."""

        def init_headers(self, headers: Any = None) -> None:
            super().init_headers(headers)
            self.raw_headers = [h for h in self.raw_headers if h[0] != b"content-length"]

    async def fixed(request: Request) -> Response:
        await request.body()  # the fake reads the body too; not reading it is not a baseline
        body, chunked = bodies[request.path_params["variant"]]
        if chunked:
            return ChunkedResponse(body, media_type="text/event-stream")
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route(f"{BASELINE_PATH}/{{variant}}", fixed, methods=["POST"])])


def serve(kind: str, bodies_path: str | None) -> int:
    """Entry point of a server process: print the port and protocol, then serve forever."""
    import uvicorn
    from meshapi_mock.runner import bind_socket, uvicorn_config

    if kind == "fake":
        from meshapi_mock.app import create_app

        app: Any = create_app()
    else:
        assert bodies_path is not None
        raw = json.loads(Path(bodies_path).read_text(encoding="utf-8"))
        app = baseline_app({k: (v["body"].encode(), v["chunked"]) for k, v in raw.items()})
    sock = bind_socket(HOST, 0)
    config = uvicorn_config(app)
    config.load()
    info = {
        "port": sock.getsockname()[1],
        "http": config.http_protocol_class.__name__,
        "loop": _loop_name(config),
    }
    print(json.dumps(info), flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _loop_name(config: Any) -> str:
    """Which event loop uvicorn will pick ("asyncio" or "uvloop"), for the report header."""
    factory = config.get_loop_factory()
    loop = factory() if factory is not None else asyncio.new_event_loop()
    try:
        return type(loop).__module__.split(".")[0]
    finally:
        loop.close()


# --- the load generator (runs in its own process) --------------------------------------


@dataclass(frozen=True)
class LoadSpec:
    port: int
    server_pid: int
    request: bytes
    expected_size: int | None
    """Body bytes every response must have (chunked: the data); None: any."""
    connections: int
    seconds: float
    warmup: float
    vary: tuple[int, int] | None = None
    """(offset, width) of a decimal field in `request` rewritten with a counter for each
    request sent, so no two requests of a run are the same (keep Content-Length exact)."""
    first: int = 0
    """The counter's first value: give each run its own range."""
    cpu: int | None = None
    """Pin the generator process to this CPU (`os.sched_setaffinity`)."""
    uvloop: bool = False
    """Run the generator on uvloop (cheaper callbacks) instead of asyncio's loop."""


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    """CPU seconds the server process used inside the measured window."""
    generator_cpu: float = 0.0
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        return self.server_cpu / self.requests if self.requests else math.nan

    def fail(self, reason: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or reason


def encode_request(port: int, path: str, body: bytes, token: str = TOKEN) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


_HEAD, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER = range(5)


class ResponseParser:
    """Incremental HTTP/1.1 response framing: status line, Content-Length or chunked.

    Headers are not parsed beyond what framing needs; bodies are only counted.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._state = _HEAD
        self._need = 0
        self._status = 0
        self._size = 0

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        """Add bytes; return (status, body size) for every response now complete.

        One loop over local variables: a streamed answer is a chunk per SSE frame, and
        this runs for each of them in the generator, which must stay cheaper than the
        servers it loads.
        """
        buf = self._buf
        buf += data
        done: list[tuple[int, int]] = []
        pos, state, need, size, available = 0, self._state, self._need, self._size, len(buf)
        find = buf.find
        while True:
            if state == _CHUNK_SIZE:  # the size line, then at once its chunk if here
                end = find(b"\r\n", pos)
                if end < 0:
                    break
                try:
                    need = int(buf[pos:end], 16)
                except ValueError:  # a chunk extension
                    need = int(buf[pos:end].split(b";", 1)[0], 16)
                pos = end + 2
                if not need:
                    state = _TRAILER
                elif available - pos >= need + 2:
                    pos += need + 2
                    size += need
                else:
                    state = _CHUNK_DATA
            elif state == _CHUNK_DATA:  # the chunk and the CRLF after it
                if available - pos < need + 2:
                    break
                pos += need + 2
                size += need
                state = _CHUNK_SIZE
            elif state == _HEAD:
                end = find(b"\r\n\r\n", pos)
                if end < 0:
                    break
                head = bytes(buf[pos:end]).lower() + b"\r\n"
                pos = end + 4
                self._status, size = int(head[9:12]), 0
                marker = head.find(b"\r\ncontent-length:")
                if marker >= 0:
                    need = int(head[marker + 17 : head.index(b"\r\n", marker + 2)])
                    state = _BODY
                elif b"\r\ntransfer-encoding: chunked\r\n" in head:
                    state = _CHUNK_SIZE
                else:
                    raise ValueError("response has neither Content-Length nor chunked framing")
            elif state == _BODY:
                if available - pos < need:
                    break
                pos += need
                size += need
                done.append((self._status, size))
                state = _HEAD
            else:  # _TRAILER: lines up to an empty one (normally just that)
                end = find(b"\r\n", pos)
                if end < 0:
                    break
                if end == pos:
                    done.append((self._status, size))
                    state = _HEAD
                pos = end + 2
        del buf[:pos]
        self._state, self._need, self._size = state, need, size
        return done


class _Client(asyncio.Protocol):
    """One keep-alive connection; the next request leaves from `data_received`.

    Callbacks instead of stream coroutines keep the generator's cost per request low
    enough to saturate a server on the other core.
    """

    def __init__(
        self,
        spec: LoadSpec,
        window: tuple[float, float],
        out: LoadResult,
        requests: Iterator[bytes],
    ) -> None:
        self.spec, self.window, self.out, self.requests = spec, window, out, requests
        self.loop = asyncio.get_running_loop()
        self.closed: asyncio.Future[None] = self.loop.create_future()
        self.parser = ResponseParser()
        self.transport: asyncio.Transport | None = None
        self.sent = 0.0
        self.gave_up = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it
        self.transport = cast(asyncio.Transport, transport)
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent = self.loop.time()
        self.transport.write(next(self.requests))

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        try:
            responses = self.parser.feed(data)
        except ValueError as exc:
            self.out.fail(f"bad response: {exc}")
            self.gave_up = True
            self.transport.abort()
            return
        start, end = self.window
        for status, size in responses:
            done = self.loop.time()
            want = self.spec.expected_size
            if status != 200 or (want is not None and size != want):
                self.out.fail(f"status {status}, body {size} bytes (want {want})")
            elif start <= done <= end:
                self.out.requests += 1
                self.out.latencies.append(done - self.sent)
            if done < end:
                self._send()
            else:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.loop.time() < self.window[1] and not self.gave_up:
            self.out.fail(f"connection lost: {exc!r}")
        if not self.closed.done():
            self.closed.set_result(None)


async def _connect(
    spec: LoadSpec, window: tuple[float, float], out: LoadResult, requests: Iterator[bytes]
) -> _Client:
    client = _Client(spec, window, out, requests)
    await asyncio.get_running_loop().create_connection(lambda: client, HOST, spec.port)
    return client


async def _connection(
    spec: LoadSpec, window: tuple[float, float], out: LoadResult, requests: Iterator[bytes]
) -> None:
    """Keep one connection busy until the window closes, reconnecting after failures."""
    loop = asyncio.get_running_loop()
    while loop.time() < window[1]:
        try:
            client = await _connect(spec, window, out, requests)
        except OSError as exc:
            out.fail(f"connect: {exc!r}")
            await asyncio.sleep(0.01)
            continue
        await client.closed
        if loop.time() < window[1]:
            await asyncio.sleep(0.01)


async def _server_cpu(pid: int, window: tuple[float, float], out: LoadResult) -> None:
    """The server's CPU time over the window: requests per CPU-second survive contention."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(window[0] - loop.time())
    before = process_cpu_seconds(pid)
    await asyncio.sleep(window[1] - loop.time())
    out.server_cpu = process_cpu_seconds(pid) - before


async def _load(spec: LoadSpec) -> LoadResult:
    loop = asyncio.get_running_loop()
    start = loop.time() + spec.warmup
    window = (start, start + spec.seconds)
    out = LoadResult(seconds=spec.seconds)
    requests = _requests(spec)
    cpu = time.process_time()
    began = loop.time()
    await asyncio.gather(
        _server_cpu(spec.server_pid, window, out),
        *(_connection(spec, window, out, requests) for _ in range(spec.connections)),
    )
    out.generator_cpu = (time.process_time() - cpu) / (loop.time() - began)
    return out


def process_cpu_seconds(pid: int) -> float:
    """utime + stime from /proc (clock-tick resolution, 10 ms: fine over a 1 s window)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError as exc:
        raise BenchError(f"server process {pid} is gone: {exc}") from exc
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def _requests(spec: LoadSpec) -> Iterator[bytes]:
    """The requests to send, one after the other on whichever connection is free."""
    if spec.vary is None:
        return itertools.repeat(spec.request)
    offset, width = spec.vary
    head, tail = spec.request[:offset], spec.request[offset + width :]
    if not spec.request[offset : offset + width].isdigit():
        raise ValueError(f"no {width}-digit field at offset {offset} of the request")
    number = b"%0" + str(width).encode() + b"d"
    wrap = 10**width
    return (head + number % (n % wrap) + tail for n in itertools.count(spec.first))


def run_load(spec: LoadSpec) -> LoadResult:
    """Runs in the generator process; picklable in, picklable out."""
    if spec.cpu is not None:
        os.sched_setaffinity(0, {spec.cpu})
    if spec.uvloop:
        import uvloop

        return uvloop.run(_load(spec))
    return asyncio.run(_load(spec))
