"""Server CPU per request as instruction counts: a ratio that machine noise cannot move.

    .venv/bin/python bench/bench_instructions.py [--requests 300]

Wall-clock req/s on a shared 2-core VM swing by ±15 % between runs. This script runs each
server of `bench_server.py` (the fake, and the bare Starlette app answering the fake's own
bytes) under valgrind's callgrind, sends warm-up requests, zeroes the counters, sends
`--requests` more over one keep-alive connection (each with a prompt of its own) and reads
the instructions the whole server process executed: uvicorn, the HTTP parser, Starlette
and the app. The same inputs give the same counts, so the ratio baseline/fake is a stable
stand-in for the req/s ratio, and so is default mode's against a scripted answer.

Needs valgrind (`apt-get install valgrind`); without it the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_server import (
    BASELINE_PATH,
    HOST,
    SCENARIOS,
    TARGET,
    TOKEN,
    BenchError,
    Scenario,
    Server,
    capture,
    running_server,
    script_fake,
    write_bodies,
)

WARM_UP = 30
DEFAULT_TARGET = 0.8
"""Issue 13: default mode at least 0.8 of a scripted answer."""
_SERIAL = itertools.count()


def send(conn: http.client.HTTPConnection, path: str, body: bytes, count: int) -> None:
    """`count` requests, each with a prompt of its own (a serial number after the first
    "France?"), as `bench_peers.py` sends them: no cache answers from a repeated prompt."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    for _ in range(count):
        own = body.replace(b"France?", b"France? #%08d" % next(_SERIAL), 1)
        conn.request("POST", path, body=own, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise BenchError(f"POST {path}: HTTP {response.status}: {payload[:200]!r}")


def callgrind(pid: int, command: str) -> None:
    subprocess.run(["callgrind_control", command, str(pid)], check=True, capture_output=True)


def instructions_per_request(server: Server, scenario: Scenario, out: Path, count: int) -> float:
    """Zero the counters, serve `count` requests, dump, and divide."""
    path = scenario.path if server.kind == "fake" else f"{BASELINE_PATH}/{scenario.name}"
    if server.kind == "fake":
        script_fake(server, scenario)
    conn = http.client.HTTPConnection(HOST, server.port, timeout=600)
    try:
        send(conn, path, scenario.body(), WARM_UP)
        pid = server.process.pid
        for old in out.glob(f"cg.{pid}*"):
            old.unlink()
        callgrind(pid, "-z")
        send(conn, path, scenario.body(), count)
        callgrind(pid, "-d")
    finally:
        conn.close()
    return _totals(out, server.process.pid) / count


def _totals(out: Path, pid: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for dump in out.glob(f"cg.{pid}*"):
            for line in dump.read_text(errors="replace").splitlines():
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
        time.sleep(0.2)
    raise BenchError(f"no callgrind dump for process {pid}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per cell")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind is not installed; apt-get install valgrind to run this benchmark")
        return 0
    with tempfile.TemporaryDirectory(prefix="meshapi-bench-instr-") as tmp:
        out = Path(tmp)
        with running_server("fake") as plain_fake:
            bodies_path = write_bodies(capture(plain_fake), out / "bodies.json")
        prefix = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}/cg.%p",
            f"--log-file={out}/valgrind.%p.log",
        ]
        counts: dict[tuple[str, str], float] = {}
        for kind in ("baseline", "fake"):
            path = str(bodies_path) if kind == "baseline" else None
            with running_server(kind, path, prefix=prefix) as server:
                for scenario in SCENARIOS:
                    counts[kind, scenario.name] = instructions_per_request(
                        server, scenario, out, args.requests
                    )
    print(f"server instructions per request (callgrind, {args.requests} requests per cell)")
    print(f"{'scenario':22}{'baseline':>10}{'fake':>10}{'ratio':>8}")
    for scenario in SCENARIOS:
        base, fake = counts["baseline", scenario.name], counts["fake", scenario.name]
        flag = "" if base / fake >= TARGET else f"  < {TARGET}"
        print(
            f"{scenario.label:22}{base / 1000:>9.0f}k{fake / 1000:>9.0f}k{base / fake:>8.2f}{flag}"
        )
    print("default mode against a scripted answer (instructions of the rule / default mode):")
    for default in SCENARIOS:
        for scripted in SCENARIOS:
            if (
                scripted.scripted
                and not default.scripted
                and scripted.name == default.name + "-rule"
            ):
                ratio = counts["fake", scripted.name] / counts["fake", default.name]
                flag = "" if ratio >= DEFAULT_TARGET else f"  < {DEFAULT_TARGET}"
                print(f"  {default.name:20}{ratio:>8.2f}{flag}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
