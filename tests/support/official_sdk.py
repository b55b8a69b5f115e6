"""The official `meshapi` SDK from the package index, in a cached environment of its own.

It has the same import name as the bundled SDK, so it never enters the test environment:
it lives in its own virtual environment (created once, reused while valid) and test code
drives it in a subprocess started isolated (`-I`: no PYTHONPATH, no user site, no cwd),
so neither package can shadow the other.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import textwrap
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

VERSION = "0.1.11"
REQUIREMENT = f"meshapi=={VERSION}"


def cache_root() -> Path:
    explicit = os.environ.get("MESHAPI_MOCK_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meshapi-mock"


def _python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer at a time (xdist workers share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def official_python() -> Path:
    """The interpreter of the cached environment holding `meshapi==0.1.11`, made on first use."""
    env_dir = (
        cache_root() / f"official-meshapi-{VERSION}-py{sys.version_info[0]}{sys.version_info[1]}"
    )
    marker = env_dir / ".installed"
    with _locked(cache_root() / ".official.lock"):
        if marker.exists() and _python(env_dir).exists():
            return _python(env_dir)
        venv.EnvBuilder(clear=True, with_pip=True).create(env_dir)
        install = subprocess.run(
            [
                str(_python(env_dir)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                REQUIREMENT,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if install.returncode != 0:
            raise RuntimeError(
                f"could not install {REQUIREMENT} from the package index into {env_dir}:\n"
                f"{install.stdout}\n{install.stderr}"
            )
        check = run_script(_python(env_dir), "import meshapi; emit(meshapi.__version__)")
        if check != VERSION:
            raise RuntimeError(f"{env_dir} holds meshapi {check!r}, not {VERSION}")
        marker.write_text(VERSION)
    return _python(env_dir)


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
    source = _PRELUDE + assignments + textwrap.dedent(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MESHAPI_"))}
    done = subprocess.run(
        [str(python), "-I", "-c", source],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if done.returncode != 0 or "@@result@@" not in done.stdout:
        raise AssertionError(
            f"official SDK script failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return json.loads(done.stdout.rsplit("@@result@@", 1)[1])
