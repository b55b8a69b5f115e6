"""Memory of a served fake after large request bodies, against small ones in the same run.

    .venv/bin/python bench/bench_memory.py [--count 30] [--mib 20] [--only NAME ...]

Each scenario runs a fresh fake in its own process (uvicorn with the runner's settings,
as `meshapi-mock serve` does) and sends it --count chat completions through a real port,
one at a time, then reads the journal once (`GET /_mock/requests`). The figure is the
growth of the server's VmRSS over its idle size after a warm-up:

- `baseline`: small bodies (about 1 KiB): what any requests cost;
- `large system prompt`: bodies of --mib MiB whose bulk is the system message, so only
  the journal keeps it after the reply (default mode answers the last user message);
- `large user prompt`: the same bulk in the last user message, which default mode reads;
- `unbounded journal`: as `large system prompt`, with both journal byte limits set beyond
  the bodies: the journal as it was before they existed;
- `large responses input`: `POST /v1/responses` with the bulk as `input`: the Responses
  store keeps each response and its conversation (for `previous_response_id`) within
  `responses_max_bytes` (64 MiB), the journal within its own bound;
- `unbounded responses`: the same with the store's byte bound set beyond the bodies: the
  store as it was before it had one.

The journal holds at most `journal_max_bytes` (64 MiB) of bodies; expect the bounded
scenarios to grow by about that plus what the allocator keeps of freed request buffers
(glibc reuses them rather than returning them), and the unbounded one by --count x --mib.
Peak is VmHWM: the most the process held at any time.

Absolute sizes depend on the machine and allocator; compare the rows of one run. This is
a report, not a test: it exits 0 whatever the figures, and non-zero only when a server
fails to start or answers a request with anything but 200.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processes import stop

HOST = "127.0.0.1"
CHAT = "/v1/chat/completions"
RESPONSES = "/v1/responses"
HEADERS = {"Authorization": "Bearer rsk_bench", "Content-Type": "application/json"}
MIB = 1024 * 1024
UNBOUNDED = 1 << 62
TIMEOUT = 120.0


class BenchError(Exception):
    pass


@dataclass(frozen=True)
class Scenario:
    name: str
    where: str
    """Where the bulk of each body sits: "none", "system" or "user"."""
    settings: dict[str, Any] = field(default_factory=dict)
    path: str = CHAT
    """Chat completions, or the Responses API (whose store keeps each input)."""


SCENARIOS = (
    Scenario("baseline", "none"),
    Scenario("large system prompt", "system"),
    Scenario("large user prompt", "user"),
    Scenario(
        "unbounded journal",
        "system",
        {"journal_max_bytes": UNBOUNDED, "journal_body_bytes": UNBOUNDED},
    ),
    Scenario("large responses input", "user", path=RESPONSES),
    Scenario(
        "unbounded responses",
        "user",
        {"responses_max_bytes": UNBOUNDED},
        path=RESPONSES,
    ),
)


# --------------------------------------------------------------------------- server side


def serve(settings: dict[str, Any]) -> int:
    """Entry point of a server process: print the port, then serve until terminated."""
    import uvicorn
    from meshapi_mock.app import create_app
    from meshapi_mock.config import ServerConfig
    from meshapi_mock.runner import bind_socket, uvicorn_config

    sock = bind_socket(HOST, 0)
    config = uvicorn_config(create_app(ServerConfig(**settings)))
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int

    def status_mib(self, key: str) -> float:
        """A VmRSS-style line of /proc/<pid>/status, in MiB."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError as exc:
            raise BenchError(f"the server is gone: {exc}") from exc
        for line in status.splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        raise BenchError(f"no {key} for the server (is this Linux?)")


@contextmanager
def running_server(settings: dict[str, Any]) -> Iterator[Server]:
    """Start a fake in its own process and stop it (by its pid) on the way out."""
    command = [sys.executable, __file__, "--serve", json.dumps(settings)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise BenchError(f"the server exited with {process.wait()} before listening")
        yield Server(process, json.loads(line)["port"])
    finally:
        stop(process)


# --------------------------------------------------------------------------- client side


def request(port: int, method: str, path: str, body: bytes | None = None) -> bytes:
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=HEADERS)
        response = conn.getresponse()
        payload = response.read()
    finally:
        conn.close()
    if response.status not in (200, 204):
        raise BenchError(f"{method} {path} answered {response.status}: {payload[:200]!r}")
    return payload


def body_for(path: str, index: int, where: str, bulk: bytes) -> bytes:
    if path == RESPONSES:  # stored by default: `previous_response_id` may name it later
        tag = b"%06d " % index
        return b'{"model": "openai/gpt-4o-mini", "input": "' + tag + bulk + b'"}'
    return chat_body(index, where, bulk)


def chat_body(index: int, where: str, bulk: bytes) -> bytes:
    """A valid chat request, distinct per `index`, carrying `bulk` where asked."""
    tag = b"%06d " % index
    system = tag + bulk if where == "system" else b"Be brief."
    user = tag + bulk if where == "user" else tag + b"What is the capital of France?"
    return (
        b'{"model": "openai/gpt-4o-mini", "messages": [{"role": "system", "content": "'
        + system
        + b'"}, {"role": "user", "content": "'
        + user
        + b'"}]}'
    )


def filler(size: int) -> bytes:
    """`size` bytes of plain words: valid inside a JSON string, no escaping needed."""
    words = b"lorem ipsum dolor sit amet consectetur adipiscing elit "
    return (words * (size // len(words) + 1))[:size]


@dataclass
class Row:
    name: str
    idle: float
    after_requests: float
    after_read: float
    peak: float

    @property
    def growth(self) -> float:
        return self.after_read - self.idle


def measure(scenario: Scenario, count: int, size: int) -> Row:
    bulk = filler(size) if scenario.where != "none" else b""
    with running_server(scenario.settings) as server:
        for i in range(3):  # warm-up: imports, caches and the first buffers
            request(server.port, "POST", CHAT, chat_body(i, "none", b""))
        request(server.port, "GET", "/_mock/requests")
        request(server.port, "DELETE", "/_mock/requests")
        idle = server.status_mib("VmRSS")
        for i in range(count):
            body = body_for(scenario.path, 1000 + i, scenario.where, bulk)
            request(server.port, "POST", scenario.path, body)
        after_requests = server.status_mib("VmRSS")
        listing = request(server.port, "GET", "/_mock/requests")
        if len(json.loads(listing)) != count:
            raise BenchError(f"{scenario.name}: the journal does not list {count} requests")
        return Row(
            scenario.name,
            idle,
            after_requests,
            server.status_mib("VmRSS"),
            server.status_mib("VmHWM"),
        )


def report(rows: Sequence[Row], count: int, mib: float) -> str:
    baseline = next((r for r in rows if r.name == "baseline"), None)
    lines = [
        f"meshapi-mock memory: {count} requests per scenario, bulk of {mib:g} MiB each "
        f"({count * mib:g} MiB sent per large scenario); server VmRSS in MiB",
        "",
        f"{'scenario':<22}{'idle':>8}{'requests':>10}{'+read':>8}{'growth':>9}"
        f"{'vs base':>9}{'peak':>8}",
    ]
    for r in rows:
        versus = f"{r.growth - baseline.growth:+9.1f}" if baseline else f"{'-':>9}"
        lines.append(
            f"{r.name:<22}{r.idle:8.1f}{r.after_requests:10.1f}{r.after_read:8.1f}"
            f"{r.growth:+9.1f}{versus}{r.peak:8.1f}"
        )
    lines += [
        "",
        "requests: after the requests; +read: after GET /_mock/requests; growth: +read - idle;",
        "vs base: growth beyond the baseline's; peak: VmHWM over the server's life.",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=30, help="requests per scenario")
    parser.add_argument("--mib", type=float, default=20, help="bulk of one large body, in MiB")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="scenarios to run (baseline is always run)"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve is not None:
        return serve(json.loads(args.serve))
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only or s.where == "none"]
    rows = []
    try:
        for scenario in chosen:
            print(f"running {scenario.name}…", file=sys.stderr, flush=True)
            rows.append(measure(scenario, args.count, int(args.mib * MIB)))
    except BenchError as exc:
        print(f"bench_memory: {exc}", file=sys.stderr)
        return 1
    print(report(rows, args.count, args.mib))
    return 0


if __name__ == "__main__":
    sys.exit(main())
