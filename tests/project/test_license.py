"""The license the package claims is the one it ships: `LICENSE` is the MIT text,
pyproject's `license` says MIT, and the distribution built from pyproject (the installed
one: `pip install -e .` builds it) declares the same license and names the same files."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "meshapi-mock"
HATCHLING_LICENSE_FILES = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")
"""The files hatchling ships as license files when pyproject names none."""

MIT_BODY = """
Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
"""
"""The MIT License's text after its copyright line (SPDX `MIT`), however it is wrapped."""


def words(text: str) -> list[str]:
    return text.split()


def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        table: dict[str, Any] = tomllib.load(file)["project"]
    return table


def declared_license() -> str:
    """pyproject's `license`: an SPDX expression, or the older `{text = ...}` table."""
    value = project()["license"]
    return value if isinstance(value, str) else value["text"]


def license_files() -> list[str]:
    """The files pyproject names as license files, or hatchling's defaults if it names none."""
    patterns = project().get("license-files", HATCHLING_LICENSE_FILES)
    if isinstance(patterns, dict):  # hatchling's older `{paths = [...]}` / `{globs = [...]}`
        patterns = [*patterns.get("paths", ()), *patterns.get("globs", ())]
    return sorted({p.relative_to(ROOT).as_posix() for g in patterns for p in ROOT.glob(g)})


def installed() -> metadata.Distribution:
    try:
        return metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{DISTRIBUTION} is not installed (pip install -e .)")


def test_the_license_file_is_the_mit_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    title, _, rest = text.partition("\n")
    copyright_line, _, body = rest.strip().partition("\n")

    assert title.strip() == "MIT License"
    assert copyright_line.startswith("Copyright (c) ") and len(copyright_line) > 20
    assert words(body) == words(MIT_BODY)


def test_pyproject_declares_the_license_the_file_holds() -> None:
    assert declared_license() == "MIT"
    assert "LICENSE" in license_files()


def test_the_built_distribution_declares_and_ships_the_license() -> None:
    dist = installed()
    fields = dist.metadata

    shown = fields["License-Expression" if "License-Expression" in fields else "License"]
    assert shown == declared_license()
    assert sorted(fields.get_all("License-File") or []) == license_files()
    shipped = dist.read_text("licenses/LICENSE") or dist.read_text("LICENSE")
    assert shipped is not None, "the distribution's metadata folder holds no LICENSE"
    assert shipped == (ROOT / "LICENSE").read_text(encoding="utf-8")
