"""Per-test cost of `meshapi_mock` + one scripted completion, against respx in the same run.

Both suites run the same test body with the bundled SDK: script "Paris", create one
completion, assert on it. respx answers in-process by patching httpx; meshapi-mock answers
over real loopback HTTP. Each suite runs in a fresh pytest subprocess whose conftest times
every test's whole protocol (setup, call, teardown), so interpreter start-up is left out.

    python bench/bench_plugin.py [--tests 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

TARGET = 1.5  # meshapi-mock per-test cost may be at most 1.5x respx
WARM_UP = 10  # first tests pay imports and connection set-up in both suites

COMMON = """
import pytest
from meshapi import ChatCompletionParams, ChatMessage

PARAMS = ChatCompletionParams(
    model="openai/gpt-4o-mini",
    messages=[ChatMessage(role="user", content="What is the capital of France?")],
)
"""

MESHAPI_SUITE = """
@pytest.mark.parametrize("n", range({count}))
def test_capital(meshapi_mock, meshapi_client, n):
    meshapi_mock.chat.reply("Paris")
    reply = meshapi_client.chat.completions.create(PARAMS)
    assert reply.choices[0].message.content == "Paris"
"""

RESPX_SUITE = """
import httpx
import respx
from meshapi import MeshAPI

BASE = "http://127.0.0.1:9"
BODY = {{
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1767225600,
    "model": "openai/gpt-4o-mini",
    "choices": [{{"index": 0, "message": {{"role": "assistant", "content": "Paris"}},
                 "finish_reason": "stop"}}],
    "usage": {{"prompt_tokens": 15, "completion_tokens": 1, "total_tokens": 16}},
}}

@pytest.fixture(scope="session")
def http():
    with httpx.Client(verify=False) as client:
        yield client

@pytest.fixture
def client(http):
    with MeshAPI(base_url=BASE, token="rsk_bench", http_client=http) as c:
        yield c

@pytest.mark.parametrize("n", range({count}))
def test_capital(client, n):
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        router.post("/v1/chat/completions").respond(json=BODY)
        reply = client.chat.completions.create(PARAMS)
    assert reply.choices[0].message.content == "Paris"
"""


TIMING_CONFTEST = """
import json, os, time
import pytest

_durations = []

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        _durations.append(time.perf_counter() - started)

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_DURATIONS"], "w") as out:
        json.dump(_durations, out)
"""


def run_suite(folder: Path, suite: str, count: int) -> list[float]:
    """Seconds per test (setup + call + teardown) from one pytest subprocess."""
    name = "meshapi" if "meshapi_mock" in suite else "respx"
    path = folder / f"test_{name}.py"
    path.write_text(COMMON + textwrap.dedent(suite.format(count=count)))
    (folder / "conftest.py").write_text(TIMING_CONFTEST)
    out = folder / f"{name}.json"
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "BENCH_DURATIONS": str(out)}
    done = subprocess.run(args, cwd=folder, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"suite failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    durations: list[float] = json.loads(out.read_text())
    return durations[WARM_UP:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=300, help="extra tests per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; median wins")
    args = parser.parse_args()

    costs: dict[str, list[float]] = {"respx": [], "meshapi-mock": []}
    with tempfile.TemporaryDirectory(prefix="meshapi-bench-plugin-") as tmp:
        folder = Path(tmp)
        for _ in range(args.rounds):  # alternate, so drifting machine load hits both
            costs["respx"] += run_suite(folder, RESPX_SUITE, args.tests + WARM_UP)
            costs["meshapi-mock"] += run_suite(folder, MESHAPI_SUITE, args.tests + WARM_UP)

    respx_ms = statistics.median(costs["respx"]) * 1000
    mock_ms = statistics.median(costs["meshapi-mock"]) * 1000
    ratio = mock_ms / respx_ms
    print(f"per-test cost (setup + call + teardown), median of {args.rounds} x {args.tests} tests")
    print(f"  respx (in-process httpx mock)      {respx_ms:7.3f} ms")
    print(f"  meshapi-mock (real HTTP fixture)   {mock_ms:7.3f} ms")
    verdict = "ok" if ratio <= TARGET else f"ABOVE TARGET {TARGET}x"
    print(f"  ratio meshapi-mock / respx         {ratio:7.2f}x  ({verdict})")
    start_ms, reset_us = session_costs()
    print("the session's fake (what the plugin's fixtures do around the tests)")
    print(f"  start + stop of the server, median of 20  {start_ms:7.2f} ms")
    print(f"  reset between tests, median of 1000       {reset_us:7.1f} µs")
    return 0


def session_costs() -> tuple[float, float]:
    """Median ms to start and stop a `MockServer`, median µs of one `reset()`."""
    from meshapi_mock import MockServer

    starts: list[float] = []
    for _ in range(20):
        started = time.perf_counter()
        server = MockServer().start()
        server.stop()
        starts.append(time.perf_counter() - started)
    resets: list[float] = []
    with MockServer() as server:
        for _ in range(1000):
            server.chat.reply("Paris")
            started = time.perf_counter()
            server.reset()
            resets.append(time.perf_counter() - started)
    return statistics.median(starts) * 1000, statistics.median(resets) * 1e6


if __name__ == "__main__":
    raise SystemExit(main())
