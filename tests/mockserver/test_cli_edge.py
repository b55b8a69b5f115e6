"""The command line's edge cases, as a user meets them: real processes, real ports.

Each mistake here used to be accepted (and then quietly wrong) or printed a traceback;
now each is a usage error naming what is wrong, and the URL the banner prints answers.
Every process of the module starts at once: an interpreter takes most of a second.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from meshapi_mock.runner import base_url, is_wildcard

CLI = [sys.executable, "-m", "meshapi_mock"]
TIMEOUT = 30  # only to avoid hanging; nothing here is timed
DEEP = "[" * 5000 + "]" * 5000 + "\n"


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


ONE_SHOT = {
    "empty admin token": ["serve", "--port", "0", "--admin-token", ""],
    "blank token": ["serve", "--port", "0", "--token", " "],
    "non-ASCII token": ["serve", "--port", "0", "--token", "rsk_\u00e9"],
    "huge journal limit": ["serve", "--port", "0", "--journal-limit", "9" * 20],
    "scheme in allowed host": ["serve", "--port", "0", "--allow-host", "http://x"],
    "unknown top-level flag": ["--bogus"],
    "serve flag before the command": ["--port", "9000", "serve"],
    "validate empty folder": ["validate", "emptydir"],
    "serve empty folder": ["serve", "--port", "0", "--fixtures", "emptydir"],
    "validate device": ["validate", "/dev/null"],
    "validate deep": ["validate", "deep.yaml"],
    "serve deep": ["serve", "--port", "0", "--fixtures", "deep.yaml"],
}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Finished]:
    """Every one-shot process, run side by side in a folder holding the files they need."""
    root = tmp_path_factory.mktemp("cli-edge")
    (root / "emptydir").mkdir()
    (root / "emptydir" / "notes.txt").write_text("not a scenario", encoding="utf-8")
    (root / "deep.yaml").write_text(DEEP, encoding="utf-8")
    started = {
        name: subprocess.Popen(
            [*CLI, *argv], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, argv in ONE_SHOT.items()
    }
    results = {}
    for name, process in started.items():
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:  # it served: the mistake went unnoticed
            process.kill()
            out, err = process.communicate()
        results[name] = Finished(process.returncode, out, err)
    return results


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("empty admin token", "argument --admin-token: '' is empty"),
        ("blank token", "argument --token: ' ' is empty"),
        ("non-ASCII token", "argument --token: 'rsk_\u00e9' has characters a bearer key"),
        ("huge journal limit", "argument --journal-limit: 99999999999999999999 must be at most"),
        ("scheme in allowed host", "argument --allow-host: 'http://x' is not a host name"),
        ("unknown top-level flag", "unrecognized arguments: --bogus"),
        ("serve flag before the command", "--port goes after the command: meshapi-mock serve"),
    ],
)
def test_usage_errors_name_the_flag(
    finished: dict[str, Finished], case: str, expected: str
) -> None:
    result = finished[case]

    assert result.returncode == 2, result
    assert expected in result.stderr
    assert "required: COMMAND" not in result.stderr
    assert "Traceback" not in result.stderr and "serving on" not in result.stdout


def test_a_folder_without_scenario_files_is_an_error_naming_it(
    finished: dict[str, Finished],
) -> None:
    validate, serve = finished["validate empty folder"], finished["serve empty folder"]

    for result in (validate, serve):
        assert "emptydir: no scenario files (.yaml, .yml, .json) in this folder" in result.stderr
        assert "Traceback" not in result.stderr
    assert validate.returncode == 1 and "ok:" not in validate.stdout
    assert serve.returncode == 2 and "serving on" not in serve.stdout


def test_a_device_is_not_a_regular_file(finished: dict[str, Finished]) -> None:
    result = finished["validate device"]

    assert result.returncode == 1
    assert "/dev/null: not a regular file or folder" in result.stderr
    assert "no such file" not in result.stderr


def test_a_too_deep_scenario_file_is_a_scenario_error_not_a_traceback(
    finished: dict[str, Finished],
) -> None:
    validate, serve = finished["validate deep"], finished["serve deep"]

    for result in (validate, serve):
        assert "deep.yaml: nested too deeply" in result.stderr
        assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert (validate.returncode, serve.returncode) == (1, 2)


# --- the URL the banner prints -------------------------------------------------------------


@pytest.mark.parametrize(
    ("bound", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("[::]", "http://[::1]:8000"),
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("::1", "http://[::1]:8000"),
        ("localhost", "http://localhost:8000"),
        ("192.0.2.10", "http://192.0.2.10:8000"),
    ],
)
def test_a_wildcard_bind_is_given_a_loopback_url(bound: str, url: str) -> None:
    # The banner and `MockServer.url` both print `base_url`. (Tests listen on loopback
    # only, so a 0.0.0.0 bind is not started here; a loopback URL is what the guard
    # answers, as every other test shows.)
    assert base_url(bound, 8000) == url
    assert is_wildcard(bound) is (bound in ("0.0.0.0", "::", "[::]"))


def test_an_empty_token_list_entry_is_never_a_key(tmp_path: Path) -> None:
    """The reviewer's `--token "$UNSET"`: refused before anything listens."""
    result = subprocess.run(
        [*CLI, "serve", "--port", "0", "--token", "rsk_set", ""],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert "argument --token: '' is empty" in result.stderr
