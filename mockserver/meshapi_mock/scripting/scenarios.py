"""Scenario files (YAML or JSON): loading and validation with errors that point home.

A file holds `{name?, description?, rules: [...]}` or just the list of rules. Every
problem is reported as `<file>: rules[<i>] (<rule name>).<field>: <what is wrong>`.

Files are validated by the registry's rule models, so this loader sits above the
registry (and the state, which loads the boot scenarios, above it).
"""

from __future__ import annotations

import difflib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..catalogue import CatalogueError, Model, model_from
from ..registry import BY_NAME, scenario_file_model
from .spec import RuleSpec

SUFFIXES = (".yaml", ".yml", ".json")
MAX_NESTING = 200
"""Lists and mappings inside each other, at most: as deep as the admin API's JSON parser
goes, so a rule nests alike from a file and from the wire (and no parser or validator
runs out of stack on a hostile file)."""
# A mapping with these is one rule, not a file.
_RULE_KEYS = {"match", "reply", "timing", "fault", "times", "endpoint"}


@dataclass(frozen=True)
class ScenarioProblem:
    file: str
    where: str
    message: str
    location: bool = False
    """The location itself is the problem (it names nothing to load), not what it holds:
    on a command line, the mistake is the argument's."""

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
    if nested_too_deeply(document):
        raise _too_deep(source)
    try:
        rules: list[RuleSpec] = scenario_file_model().model_validate(document).rules
    except ValidationError as exc:
        raise ScenarioError(_problems(source, document, exc)) from None
    return rules


def _too_deep(source: str) -> ScenarioError:
    message = f"nested too deeply (more than {MAX_NESTING} lists and mappings inside each other)"
    return ScenarioError([ScenarioProblem(source, "", message)])


def nested_too_deeply(document: Any, limit: int = MAX_NESTING) -> bool:
    """Whether lists and mappings nest more than `limit` deep (a cycle, which YAML anchors
    can make, is infinitely deep). Without recursion, and each shared node (a YAML alias)
    is walked once, so an alias bomb costs no more than its distinct nodes."""
    if _children(document) is None:
        return False
    heights: dict[int, int] = {}  # id of a node walked in full -> its height
    path: list[tuple[Any, Iterator[Any], int]] = [(document, iter(_children(document) or ()), 0)]
    on_path = {id(document)}
    while path:
        node, children, tallest = path[-1]
        child = next(children, _END)
        if child is _END:
            path.pop()
            on_path.discard(id(node))
            heights[id(node)] = height = tallest + 1
            if path:
                parent, siblings, best = path[-1]
                path[-1] = (parent, siblings, max(best, height))
            continue
        grandchildren = _children(child)
        if grandchildren is None:
            continue
        if id(child) in on_path:
            return True
        known = heights.get(id(child))
        if known is not None:
            if len(path) + known > limit:
                return True
            path[-1] = (node, children, max(tallest, known))
            continue
        if len(path) + 1 > limit:
            return True
        path.append((child, iter(grandchildren), 0))
        on_path.add(id(child))
    return False


_END = object()


def _children(node: Any) -> Iterable[Any] | None:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list | tuple):
        return node
    return None


def _problems(source: str, document: dict[str, Any], exc: ValidationError) -> list[ScenarioProblem]:
    rules = document.get("rules")
    problems = []
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


@dataclass(frozen=True)
class ScenarioFile:
    """One scenario file, read once: its rules and the catalogue models it lists."""

    path: str
    rules: list[RuleSpec]
    models: list[Model]


def load_file(path: Path) -> ScenarioFile:
    try:
        document = read_document(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([ScenarioProblem(str(path), "", f"cannot read: {exc}")]) from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(
            [ScenarioProblem(str(path), "", f"not valid {path.suffix[1:].upper()}: {exc}")]
        ) from None
    except RecursionError:  # the parsers recurse per level: deeper than the stack
        raise _too_deep(str(path)) from None
    rules = parse_rules(document, str(path))
    return ScenarioFile(str(path), rules, _models_of(document, str(path)))


def _models_of(document: Any, source: str) -> list[Model]:
    """The file's `models:` entries (their shape was checked with the rules)."""
    entries = document.get("models") if isinstance(document, dict) else None
    models: list[Model] = []
    problems: list[ScenarioProblem] = []
    for index, entry in enumerate(entries or ()):
        try:
            models.append(model_from(entry))
        except CatalogueError as exc:
            problems.append(ScenarioProblem(source, f"models[{index}]", str(exc)))
    if problems:
        raise ScenarioError(problems)
    return models


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
        files = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        if not files:
            raise ScenarioError(
                [
                    ScenarioProblem(
                        location,
                        "",
                        f"no scenario files ({', '.join(SUFFIXES)}) in this folder",
                        location=True,
                    )
                ]
            )
        return files
    if path.exists():  # a device, a pipe, a socket: nothing a scenario is read from
        raise ScenarioError(
            [ScenarioProblem(location, "", "not a regular file or folder", location=True)]
        )
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
    return ScenarioError([ScenarioProblem(location, "", message, location=True)])


def distinct_files(locations: Iterable[str]) -> tuple[list[Path], list[ScenarioProblem]]:
    """Each distinct scenario file the locations name, once, and the locations that name none.

    The same file reached twice (`docs docs`, or `default` and `docs`) counts once, so
    nothing in it is loaded twice by accident.
    """
    files: list[Path] = []
    seen: set[Path] = set()
    problems: list[ScenarioProblem] = []
    for location in locations:
        try:
            paths = expand(location)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        for path in paths:
            if (key := path.resolve()) not in seen:
                seen.add(key)
                files.append(path)
    return files, problems


def load_files(locations: Iterable[str]) -> list[ScenarioFile]:
    """Each distinct file once, with its rules and models; all problems before failing."""
    paths, problems = distinct_files(locations)
    loaded: list[ScenarioFile] = []
    for path in paths:
        try:
            loaded.append(load_file(path))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return loaded


def rules_of(files: Iterable[ScenarioFile]) -> list[tuple[str, RuleSpec]]:
    """Every rule of the files, each tagged with its file."""
    return [(file.path, spec) for file in files for spec in file.rules]


def load_all(locations: Iterable[str]) -> list[tuple[str, RuleSpec]]:
    """Every rule of every location, each tagged with its file."""
    return rules_of(load_files(locations))


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file, for editors; validation itself uses the same models."""
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
