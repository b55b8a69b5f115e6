"""The README's SDK tool round trip runs as printed, against the fake in default mode (only the
URL changes), so the example a new user copies cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from meshapi_mock import MockServer

README = Path(__file__).resolve().parents[2] / "README.md"


def block_after(heading: str, language: str = "python") -> str:
    """The first fenced block in `language` after `heading`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    found = re.search(rf"```{language}\n(.*?)```", text[start:], re.DOTALL)
    assert found is not None, f"no {language} block after {heading!r}"
    return found.group(1)


def test_the_tool_round_trip_runs_against_default_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code = block_after("A full tool round trip")
    with MockServer() as server:
        exec(code.replace("http://127.0.0.1:8000", server.url), {})
        sent = [entry.body["messages"] for entry in server.requests]

    printed = capsys.readouterr().out.strip()
    assert len(sent) == 2, "one tool call, then the answer"
    roles = [message["role"] for message in sent[1]]
    assert roles == ["user", "assistant", "tool"]
    assert sent[1][1]["tool_calls"][0]["id"] == sent[1][2]["tool_call_id"]
    assert printed, "the final answer is printed"


def test_the_slow_and_broken_examples_script_what_they_say(server: MockServer) -> None:
    heading = "## Slow, broken and chaotic answers"
    exec(block_after(heading), {"meshapi_mock": server})
    server.add_rules(yaml.safe_load(block_after(heading, "yaml")))
    chaos = block_after("**Chaos.**")
    exec(chaos, {"meshapi_mock": server})

    wire = [rule.to_wire() for rule in server.rules]
    assert [(r["endpoint"], r.get("timing"), r.get("fault")) for r in wire] == [
        ("chat", {"first_chunk": 0.2, "interval": 0.05}, None),
        ("chat", {"tokens_per_second": 20.0, "jitter": 0.3}, None),
        ("chat", None, {"kind": "disconnect", "after_chunks": 3}),
        ("chat", None, {"kind": "stall"}),
        ("responses", None, {"kind": "html_502"}),
        ("chat", None, None),
        ("chat", None, None),
        ("responses", None, None),
        (
            "chat",
            {"delay": 0.5, "first_chunk": 0.2, "interval": 0.05, "jitter": 0.2, "keep_alive": 15.0},
            {"kind": "error_frame", "after_chunks": 2, "code": "upstream_error"},
        ),
    ]
    chaos_now = server.state.delivery.chaos
    assert chaos_now is not None and chaos_now.seed == 7


def test_the_realtime_examples_script_what_they_say(server: MockServer) -> None:
    exec(block_after("**Realtime.**"), {"server": server})

    wire = [rule.to_wire() for rule in server.rules]
    assert {r["endpoint"] for r in wire} == {"realtime"}
    assert [r["reply"] for r in wire] == [
        {"text": "Hello! How can I help?"},
        {"text": "Sunny.", "audio": False},
        {"text": "Arr!"},
        {"error_event": {"code": "insufficient_quota", "message": "No credit left."}},
        {"error_event": {"code": "idle_timeout", "message": "Bye."}, "close": 1011},
        {"text": "paced word by word"},
    ]
