"""Throughput of the fake against its peers: aimock and the bare Starlette ceiling.

    .venv/bin/python bench/bench_peers.py [--quick] [--seconds S] [--rounds N] [--connections C]

Chat completions, non-streamed and streamed, every request with a prompt of its own (the
load generator stamps a counter into each body, so no cache can answer from a repeated
one), in two modes:

- scripted: one catch-all answer, "Paris is the capital of France.", on every server: on
  the fake a rule with `times: null` (`POST /_mock/rules`), on aimock a fixture with an
  empty `match` (its catch-all) in the file given to `--fixtures`;
- default mode: nothing scripted on the fake (it answers from the prompt). aimock has no
  such mode, so this one is priced against the fake's own scripted rate and the bare app.

Servers, each in its own process: the fake (`create_app` on `runner.bind_socket` /
`uvicorn_config`, as the `meshapi-mock serve` CLI runs it, with the default install's
event loop and HTTP parser), a bare Starlette app on the same uvicorn settings answering
with the fake's own captured bytes (the ceiling: what Starlette and uvicorn alone cost),
and aimock (`@copilotkit/aimock` on Node, npm-installed into ~/.cache/meshapi-mock/aimock
the first time; skipped with a message when node or npm is missing or the install fails).

The load generator (`loadgen.py`, shared with `bench_server.py`) is a separate Python
process sending raw HTTP/1.1 on keep-alive connections from uvloop protocol callbacks. On
a machine with two CPUs or more it is pinned to one CPU and the servers to another
(`os.sched_setaffinity`; aimock with all of Node's threads), so they do not take turns
on a core; `--pin generator` pins only the generator, `--pin none` leaves it all to the
scheduler. An unmeasured round warms every server up (aimock's JIT needs it), then
rounds alternate the servers (the order rotating) and the median of rounds is kept;
ratios are medians of per-round ratios. The report gives the generator's CPU share (it
must stay well under a core, or the faster servers are capped) and each server's CPU
time per request, which a busy machine distorts less than requests/s.

Each server's answer is checked once before measuring (status 200, the scripted text,
a stream ending with `[DONE]`), and every response under load must have status 200 and
the checked size (any size in the fake's default mode, whose answer follows the
prompt). This is a report, not a test: it exits 0 whatever the ratios, and
non-zero only when a server fails to start or answers wrongly.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_timing import AIMOCK_PACKAGE, aimock_cli, aimock_version
from loadgen import (
    BASELINE_PATH,
    HOST,
    TOKEN,
    BenchError,
    LoadResult,
    LoadSpec,
    encode_request,
    run_load,
    serve,
)
from processes import stop

CHAT_PATH = "/v1/chat/completions"
MODEL = "openai/gpt-4o-mini"
TEXT = "Paris is the capital of France."
DIGITS = 8
"""Width of the counter in every prompt: 10**8 distinct prompts, a constant body size."""
PROMPT = "What is the capital of France? Question #{number}."
FAKE_RULE: dict[str, Any] = {"reply": {"text": TEXT}, "times": None}
RUN_SPAN = 1_000_000
"""Counter values reserved for one measured run: runs never share a prompt."""
CHECK_FIRST = 99_000_000
"""Counter values the answer checks use."""
AIMOCK_TARGET = 1.0
AIMOCK_AIM = 1.25
DEFAULT_TARGET = 0.8
START_TIMEOUT = 30.0
WARMUP_ROUND = 0.5
"""Seconds a run of the unmeasured first round lasts."""
FAKE, BARE, AIMOCK = "fake", "bare", "aimock"


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    stream: bool
    scripted: bool

    def body(self, number: int = 0) -> bytes:
        content = PROMPT.format(number=f"{number:0{DIGITS}d}")
        payload: dict[str, Any] = {
            "model": MODEL,
            "messages": [{"role": "user", "content": content}],
        }
        if self.stream:
            payload["stream"] = True
        return json.dumps(payload, separators=(",", ":")).encode()


SCENARIOS = (
    Scenario("chat-scripted", "chat, scripted", stream=False, scripted=True),
    Scenario("stream-scripted", "stream, scripted", stream=True, scripted=True),
    Scenario("chat-default", "chat, default mode", stream=False, scripted=False),
    Scenario("stream-default", "stream, default mode", stream=True, scripted=False),
)
SCRIPTED = {s.name for s in SCENARIOS if s.scripted}


# --- servers ----------------------------------------------------------------------------


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[str]
    port: int
    stack: str
    """What serves it: runtime, HTTP parser, event loop."""

    def path(self, scenario: Scenario) -> str:
        return f"{BASELINE_PATH}/{scenario.name}" if self.kind == BARE else CHAT_PATH

    def serves(self, scenario: Scenario) -> bool:
        return scenario.scripted or self.kind != AIMOCK


def pinned(cpu: int | None) -> Callable[[], None] | None:
    """A `preexec_fn` putting the child (and every thread it starts) on `cpu`."""
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@contextmanager
def python_server(kind: str, cpu: int | None, bodies_path: str | None = None) -> Iterator[Server]:
    """The fake or the bare app (`loadgen.serve`), stopped by its pid on the way out."""
    import uvicorn

    command = [sys.executable, __file__, "--serve", kind]
    if bodies_path is not None:
        command += ["--bodies", bodies_path]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=pinned(cpu))
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise BenchError(f"the {kind} server exited with {process.wait()} before listening")
        info = json.loads(line)
        stack = f"uvicorn {uvicorn.__version__}, {info['http']}, {info['loop']} loop"
        yield Server(kind, process, info["port"], stack)
    finally:
        stop(process)


def aimock_fixture(chunk_size: int | None) -> dict[str, Any]:
    """One fixture with an empty `match`: aimock's catch-all, answering every chat."""
    fixture: dict[str, Any] = {"match": {}, "response": {"content": TEXT}}
    if chunk_size is not None:
        fixture["chunkSize"] = chunk_size
    return {"fixtures": [fixture]}


@contextmanager
def aimock_server(
    node: str, cli: Path, workdir: Path, cpu: int | None, chunk_size: int | None
) -> Iterator[Server]:
    """aimock on a free port; its log goes to a file (a pipe nobody reads would block it)."""
    fixture = workdir / "aimock-fixture.json"
    fixture.write_text(json.dumps(aimock_fixture(chunk_size)), encoding="utf-8")
    log_path = workdir / "aimock.log"
    command = [node, str(cli), "--host", HOST, "--port", "0", "--fixtures", str(fixture)]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, text=True, preexec_fn=pinned(cpu)
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            text = log_path.read_text(encoding="utf-8")
            marker = text.find(f"listening on http://{HOST}:")
            if marker >= 0 and "\n" in text[marker:]:
                port = int(text[marker:].split("\n", 1)[0].rsplit(":", 1)[1])
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"aimock did not start: {text.strip()[-300:]}")
            time.sleep(0.05)
        versions = subprocess.run(
            [node, "-p", "process.version + ' ' + process.versions.llhttp"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        node_version, llhttp = [*versions, "?", "?"][:2]
        stack = f"{AIMOCK_PACKAGE} {aimock_version(cli)}, Node {node_version}, llhttp {llhttp}"
        yield Server(AIMOCK, process, port, stack)
    finally:
        stop(process)


# --- checking answers -------------------------------------------------------------------


def call(port: int, method: str, path: str, body: bytes | None) -> tuple[int, str, bytes]:
    """One control or check request: (status, content type, body without chunk framing)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=START_TIMEOUT)
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("content-type") or "", response.read()
    except OSError as exc:
        raise BenchError(f"{method} {path} on port {port} failed: {exc!r}") from exc
    finally:
        conn.close()


def script_fake(fake: Server, scenario: Scenario) -> None:
    """No rules (default mode) or the catch-all rule."""
    status, _, payload = call(fake.port, "DELETE", "/_mock/rules", None)
    if status != 204:
        raise BenchError(f"clearing the fake's rules: HTTP {status}: {payload[:300]!r}")
    if scenario.scripted:
        rule = json.dumps(FAKE_RULE).encode()
        status, _, payload = call(fake.port, "POST", "/_mock/rules", rule)
        if status != 201:
            raise BenchError(f"adding the fake's rule: HTTP {status}: {payload[:300]!r}")


@dataclass(frozen=True)
class Answer:
    body: bytes
    text: str
    frames: int
    """SSE data frames before `[DONE]`; 0 for a JSON answer."""


def check_answer(server: Server, scenario: Scenario, number: int) -> Answer:
    """One request: status 200, the scripted text (default mode: some text), and a
    stream that ends with `[DONE]`."""
    what = f"{server.kind}, {scenario.label}"
    status, kind, body = call(server.port, "POST", server.path(scenario), scenario.body(number))
    if status != 200:
        raise BenchError(f"{what}: HTTP {status}: {body[:300]!r}")
    try:
        if scenario.stream:
            if not kind.startswith("text/event-stream"):
                raise BenchError(f"{what}: content type {kind!r}, not an event stream")
            frames = [f for f in body.decode().split("\n\n") if f.strip()]
            if not frames or frames[-1].strip() != "data: [DONE]":
                raise BenchError(f"{what}: the stream does not end with [DONE]: {body[-200:]!r}")
            chunks = [json.loads(f.removeprefix("data: ")) for f in frames[:-1]]
            text = "".join(
                c["delta"].get("content") or "" for chunk in chunks for c in chunk["choices"]
            )
            answer = Answer(body, text, len(chunks))
        else:
            text = json.loads(body)["choices"][0]["message"]["content"]
            answer = Answer(body, text, 0)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise BenchError(f"{what}: unexpected answer ({exc!r}): {body[:300]!r}") from exc
    if scenario.scripted and answer.text != TEXT:
        raise BenchError(f"{what}: answered {answer.text!r}, expected {TEXT!r}")
    if not answer.text:
        raise BenchError(f"{what}: answered no text")
    return answer


def capture(fake: Server) -> dict[str, Answer]:
    """The fake's answer per scenario, checked, for the bare app to send back."""
    answers = {}
    for index, scenario in enumerate(SCENARIOS):
        script_fake(fake, scenario)
        answers[scenario.name] = check_answer(fake, scenario, CHECK_FIRST + index)
    return answers


def write_bodies(answers: dict[str, Answer], path: Path) -> str:
    """Hand the captured bodies to the bare app's process (see `loadgen.serve`)."""
    scenarios = {s.name: s for s in SCENARIOS}
    encoded = {
        name: {"body": a.body.decode(), "chunked": scenarios[name].stream}
        for name, a in answers.items()
    }
    path.write_text(json.dumps(encoded), encoding="utf-8")
    return str(path)


# --- measuring --------------------------------------------------------------------------


@dataclass
class Cell:
    """All rounds of one (scenario, server) pair."""

    results: list[LoadResult] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(r.rate for r in self.results)

    @property
    def cpu_us(self) -> float:
        """Median server CPU microseconds per request."""
        return 1e6 * statistics.median(r.cpu_per_request for r in self.results)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)


@dataclass
class Bench:
    servers: list[Server]
    sizes: dict[tuple[str, str], int]
    """Body bytes of each (scenario, server)'s checked answer: every answer's size (none
    for the fake's default mode, whose answer varies with the prompt)."""
    pool: ProcessPoolExecutor
    args: argparse.Namespace
    generator_cpu: int | None
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    runs: int = 0

    @property
    def fake(self) -> Server:
        return next(s for s in self.servers if s.kind == FAKE)

    def measure(self, server: Server, scenario: Scenario, seconds: float, keep: bool) -> None:
        request = encode_request(server.port, server.path(scenario), scenario.body())
        digits = request.index(b"#" + b"0" * DIGITS) + 1
        self.runs += 1
        spec = LoadSpec(
            port=server.port,
            server_pid=server.process.pid,
            request=request,
            expected_size=self.sizes.get((scenario.name, server.kind)),
            connections=self.args.connections,
            seconds=seconds,
            warmup=self.args.warmup,
            vary=(digits, DIGITS),
            first=self.runs * RUN_SPAN,
            cpu=self.generator_cpu,
            uvloop=True,
        )
        result = self.pool.submit(run_load, spec).result()
        if result.requests >= RUN_SPAN:
            raise BenchError("a run sent more requests than its prompt range holds")
        if keep:
            self.cells.setdefault((scenario.name, server.kind), Cell()).results.append(result)
        if result.first_error:
            print(f"  ! {server.kind} {scenario.label}: {result.first_error}", file=sys.stderr)

    def round(self, index: int, keep: bool = True) -> None:
        """Every scenario on every server that has it; the server order rotates.

        A round not kept warms the servers up (Node's JIT tiers up under load).
        """
        shift = index % len(self.servers)
        order = self.servers[shift:] + self.servers[:shift]
        seconds = self.args.seconds if keep else WARMUP_ROUND
        for scenario in SCENARIOS:
            script_fake(self.fake, scenario)
            for server in order:
                if server.serves(scenario):
                    self.measure(server, scenario, seconds, keep)

    def has(self, scenario: Scenario, kind: str) -> bool:
        return (scenario.name, kind) in self.cells

    def cell(self, scenario: Scenario, kind: str) -> Cell:
        return self.cells[(scenario.name, kind)]


# --- report -----------------------------------------------------------------------------


def _divide(a: float, b: float) -> float:
    return a / b if b else math.nan


def paired(
    bench: Bench, top: tuple[Scenario, str], bottom: tuple[Scenario, str]
) -> tuple[float, float]:
    """Median per-round ratio of req/s (top / bottom) and of CPU per request
    (bottom / top: above 1 when `top` spends less CPU on a request)."""
    tops = bench.cell(*top).results
    bottoms = bench.cell(*bottom).results
    pairs = list(zip(tops, bottoms, strict=True))
    rate = statistics.median(_divide(t.rate, b.rate) for t, b in pairs)
    cpu = statistics.median(_divide(b.cpu_per_request, t.cpu_per_request) for t, b in pairs)
    return rate, cpu


def _num(value: float | None, spec: str) -> str:
    return "—" if value is None or math.isnan(value) else format(value, spec)


def rates_table(bench: Bench, kinds: list[str]) -> list[str]:
    lines = [
        "requests/s, median of rounds (server CPU µs per request below each):",
        f"  {'scenario':<22}" + "".join(f"{k:>9}" for k in kinds),
    ]
    for scenario in SCENARIOS:
        rates = [bench.cell(scenario, k).rate if bench.has(scenario, k) else None for k in kinds]
        cpus = [bench.cell(scenario, k).cpu_us if bench.has(scenario, k) else None for k in kinds]
        lines.append(f"  {scenario.label:<22}" + "".join(f"{_num(r, '.0f'):>9}" for r in rates))
        lines.append(f"  {'  CPU µs/request':<22}" + "".join(f"{_num(c, '.1f'):>9}" for c in cpus))
    return lines


def ratio_lines(bench: Bench, aimock: bool) -> list[str]:
    lines = ["ratios, medians of per-round ratios: req/s (CPU per request, inverted)"]
    for scenario in SCENARIOS:
        parts = []
        if aimock and scenario.scripted:
            rate, cpu = paired(bench, (scenario, FAKE), (scenario, AIMOCK))
            flag = (
                f"< {AIMOCK_TARGET}"
                if rate < AIMOCK_TARGET
                else "aim met"
                if rate >= AIMOCK_AIM
                else f"< aim {AIMOCK_AIM}"
            )
            parts.append(f"fake/aimock {rate:.2f} ({cpu:.2f}) [{flag}]")
        rate, cpu = paired(bench, (scenario, FAKE), (scenario, BARE))
        parts.append(f"fake/bare {rate:.2f} ({cpu:.2f})")
        lines.append(f"  {scenario.label:<22}" + ", ".join(parts))
    for stream in (False, True):
        default, scripted = (
            next(s for s in SCENARIOS if s.stream == stream and s.scripted == mode)
            for mode in (False, True)
        )
        rate, cpu = paired(bench, (default, FAKE), (scripted, FAKE))
        bare, _ = paired(bench, (default, BARE), (scripted, BARE))
        flag = f"< {DEFAULT_TARGET}" if rate < DEFAULT_TARGET else "target met"
        lines.append(
            f"  {'stream' if stream else 'chat'}, fake default mode / fake scripted "
            f"{rate:.2f} ({cpu:.2f}) [{flag}]; the bare app answering the same bytes: {bare:.2f}"
        )
    return lines


def load_notes(bench: Bench) -> list[str]:
    """Who was busy: a server below one core means something else took the CPU."""
    results = [r for cell in bench.cells.values() for r in cell.results]
    generator = max(r.generator_cpu for r in results)
    shares = []
    for server in bench.servers:
        own = [r for (_, kind), c in bench.cells.items() if kind == server.kind for r in c.results]
        shares.append(
            f"{server.kind} {statistics.median(r.server_cpu / r.seconds for r in own):.0%}"
        )
    lines = [
        f"CPU under load: load generator at most {generator:.0%} of a core; servers "
        f"{', '.join(shares)} of a core (medians)"
    ]
    if generator > 0.85:
        lines.append(
            "warning: the load generator neared a full core, so req/s of the faster servers "
            "are capped; trust the CPU ratios"
        )
    servers = statistics.median(r.server_cpu / r.seconds for r in results)
    if servers < 0.9:
        lines.append(
            "warning: the servers were not CPU-bound, so something else took the CPU: req/s "
            "are noisy, the CPU ratios are the steadier figures; rerun on a quiet machine"
        )
    return lines


def header(
    args: argparse.Namespace,
    bench: Bench,
    answers: dict[tuple[str, str], Answer],
    notes: list[str],
    server_cpu: int | None,
) -> list[str]:
    lines = [
        f"meshapi-mock peers bench: chat completions, every request a different prompt; "
        f"{args.rounds} rounds x {args.seconds:g} s (+{args.warmup:g} s warm-up), "
        f"{args.connections} connections, {os.cpu_count()} CPUs",
        "servers:",
    ]
    what = {
        FAKE: "meshapi-mock (create_app, as the CLI serves it)",
        BARE: "bare Starlette app, the fake's bytes",
        AIMOCK: "aimock, catch-all fixture (match: {})",
    }
    for server in bench.servers:
        lines.append(f"  {server.kind:<7}{what[server.kind]}: {server.stack}")
    lines.extend(f"  {note}" for note in notes)
    if bench.generator_cpu is not None:
        servers = "free" if server_cpu is None else f"on CPU {server_cpu}"
        lines.append(f"pinned: load generator on CPU {bench.generator_cpu}, servers {servers}")
    else:
        lines.append("not pinned: the scheduler places the load generator and the servers")
    lines.append("answers (body bytes, SSE data frames before [DONE]):")
    for scenario in SCENARIOS:
        parts = []
        for server in bench.servers:
            answer = answers.get((scenario.name, server.kind))
            if answer is not None:
                frames = f", {answer.frames} frames" if scenario.stream else ""
                parts.append(f"{server.kind} {len(answer.body)} B{frames}")
        lines.append(f"  {scenario.label:<22}" + "; ".join(parts))
    return lines


# --- main -------------------------------------------------------------------------------


def cpus(pin: str) -> tuple[int | None, int | None]:
    """(generator CPU, server CPU) for a --pin mode: the first two CPUs this process may
    run on, or none of them."""
    if pin == "none" or not hasattr(os, "sched_setaffinity"):
        return None, None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None, None
    return allowed[0], allowed[1] if pin == "split" else None


def run(args: argparse.Namespace) -> int:
    generator_cpu, server_cpu = cpus(args.pin)
    node, npm = shutil.which("node"), shutil.which("npm")
    notes: list[str] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="meshapi-peers-")))
        fake = stack.enter_context(python_server(FAKE, server_cpu))
        captured = capture(fake)
        bodies = write_bodies(captured, tmp / "bodies.json")
        bare = stack.enter_context(python_server(BARE, server_cpu, bodies))
        servers = [fake, bare]
        cli = aimock_cli(npm) if node and npm else None
        if node is None or npm is None:
            notes.append("aimock skipped: node and npm are not both on the PATH")
        elif cli is None:
            notes.append(f"aimock skipped: {AIMOCK_PACKAGE} could not be installed")
        else:
            servers.append(
                stack.enter_context(aimock_server(node, cli, tmp, server_cpu, args.chunk_size))
            )
            chunking = (
                f"chunkSize {args.chunk_size}"
                if args.chunk_size
                else "aimock's default chunkSize (20 characters)"
            )
            notes.append(f"aimock streams with {chunking}; its journal keeps 1000 entries")
        if generator_cpu is not None:
            os.sched_setaffinity(0, {generator_cpu})

        answers: dict[tuple[str, str], Answer] = {}
        for scenario in SCENARIOS:
            script_fake(fake, scenario)
            for index, server in enumerate(servers):
                if server.serves(scenario):
                    number = CHECK_FIRST + 100 + 10 * index
                    answers[(scenario.name, server.kind)] = check_answer(server, scenario, number)
            if answers[(scenario.name, BARE)].body != captured[scenario.name].body:
                raise BenchError(f"the bare app's {scenario.label} answer differs from the fake's")
        # default mode's answer depends on the prompt, and so does its size
        sizes = {
            (scenario, kind): len(answer.body)
            for (scenario, kind), answer in answers.items()
            if kind != FAKE or scenario in SCRIPTED
        }

        context = multiprocessing.get_context("spawn")
        pool = stack.enter_context(ProcessPoolExecutor(max_workers=1, mp_context=context))
        bench = Bench(servers, sizes, pool, args, generator_cpu)
        print("\n".join(header(args, bench, answers, notes, server_cpu)), flush=True)
        bench.round(0, keep=False)
        print("  warm-up round done", flush=True)
        for index in range(args.rounds):
            bench.round(index)
            print(f"  round {index + 1}/{args.rounds} done", flush=True)

    kinds = [s.kind for s in bench.servers]
    print()
    print("\n".join(rates_table(bench, kinds)))
    print()
    print("\n".join(ratio_lines(bench, AIMOCK in kinds)))
    print("\n".join(load_notes(bench)))
    errors = sum(cell.errors for cell in bench.cells.values())
    if errors:
        print(f"\nFAILED: {errors} bad responses or connection errors", file=sys.stderr)
        return 1
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=2.0, help="measured seconds per run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (median kept)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--warmup", type=float, default=0.3, help="unmeasured seconds per run")
    parser.add_argument(
        "--quick", action="store_true", help="2 rounds of 1 s (after the warm-up round)"
    )
    parser.add_argument(
        "--pin",
        choices=("split", "generator", "none"),
        default="split",
        help="split: the load generator on one CPU, the servers on another (default); "
        "generator: only the generator pinned; none: the scheduler decides",
    )
    parser.add_argument(
        "--aimock-chunk-size",
        dest="chunk_size",
        type=int,
        help="aimock's chunkSize for streams (default: its own, 20 characters)",
    )
    parser.add_argument("--serve", choices=(FAKE, BARE), help=argparse.SUPPRESS)
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds = 2, 1.0
    if args.seconds <= 0 or args.rounds < 1 or args.connections < 1 or args.warmup < 0:
        parser.error("--seconds and --warmup must be positive, --rounds and --connections >= 1")
    if args.chunk_size is not None and args.chunk_size < 1:
        parser.error("--aimock-chunk-size must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve("fake" if args.serve == FAKE else "baseline", args.bodies)
    try:
        return run(args)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
