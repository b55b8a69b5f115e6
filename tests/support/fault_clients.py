"""The fault matrix's cases and clients: script each broken answer, run each client against it.

Every case answers only its own marker (the user message), so one fake holds every case's
rule at once and the official SDK runs them all in one subprocess. An outcome is plain data
(``fault_drive.describe``) plus ``attempts``: how many requests of the case reached the fake,
which shows each client's retries.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import meshapi
import openai
from meshapi_mock import MockServer

from support import fault_drive
from support.official_sdk import run_script

REPLY = "one two three four five six"
"""What every case would answer unbroken: six words, so a stream has content frames to cut."""
READ_TIMEOUT = 0.5
"""Client timeout for the stall cases: a stall outlasts it, a loopback answer never does."""
PATIENT = 10.0
"""Client timeout everywhere else: generous, so only the fault can end a call early."""
NO_CHOICES = "(no choices)"
"""The text of a returned completion that has no `choices` at all."""
MAX_RETRIES = 1
"""One retry is enough to see which faults a client retries, at one backoff's cost."""


@dataclass(frozen=True)
class Fault:
    """One row of the matrix: a fault (or an error status) as a rule scripts it."""

    row: str
    kind: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    status: int | None = None

    @property
    def stalls(self) -> bool:
        return self.kind == "stall"

    def script(self, server: MockServer, marker: str, stream: bool) -> None:
        """Add the rule that breaks the answer to ``marker`` (for ever: retries hit it too)."""
        face = server.chat.when(last_user={"equals": marker}, stream=stream)
        if self.status is not None:
            face.error(self.status, retry_after=0, times=None)
        else:
            assert self.kind is not None
            face.with_fault(self.kind, **self.options).reply(REPLY, times=None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Case:
    fault: Fault
    stream: bool

    @property
    def key(self) -> str:
        return f"{self.fault.row} / {'streamed' if self.stream else 'not streamed'}"

    @property
    def marker(self) -> str:
        return f"[fault matrix: {self.key}]"

    def as_data(self) -> dict[str, Any]:
        """What ``fault_drive`` needs to run the case."""
        return {
            "marker": self.marker,
            "stream": self.stream,
            "timeout": READ_TIMEOUT if self.fault.stalls else PATIENT,
            "max_retries": MAX_RETRIES,
        }


def script_all(server: MockServer, cases: list[Case]) -> None:
    for case in cases:
        case.fault.script(server, case.marker, case.stream)


def attempts(server: MockServer, case: Case) -> int:
    """Requests of this case the fake received (first try plus retries)."""
    return sum(
        1
        for entry in server.chat.requests
        if isinstance(entry.body, dict) and entry.body["messages"][-1]["content"] == case.marker
    )


def no_wait(seconds: float) -> None:
    """The bundled SDK's sleep between retries: counted by the journal, not waited for."""


async def no_wait_async(seconds: float) -> None:
    """Async twin of :func:`no_wait`."""


def bundled(server: MockServer, case: Case) -> dict[str, Any]:
    return fault_drive.drive(meshapi, server.url, case.as_data(), sleep=no_wait)


def bundled_async(server: MockServer, case: Case) -> dict[str, Any]:
    return asyncio.run(
        fault_drive.drive_async(meshapi, server.url, case.as_data(), sleep=no_wait_async)
    )


def with_openai(server: MockServer, case: Case) -> dict[str, Any]:
    """The same call through the ``openai`` SDK."""
    data = case.as_data()
    client = openai.OpenAI(
        base_url=server.url + "/v1",
        api_key=fault_drive.TOKEN,
        timeout=data["timeout"],
        max_retries=data["max_retries"],
    )
    received: list[str] = []
    messages: list[Any] = [{"role": "user", "content": case.marker}]
    try:
        with client:
            if case.stream:
                with client.chat.completions.create(
                    model=fault_drive.MODEL, messages=messages, stream=True
                ) as stream:
                    for chunk in stream:
                        received.append(fault_drive.chunk_text(chunk))
            else:
                reply = client.chat.completions.create(model=fault_drive.MODEL, messages=messages)
                # A 200 body that is no completion still makes an object, without choices.
                received.append(
                    reply.choices[0].message.content or "" if reply.choices else NO_CHOICES
                )
    except Exception as exc:
        return fault_drive.describe(exc, "".join(received))
    return fault_drive.describe(None, "".join(received))


def official_outcomes(python: Path, server: MockServer, cases: list[Case]) -> dict[str, Any]:
    """Every case through the official SDK, in one subprocess; outcomes keyed by marker."""
    source = Path(fault_drive.__file__).read_text()
    answer = run_script(
        python,
        source + "\nimport meshapi\nemit(json.loads(drive_all(meshapi, URL, CASES)))\n",
        URL=server.url,
        CASES=[case.as_data() for case in cases],
    )
    assert isinstance(answer, dict)
    return answer


def as_json(outcome: dict[str, Any]) -> str:
    return json.dumps(outcome, sort_keys=True)
