"""Which rule is tried first: priority, then the test's own rules before scenarios loaded
at start, then the order added — the same from Python, scenario files and the admin API,
and through the pytest plugin."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapi import ChatCompletionParams, ChatMessage, MeshAPI
from meshapi_mock import MockServer, ServerConfig
from pydantic import ValidationError
from support.wire import chat, error_of

CATCH_ALL = {"name": "session catch-all", "reply": {"text": "from the session"}, "times": None}


def scenario(tmp_path: Path, name: str, *rules: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"rules": list(rules)}), encoding="utf-8")
    return path


@pytest.fixture
def booted(tmp_path: Path) -> Iterator[tuple[MockServer, httpx.Client]]:
    """A fake that loaded a catch-all scenario at start, as `--meshapi-scenarios` does."""
    config = ServerConfig(fixtures=[str(scenario(tmp_path, "session", CATCH_ALL))])
    headers = {"Authorization": "Bearer rsk_precedence"}
    with MockServer(config) as server, httpx.Client(base_url=server.url, headers=headers) as http:
        yield server, http


def said(http: httpx.Client, text: str = "Hello") -> str:
    response = chat(http, messages=[{"role": "user", "content": text}])
    assert response.status_code == 200, response.text
    content: str = response.json()["choices"][0]["message"]["content"]
    return content


def test_a_test_s_python_rule_beats_the_session_scenarios(
    booted: tuple[MockServer, httpx.Client],
) -> None:
    server, http = booted

    rule = server.chat.reply("from the test")

    assert said(http) == "from the test"
    assert said(http) == "from the session", "used once, the session's rule answers again"
    assert rule.call_count == 1
    assert [r.source for r in server.rules] == ["python", server.rules[1].source]
    assert server.rules[1].loaded_at_start and not rule.loaded_at_start


def test_admin_rules_and_a_test_s_own_files_beat_the_session_scenarios(
    booted: tuple[MockServer, httpx.Client], tmp_path: Path
) -> None:
    server, http = booted
    posted = http.post("/_mock/rules", json={"reply": {"text": "from the admin API"}})
    assert posted.status_code == 201, posted.text
    (loaded,) = server.load(scenario(tmp_path, "mine", {"reply": {"text": "from my file"}}))

    # Equal priority and both scripted by the test: the order added decides.
    assert said(http) == "from the admin API"
    assert said(http) == "from my file"
    assert said(http) == "from the session"
    assert not loaded.loaded_at_start and loaded.source.endswith("mine.json")


def test_the_session_scenarios_come_back_after_a_reset(
    booted: tuple[MockServer, httpx.Client],
) -> None:
    server, http = booted
    server.chat.reply("before the reset", times=None)
    server.reset()
    server.chat.reply("after the reset")

    assert said(http) == "after the reset"
    assert said(http) == "from the session"


def test_priority_orders_rules_from_every_side(
    booted: tuple[MockServer, httpx.Client], tmp_path: Path
) -> None:
    server, http = booted
    fallback = server.chat.reply("fallback", priority=-1, times=None)
    plain = server.chat.reply("plain")
    urgent_py = server.chat.reply("urgent from python", priority=10)
    posted = http.post(
        "/_mock/rules", json={"reply": {"text": "urgent from the admin API"}, "priority": 10}
    )
    (urgent_admin,) = (r for r in server.rules if r.source == "admin")
    (most,) = server.load(
        scenario(tmp_path, "first", {"reply": {"text": "most urgent"}, "priority": 99})
    )

    assert posted.status_code == 201 and posted.json()[0]["priority"] == 10
    assert [said(http) for _ in range(6)] == [
        "most urgent",
        "urgent from python",
        "urgent from the admin API",
        "plain",
        "from the session",  # priority 0, loaded at start: after the test's own at 0
        "from the session",
    ]
    listed = http.get("/_mock/rules").json()
    assert [(r["id"], r["priority"], r["loaded_at_start"]) for r in listed] == [
        (most.id, 99, False),
        (urgent_py.id, 10, False),
        (urgent_admin.id, 10, False),
        (plain.id, 0, False),
        (listed[4]["id"], 0, True),
        (fallback.id, -1, False),
    ]
    assert [r.id for r in server.rules] == [r["id"] for r in listed], "listed as tried"
    assert fallback.call_count == 0


def test_a_session_scenario_with_priority_beats_the_test_s_rules(tmp_path: Path) -> None:
    urgent = {"reply": {"error": {"status": 503}}, "priority": 1, "times": 1}
    config = ServerConfig(fixtures=[str(scenario(tmp_path, "outage", urgent, CATCH_ALL))])
    headers = {"Authorization": "Bearer rsk_precedence"}
    with MockServer(config) as server, httpx.Client(base_url=server.url, headers=headers) as http:
        server.chat.reply("from the test")

        assert error_of(chat(http))["code"] == "upstream_error"
        assert said(http) == "from the test"
        assert said(http) == "from the session"


def test_nth_counts_requests_in_precedence_order(server: MockServer, http: httpx.Client) -> None:
    server.chat.reply("plain", times=None)
    second = server.chat.when(nth=2).reply("second", priority=1)

    assert [said(http) for _ in range(3)] == ["plain", "second", "plain"]
    assert second.seen == 3


def test_every_python_verb_takes_a_priority(server: MockServer) -> None:
    rules = [
        server.chat.reply("x", priority=1),
        server.chat.tool_call("f", {}, priority=2),
        server.chat.tool_calls([{"name": "f"}], priority=3),
        server.chat.error(500, priority=4),
        server.chat.respond(lambda request: "x", priority=5),
        server.chat.reply_with(text="x", priority=6),
        server.models.reply([], priority=7),
        server.embeddings.reply([[1.0]], priority=8),
        server.embeddings.reply_vector([1.0], priority=9),
        server.moderations.flag(priority=10),
        server.moderations.allow(priority=11),
        server.moderations.results([], priority=12),
        server.moderations.reply(flagged=True, priority=13),
        server.web_search.reply(priority=14),
        server.web_search.answer("a", priority=15),
        server.web_search.no_results(priority=16),
        server.router.select("m", priority=17),
        server.router.fallback(priority=18),
        server.router.reply(model="m", priority=19),
    ]

    assert [r.priority for r in rules] == list(range(1, 20))
    assert [r.priority for r in server.rules] == list(range(19, 0, -1)), "highest first"


@pytest.mark.parametrize("priority", [True, 1.5, "high", 10**7, None])
def test_a_priority_is_a_bounded_integer(
    server: MockServer, http: httpx.Client, priority: Any
) -> None:
    response = http.post("/_mock/rules", json={"reply": {"text": "x"}, "priority": priority})
    assert response.status_code == 422, response.text
    assert any(d["loc"][-1] == "priority" for d in error_of(response)["details"])
    with pytest.raises(ValidationError):
        server.chat.reply("x", priority=priority)
    assert server.rules == []


def test_the_bundled_sdk_sees_the_test_s_rule(booted: tuple[MockServer, httpx.Client]) -> None:
    server, _ = booted
    server.chat.reply("Paris")

    with MeshAPI(base_url=server.url, token="rsk_sdk") as client:
        reply = client.chat.completions.create(
            ChatCompletionParams(
                model="openai/gpt-4o-mini",
                messages=[ChatMessage(role="user", content="Capital of France?")],
            )
        )

    assert reply.choices[0].message.content == "Paris"


# --- through the pytest plugin -----------------------------------------------------------

SESSION_FILE = """
rules:
  - name: session greeting
    reply: {text: "from the session"}
    times: unlimited
"""

TESTS = """
import httpx, pytest

def ask(mock):
    response = httpx.post(
        mock.url + "/v1/chat/completions",
        headers={"Authorization": "Bearer rsk_x"},
        json={"messages": [{"role": "user", "content": "hi"}]},
    )
    return response.json()["choices"][0]["message"]["content"]

def test_scripted_in_python(meshapi_mock):
    meshapi_mock.chat.reply("from the test")
    assert ask(meshapi_mock) == "from the test"
    assert ask(meshapi_mock) == "from the session"

@pytest.mark.meshapi(scenarios=["mine.yaml"])
def test_loaded_for_this_test(meshapi_mock):
    assert ask(meshapi_mock) == "from my file"
    assert ask(meshapi_mock) == "from the session"

def test_session_rules_are_not_expectations(meshapi_mock):
    assert ask(meshapi_mock) == "from the session"
"""


def test_the_plugin_s_session_scenarios_yield_to_each_test_s_rules(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", session=SESSION_FILE)
    pytester.makefile(".yaml", mine='rules:\n  - reply: {text: "from my file"}\n')
    pytester.makepyfile(TESTS)

    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "--meshapi-scenarios",
        "session.yaml",
    )

    result.assert_outcomes(passed=3)
