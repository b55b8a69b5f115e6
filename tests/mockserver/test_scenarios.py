"""Scenario files from Python: loading, bundled names, and precise errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import meshapi_fixtures
import pytest
from meshapi_mock import MockServer, ScenarioError, ServerConfig
from support.wire import chat


def content(response: httpx.Response) -> str:
    text: str = response.json()["choices"][0]["message"]["content"]
    return text


def test_bundled_default_scenarios_are_located_by_name() -> None:
    names = meshapi_fixtures.names()
    assert {"default", "docs", "docs/weather", "errors/rate-limited", "tool-loop"} <= set(names)
    assert [p.name for p in meshapi_fixtures.locate("default")] == ["docs", "tool-loop.yaml"]
    assert meshapi_fixtures.locate("errors/rate-limited")[0].suffix == ".yaml"
    assert meshapi_fixtures.locate("../etc") == []
    assert meshapi_fixtures.locate("no-such-scenario") == []


def test_boot_scenarios_answer_and_survive_reset() -> None:
    server = MockServer(ServerConfig(fixtures=["default"]))
    headers = {"Authorization": "Bearer rsk_a"}
    with server, httpx.Client(base_url=server.url, headers=headers) as c:
        question = [{"role": "user", "content": "What is the capital of France?"}]
        assert content(chat(c, messages=question)) == "The capital of France is Paris."
        server.chat.reply("scripted later", times=None)
        server.reset()
        assert content(chat(c, messages=question)) == "The capital of France is Paris."
        assert content(chat(c, messages=[{"role": "user", "content": "zzz"}])) != ("scripted later")


def test_yaml_and_json_files_mean_the_same(
    server: MockServer, http: httpx.Client, tmp_path: Path
) -> None:
    rule = {"match": {"last_user": "ping"}, "reply": {"text": "pong"}, "times": "unlimited"}
    (tmp_path / "a.json").write_text(json.dumps({"rules": [rule]}))
    (tmp_path / "b.yaml").write_text(
        "- match: {last_user: {equals: marco}}\n  reply: {text: polo}\n"
    )
    loaded = server.load(tmp_path)
    assert len(loaded) == 2
    assert content(chat(http, messages=[{"role": "user", "content": "ping?"}])) == "pong"
    assert content(chat(http, messages=[{"role": "user", "content": "marco"}])) == "polo"


def test_add_rules_takes_the_file_shape(server: MockServer, http: httpx.Client) -> None:
    (rule,) = server.add_rules(
        {"rules": [{"name": "t", "reply": {"tool_calls": [{"name": "f", "arguments": {"a": 1}}]}}]}
    )
    assert rule.name == "t"
    message = chat(http).json()["choices"][0]["message"]
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"a": 1}


def test_errors_name_file_entry_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n"
        "  - name: fine\n    reply: {text: ok}\n"
        "  - name: broken\n    reply: {tool_calls: [{arguments: {}}]}\n"
        "  - reply: {error: {status: 200}}\n"
    )
    with pytest.raises(ScenarioError) as caught:
        MockServer(ServerConfig(fixtures=[str(bad)]))
    lines = str(caught.value).splitlines()
    assert f"{bad}: rules[1] (broken).reply.tool_calls[0].name: Field required" in lines
    assert any(line.startswith(f"{bad}: rules[2].reply.error.status") for line in lines)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("rules: [\n", "not valid YAML"),
        ("just a string\n", "expected a mapping"),
        ("rules:\n  - reply: {text: a, error: {status: 500}}\n", "cannot also carry"),
        ("rules:\n  - reply: {text: a}\n    times: 0\n", "times must be"),
        ("rules:\n  - match: {last_user: {regex: '('}}\n    reply: {text: a}\n", "invalid regex"),
        ("rules:\n  - match: {colour: red}\n    reply: {text: a}\n", "Extra inputs"),
    ],
)
def test_invalid_files_are_rejected(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=fragment):
        MockServer(ServerConfig(fixtures=[str(path)]))
