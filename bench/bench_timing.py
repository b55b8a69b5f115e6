"""Timing fidelity at time scale 1x: how close a scripted stream's waits land to the script.

    .venv/bin/python bench/bench_timing.py [--quick] [--rounds 5] [--streams 6] [--concurrency 8]

The fake serves a chat stream scripted with a 200 ms first-chunk delay and a 50 ms
interval (a rule with `timing: {first_chunk: 0.2, interval: 0.05}`, `times: null`). The
client times each SSE frame's arrival with `time.perf_counter` over real loopback HTTP
(httpx streaming) and reports, against the script:

- first chunk: request sent -> first data frame, minus 200 ms;
- interval: one data frame -> the next, minus 50 ms (`[DONE]` left out: aimock sends it
  at once after the last chunk);
- last chunk: request sent -> last data frame, minus its scripted time: whether lateness
  adds up over a stream.

The same streams (the fake's own frames) come from two bare Starlette apps on the same
uvicorn settings (`runner.bind_socket` / `uvicorn_config`), which separate the platform's
timer and loop error from the fake's: `bare, sleep` sleeps 200 ms then 50 ms before each
frame (each wait starts when the frame before was sent), `bare, deadline` keeps the
waits on a timeline from the start of the response, as the fake's delivery does. If
`node` is on the PATH, aimock (`@copilotkit/aimock`, installed with npm into
~/.cache/meshapi-mock/aimock) serves the same text with `streamingProfile: {ttft: 200,
tps: 20}`; without Node it is skipped with a message.

Each round runs --streams streams one at a time and one wave of --concurrency streams
at once on every server, the order rotating between rounds so drift is shared.
Absolute errors depend on the machine; compare the rows of one run. This is a report,
not a test: it exits 0 whatever the timings, and non-zero only when a server fails to
start or answers with something other than a stream of the expected frames.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from processes import stop

if TYPE_CHECKING:
    from starlette.applications import Starlette

HOST = "127.0.0.1"
CHAT_PATH = "/v1/chat/completions"
TOKEN = "rsk_bench"
FIRST_CHUNK = 0.2
INTERVAL = 0.05
WORDS = 18
"""Words in the reply: with the role and finish frames, 20 data frames per stream."""
TEXT = " ".join(f"w{i:02d}" for i in range(WORDS))
PROMPT = "timing fidelity"
FAKE_MODEL = "openai/gpt-4o-mini"
FAKE_RULE: dict[str, Any] = {
    "reply": {"text": TEXT},
    "timing": {"first_chunk": FIRST_CHUNK, "interval": INTERVAL},
    "times": None,
}
AIMOCK_PACKAGE = "@copilotkit/aimock"
AIMOCK_CACHE = Path.home() / ".cache" / "meshapi-mock" / "aimock"
DONE = b"data: [DONE]"
START_TIMEOUT = 30.0
STREAM_TIMEOUT = 30.0


class BenchError(Exception):
    """Something other than timing went wrong: the figures would be meaningless."""


# --- the Python servers (run in their own processes) ------------------------------------


def bare_app(frames: list[bytes]) -> Starlette:
    """The fake's frames on the fake's schedule with nothing else: the platform's floor."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import StreamingResponse
    from starlette.routing import Route

    async def slept() -> AsyncIterator[bytes]:
        for index, frame in enumerate(frames):
            await asyncio.sleep(FIRST_CHUNK if index == 0 else INTERVAL)
            yield frame

    async def on_timeline() -> AsyncIterator[bytes]:
        due = time.monotonic()
        for index, frame in enumerate(frames):
            due += FIRST_CHUNK if index == 0 else INTERVAL
            await asyncio.sleep(due - time.monotonic())
            yield frame

    async def stream(request: Request) -> StreamingResponse:
        await request.body()  # the fake reads the body too
        body = slept() if request.path_params["schedule"] == "sleep" else on_timeline()
        return StreamingResponse(body, media_type="text/event-stream")

    return Starlette(routes=[Route("/bare/{schedule}", stream, methods=["POST"])])


def serve(kind: str, frames_path: str | None) -> int:
    """Entry point of a server process: print the port, then serve until terminated."""
    import uvicorn
    from meshapi_mock.runner import bind_socket, uvicorn_config

    if kind == "fake":
        from meshapi_mock.app import create_app
        from meshapi_mock.config import ServerConfig

        app: Any = create_app(ServerConfig(time_scale=1.0))
    else:
        assert frames_path is not None
        raw = json.loads(Path(frames_path).read_text(encoding="utf-8"))
        app = bare_app([frame.encode() for frame in raw])
    sock = bind_socket(HOST, 0)
    config = uvicorn_config(app)
    config.load()
    info = {"port": sock.getsockname()[1], "http": config.http_protocol_class.__name__}
    print(json.dumps(info), flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


@contextmanager
def python_server(kind: str, frames_path: str | None = None) -> Iterator[tuple[int, str]]:
    """(port, uvicorn protocol) of a server process, stopped by its pid on the way out."""
    command = [sys.executable, __file__, "--serve", kind]
    if frames_path is not None:
        command += ["--frames", frames_path]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise BenchError(f"the {kind} server exited with {process.wait()} before listening")
        info = json.loads(line)
        yield info["port"], info["http"]
    finally:
        stop(process)


# --- aimock (Node) ----------------------------------------------------------------------


def aimock_cli(npm: str) -> Path | None:
    """aimock's `llmock` entry point in the cache, installed with npm the first time."""
    cli = AIMOCK_CACHE / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"
    if cli.exists():
        return cli
    AIMOCK_CACHE.mkdir(parents=True, exist_ok=True)
    print(f"installing {AIMOCK_PACKAGE} with npm into {AIMOCK_CACHE} ...", flush=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(AIMOCK_CACHE), "--no-audit", "--no-fund", AIMOCK_PACKAGE],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not cli.exists():
        print(f"npm install failed ({done.returncode}): {done.stderr.strip()[-300:]}")
        return None
    return cli


def aimock_fixture() -> dict[str, Any]:
    """The same text, one word a chunk, 200 ms to the first chunk and 20 chunks a second.

    aimock waits before every chunk it builds (the role chunk first: `ttft`; each later
    one 1000/tps ms), then writes `[DONE]` at once; `chunkSize` counts characters, and
    each word with its space is four.
    """
    return {
        "fixtures": [
            {
                "match": {"userMessage": PROMPT},
                "response": {"content": TEXT},
                "chunkSize": 4,
                "streamingProfile": {"ttft": FIRST_CHUNK * 1000, "tps": 1 / INTERVAL},
            }
        ]
    }


@contextmanager
def aimock_server(node: str, cli: Path, workdir: Path) -> Iterator[int]:
    """aimock's port; its log goes to a file (a pipe nobody reads would fill and block it)."""
    fixture = workdir / "aimock-fixture.json"
    fixture.write_text(json.dumps(aimock_fixture()), encoding="utf-8")
    log_path = workdir / "aimock.log"
    with log_path.open("w", encoding="utf-8") as log:
        command = [node, str(cli), "--host", HOST, "--port", "0", "--fixtures", str(fixture)]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            text = log_path.read_text(encoding="utf-8")
            marker = text.find(f"listening on http://{HOST}:")
            if marker >= 0 and "\n" in text[marker:]:
                line = text[marker:].split("\n", 1)[0]
                yield int(line.rsplit(":", 1)[1])
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"aimock did not start: {text.strip()[-300:]}")
            time.sleep(0.05)
    finally:
        stop(process)


def aimock_version(cli: Path) -> str:
    package = json.loads((cli.parent.parent / "package.json").read_text(encoding="utf-8"))
    return str(package.get("version", "?"))


# --- the client -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Stream:
    """One stream's arrival times, in seconds from just before the request was sent."""

    headers: float
    frames: list[float]
    """Data frames other than `[DONE]`."""


async def timed_stream(client: httpx.AsyncClient, target: Target) -> Stream:
    """Send the request and note when each complete SSE frame arrived."""
    buffer = b""
    frames: list[float] = []
    done = False
    start = time.perf_counter()
    request = client.build_request("POST", target.url, content=target.body, headers=target.headers)
    response = await client.send(request, stream=True)
    try:
        headers = time.perf_counter() - start
        if response.status_code != 200:
            await response.aread()
            raise BenchError(f"{target.name}: HTTP {response.status_code}: {response.text[:200]}")
        async for chunk in response.aiter_raw():
            now = time.perf_counter() - start
            buffer += chunk
            *complete, buffer = buffer.split(b"\n\n")
            for frame in complete:
                if frame.startswith(DONE):
                    done = True
                elif frame.startswith(b"data: "):
                    frames.append(now)
    finally:
        await response.aclose()
    if not done or buffer.strip():
        raise BenchError(f"{target.name}: the stream did not end with [DONE]")
    return Stream(headers, frames)


@dataclass
class Cell:
    """Every stream of one (server, concurrency) pair."""

    streams: list[Stream] = field(default_factory=list)

    def first_chunk_ms(self) -> list[float]:
        return [1000 * (s.frames[0] - FIRST_CHUNK) for s in self.streams]

    def interval_ms(self) -> list[float]:
        return [
            1000 * (later - earlier - INTERVAL)
            for s in self.streams
            for earlier, later in pairwise(s.frames)
        ]

    def last_chunk_ms(self) -> list[float]:
        return [
            1000 * (s.frames[-1] - FIRST_CHUNK - INTERVAL * (len(s.frames) - 1))
            for s in self.streams
        ]

    def headers_ms(self) -> float:
        return 1000 * statistics.fmean(s.headers for s in self.streams)


async def run_streams(
    client: httpx.AsyncClient, target: Target, count: int, concurrency: int
) -> list[Stream]:
    """`count` streams one after the other, or one wave of `concurrency` at once."""
    if concurrency == 1:
        return [await timed_stream(client, target) for _ in range(count)]
    return list(await asyncio.gather(*(timed_stream(client, target) for _ in range(concurrency))))


async def measure(
    targets: list[Target], rounds: int, streams: int, concurrency: int
) -> dict[tuple[str, int], Cell]:
    cells: dict[tuple[str, int], Cell] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(STREAM_TIMEOUT)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        for target in targets:  # warm-up: connections open, code paths loaded
            await run_streams(client, target, 1, concurrency)
        for index in range(rounds):
            shift = index % len(targets)
            for target in targets[shift:] + targets[:shift]:
                for level in (1, concurrency):
                    got = await run_streams(client, target, streams, level)
                    cells.setdefault((target.name, level), Cell()).streams.extend(got)
            print(f"  round {index + 1}/{rounds} done", flush=True)
    return cells


# --- report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    mean: float
    stdev: float
    p50: float
    p95: float
    p99: float
    max_abs: float
    count: int

    @classmethod
    def of(cls, errors: list[float]) -> Summary:
        ordered = sorted(errors)

        def rank(q: float) -> float:
            return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

        stdev = statistics.stdev(ordered) if len(ordered) > 1 else 0.0
        return cls(
            statistics.fmean(ordered),
            stdev,
            rank(0.5),
            rank(0.95),
            rank(0.99),
            max(abs(e) for e in ordered),
            len(ordered),
        )

    def row(self, name: str) -> str:
        return (
            f"  {name:<16}{self.mean:>+8.2f}{self.stdev:>7.2f}{self.p50:>+8.2f}{self.p95:>+8.2f}"
            f"{self.p99:>+8.2f}{self.max_abs:>8.2f}{self.count:>6}"
        )


METRICS = (
    ("first chunk", f"{FIRST_CHUNK * 1000:.0f} ms after the request", Cell.first_chunk_ms),
    ("interval", f"{INTERVAL * 1000:.0f} ms between data frames", Cell.interval_ms),
    ("last chunk", "its scripted time after the request", Cell.last_chunk_ms),
)
FAKE = "meshapi-mock"
BARE_SLEEP = "bare, sleep"
BARE_DEADLINE = "bare, deadline"


def table(cells: dict[tuple[str, int], Cell], names: list[str], level: int) -> list[str]:
    lines = [
        f"concurrency {level}: error in ms against the script (+ late, - early)",
        f"  {'':<16}{'mean':>8}{'stdev':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'max|e|':>8}{'n':>6}",
    ]
    for title, scripted, errors in METRICS:
        lines.append(f" {title} ({scripted})")
        lines.extend(Summary.of(errors(cells[(name, level)])).row(name) for name in names)
    return lines


def own_error(cells: dict[tuple[str, int], Cell], level: int) -> str:
    """The fake's error beyond the platform's: against the bare app on the same schedule."""
    parts = []
    for title, _, errors in METRICS:
        fake = Summary.of(errors(cells[(FAKE, level)]))
        bare = Summary.of(errors(cells[(BARE_DEADLINE, level)]))
        ratio = fake.stdev / bare.stdev if bare.stdev else math.nan
        parts.append(
            f"{title} {fake.mean - bare.mean:+.2f} ms mean, {fake.p99 - bare.p99:+.2f} ms p99, "
            f"stdev x{ratio:.2f}"
        )
    return "  fake - bare deadline: " + "; ".join(parts)


def headers_line(cells: dict[tuple[str, int], Cell], names: list[str]) -> str:
    means = ", ".join(f"{name} {cells[(name, 1)].headers_ms():.1f}" for name in names)
    return f"headers after the request, mean ms at concurrency 1: {means}"


# --- main -------------------------------------------------------------------------------


def capture_frames(port: int) -> list[bytes]:
    """The fake's frames for the scripted rule, for the bare apps to send back."""
    base = f"http://{HOST}:{port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(headers=auth, timeout=STREAM_TIMEOUT) as client:
        added = client.post(f"{base}/_mock/rules", json=FAKE_RULE)
        if added.status_code != 201:
            raise BenchError(f"adding the rule: HTTP {added.status_code}: {added.text[:300]}")
        body = client.post(f"{base}{CHAT_PATH}", content=chat_body(FAKE_MODEL))
    if body.status_code != 200:
        raise BenchError(f"capturing the stream: HTTP {body.status_code}: {body.text[:300]}")
    frames = [part + b"\n\n" for part in body.content.split(b"\n\n") if part]
    if not frames or not frames[-1].startswith(DONE):
        raise BenchError("the fake's stream does not end with [DONE]")
    return frames


def chat_body(model: str) -> bytes:
    messages = [{"role": "user", "content": PROMPT}]
    return json.dumps({"model": model, "stream": True, "messages": messages}).encode()


def run(args: argparse.Namespace) -> int:
    json_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    node, npm = shutil.which("node"), shutil.which("npm")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="meshapi-timing-")))
        fake_port, http = stack.enter_context(python_server("fake"))
        frames = capture_frames(fake_port)
        frames_path = tmp / "frames.json"
        frames_path.write_text(json.dumps([f.decode() for f in frames]), encoding="utf-8")
        bare_port, bare_http = stack.enter_context(python_server("bare", str(frames_path)))
        if bare_http != http:
            raise BenchError(f"the servers run different protocols: {http} and {bare_http}")
        bare, body = f"http://{HOST}:{bare_port}/bare", chat_body(FAKE_MODEL)
        targets = [
            Target(BARE_SLEEP, f"{bare}/sleep", body, json_headers),
            Target(BARE_DEADLINE, f"{bare}/deadline", body, json_headers),
            Target(FAKE, f"http://{HOST}:{fake_port}{CHAT_PATH}", body, json_headers),
        ]
        notes = [f"uvicorn ({http}, asyncio loop) for the fake and the bare apps"]
        cli = aimock_cli(npm) if node and npm else None
        if node is None or npm is None:
            notes.append("aimock skipped: node and npm are not both on the PATH")
        elif cli is None:
            notes.append(f"aimock skipped: {AIMOCK_PACKAGE} could not be installed")
        else:
            port = stack.enter_context(aimock_server(node, cli, tmp))
            version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
            notes.append(f"aimock {aimock_version(cli)} on Node {version.strip()}")
            url = f"http://{HOST}:{port}{CHAT_PATH}"
            plain = {"Content-Type": "application/json"}
            targets.append(Target("aimock", url, chat_body("gpt-4o"), plain))

        print(
            f"timing fidelity at 1x: first chunk {FIRST_CHUNK * 1000:.0f} ms, interval "
            f"{INTERVAL * 1000:.0f} ms, {len(frames) - 1} data frames + [DONE] per stream; "
            f"{args.rounds} rounds x ({args.streams} streams one at a time + a wave of "
            f"{args.concurrency}); {os.cpu_count()} CPUs",
            flush=True,
        )
        print("\n".join(notes), flush=True)
        cells = asyncio.run(measure(targets, args.rounds, args.streams, args.concurrency))

    names = [t.name for t in targets]
    counts = {name: {len(s.frames) for s in cells[(name, 1)].streams} for name in names}
    if any(c != {len(frames) - 1} for c in counts.values()):
        print(f"note: data frames per stream differ between servers: {counts}")
    print()
    for level in (1, args.concurrency):
        print("\n".join(table(cells, names, level)))
        print(own_error(cells, level))
        print()
    print(headers_line(cells, names))
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="rounds over all servers")
    parser.add_argument("--streams", type=int, default=6, help="one-at-a-time streams a round")
    parser.add_argument("--concurrency", type=int, default=8, help="streams in a concurrent wave")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 streams")
    parser.add_argument("--serve", choices=("fake", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--frames", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.streams = 2, 3
    if args.rounds < 1 or args.streams < 1 or args.concurrency < 2:
        parser.error("--rounds and --streams must be >= 1, --concurrency >= 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args.serve, args.frames)
    try:
        return run(args)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
