"""What `meshapi-mock scenarios` shows: every bundled name, its rule count and what it is for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshapi_fixtures import ALIASES, locate, names

from .scripting.scenarios import expand, load_file, read_document


@dataclass(frozen=True)
class BundledScenario:
    name: str
    rules: int
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "rules": self.rules, "summary": self.summary}


def bundled_scenarios() -> list[BundledScenario]:
    return [_describe(name) for name in names()]


def _describe(name: str) -> BundledScenario:
    files = [file for path in locate(name) for file in expand(str(path))]
    rules = sum(len(load_file(file).rules) for file in files)
    if name in ALIASES:
        summary = "alias for " + " + ".join(ALIASES[name])
    elif len(files) == 1 and not Path(locate(name)[0]).is_dir():
        summary = _summary(files[0])
    else:
        summary = "folder: " + ", ".join(sorted(f.stem for f in files))
    return BundledScenario(name, rules, summary)


def _summary(path: Path) -> str:
    """The file's `description`, else its first comment line (files open with one)."""
    document = read_document(path)
    if isinstance(document, dict) and isinstance(document.get("description"), str):
        return str(document["description"]).strip().splitlines()[0]
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.lstrip("#").strip()
        if line.startswith("#") and text and not text.startswith("yaml-language-server"):
            return text
    return ""
