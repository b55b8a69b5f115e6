"""The fault matrix: every fault the fake injects, against the three clients users run.

Each row is a fault (or an error status with Retry-After), streamed and not; each column a
client: the bundled `meshapi` SDK (sync, and async to the same result), the official
`meshapi` 0.1.11 SDK (its own venv, one subprocess for every case) and the `openai` SDK.
`EXPECTED` says what each client raises or returns; the tests run every cell through real
sockets and pin it, and the README's "Fault matrix" table is `render_table()` of the same
data, checked here, so the two cannot drift apart.

Every client gets one retry (`max_retries=1`), so the fake's journal shows which faults a
client retries; stalls meet a 0.5 s read timeout. The unbroken answer is six words, and a
fault strikes half-way through the stream by default: "4/6 words" is what arrived before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from meshapi_mock import MockServer
from meshapi_mock.delivery.spec import FAULTS
from support.fault_clients import (
    NO_CHOICES,
    REPLY,
    Case,
    Fault,
    attempts,
    bundled,
    bundled_async,
    official_outcomes,
    script_all,
    with_openai,
)
from support.official_sdk import official_python

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- fault-matrix:start -->", "<!-- fault-matrix:end -->"

ROWS = [Fault(kind, kind) for kind in FAULTS] + [
    Fault("stall before headers", "stall", {"before_headers": True}),
    Fault("429 + Retry-After", status=429),
    Fault("503 + Retry-After", status=503),
]
CASES = [Case(fault, stream) for fault in ROWS for stream in (True, False)]

ALL, FOUR = REPLY, "one two three four"
SKIPPED_FIFTH = "one two three four six"
"""What a client that skips a frame it cannot parse gets when the fifth word's frame is cut."""


@dataclass(frozen=True)
class E:
    """What one client does: the class it raises (None: it returns), with the HTTP status
    and MeshAPI/`openai` code it carries, the text received, and requests the fake saw."""

    raised: str | None
    status: int | None = None
    code: str | None = None
    text: str = ""
    tries: int = 1

    @classmethod
    def seen(cls, outcome: dict[str, Any], tries: int) -> E:
        raised = outcome["raised"]
        if raised is not None:
            package, name = raised.split(".", 1)
            raised = name if package in ("meshapi", "openai", "builtins") else raised
        return cls(raised, outcome["status"], outcome["code"], outcome["text"], tries)

    def cell(self) -> str:
        words = f"{len(self.text.split())}/{len(REPLY.split())} words"
        if self.raised is None:
            if self.text == NO_CHOICES:
                return "returns a completion without `choices`"
            return "returns all text" if self.text == REPLY else f"returns {words}"
        parts = [f"`{self.raised}`"]
        if self.status is not None:
            parts.append(str(self.status))
        if self.code is not None:
            parts.append(f"`{self.code}`")
        text = " ".join(parts)
        if self.text:
            text += f", after {words}"
        if self.tries > 1:
            text += f", {self.tries} tries"
        return text


@dataclass(frozen=True)
class Row:
    bundled: E
    official: E
    openai: E


COLUMNS = {
    "bundled": "bundled `meshapi`",
    "official": "official `meshapi` 0.1.11",
    "openai": "`openai`",
}

EXPECTED: dict[str, Row] = {
    "error_frame / streamed": Row(
        bundled=E("ServerError", 0, "upstream_error", FOUR),
        official=E("MeshAPIError", 0, "upstream_error", FOUR),
        openai=E("APIError", code="upstream_error", text=FOUR),
    ),
    "error_frame / not streamed": Row(
        bundled=E("ResponseParseError", 200, "parse_error"),
        official=E("pydantic_core.ValidationError"),
        openai=E(None, text=NO_CHOICES),
    ),
    "disconnect / streamed": Row(
        bundled=E(
            "StreamInterruptedError / httpx.RemoteProtocolError", 0, "stream_interrupted", FOUR
        ),
        official=E("MeshAPIError", 0, "stream_interrupted", FOUR),
        openai=E("APIConnectionError", text=FOUR),
    ),
    "disconnect / not streamed": Row(
        bundled=E("APIConnectionError / httpx.RemoteProtocolError", 0, "connection_error"),
        official=E("httpx.RemoteProtocolError"),
        openai=E("APIConnectionError", tries=2),
    ),
    "no_done / streamed": Row(
        bundled=E(None, text=ALL),
        official=E(None, text=ALL),
        openai=E(None, text=ALL),
    ),
    "no_done / not streamed": Row(
        bundled=E("ResponseParseError", 200, "parse_error"),
        official=E("json.JSONDecodeError"),
        openai=E("json.JSONDecodeError"),
    ),
    "reset / streamed": Row(
        bundled=E("StreamInterruptedError / httpx.ReadError", 0, "stream_interrupted", FOUR),
        official=E("httpx.ReadError", text=FOUR),
        openai=E("APIConnectionError", text=FOUR),
    ),
    "reset / not streamed": Row(
        bundled=E("APIConnectionError / httpx.ReadError", 0, "connection_error"),
        official=E("httpx.ReadError"),
        openai=E("APIConnectionError", tries=2),
    ),
    "stall / streamed": Row(
        bundled=E("StreamInterruptedError / httpx.ReadTimeout", 0, "stream_interrupted"),
        official=E("httpx.ReadTimeout"),
        openai=E("APITimeoutError"),
    ),
    "stall / not streamed": Row(
        bundled=E("APITimeoutError / httpx.ReadTimeout", 0, "timeout"),
        official=E("httpx.ReadTimeout"),
        openai=E("APITimeoutError", tries=2),
    ),
    "malformed_frame / streamed": Row(
        bundled=E(None, text=SKIPPED_FIFTH),
        official=E(None, text=SKIPPED_FIFTH),
        openai=E("json.JSONDecodeError", text=FOUR),
    ),
    "malformed_frame / not streamed": Row(
        bundled=E("ResponseParseError", 200, "parse_error"),
        official=E("json.JSONDecodeError"),
        openai=E("json.JSONDecodeError"),
    ),
    "half_frame / streamed": Row(
        bundled=E(
            "StreamInterruptedError / httpx.RemoteProtocolError", 0, "stream_interrupted", FOUR
        ),
        official=E("MeshAPIError", 0, "stream_interrupted", FOUR),
        openai=E("APIConnectionError", text=FOUR),
    ),
    "half_frame / not streamed": Row(
        bundled=E("APIConnectionError / httpx.RemoteProtocolError", 0, "connection_error"),
        official=E("httpx.RemoteProtocolError"),
        openai=E("APIConnectionError", tries=2),
    ),
    "data_after_done / streamed": Row(
        bundled=E(None, text=ALL),
        official=E(None, text=ALL),
        openai=E(None, text=ALL),
    ),
    "data_after_done / not streamed": Row(
        bundled=E("ResponseParseError", 200, "parse_error"),
        official=E("json.JSONDecodeError"),
        openai=E("json.JSONDecodeError"),
    ),
    "non_json_error / streamed": Row(
        bundled=E("ServerError", 500, "parse_error"),
        official=E("MeshAPIError", 500, "parse_error"),
        openai=E("InternalServerError", 500, tries=2),
    ),
    "non_json_error / not streamed": Row(
        bundled=E("ServerError", 500, "parse_error"),
        official=E("MeshAPIError", 500, "parse_error"),
        openai=E("InternalServerError", 500, tries=2),
    ),
    "html_502 / streamed": Row(
        bundled=E("ServerError", 502, "parse_error"),
        official=E("MeshAPIError", 502, "parse_error"),
        openai=E("InternalServerError", 502, tries=2),
    ),
    "html_502 / not streamed": Row(
        bundled=E("ServerError", 502, "parse_error", tries=2),
        official=E("MeshAPIError", 502, "parse_error", tries=2),
        openai=E("InternalServerError", 502, tries=2),
    ),
    "stall before headers / streamed": Row(
        bundled=E("APITimeoutError / httpx.ReadTimeout", 0, "timeout"),
        official=E("httpx.ReadTimeout"),
        openai=E("APITimeoutError", tries=2),
    ),
    "stall before headers / not streamed": Row(
        bundled=E("APITimeoutError / httpx.ReadTimeout", 0, "timeout"),
        official=E("httpx.ReadTimeout"),
        openai=E("APITimeoutError", tries=2),
    ),
    "429 + Retry-After / streamed": Row(
        bundled=E("RateLimitError", 429, "rate_limit_exceeded"),
        official=E("MeshAPIError", 429, "rate_limit_exceeded"),
        openai=E("RateLimitError", 429, "rate_limit_exceeded", tries=2),
    ),
    "429 + Retry-After / not streamed": Row(
        bundled=E("RateLimitError", 429, "rate_limit_exceeded", tries=2),
        official=E("MeshAPIError", 429, "rate_limit_exceeded", tries=2),
        openai=E("RateLimitError", 429, "rate_limit_exceeded", tries=2),
    ),
    "503 + Retry-After / streamed": Row(
        bundled=E("ServerError", 503, "upstream_error"),
        official=E("MeshAPIError", 503, "upstream_error"),
        openai=E("InternalServerError", 503, "upstream_error", tries=2),
    ),
    "503 + Retry-After / not streamed": Row(
        bundled=E("ServerError", 503, "upstream_error", tries=2),
        official=E("MeshAPIError", 503, "upstream_error", tries=2),
        openai=E("InternalServerError", 503, "upstream_error", tries=2),
    ),
}


def render_table() -> str:
    """The README's matrix: one line per case, one column per client."""
    lines = [
        "| fault | " + " | ".join(COLUMNS.values()) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for key, row in EXPECTED.items():
        cells = [getattr(row, client).cell() for client in COLUMNS]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README lacks the {START} … {END} block"
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def check(server: MockServer, case: Case, outcome: dict[str, Any], expected: E) -> None:
    """The client did what the matrix says, and the journal marks the fault it met."""
    assert E.seen(outcome, attempts(server, case)) == expected, case.key
    if case.fault.kind is not None:
        marked = [entry.delivery for entry in server.chat.requests]
        assert marked and all(d is not None and d.fault is not None for d in marked)
        assert {d.fault["kind"] for d in marked if d is not None and d.fault} == {case.fault.kind}


# --------------------------------------------------------------------------- the data


def test_every_fault_kind_has_a_row_and_every_case_an_expectation() -> None:
    assert set(FAULTS) <= {fault.kind for fault in ROWS}
    assert list(EXPECTED) == [case.key for case in CASES]


def test_the_readme_table_is_the_expectations() -> None:
    assert readme_table() == render_table(), (
        "README.md's fault matrix differs from EXPECTED; between the markers it should be:\n"
        + render_table()
    )


def test_cells_render_short_and_exact() -> None:
    assert E("ServerError", 0, "upstream_error", FOUR).cell() == (
        "`ServerError` 0 `upstream_error`, after 4/6 words"
    )
    assert E("RateLimitError", 429, "rate_limit_exceeded", tries=2).cell() == (
        "`RateLimitError` 429 `rate_limit_exceeded`, 2 tries"
    )
    assert E(None, text=ALL).cell() == "returns all text"
    assert E(None, text=FOUR).cell() == "returns 4/6 words"


# --------------------------------------------------------------------------- the clients


@pytest.mark.parametrize("case", CASES, ids=[case.key for case in CASES])
def test_bundled_sdk(server: MockServer, case: Case) -> None:
    script_all(server, [case])
    check(server, case, bundled(server, case), EXPECTED[case.key].bundled)


@pytest.mark.parametrize("case", CASES, ids=[case.key for case in CASES])
def test_bundled_async_sdk(server: MockServer, case: Case) -> None:
    script_all(server, [case])
    check(server, case, bundled_async(server, case), EXPECTED[case.key].bundled)


@pytest.mark.parametrize("case", CASES, ids=[case.key for case in CASES])
def test_openai_sdk(server: MockServer, case: Case) -> None:
    script_all(server, [case])
    check(server, case, with_openai(server, case), EXPECTED[case.key].openai)


def test_official_sdk(server: MockServer) -> None:
    """Every case in one subprocess: each run of the official SDK costs a process start-up."""
    script_all(server, CASES)

    outcomes = official_outcomes(official_python(), server, CASES)

    seen = {c.key: E.seen(outcomes[c.marker], attempts(server, c)) for c in CASES}
    assert seen == {key: row.official for key, row in EXPECTED.items()}
