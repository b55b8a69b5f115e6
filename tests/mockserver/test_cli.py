"""`meshapi-mock serve` and `meshapi-mock validate`, run as a user runs them: in a real
subprocess, talked to over a real port, stopped with real signals.

Starting an interpreter costs most of a second, so every process the module needs is
launched at once, and one long-running fake with all the flags serves the read-mostly
tests. The detailed `validate` messages are checked through `main()`, the function the
console script runs, next to two real `validate` processes (one through the installed
`meshapi-mock` script) for the exit codes.
"""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from meshapi_mock import MockServer
from meshapi_mock.cli import main

CLI = [sys.executable, "-m", "meshapi_mock"]
CONSOLE_SCRIPT = Path(sys.executable).with_name("meshapi-mock")
TIMEOUT = 30  # only to avoid hanging; nothing here is timed
KEY_ONE, KEY_TWO = "rsk_cli_one", "rsk_cli_two"

SCENARIO_YAML = """\
name: cli-test
rules:
  - name: ping
    match: {last_user: ping}
    reply: {text: pong}
    times: unlimited
  - name: weather-call
    match: {tools: [get_weather]}
    reply:
      tool_calls:
        - {name: get_weather, arguments: {city: Oslo}}
    times: unlimited
"""
SCENARIO_JSON = {"rules": [{"name": "json-rule", "reply": {"text": "from json"}}]}
BAD_YAML = """\
rules:
  - name: fine
    reply: {text: ok}
  - name: broken-tool
    reply:
      tool_calls:
        - name: ""
          arguments: {}
"""
BAD_JSON = {
    "rules": [
        {"reply": {"text": "x"}},
        {"name": "j", "reply": {"text": "a", "error": {"status": 429}}},
    ]
}


def ask(text: str) -> dict[str, Any]:
    return {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


# --- running the CLI ---------------------------------------------------------------------


def _read_line(stream: IO[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""


@dataclass
class Served:
    process: subprocess.Popen[str]
    banner: str
    url: str

    def client(self, key: str | None = KEY_ONE) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=TIMEOUT)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            out, err = self.process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            pytest.fail(f"meshapi-mock did not stop on {sig.name}; stderr:\n{err}")
        return self.process.returncode, out, err


def spawn(cwd: Path, argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def ready(process: subprocess.Popen[str]) -> Served:
    """Wait for the banner and take the URL from it, as a user would."""
    assert process.stdout is not None
    banner = _read_line(process.stdout, TIMEOUT)
    found = re.search(r"http://127\.0\.0\.1:(\d+)", banner)
    if found is None:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"no URL in the first line {banner!r}; stderr:\n{err}")
    return Served(process, banner, found.group(0))


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


def finish(process: subprocess.Popen[str]) -> Finished:
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return Finished(process.returncode, out, err)


# --- files and processes -----------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A neutral working directory holding the scenario files the tests use."""
    root = tmp_path_factory.mktemp("cli")
    (root / "scenario.yaml").write_text(SCENARIO_YAML, encoding="utf-8")
    (root / "scenario.json").write_text(json.dumps(SCENARIO_JSON), encoding="utf-8")
    (root / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    (root / "syntax.yaml").write_text('rules:\n  - reply: {text: "unclosed\n', encoding="utf-8")
    (root / "bad.json").write_text(json.dumps(BAD_JSON), encoding="utf-8")
    (root / "syntax.json").write_text('{"rules": [', encoding="utf-8")
    folder = root / "folder"
    folder.mkdir()
    (folder / "good.yaml").write_text(SCENARIO_YAML, encoding="utf-8")
    (folder / "nested-bad.yml").write_text(BAD_YAML, encoding="utf-8")
    return root


@dataclass
class Processes:
    served: dict[str, Served]
    finished: dict[str, Finished]
    busy_port: int


@pytest.fixture(scope="module")
def processes(workdir: Path) -> Iterator[Processes]:
    """Every CLI process of this module, launched side by side."""
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    busy_port = busy.getsockname()[1]
    serve = [*CLI, "serve", "--host", "127.0.0.1"]
    # The installed console script where there is one, `python -m` otherwise.
    script = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.is_file() else CLI
    long_running = {
        "main": [
            *serve,
            *("--port", "0", "--strict", "--seed", "7"),
            *("--fixtures", "default", str(workdir / "scenario.yaml")),
            *("--token", KEY_ONE, "--token", KEY_TWO),
        ],
        "SIGINT": [*serve, "--port", "0", "--log-requests"],
        "SIGTERM": [*serve, "--port", "0"],
    }
    one_shot = {
        "invalid-fixtures": [*serve, "--port", "0", "--fixtures", str(workdir / "bad.yaml")],
        "port-in-use": [*serve, "--port", str(busy_port)],
        "validate-good": [*script, "validate", "scenario.yaml", "scenario.json"],
        "validate-bad": [*CLI, "validate", "scenario.yaml", "bad.yaml", "bad.json", "missing.yaml"],
    }
    started = {name: spawn(workdir, argv) for name, argv in {**long_running, **one_shot}.items()}
    try:
        finished = {name: finish(started[name]) for name in one_shot}
        served = {name: ready(started[name]) for name in long_running}
        yield Processes(served, finished, busy_port)
    finally:
        busy.close()
        for process in started.values():
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture
def fake(processes: Processes) -> Iterator[Served]:
    """`serve --strict --seed 7 --fixtures default <file> --token … --token …`, reset."""
    served = processes.served["main"]
    with served.client() as admin:  # --token guards /_mock/* too
        assert admin.post("/_mock/reset").status_code == 204
    yield served


# --- serve -------------------------------------------------------------------------------


def test_serve_prints_its_url_and_answers(fake: Served) -> None:
    assert "serving on" in fake.banner

    with fake.client() as http:
        health = http.get("/_mock/health")
        answer = http.post("/v1/chat/completions", json=ask("What is the capital of France?"))
        models = http.get("/v1/models")

    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert answer.status_code == 200
    assert answer.json()["object"] == "chat.completion"
    assert answer.headers["x-request-id"]
    assert models.status_code == 200 and isinstance(models.json(), list)


def test_fixtures_loads_bundled_names_and_file_paths(fake: Served, workdir: Path) -> None:
    with fake.client() as http:
        boot = http.get("/_mock/rules").json()
        bundled = http.post("/v1/chat/completions", json=ask("What is the capital of France?"))
        bundled_rule = http.get("/_mock/requests").json()[-1]["matched"]
        from_file = http.post("/v1/chat/completions", json=ask("ping?"))

    assert f"({len(boot)} scripted rules" in fake.banner
    sources = {rule["source"] for rule in boot}
    assert str(workdir / "scenario.yaml") in sources
    assert any("meshapi_fixtures" in source for source in sources), sources
    assert "Paris" in bundled.json()["choices"][0]["message"]["content"]
    assert [r["name"] for r in boot if r["id"] == bundled_rule] == ["capital-of-france"]
    assert from_file.json()["choices"][0]["message"]["content"] == "pong"
    assert [r["name"] for r in boot][-2:] == ["ping", "weather-call"]


def test_reset_returns_to_the_boot_rules(fake: Served) -> None:
    def view(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k not in ("id", "call_count")} for r in rules]

    with fake.client() as http:
        boot = view(http.get("/_mock/rules").json())
        http.post("/_mock/rules", json={"reply": {"text": "added at run time"}})
        http.post("/v1/chat/completions", json=ask("What is the capital of France?"))
        assert len(http.get("/_mock/rules").json()) == len(boot) + 1

        assert http.post("/_mock/reset").status_code == 204
        after = http.get("/_mock/rules").json()
        journal = http.get("/_mock/requests").json()

    assert view(after) == boot
    assert all(r["call_count"] == 0 for r in after)
    assert journal == []


def test_token_accepts_only_the_listed_keys(fake: Served) -> None:
    for key in (KEY_ONE, KEY_TWO):
        with fake.client(key) as http:
            assert http.post("/v1/chat/completions", json=ask("ping")).status_code == 200

    for other in ("rsk_someone_else", None):
        with fake.client(other) as http:
            refused = http.post("/v1/chat/completions", json=ask("ping"))
            models = http.get("/v1/models")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert refused.json()["request_id"] == refused.headers["x-request-id"]
        assert models.status_code == 401


def test_token_guards_the_admin_api_too(fake: Served) -> None:
    with fake.client(None) as anonymous, fake.client("rsk_someone_else") as stranger:
        refused = [anonymous.get("/_mock/requests"), stranger.post("/_mock/reset")]
    with fake.client(KEY_TWO) as admin:
        allowed = admin.get("/_mock/requests")

    assert [r.status_code for r in refused] == [401, 401]
    assert all(r.json()["error"]["code"] == "unauthorized" for r in refused)
    assert allowed.status_code == 200
    assert "admin API needs a token" in fake.banner


def test_strict_refuses_unmatched_requests(fake: Served) -> None:
    with fake.client() as http:
        config = http.get("/_mock/config").json()
        refused = http.post("/v1/chat/completions", json=ask("tell me a joke"))
        answered = http.post("/v1/chat/completions", json=ask("ping"))

    assert config["strict"] is True
    assert refused.status_code >= 400
    error = refused.json()["error"]
    assert error["code"] == "no_matching_rule"
    assert "tell me a joke" in error["message"]
    assert answered.status_code == 200


def test_seed_changes_ids_deterministically(fake: Served, server: MockServer) -> None:
    body = json.dumps(ask("ping the seed")).encode()
    headers = {"Authorization": f"Bearer {KEY_ONE}", "Content-Type": "application/json"}

    def completion_id(url: str) -> str:
        response = httpx.post(
            url + "/v1/chat/completions", content=body, headers=headers, timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        value: str = response.json()["id"]
        return value

    seven = completion_id(fake.url)
    with MockServer(seed=7) as in_process_seven:
        also_seven = completion_id(in_process_seven.url)
    zero = completion_id(server.url)  # the shared in-process fake runs with the default seed

    assert completion_id(fake.url) == seven, "same seed and request, same id"
    assert also_seven == seven, "--seed 7 means what seed=7 means in Python"
    assert zero != seven, "another seed gives other ids"
    with fake.client() as admin:
        assert admin.get("/_mock/config").json()["seed"] == 7


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_stops_cleanly_on_signal(processes: Processes, sig: signal.Signals) -> None:
    served = processes.served[sig.name]
    with served.client() as http:  # a keep-alive connection is still open at shutdown
        assert http.post("/v1/chat/completions", json=ask("hi")).status_code == 200

        returncode, out, err = served.stop(sig)

        with pytest.raises(httpx.TransportError):
            http.get("/_mock/health")

    assert returncode == 0, err
    assert "Traceback" not in err
    assert "stopped" in out
    if sig is signal.SIGINT:  # started with --log-requests: one line per request on stderr
        assert re.search(r"POST /v1/chat/completions 200 [\d.]+ ?ms", err), err
    else:
        assert "POST /v1/chat/completions" not in err


# --- bad start-up ------------------------------------------------------------------------


def check_clean_failure(result: Finished) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "serving on" not in result.stdout


def test_invalid_fixtures_stop_start_up(processes: Processes, workdir: Path) -> None:
    result = processes.finished["invalid-fixtures"]

    check_clean_failure(result)
    expected = f"{workdir / 'bad.yaml'}: rules[1] (broken-tool).reply.tool_calls[0].name"
    assert expected in result.stderr


def test_port_in_use_stops_start_up(processes: Processes) -> None:
    result = processes.finished["port-in-use"]

    check_clean_failure(result)
    assert f"127.0.0.1:{processes.busy_port}" in result.stderr


# --- validate ----------------------------------------------------------------------------


def test_validate_process_exits_zero_on_good_files(processes: Processes) -> None:
    result = processes.finished["validate-good"]

    assert result.returncode == 0, result.stderr
    assert "3 rules in 2 files" in result.stdout
    assert result.stderr == ""


def test_validate_process_reports_every_bad_file(processes: Processes) -> None:
    result = processes.finished["validate-bad"]

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for expected in (
        "bad.yaml: rules[1] (broken-tool).reply.tool_calls[0].name",
        "bad.json: rules[1] (j).reply",
        "missing.yaml",
    ):
        assert expected in result.stderr
    assert "scenario.yaml" not in result.stderr, "good files are not blamed"


Validate = Callable[..., tuple[int, str, str]]


@pytest.fixture
def validate(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Validate:
    """`meshapi-mock validate PATH...` through `main()`: (exit code, stdout, stderr)."""
    monkeypatch.chdir(workdir)

    def run(*paths: str) -> tuple[int, str, str]:
        code = main(["validate", *paths])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_validate_accepts_bundled_names(validate: Validate) -> None:
    code, out, _ = validate("default", "scenario.yaml")

    assert code == 0
    assert out.startswith("ok")


def test_validate_names_file_and_entry(validate: Validate) -> None:
    code, _, err = validate("bad.yaml")

    assert code != 0
    assert "bad.yaml: rules[1] (broken-tool).reply.tool_calls[0].name" in err
    assert "rules[0]" not in err, "the valid entry is not blamed"


def test_validate_reports_yaml_syntax_errors(validate: Validate) -> None:
    code, _, err = validate("syntax.yaml")

    assert code != 0
    assert "syntax.yaml" in err and "YAML" in err
    assert "line 2" in err


def test_validate_checks_json_files(validate: Validate) -> None:
    bad_code, _, bad_err = validate("bad.json")
    syntax_code, _, syntax_err = validate("syntax.json")
    good_code, _, _ = validate("scenario.json")

    assert bad_code != 0 and "bad.json: rules[1] (j).reply" in bad_err
    assert syntax_code != 0 and "syntax.json" in syntax_err and "JSON" in syntax_err
    assert good_code == 0


def test_validate_reports_missing_paths(validate: Validate) -> None:
    code, _, err = validate("missing.yaml")

    assert code != 0
    assert "missing.yaml" in err


def test_validate_looks_inside_folders(validate: Validate) -> None:
    code, _, err = validate("folder")

    assert code != 0
    assert "nested-bad.yml: rules[1] (broken-tool).reply.tool_calls[0].name" in err
    assert "good.yaml" not in err
