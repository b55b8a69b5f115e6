"""The official `meshapi` SDK from the package index, in a cached environment of its own.

It has the same import name as the bundled SDK, so it never enters the test environment:
it lives in its own virtual environment under the user cache (built once, rebuilt when
incomplete) and test code drives it in a subprocess started isolated (`-I`, and no
PYTHONPATH & co in the environment), so neither package can shadow the other. An
unreachable package index fails the test that needs it, saying so; it never skips.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

VERSION = "0.1.11"
EXTRAS = "realtime"
OFFICIAL = f"meshapi[{EXTRAS}]=={VERSION}"
"""With its `realtime` extra (`websockets`), so `client.realtime.connect` works. The cache key
(`cache_dir`) and the venv's `complete` marker both name the extra: a cache built for plain
`meshapi==0.1.11` is never taken for this one (and is left alone for checkouts that use it)."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meshapi-mock" / f"official-meshapi-{VERSION}-{EXTRAS}"


def clean_env() -> dict[str, str]:
    """No PYTHONPATH & co: the bundled SDK must not shadow the official one in the venv."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")
    return {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith("MESHAPI_")
    }


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One process at a time builds the venv (pytest-xdist workers share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(command: list[str], what: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, capture_output=True, text=True, env=clean_env(), timeout=600, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-3000:]
        pytest.fail(
            f"could not {what} (is the package index reachable? this test needs it to install "
            f"{OFFICIAL}):\n$ {' '.join(command)}\n{output}",
            pytrace=False,
        )
    return result


def build_venv(root: Path) -> Path:
    python = root / "bin" / "python"
    run([sys.executable, "-m", "venv", "--clear", str(root)], "create a virtual environment")
    run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-input", OFFICIAL],
        f"install {OFFICIAL} from the package index",
    )
    (root / "complete").write_text(OFFICIAL + "\n")
    return python


def official_python(rebuild: bool = False) -> Path:
    """The cached venv's python; built when missing or incomplete (e.g. an interrupted run)."""
    root = cache_dir()
    with locked(root.with_name(root.name + ".lock")):
        marker = root / "complete"
        python = root / "bin" / "python"
        fresh = marker.is_file() and marker.read_text().strip() == OFFICIAL and python.exists()
        if fresh and not rebuild:
            return python
        return build_venv(root)


_PRELUDE = """
import json, sys
def emit(value):
    sys.stdout.write("\\n@@result@@" + json.dumps(value, default=str) + "\\n")
"""


def run_script(python: Path, code: str, **variables: Any) -> Any:
    """Run `code` with `python -I`; it calls `emit(value)` once. Variables arrive as globals."""
    assignments = "".join(
        f"{name} = json.loads({json.dumps(json.dumps(value))})\n"
        for name, value in variables.items()
    )
    done = subprocess.run(
        [str(python), "-I", "-c", _PRELUDE + assignments + code],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    if done.returncode != 0 or "@@result@@" not in done.stdout:
        raise AssertionError(
            f"official SDK script failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return json.loads(done.stdout.rsplit("@@result@@", 1)[1])
