"""`serve --time-scale` and `serve --chaos` in a real CLI process: the settings reach the
fake, faults leave its stderr clean, and bad values stop start-up naming the flag."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from support.delivery import (
    CHAT,
    Exchange,
    chat_body,
    delivery_of,
    frames,
    raw_exchange,
    wait_for,
)

SERVE = [sys.executable, "-m", "meshapi_mock", "serve", "--host", "127.0.0.1", "--port", "0"]
PATIENCE = 30  # seconds a process may take; nothing here is timed by it


@dataclass
class Running:
    process: subprocess.Popen[str]
    url: str

    def stop(self) -> tuple[int, str]:
        """SIGTERM; the exit code and everything written to stderr."""
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=PATIENCE)
        return self.process.returncode, err


def start(*options: str) -> Running:
    process = subprocess.Popen(
        [*SERVE, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(PATIENCE)
    found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", lines[0] if lines else "")
    if found is None:
        process.kill()
        pytest.fail(f"no 'serving on' line; stderr:\n{process.communicate()[1]}")
    return Running(process, found.group(1))


@pytest.fixture(scope="module")
def slow_and_chaotic() -> Iterator[Running]:
    running = start("--time-scale", "0.05", "--chaos", "no_done=0.5, 503=0.5", "--seed", "3")
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.communicate()


def test_the_flags_reach_the_fake(slow_and_chaotic: Running) -> None:
    with httpx.Client(
        base_url=slow_and_chaotic.url, headers={"Authorization": "Bearer rsk_x"}
    ) as http:
        config = http.get("/_mock/config").json()
        chaos = http.get("/_mock/chaos").json()
        statuses = [raw_exchange(slow_and_chaotic.url, CHAT, chat_body()).status for _ in range(20)]
        http.delete("/_mock/chaos")
        http.post("/_mock/rules", json={"reply": {"text": "x"}, "timing": {"first_chunk": 2}})
        http.post(CHAT, json=chat_body(stream=True)).raise_for_status()
        record = delivery_of(http)

    assert config["time_scale"] == 0.05
    assert chaos["faults"] == {"no_done": 0.5} and chaos["statuses"] == {"503": 0.5}
    assert chaos["seed"] == 3  # --seed seeds the draws
    assert set(statuses) == {200, 503}
    assert record["time_scale"] == 0.05 and record["intended"]["first_chunk_ms"] == 100.0


def test_faults_leave_the_process_s_stderr_clean() -> None:
    running = start()
    with httpx.Client(base_url=running.url, headers={"Authorization": "Bearer rsk_x"}) as http:
        for fault in (
            {"kind": "reset", "after_chunks": 1},
            {"kind": "disconnect"},
            {"kind": "half_frame"},
            {"kind": "reset", "before_headers": True},
            {"kind": "disconnect", "before_headers": True},
        ):
            http.post("/_mock/rules", json={"fault": fault})
            exchange = raw_exchange(running.url, CHAT, chat_body(stream=True))
            assert not exchange.complete, fault
        after = http.post(CHAT, json=chat_body())

    returncode, err = running.stop()

    assert after.status_code == 200 and returncode == 0
    assert err == "", err  # no 'Exception in ASGI application', no unfinished answers


BAD_VALUES = {
    ("--time-scale", "0"): "must be from 0.0001 to 1000",
    ("--time-scale", "fast"): "fast",
    ("--time-scale", "inf"): "must be from 0.0001 to 1000",
    ("--chaos", "explode=0.1"): "'explode' is neither a fault",
    ("--chaos", "disconnect=0.6,reset=0.6"): "add up to 1.2",
    ("--chaos", "disconnect"): "write name=probability",
    ("--chaos", "reset=lots"): "is not a probability",
}


@pytest.fixture(scope="module")
def refused() -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """Every bad start of this module, run side by side."""
    started = {
        argument: subprocess.Popen(
            [*SERVE, *argument], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for argument in BAD_VALUES
    }
    results = {}
    for argument, process in started.items():
        out, err = process.communicate(timeout=PATIENCE)
        results[argument] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return results


@pytest.mark.parametrize(("argument", "reason"), BAD_VALUES.items())
def test_a_bad_value_stops_start_up_naming_the_flag(
    refused: dict[tuple[str, str], subprocess.CompletedProcess[str]],
    argument: tuple[str, str],
    reason: str,
) -> None:
    result = refused[argument]

    assert result.returncode == 2
    assert "serving on" not in result.stdout and "Traceback" not in result.stderr
    assert f"argument {argument[0]}" in result.stderr and reason in result.stderr, result.stderr


# --- core bugs these tests found (see the commit message) ---------------------------------


def test_stalls_end_with_the_process_and_leave_stderr_clean() -> None:
    running = start()
    with httpx.Client(base_url=running.url, headers={"Authorization": "Bearer rsk_x"}) as http:
        http.post("/_mock/rules", json={"fault": {"kind": "stall"}})
        gave_up = raw_exchange(running.url, CHAT, chat_body(stream=True), quiet_after=0.3)
        http.post("/_mock/rules", json={"fault": {"kind": "stall", "after_chunks": 1}})
        held: list[Exchange] = []
        holder = threading.Thread(
            target=lambda: held.append(raw_exchange(running.url, CHAT, chat_body(stream=True))),
            daemon=True,
        )
        holder.start()
        wait_for(lambda: http.get("/_mock/requests").json()[-1]["status"] == 200)

    returncode, err = running.stop()
    holder.join(PATIENCE)

    assert gave_up.ended == "timeout" and returncode == 0
    assert held and held[0].ended == "eof" and len(frames(held[0].body)) == 1
    assert err == "", err  # no 'Cancel 1 running task(s), timeout graceful shutdown exceeded'


def test_chaos_probabilities_over_one_are_refused_in_plain_words() -> None:
    result = subprocess.run(
        [*SERVE, "--chaos", "disconnect=0.6,reset=0.6"],
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )

    assert result.returncode == 2
    assert "argument --chaos: the probabilities add up to 1.2; at most 1" in result.stderr
    assert "pydantic" not in result.stderr and "validation error for" not in result.stderr
