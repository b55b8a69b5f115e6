"""What a new user meets on the command line: usage errors that name the flag (exit 2, no
traceback), help that shows defaults and bundled names, counts that read right, scenario
names that are suggested when misspelt, and `python -m meshapi_mock`.

Most cases run `main()` (what the console script runs); a few run real processes to
prove the whole path prints no traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from meshapi_fixtures import names
from meshapi_mock import MockServer
from meshapi_mock.cli import main, parse_args

TIMEOUT = 30

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`meshapi-mock ARGS…` through `main()` in an empty folder: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MESHAPI_MOCK_PORT", raising=False)

    def invoke(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


# --- usage errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "flag", "reason"),
    [
        (["--port", "99999"], "--port", "not a TCP port"),
        (["--port", "-1"], "--port", "not a TCP port"),
        (["--port", "eighty"], "--port", "not a whole number"),
        (["--journal-limit", "-1"], "--journal-limit", "at least 1"),
        (["--journal-limit", "0"], "--journal-limit", "at least 1"),
        (["--journal-bytes", "-5"], "--journal-bytes", "at least 0"),
        (["--journal-body-bytes", "x"], "--journal-body-bytes", "not a whole number"),
        (["--responses-bytes", "-1"], "--responses-bytes", "at least 0"),
        (["--request-timeout", "-1"], "--request-timeout", "positive"),
        (["--request-timeout", "nan"], "--request-timeout", "finite"),
        (["--regex-timeout", "inf"], "--regex-timeout", "finite"),
        (["--regex-timeout", "soon"], "--regex-timeout", "not a number"),
        (["--host", "bad host"], "--host", "not a host"),
        (["--seed", "1.5"], "--seed", "not a whole number"),
        (["--seed", str(2**200)], "--seed", "at most"),
        (["--journal-limit", "99999999999999999999"], "--journal-limit", "at most 1000000"),
        (["--token", ""], "--token", "is empty"),
        (["--token", "rsk_ok", "  "], "--token", "is empty"),
        (["--token", "rsk_é"], "--token", "cannot carry ('é')"),
        (["--token", "rsk_a b"], "--token", "printable ASCII without spaces"),
        (["--admin-token", ""], "--admin-token", "is empty"),
        (["--admin-token", "\t"], "--admin-token", "is empty"),
        (["--admin-token", "sésame"], "--admin-token", "cannot carry"),
        (["--allow-host", ""], "--allow-host", "not a host name"),
        (["--allow-host", "a b"], "--allow-host", "not a host name"),
        (["--allow-host", "http://x"], "--allow-host", "no scheme, port or path"),
        (["--allow-host", "example.com:8000"], "--allow-host", "not a host name"),
        (["--allow-host", "*example.com"], "--allow-host", "not a host name"),
        (["--fixtures", ""], "--fixtures", "an empty scenario location names nothing"),
        (["--fixtures", "/nonexistent"], "--fixtures", "/nonexistent: no such file"),
        (["--fixtures", "default", "nowhere.yaml"], "--fixtures", "nowhere.yaml: no such file"),
    ],
)
def test_bad_values_are_usage_errors_naming_the_flag(
    run: Run, argv: list[str], flag: str, reason: str
) -> None:
    code, out, err = run("serve", *argv)

    assert code == 2
    assert err.startswith("usage: meshapi-mock serve"), err
    assert f"argument {flag}" in err and reason in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "'' names no fault or status"),
        (" , ", "names no fault or status"),
        ("429=0.5,429=0.6", "'429' is given twice"),
        ("429=0.1,0429=0.1", "'429' is given twice"),
        ("reset=0.1,disconnect=0.1,reset=0.2", "'reset' is given twice"),
    ],
)
def test_chaos_that_names_nothing_or_one_kind_twice_is_a_usage_error(
    run: Run, value: str, reason: str
) -> None:
    # The bad --port after it keeps the fake from serving were --chaos taken as it is.
    code, out, err = run("serve", "--chaos", value, "--port", "99999")

    assert code == 2 and out == ""
    assert err.startswith("usage: meshapi-mock serve")
    assert "argument --chaos" in err and reason in err


def test_validate_refuses_an_empty_path_instead_of_reading_the_current_folder(run: Run) -> None:
    code, out, err = run("validate", "")

    assert code == 2 and out == ""
    assert "argument PATH: an empty scenario location names nothing" in err


@pytest.mark.parametrize("flag", ["--bogus", "--bogus=1", "--json"])
def test_an_unknown_flag_is_named_before_a_missing_argument(run: Run, flag: str) -> None:
    code, out, err = run("validate", flag)

    assert code == 2 and out == ""
    assert err.startswith("usage: meshapi-mock validate")
    assert f"unrecognized arguments: {flag}" in err
    assert "Traceback" not in err


def test_a_misspelt_flag_is_reported_by_its_sub_command_with_a_suggestion(run: Run) -> None:
    code, _, err = run("serve", "--prot", "9000")

    assert code == 2
    assert err.startswith("usage: meshapi-mock serve")
    assert "unrecognized arguments: --prot 9000 (did you mean --port?)" in err


def test_a_misspelt_flag_with_a_value_after_equals_is_suggested_too(run: Run) -> None:
    code, _, err = run("serve", "--fixture=default")

    assert code == 2 and "did you mean --fixtures?" in err


def test_an_unknown_word_gets_no_made_up_suggestion(run: Run) -> None:
    code, _, err = run("validate", "a.yaml", "--zzzzzz")

    assert code == 2
    assert err.startswith("usage: meshapi-mock validate")
    assert "unrecognized arguments: --zzzzzz" in err and "did you mean" not in err


def test_an_unknown_flag_before_the_command_is_named(run: Run) -> None:
    code, _, err = run("--bogus")
    moved_code, _, moved_err = run("--strict", "serve")

    assert code == moved_code == 2
    assert "unrecognized arguments: --bogus" in err and "required: COMMAND" not in err
    assert "--strict goes after the command: meshapi-mock serve --strict" in moved_err


def test_an_unknown_command_lists_the_commands(run: Run) -> None:
    code, _, err = run("serv")

    assert code == 2
    assert "invalid choice: 'serv'" in err
    for command in ("serve", "validate", "scenarios", "schema"):
        assert command in err


def test_real_processes_print_no_traceback() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "meshapi_mock", "serve", "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    version = subprocess.run(
        [sys.executable, "-m", "meshapi_mock", "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )

    assert bad.returncode == 2
    assert "argument --port" in bad.stderr and "Traceback" not in bad.stderr
    assert version.returncode == 0 and version.stdout.startswith("meshapi-mock ")


# --- help ----------------------------------------------------------------------------------


def test_serve_help_shows_defaults_and_bundled_names(run: Run) -> None:
    code, out, _ = run("serve", "--help")

    assert code == 0
    flat = " ".join(out.split())
    for shown in (
        "(default: 127.0.0.1)",
        "(default: 8000,",
        "(default: 1000)",
        "(default: 30.0)",
        "(default: 0.1)",
        "--admin-token",
        "--allow-host",
        "--log-requests",
    ):
        assert shown in flat, shown
    for name in names():
        assert name in flat, name


def help_of(out: str, flag: str) -> str:
    """The help text of `flag` in `--help` output, on one line."""
    options = out[out.index("options:") :]
    found = re.search(rf"^  {re.escape(flag)}\b(.*?)(?=^  -|\Z)", options, re.M | re.S)
    assert found is not None, flag
    return " ".join(found.group(1).split())


@pytest.mark.parametrize(
    ("flag", "default"),
    [
        ("--strict", "(default: off)"),
        ("--model-catalogue", "(default: none)"),
        ("--chaos", "default: none"),
        ("--log-requests", "(default: off)"),
    ],
)
def test_serve_help_shows_every_default(run: Run, flag: str, default: str) -> None:
    code, out, _ = run("serve", "--help")

    assert code == 0
    assert default in help_of(out, flag)


def test_a_zero_request_timeout_turns_it_off() -> None:
    assert parse_args(["serve", "--request-timeout", "0"]).request_timeout == 0.0


def test_the_port_default_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESHAPI_MOCK_PORT", "9123")
    assert parse_args(["serve"]).port == 9123
    assert parse_args(["serve", "--port", "9000"]).port == 9000, "the flag wins"

    monkeypatch.setenv("MESHAPI_MOCK_PORT", "not-a-port")
    assert parse_args(["serve"]).port == 8000


def test_serve_flags_reach_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from meshapi_mock.cli import _config

    args = parse_args(
        [
            "serve",
            *("--admin-token", "rsk_admin", "--allow-host", "fake.test", "*.internal"),
            *("--journal-bytes", "1000", "--journal-body-bytes", "100"),
            *("--responses-bytes", "5000"),
            *("--request-timeout", "2.5", "--regex-timeout", "0.05", "--log-requests"),
        ]
    )
    config = _config(args)

    assert config.admin_token == "rsk_admin"
    assert tuple(config.allowed_hosts) == ("fake.test", "*.internal")
    assert (config.journal_max_bytes, config.journal_body_bytes) == (1000, 100)
    assert config.responses_max_bytes == 5000
    assert (config.request_timeout, config.regex_timeout) == (2.5, 0.05)
    assert config.log_requests is True


# --- validate counts -----------------------------------------------------------------------


def test_validate_counts_a_file_without_rules(run: Run, tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("rules: []\n", encoding="utf-8")

    code, out, _ = run("validate", "empty.yaml")

    assert code == 0
    assert out.strip() == "ok: 0 rules in 1 file"


def test_validate_counts_a_repeated_path_once(run: Run, tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(
        "rules:\n  - reply: {text: a}\n  - reply: {text: b}\n", encoding="utf-8"
    )

    code, out, _ = run("validate", "one.yaml", "one.yaml", "./one.yaml")

    assert code == 0
    assert out.strip() == "ok: 2 rules in 1 file"


def test_validate_says_one_rule(run: Run) -> None:
    code, out, _ = run("validate", "docs/hello")

    assert code == 0
    assert out.strip() == "ok: 1 rule in 1 file"


def test_repeated_fixtures_load_each_rule_once() -> None:
    with (
        MockServer(fixtures=("docs", "docs", "default")) as doubled,
        MockServer(fixtures=("default",)) as once,
    ):
        assert len(doubled.rules) == len(once.rules) > 0
        assert len({rule.name for rule in doubled.rules}) == len(doubled.rules)


# --- scenario names ------------------------------------------------------------------------


def test_a_misspelt_scenario_name_gets_a_suggestion(run: Run) -> None:
    code, _, err = run("validate", "docs/weathr")

    assert code == 1
    assert "docs/weathr: no such file, folder or bundled scenario" in err
    assert "did you mean 'docs/weather'?" in err


def test_an_unlike_name_points_at_the_scenarios_command(run: Run) -> None:
    code, _, err = run("validate", "zzzz-nothing")

    assert code == 1 and "meshapi-mock scenarios" in err


def test_a_local_folder_that_shadows_a_bundled_name_is_announced(run: Run, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "mine.yaml").write_text("rules:\n  - reply: {text: mine}\n")

    code, out, err = run("validate", "docs")
    bundled_code, bundled_out, bundled_err = run("validate", "bundled:docs")

    assert code == 0 and out.strip() == "ok: 1 rule in 1 file", "the local folder is used"
    assert "'docs' is the local folder" in err and "'bundled:docs'" in err
    assert bundled_code == 0 and bundled_err == ""
    assert bundled_out.strip() == "ok: 5 rules in 4 files"


def test_a_misspelt_bundled_prefix_name_gets_a_suggestion(run: Run) -> None:
    code, _, err = run("validate", "bundled:tool-lop")

    assert code == 1 and "did you mean 'tool-loop'?" in err


def test_scenarios_lists_every_bundled_name_with_its_rules(run: Run) -> None:
    code, out, _ = run("scenarios")
    json_code, json_out, _ = run("scenarios", "--json")

    assert code == json_code == 0
    listed = {line.split()[0] for line in out.splitlines()}
    assert listed == set(names())
    entries = {entry["name"]: entry for entry in json.loads(json_out)}
    assert set(entries) == set(names())
    assert entries["docs/weather"]["rules"] == 2
    assert "get_weather" in entries["docs/weather"]["summary"]
    assert entries["default"]["summary"] == "alias for docs + tool-loop"
    assert entries["default"]["rules"] == entries["docs"]["rules"] + entries["tool-loop"]["rules"]
    assert "1 rule " in out and "2 rules" in out


def test_validate_checks_and_counts_a_files_models(run: Run, tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("models: [acme/a, acme/b]\nrules: []\n")
    (tmp_path / "bad.yaml").write_text("models: [nope]\nrules: []\n")

    good = run("validate", "good.yaml")
    bad = run("validate", "bad.yaml")

    assert good[0] == 0 and good[1].strip() == "ok: 0 rules (+2 models) in 1 file"
    assert bad[0] == 1 and "bad.yaml: models[0]:" in bad[2]
