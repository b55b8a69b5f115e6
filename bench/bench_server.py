"""Throughput of the fake against a bare Starlette app, measured in the same run.

    .venv/bin/python bench/bench_server.py [--seconds S] [--rounds N] [--connections C]

Absolute requests/s depend on the machine, so the figure that matters is the ratio
fake/baseline: both apps run under the same uvicorn settings (`bind_socket` and
`uvicorn_config` from `meshapi_mock.runner`), each in its own process, and the baseline
answers with the fake's own response bytes, so the ratio prices the fake's request path
and nothing else. Rounds alternate between the two servers and the median is kept.

The load generator (`loadgen.py`, shared with `bench_peers.py`) is a separate process
speaking raw HTTP/1.1 from asyncio protocol callbacks on keep-alive connections: an HTTP
client library would cost more CPU than the server and measure itself. It reports its
own CPU share so a saturated generator shows, and the server's CPU time per request,
which neither a slow generator nor a busy machine distorts much: the second ratio in the
table.

Latency is measured at concurrency 1 in shorter runs (a quarter of --seconds, at least
0.3 s): a mean near 40 ms there means Nagle's algorithm is back (see runner.bind_socket).
Memory is VmRSS of both server processes, idle and after all the load.

This is a report, not a test: it exits 0 whatever the ratio, and non-zero only when a
server fails to start or answers with anything but the expected 200 bodies.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadgen import BASELINE_PATH as BASELINE_PATH
from loadgen import HOST as HOST
from loadgen import TOKEN as TOKEN
from loadgen import BenchError as BenchError
from loadgen import LoadResult, LoadSpec, encode_request, run_load, serve
from processes import stop

CHAT_PATH = "/v1/chat/completions"
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
