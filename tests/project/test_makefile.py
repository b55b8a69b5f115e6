"""The README's two commands on a machine that is not fresh: `make -n` shows what each would do,
in a copy of the Makefile with a stand-in `.venv`, so nothing is installed by the test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def checkout(tmp_path: Path, venv_python: str | None, stamps: tuple[str, ...] = ()) -> Path:
    """A folder with the Makefile and pyproject; `.venv/bin/python` claims `venv_python`."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if venv_python is not None:
        bin_dir = tmp_path / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        fake = bin_dir / "python"
        fake.write_text(f"#!/bin/sh\necho {venv_python}\n", encoding="utf-8")
        fake.chmod(0o755)
        for stamp in stamps:
            (tmp_path / ".venv" / stamp).touch()
            later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
            os.utime(tmp_path / ".venv" / stamp, (later, later))
    return tmp_path


def plan(folder: Path, *goals: str, env: dict[str, str] | None = None) -> str:
    """`make -n GOALS` in `folder`, with no outer make's settings and no $MESHAPI_MOCK_PORT
    unless `env` brings one."""
    outer = ("MAKE", "MFLAGS", "MESHAPI_MOCK_PORT")
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", f"PYTHON={sys.executable}", *goals],
        cwd=folder,
        env={k: v for k, v in os.environ.items() if not k.startswith(outer)} | (env or {}),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


ALL_STAMPS = (".python-stamp", ".run-stamp", ".test-stamp")


def test_a_fresh_machine_creates_the_venv_and_installs_the_test_extras(tmp_path: Path) -> None:
    steps = plan(checkout(tmp_path, None), "test")

    assert "-m venv .venv" in steps
    assert "pip install --quiet -e '.[test]'" in steps
    assert "-m pytest" in steps


def test_a_venv_made_by_another_python_is_rebuilt(tmp_path: Path) -> None:
    steps = plan(checkout(tmp_path, "3.8", ALL_STAMPS), "test")

    assert "rm -rf .venv" in steps and "-m venv .venv" in steps
    assert "pip install --quiet -e '.[test]'" in steps


def test_an_up_to_date_venv_is_left_alone(tmp_path: Path) -> None:
    steps = plan(checkout(tmp_path, RUNNING, ALL_STAMPS), "test")

    assert "-m venv" not in steps and "rm -rf" not in steps
    assert "pip install" not in steps
    assert ".venv/bin/python -m pytest" in steps


def test_serve_installs_only_the_runtime_and_takes_a_port(tmp_path: Path) -> None:
    steps = plan(checkout(tmp_path, RUNNING, (".python-stamp",)), "serve", "PORT=9001")

    assert "pip install --quiet -e .\n" in steps
    assert "[test]" not in steps
    assert "serve --host 127.0.0.1 --port 9001 --fixtures default" in steps


def serve_line(steps: str) -> str:
    (line,) = [step for step in steps.splitlines() if "meshapi-mock serve" in step]
    return line


def test_serve_without_fixtures_passes_no_empty_flag(tmp_path: Path) -> None:
    folder = checkout(tmp_path, RUNNING, ALL_STAMPS)

    empty = serve_line(plan(folder, "serve", "FIXTURES="))
    blank = serve_line(plan(folder, "serve", "FIXTURES= "))
    chosen = serve_line(plan(folder, "serve", "FIXTURES=errors docs"))

    assert empty.endswith("serve --host 127.0.0.1 --port 8000"), empty
    assert blank.endswith("serve --host 127.0.0.1 --port 8000"), blank
    assert chosen.endswith("--port 8000 --fixtures errors docs"), chosen


def test_serve_takes_its_port_from_the_environment_as_the_cli_does(tmp_path: Path) -> None:
    folder = checkout(tmp_path, RUNNING, ALL_STAMPS)

    from_env = serve_line(plan(folder, "serve", env={"MESHAPI_MOCK_PORT": "9001"}))
    flag_wins = serve_line(plan(folder, "serve", "PORT=9002", env={"MESHAPI_MOCK_PORT": "9001"}))
    default = serve_line(plan(folder, "serve"))

    assert "--port 9001 --fixtures default" in from_env
    assert "--port 9002 " in flag_wins
    assert "--port 8000 " in default
