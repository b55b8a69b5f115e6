"""Throughput of the fake against a bare Starlette app, measured in the same run.

    .venv/bin/python bench/bench_server.py [--seconds S] [--rounds N] [--connections C]

Absolute requests/s depend on the machine, so the figure that matters is the ratio
fake/baseline: both apps run under the same uvicorn settings (`bind_socket` and
`uvicorn_config` from `meshapi_mock.runner`), each in its own process, and the baseline
answers with the fake's own response bytes, so the ratio prices the fake's request path
and nothing else. Rounds alternate between the two servers and the median is kept.

The load generator is a separate process speaking raw HTTP/1.1 from asyncio protocol
callbacks on keep-alive connections: an HTTP client library would cost more CPU than the
server and measure itself. It reports its own CPU share so a saturated generator shows,
and the server's CPU time per request, which neither a slow generator nor a busy machine
distorts much: the second ratio in the table.

Latency is measured at concurrency 1 in shorter runs (a quarter of --seconds, at least
0.3 s): a mean near 40 ms there means Nagle's algorithm is back (see runner.bind_socket).
Memory is VmRSS of both server processes, idle and after all the load.

This is a report, not a test: it exits 0 whatever the ratio, and non-zero only when a
server fails to start or answers with anything but the expected 200 bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from processes import stop

if TYPE_CHECKING:
    from starlette.applications import Starlette

HOST = "127.0.0.1"
CHAT_PATH = "/v1/chat/completions"
BASELINE_PATH = "/bench"
TOKEN = "rsk_bench"
PROMPT: dict[str, Any] = {
    "model": "openai/gpt-4o-mini",
    "messages": [{"role": "user", "content": "What is the capital of France?"}],
}
RULE: dict[str, Any] = {"reply": {"text": "Paris is the capital of France."}, "times": None}
EMBEDDINGS_PATH = "/v1/embeddings"
EMBEDDINGS_PROMPT: dict[str, Any] = {
    "model": "openai/text-embedding-3-small",
    "input": ["What is the capital of France?", "Paris is the capital of France."],
}
EMBEDDINGS_RULE: dict[str, Any] = {
    "endpoint": "embeddings",
    "reply": {"embeddings": [[0.6, 0.8], [0.8, 0.6]]},
    "times": None,
}
TARGET = 0.85
START_TIMEOUT = 20.0


class BenchError(Exception):
    """Something other than slowness went wrong: the figures would be meaningless."""


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    stream: bool
    scripted: bool
    path: str = CHAT_PATH
    payload: dict[str, Any] = field(default_factory=lambda: PROMPT)
    rule: dict[str, Any] = field(default_factory=lambda: RULE)

    def body(self) -> bytes:
        payload = {**self.payload, "stream": True} if self.stream else self.payload
        return json.dumps(payload, separators=(",", ":")).encode()


SCENARIOS = (
    Scenario("chat", "chat, default mode", stream=False, scripted=False),
    Scenario("chat-rule", "chat, 1 rule", stream=False, scripted=True),
    Scenario("stream", "stream, default mode", stream=True, scripted=False),
    Scenario("stream-rule", "stream, 1 rule", stream=True, scripted=True),
    Scenario(
        "embeddings",
        "embeddings, default",
        stream=False,
        scripted=False,
        path=EMBEDDINGS_PATH,
        payload=EMBEDDINGS_PROMPT,
    ),
    Scenario(
        "embeddings-rule",
        "embeddings, 1 rule",
        stream=False,
        scripted=True,
        path=EMBEDDINGS_PATH,
        payload=EMBEDDINGS_PROMPT,
        rule=EMBEDDINGS_RULE,
    ),
)


# --- the two servers (run in their own processes) -------------------------------------


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
    expected_size: int
    connections: int
    seconds: float
    warmup: float


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


def encode_request(port: int, path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\n"
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
        self._pos = 0
        self._state = _HEAD
        self._need = 0
        self._status = 0
        self._size = 0

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        """Add bytes; return (status, body size) for every response now complete."""
        self._buf += data
        done: list[tuple[int, int]] = []
        while self._advance(done):
            pass
        del self._buf[: self._pos]
        self._pos = 0
        return done

    def _advance(self, done: list[tuple[int, int]]) -> bool:
        buf, pos = self._buf, self._pos
        if self._state == _BODY or self._state == _CHUNK_DATA:
            extra = 2 if self._state == _CHUNK_DATA else 0  # CRLF after each chunk
            if len(buf) - pos < self._need + extra:
                return False
            self._pos += self._need + extra
            self._size += self._need
            if self._state == _BODY:
                self._finish(done)
            else:
                self._state = _CHUNK_SIZE
            return True
        end = buf.find(b"\r\n\r\n" if self._state == _HEAD else b"\r\n", pos)
        if end < 0:
            return False
        line = bytes(buf[pos:end])
        self._pos = end + (4 if self._state == _HEAD else 2)
        if self._state == _HEAD:
            self._start(line.lower() + b"\r\n")
        elif self._state == _CHUNK_SIZE:
            self._need = int(line.split(b";", 1)[0], 16)
            self._state = _CHUNK_DATA if self._need else _TRAILER
        elif not line:  # the empty line ending the (normally empty) trailer
            self._finish(done)
        return True

    def _start(self, head: bytes) -> None:
        self._status, self._size = int(head[9:12]), 0
        marker = head.find(b"\r\ncontent-length:")
        if marker >= 0:
            self._need = int(head[marker + 17 : head.index(b"\r\n", marker + 2)])
            self._state = _BODY
        elif b"\r\ntransfer-encoding: chunked\r\n" in head:
            self._state = _CHUNK_SIZE
        else:
            raise ValueError("response has neither Content-Length nor chunked framing")

    def _finish(self, done: list[tuple[int, int]]) -> None:
        done.append((self._status, self._size))
        self._state = _HEAD


class _Client(asyncio.Protocol):
    """One keep-alive connection; the next request leaves from `data_received`.

    Callbacks instead of stream coroutines keep the generator's cost per request low
    enough to saturate a server on the other core.
    """

    def __init__(self, spec: LoadSpec, window: tuple[float, float], out: LoadResult) -> None:
        self.spec, self.window, self.out = spec, window, out
        self.loop = asyncio.get_running_loop()
        self.closed: asyncio.Future[None] = self.loop.create_future()
        self.parser = ResponseParser()
        self.transport: asyncio.Transport | None = None
        self.sent = 0.0
        self.gave_up = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent = self.loop.time()
        self.transport.write(self.spec.request)

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
            if status != 200 or size != want:
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


async def _connect(spec: LoadSpec, window: tuple[float, float], out: LoadResult) -> _Client:
    client = _Client(spec, window, out)
    await asyncio.get_running_loop().create_connection(lambda: client, HOST, spec.port)
    return client


async def _connection(spec: LoadSpec, window: tuple[float, float], out: LoadResult) -> None:
    """Keep one connection busy until the window closes, reconnecting after failures."""
    loop = asyncio.get_running_loop()
    while loop.time() < window[1]:
        try:
            client = await _connect(spec, window, out)
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
    cpu = time.process_time()
    began = loop.time()
    await asyncio.gather(
        _server_cpu(spec.server_pid, window, out),
        *(_connection(spec, window, out) for _ in range(spec.connections)),
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


def run_load(spec: LoadSpec) -> LoadResult:
    """Runs in the generator process; picklable in, picklable out."""
    return asyncio.run(_load(spec))


# --- orchestration ----------------------------------------------------------------------


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[str]
    port: int
    http: str
    loop: str

    def rss_kib(self) -> int:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError as exc:
            raise BenchError(f"the {self.kind} server is gone: {exc}") from exc
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise BenchError(f"no VmRSS for the {self.kind} server")


@contextmanager
def running_server(
    kind: str, bodies_path: str | None = None, prefix: Sequence[str] = ()
) -> Iterator[Server]:
    """Start a server process and stop it (by its pid) on the way out.

    It prints its port once the socket listens, before uvicorn runs: early requests just
    wait in the listen backlog, so no readiness polling is needed.
    """
    command = [*prefix, sys.executable, __file__, "--serve", kind]
    if bodies_path is not None:
        command += ["--bodies", bodies_path]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise BenchError(f"the {kind} server exited with {process.wait()} before listening")
        info = json.loads(line)
        yield Server(kind, process, info["port"], info["http"], info["loop"])
    finally:
        stop(process)


def call(
    port: int, method: str, path: str, body: Any = None, raw: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A control request (admin API, capture); slow and simple is fine here."""
    conn = http.client.HTTPConnection(HOST, port, timeout=START_TIMEOUT)
    try:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    except OSError as exc:
        raise BenchError(f"{method} {path} on port {port} failed: {exc!r}") from exc
    finally:
        conn.close()


def expect(status: int, want: int, what: str, payload: bytes = b"") -> None:
    if status != want:
        raise BenchError(f"{what}: HTTP {status}, expected {want}: {payload[:300]!r}")


def script_fake(fake: Server, scenario: Scenario) -> None:
    """Put the fake in the scenario's mode: no rules (default mode) or one unlimited rule."""
    status, _, payload = call(fake.port, "DELETE", "/_mock/rules")
    expect(status, 204, "clearing rules", payload)
    if scenario.scripted:
        status, _, payload = call(fake.port, "POST", "/_mock/rules", scenario.rule)
        expect(status, 201, "adding the rule", payload)


def capture(fake: Server) -> dict[str, tuple[bytes, bool]]:
    """The fake's exact response bytes per scenario, for the baseline to send back."""
    bodies: dict[str, tuple[bytes, bool]] = {}
    for scenario in SCENARIOS:
        script_fake(fake, scenario)
        status, headers, payload = call(fake.port, "POST", scenario.path, raw=scenario.body())
        expect(status, 200, f"capturing {scenario.name}", payload)
        bodies[scenario.name] = (payload, headers.get("transfer-encoding") == "chunked")
    return bodies


def write_bodies(bodies: dict[str, tuple[bytes, bool]], path: Path) -> Path:
    """Hand the captured bodies to a baseline process (see `serve`)."""
    encoded = {k: {"body": b.decode(), "chunked": c} for k, (b, c) in bodies.items()}
    path.write_text(json.dumps(encoded), encoding="utf-8")
    return path


def check_baseline(baseline: Server, bodies: dict[str, tuple[bytes, bool]]) -> None:
    for scenario in SCENARIOS:
        path = f"{BASELINE_PATH}/{scenario.name}"
        status, headers, payload = call(baseline.port, "POST", path, raw=scenario.body())
        expect(status, 200, f"baseline {scenario.name}", payload)
        body, chunked = bodies[scenario.name]
        if payload != body or (headers.get("transfer-encoding") == "chunked") != chunked:
            raise BenchError(f"the baseline's {scenario.name} response differs from the fake's")


@dataclass
class Measurement:
    """All rounds of one (scenario, server, concurrency) cell."""

    results: list[LoadResult] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(r.rate for r in self.results)

    @property
    def cpu_us(self) -> float:
        """Median server CPU microseconds per request."""
        return 1e6 * statistics.median(r.cpu_per_request for r in self.results)

    @property
    def mean_ms(self) -> float:
        means = [statistics.fmean(r.latencies) for r in self.results if r.latencies]
        return 1000 * statistics.median(means) if means else math.nan

    @property
    def p99_ms(self) -> float:
        samples = sorted(x for r in self.results for x in r.latencies)
        return 1000 * samples[int(len(samples) * 0.99)] if samples else math.nan

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)


@dataclass
class Bench:
    fake: Server
    baseline: Server
    pool: ProcessPoolExecutor
    bodies: dict[str, tuple[bytes, bool]]
    warmup: float
    cells: dict[tuple[str, str, int], Measurement] = field(default_factory=dict)

    def spec(self, server: Server, scenario: Scenario, connections: int, secs: float) -> LoadSpec:
        path = scenario.path if server is self.fake else f"{BASELINE_PATH}/{scenario.name}"
        return LoadSpec(
            port=server.port,
            server_pid=server.process.pid,
            request=encode_request(server.port, path, scenario.body()),
            expected_size=len(self.bodies[scenario.name][0]),
            connections=connections,
            seconds=secs,
            warmup=self.warmup,
        )

    def measure(self, server: Server, scenario: Scenario, connections: int, secs: float) -> None:
        result = self.pool.submit(run_load, self.spec(server, scenario, connections, secs)).result()
        cell = self.cells.setdefault((scenario.name, server.kind, connections), Measurement())
        cell.results.append(result)
        if result.first_error:
            print(f"  ! {server.kind} {scenario.name}: {result.first_error}", file=sys.stderr)

    def round(self, index: int, connections: int, secs: float) -> None:
        """Every scenario on both servers; who goes first alternates to cancel drift."""
        order = (self.baseline, self.fake) if index % 2 == 0 else (self.fake, self.baseline)
        for scenario in SCENARIOS:
            script_fake(self.fake, scenario)
            for server in order:
                self.measure(server, scenario, connections, secs)

    def cell(self, scenario: Scenario, kind: str, connections: int) -> Measurement:
        return self.cells[(scenario.name, kind, connections)]


# --- report -----------------------------------------------------------------------------


def paired_ratios(bench: Bench, scenario: Scenario, connections: int) -> tuple[float, float]:
    """Median per-round fake/baseline of req/s and of CPU per request.

    The two servers ran back to back in each round, so drift mostly cancels.
    """
    base = bench.cell(scenario, "baseline", connections).results
    fake = bench.cell(scenario, "fake", connections).results
    pairs = list(zip(fake, base, strict=True))
    rate = [_divide(f.rate, b.rate) for f, b in pairs]
    cpu = [_divide(b.cpu_per_request, f.cpu_per_request) for f, b in pairs]
    return statistics.median(rate), statistics.median(cpu)


def _divide(a: float, b: float) -> float:
    return a / b if b else math.nan


def throughput_table(bench: Bench, connections: int) -> list[str]:
    lines = [
        f"{'scenario':<21}{'baseline':>9}{'fake':>7}{'ratio':>7}{'CPU us/req':>14}{'ratio':>7}",
        f"{'':<21}{'req/s':>9}{'req/s':>7}{'':>7}{'base / fake':>14}",
    ]
    for scenario in SCENARIOS:
        base = bench.cell(scenario, "baseline", connections)
        fake = bench.cell(scenario, "fake", connections)
        rate_ratio, cpu_ratio = paired_ratios(bench, scenario, connections)
        cpu = f"{base.cpu_us:.0f} / {fake.cpu_us:.0f}"
        flag = f"  < {TARGET}" if rate_ratio < TARGET else ""
        lines.append(
            f"{scenario.label:<21}{base.rate:>9.0f}{fake.rate:>7.0f}{rate_ratio:>7.2f}"
            f"{cpu:>14}{cpu_ratio:>7.2f}{flag}"
        )
    return lines


def latency_table(bench: Bench) -> list[str]:
    lines = [
        "latency at concurrency 1, ms (mean / p99):",
        f"{'scenario':<22}{'baseline':>16}{'fake':>16}",
    ]
    for scenario in SCENARIOS:
        base, fake = (bench.cell(scenario, kind, 1) for kind in ("baseline", "fake"))
        lines.append(
            f"{scenario.label:<22}{base.mean_ms:>9.2f} / {base.p99_ms:<4.2f}"
            f"{fake.mean_ms:>9.2f} / {fake.p99_ms:<4.2f}"
        )
    return lines


def load_notes(bench: Bench, connections: int) -> list[str]:
    """Who was busy: a server below one core means something else took the CPU."""
    results = [r for (_, _, c), m in bench.cells.items() if c == connections for r in m.results]
    gen = max(r.generator_cpu for r in results)
    server = statistics.median(r.server_cpu / r.seconds for r in results)
    notes = [
        "ratios: medians over rounds of fake/baseline req/s and of baseline/fake server CPU "
        "per request",
        f"CPU under load: server median {server:.0%} of a core, load generator at most {gen:.0%}",
    ]
    if gen > 0.85:
        notes.append(
            "warning: the load generator neared a full core, so req/s of the faster server "
            "are capped; trust the CPU ratio"
        )
    elif server < 0.9:
        notes.append(
            "warning: the servers were not CPU-bound, so something else took the CPU: req/s "
            "are noisy, the CPU ratio is the steadier figure; rerun on a quiet machine"
        )
    return notes


def memory_lines(idle: dict[str, int], after: dict[str, int]) -> list[str]:
    mib = 1024
    lines = ["memory, VmRSS idle -> after load:"]
    for kind in ("baseline", "fake"):
        lines.append(f"  {kind:<9}{idle[kind] / mib:7.1f} MiB -> {after[kind] / mib:7.1f} MiB")
    ratio = after["fake"] / after["baseline"]
    lines.append(
        f"  fake/baseline after load: {ratio:.2f} "
        "(both import meshapi_mock: the baseline reuses runner.bind_socket/uvicorn_config)"
    )
    return lines


# --- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=1.25, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median kept)")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--warmup", type=float, default=0.2, help="unmeasured seconds per run")
    parser.add_argument("--serve", choices=("fake", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.rounds < 1 or args.connections < 1 or args.warmup < 0:
        parser.error("--seconds and --warmup must be positive, --rounds and --connections >= 1")
    return args


def run(args: argparse.Namespace) -> int:
    latency_secs = max(0.3, args.seconds / 4)
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="meshapi-bench-"))
        fake = stack.enter_context(running_server("fake"))
        bodies = capture(fake)
        bodies_path = write_bodies(bodies, Path(tmp, "bodies.json"))
        baseline = stack.enter_context(running_server("baseline", str(bodies_path)))
        check_baseline(baseline, bodies)
        if (baseline.http, baseline.loop) != (fake.http, fake.loop):
            raise BenchError("the two servers run different uvicorn protocols or loops")
        context = multiprocessing.get_context("spawn")
        pool = stack.enter_context(ProcessPoolExecutor(max_workers=1, mp_context=context))
        bench = Bench(fake, baseline, pool, bodies, args.warmup)
        idle = {s.kind: s.rss_kib() for s in (fake, baseline)}

        print(header(args, fake, bodies), flush=True)
        for index in range(args.rounds):
            bench.round(index, args.connections, args.seconds)
            bench.round(index, 1, latency_secs)
        after = {s.kind: s.rss_kib() for s in (fake, baseline)}

        print("\n".join(throughput_table(bench, args.connections)))
        print("\n".join(load_notes(bench, args.connections)))
        print()
        print("\n".join(latency_table(bench)))
        print()
        print("\n".join(memory_lines(idle, after)))
        errors = sum(m.errors for m in bench.cells.values())
    if errors:
        print(f"\nFAILED: {errors} bad responses or connection errors", file=sys.stderr)
        return 1
    return 0


def header(args: argparse.Namespace, fake: Server, bodies: dict[str, tuple[bytes, bool]]) -> str:
    import uvicorn

    sizes = ", ".join(f"{name} {len(body)} B" for name, (body, _) in bodies.items())
    chunked = all(bodies[s.name][1] for s in SCENARIOS if s.stream)
    framing = "chunked" if chunked else "with Content-Length"
    return (
        f"meshapi-mock bench: uvicorn {uvicorn.__version__} ({fake.http}, {fake.loop} loop), "
        f"{args.rounds} rounds x {args.seconds:g} s, {args.connections} connections, "
        f"median of rounds\nresponse bodies: {sizes}; SSE sent {framing} by both servers\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args.serve, args.bodies)
    try:
        return run(args)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
