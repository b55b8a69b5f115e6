"""The fake's own request path, in-process: CPU µs per request with no server around it.

    .venv/bin/python bench/bench_request_path.py [--requests 3000] [--profile]

Drives the ASGI app that `create_app` builds with synthetic `http` scopes (a different
prompt every request, as `bench_peers.py` sends them): the middleware, the journal and
the pipeline run as they do behind uvicorn, while uvicorn, the parser and the socket do
not. So the figures isolate what the project's own code costs, and a change to the
request path shows here before any load test can tell it from noise. The first line
replaces the chat operation with an app that answers fixed bytes: what the middleware and
journal cost alone. `--profile` prints cProfile's top functions for each scenario (profiling
inflates small functions; compare proportions, not times).

It reports CPU time (`time.process_time`), the best of five passes, and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import time
from collections.abc import Callable, Sequence
from typing import Any

from meshapi_mock.app import StaticRoutes, create_app
from meshapi_mock.responses import JSONBytes
from meshapi_mock.scripting.rulebook import Rule
from meshapi_mock.scripting.scenarios import parse_rules
from meshapi_mock.state import MockState
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CHAT = "/v1/chat/completions"
ANSWER = "Paris is the capital of France."
PASSES = 5


def bodies(count: int, stream: bool) -> list[bytes]:
    return [
        json.dumps(
            {
                "model": "openai/gpt-4o-mini",
                "stream": stream,
                "messages": [{"role": "user", "content": f"Question #{i:08d}: the capital?"}],
            }
        ).encode()
        for i in range(count)
    ]


def scope_for(body: bytes) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": CHAT,
        "raw_path": CHAT.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", b"Bearer rsk_bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def request(app: ASGIApp, body: bytes) -> None:
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected
        raise AssertionError("unreachable")

    status: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope_for(body), receive, send)
    if status != [200]:
        raise SystemExit(f"unexpected status {status} for {body[:80]!r}")


def fake_app(scripted: bool, floor: bool) -> ASGIApp:
    state = MockState()
    if scripted:
        specs = parse_rules({"reply": {"text": ANSWER}, "times": None})
        state.rules.extend(Rule.from_spec(spec, source="admin") for spec in specs)
    app = create_app(state)
    if not floor:
        return app
    stack = app.build_middleware_stack()
    node: Any = stack
    while not isinstance(node, StaticRoutes):
        node = node.app

    async def fixed(scope: Scope, receive: Receive, send: Send) -> None:
        await JSONBytes(b'{"ok":true}')(scope, receive, send)

    node.table[("POST", CHAT)] = fixed
    app.middleware_stack = stack
    return app


def measure(app: ASGIApp, payloads: Sequence[bytes]) -> float:
    """CPU µs per request, the best of `PASSES` passes after a warm-up."""

    async def run() -> float:
        for body in payloads[:200]:
            await request(app, body)
        best = float("inf")
        for _ in range(PASSES):
            started = time.process_time()
            for body in payloads:
                await request(app, body)
            best = min(best, time.process_time() - started)
        return best / len(payloads) * 1e6

    return asyncio.run(run())


def profile(app: ASGIApp, payloads: Sequence[bytes], top: int) -> None:
    async def run() -> None:
        for body in payloads:
            await request(app, body)

    profiler = cProfile.Profile()
    profiler.runcall(asyncio.run, run())
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


SCENARIOS: dict[str, Callable[[], tuple[bool, bool]]] = {
    "chat, 1 rule": lambda: (True, False),
    "chat, default mode": lambda: (False, False),
    "stream, 1 rule": lambda: (True, True),
    "stream, default mode": lambda: (False, True),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    print(f"CPU µs per request, in-process, best of {PASSES} passes of {args.requests}")
    floor = measure(fake_app(scripted=False, floor=True), bodies(args.requests, False))
    print(f"  {'middleware + journal, a fixed answer':36} {floor:7.1f}")
    for name, make in SCENARIOS.items():
        scripted, stream = make()
        payloads = bodies(args.requests, stream)
        cost = measure(fake_app(scripted, floor=False), payloads)
        print(f"  {name:36} {cost:7.1f}")
        if args.profile:
            profile(fake_app(scripted, floor=False), payloads, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
