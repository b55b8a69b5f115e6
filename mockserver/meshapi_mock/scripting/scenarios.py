"""Scenario files (YAML or JSON): loading and validation with errors that point home.

A file holds `{name?, description?, rules: [...]}` or just the list of rules. Every
problem is reported as `<file>: rules[<i>] (<rule name>).<field>: <what is wrong>`.
"""

from __future__ import annotations

import difflib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .spec import RuleSpec

SUFFIXES = (".yaml", ".yml", ".json")
_RULE_KEYS = {"match", "reply", "times", "endpoint"}  # a mapping with these is one rule, not a file


@dataclass(frozen=True)
class ScenarioProblem:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.where}: {self.message}"
            if self.where
            else (f"{self.file}: {self.message}")
        )


class ScenarioError(ValueError):
    """One or more scenario files are invalid; `problems` lists each one."""

    def __init__(self, problems: list[ScenarioProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def parse_rules(document: Any, source: str = "<data>") -> list[RuleSpec]:
    """Validate an already-decoded scenario document (also the admin API's body)."""
    if isinstance(document, list):
        document = {"rules": document}
    elif isinstance(document, dict) and "rules" not in document and _RULE_KEYS & set(document):
        document = {"rules": [document]}
    if not isinstance(document, dict):
        raise ScenarioError(
            [ScenarioProblem(source, "", "expected a mapping with 'rules' or a list of rules")]
        )
    from ..registry import scenario_file_model

    try:
        rules: list[RuleSpec] = scenario_file_model().model_validate(document).rules
    except ValidationError as exc:
        raise ScenarioError(_problems(source, document, exc)) from None
    return rules


def _problems(source: str, document: dict[str, Any], exc: ValidationError) -> list[ScenarioProblem]:
    rules = document.get("rules")
    problems = []
    from ..registry import BY_NAME

    for error in exc.errors():
        loc = list(error["loc"])
        if len(loc) >= 3 and loc[0] == "rules" and loc[2] in BY_NAME:
            del loc[2]  # the union's tag: the rule's `endpoint` says it already
        where = _format_loc(loc)
        if (
            len(loc) >= 2
            and loc[0] == "rules"
            and isinstance(loc[1], int)
            and isinstance(rules, list)
        ):
            entry = rules[loc[1]] if loc[1] < len(rules) else None
            if isinstance(entry, dict) and entry.get("name"):
                where = where.replace(f"rules[{loc[1]}]", f"rules[{loc[1]}] ({entry['name']})", 1)
        message = error["msg"].removeprefix("Value error, ")
        problems.append(ScenarioProblem(source, where, message))
    return problems


def _format_loc(loc: list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read_document(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def load_file(path: Path) -> list[RuleSpec]:
    try:
        document = read_document(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([ScenarioProblem(str(path), "", f"cannot read: {exc}")]) from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(
            [ScenarioProblem(str(path), "", f"not valid {path.suffix[1:].upper()}: {exc}")]
        ) from None
    return parse_rules(document, str(path))


BUNDLED_PREFIX = "bundled:"
"""`bundled:docs` always names the bundled set, even where a local `docs` folder exists."""

log = logging.getLogger("meshapi_mock")


def expand(location: str) -> list[Path]:
    """A file, a folder of scenario files, or the name of a bundled scenario set."""
    from meshapi_fixtures import locate, names  # bundled names, e.g. "default"

    if location.startswith(BUNDLED_PREFIX):
        bundled = location.removeprefix(BUNDLED_PREFIX)
        found = locate(bundled)
        if not found:
            raise _no_such(location, bundled, names())
        return [file for path in found for file in expand(str(path))]
    path = Path(location)
    if path.is_dir() or path.is_file():
        if locate(location):
            log.warning(
                "%r is the local %s %s, not the bundled scenario set of that name; "
                "say %r for the bundled one",
                location,
                "folder" if path.is_dir() else "file",
                path.resolve(),
                BUNDLED_PREFIX + location,
            )
        if path.is_file():
            return [path]
        return sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    found = locate(location)
    if not found:
        raise _no_such(location, location, names())
    return [file for path in found for file in expand(str(path))]


def _no_such(location: str, name: str, bundled: list[str]) -> ScenarioError:
    message = "no such file, folder or bundled scenario"
    close = difflib.get_close_matches(name, bundled, n=3, cutoff=0.6)
    if close:
        message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    else:
        message += " (`meshapi-mock scenarios` lists the bundled ones)"
    return ScenarioError([ScenarioProblem(location, "", message)])


def load_files(locations: Iterable[str]) -> list[tuple[str, list[RuleSpec]]]:
    """Each distinct file once, with its rules (possibly none); all problems before failing.

    The same file reached twice (`docs docs`, or `default` and `docs`) loads once, so
    no rule is scripted twice by accident.
    """
    loaded: list[tuple[str, list[RuleSpec]]] = []
    seen: set[Path] = set()
    problems: list[ScenarioProblem] = []
    for location in locations:
        try:
            paths = expand(location)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        for path in paths:
            if (key := path.resolve()) in seen:
                continue
            seen.add(key)
            try:
                loaded.append((str(path), load_file(path)))
            except ScenarioError as exc:
                problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return loaded


def load_all(locations: Iterable[str]) -> list[tuple[str, RuleSpec]]:
    """Every rule of every location, each tagged with its file."""
    return [(path, spec) for path, specs in load_files(locations) for spec in specs]


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file, for editors; validation itself uses the same models."""
    from ..registry import scenario_file_model

    schema = scenario_file_model().model_json_schema(by_alias=True)
    defs = schema.pop("$defs", {})
    defs["ScenarioFile"] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "meshapi-mock scenario file",
        "description": "Rules for the fake MeshAPI server: endpoint + match + reply + times.",
        "anyOf": [
            {"$ref": "#/$defs/ScenarioFile"},
            {"type": "array", "items": schema["properties"]["rules"]["items"]},
        ],
        "$defs": defs,
    }
