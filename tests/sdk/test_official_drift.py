"""Drift against the official SDK: code written for ``meshapi`` 0.1.11 must run on ours.

The official package is installed from the package index into its own cached virtual
environment (never into this one, where it would shadow the bundled SDK), described there by
``api_surface.py`` in a subprocess, and compared with the bundled SDK described in-process.

Compatible means: every official name exists; every official call still works (same parameter
names, positional order and kinds, no new required parameters, same defaults, same
value/coroutine/iterator shape); every official model field exists with a type that accepts
at least what the official one accepts, the same default and no new constraints; ``extra``
is as strict or looser (and ``forbid``/``allow`` stay so); sample objects have the official
attributes with the same types. The few deliberate differences are listed in ``ALLOWED``,
each with its reason; an entry that no longer differs fails the test, so the list stays true.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support.official_sdk import OFFICIAL, cache_dir, clean_env, official_python, run

HERE = Path(__file__).resolve().parent
SURFACE_SCRIPT = HERE / "api_surface.py"

# (where, what) -> why it is fine. Anything else that differs is drift.
ALLOWED: dict[tuple[str, str], str] = {
    **{
        (f"{client}.__init__", f"default of {param}"): (
            "None stands for the official default (60 s, 3 retries) and behaves the same; it "
            "also lets a caller's own httpx client keep its timeout, as the official one does"
        )
        for client in ("MeshAPI", "AsyncMeshAPI")
        for param in ("timeout", "max_retries")
    },
    **{
        (model, "extra"): (
            "chat building blocks refuse unknown fields (pinned by test_sdk_types); the "
            "official SDK silently drops them from the request"
        )
        for model in (
            "AudioOutputOptions",
            "ChatMessage",
            "ContentPartAudio",
            "ContentPartImage",
            "ContentPartText",
            "ContentPartVideo",
            "ImageDetail",
            "ImageOptions",
            "InputAudio",
            "Tool",
            "ToolChoiceFunction",
            "ToolChoiceObject",
            "ToolFunction",
            "VideoUrl",
        )
    },
    ("ChatCompletionChoice.message", "type"): (
        "null is accepted (a before-validator) and reads as an empty assistant message, so "
        "the attribute is never None"
    ),
    ("ChatCompletionChoice.message", "default"): "an empty assistant message instead of None",
}


# --------------------------------------------------------------------------- the official side


def dump_official(python: Path) -> dict[str, Any] | None:
    result = subprocess.run(
        [str(python), "-I", str(SURFACE_SCRIPT)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        return None
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def official() -> dict[str, Any]:
    python = official_python()
    data = dump_official(python)
    if data is None or data["version"] != "0.1.11":  # a damaged cache: build it again, once
        python = official_python(rebuild=True)
        data = dump_official(python)
    assert data is not None, "the official SDK could not be described"
    assert data["version"] == "0.1.11"
    assert Path(data["file"]).resolve().is_relative_to(cache_dir().resolve()), data["file"]
    return data


# --------------------------------------------------------------------------- our side


def load_surface_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("meshapi_api_surface", SURFACE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def our_names() -> dict[type, list[str]]:
    """Every name a class is exported under (our models have official aliases)."""
    import meshapi
    import meshapi._types

    names: dict[type, set[str]] = {}
    for module in (meshapi, meshapi._types):
        for name in dir(module):
            value = getattr(module, name)
            if isinstance(value, type):
                names.setdefault(value, {value.__name__}).add(name)
    return {cls: sorted(found) for cls, found in names.items()}


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    import meshapi

    assert Path(meshapi.__file__).resolve().is_relative_to(HERE.parent.parent / "sdk")
    names = our_names()
    data: dict[str, Any] = load_surface_module().surface(lambda cls: names.get(cls, [cls.__name__]))
    return data


# --------------------------------------------------------------------------- comparing


def accepts(ours: Any, theirs: Any) -> bool:
    """Does a field typed ``ours`` accept every value a field typed ``theirs`` accepts?"""
    if ours == "Any":
        return True
    if isinstance(theirs, dict) and "union" in theirs:
        return all(accepts(ours, member) for member in theirs["union"])
    if isinstance(ours, dict) and "union" in ours:
        return any(accepts(member, theirs) for member in ours["union"])
    if theirs == "Any":
        return False
    if isinstance(theirs, str):
        return ours == theirs or (theirs == "int" and ours == "float")
    if "literal" in theirs:
        if isinstance(ours, dict) and "literal" in ours:
            return set(map(json.dumps, theirs["literal"])) <= set(map(json.dumps, ours["literal"]))
        kinds = {type(value).__name__ for value in theirs["literal"]}
        return kinds == {ours}
    if not isinstance(ours, dict):
        return False
    if "model" in theirs:
        return "model" in ours and theirs["model"][0] in ours["model"]
    if "list" in theirs:
        return "list" in ours and accepts(ours["list"], theirs["list"])
    if "dict" in theirs:
        return "dict" in ours and all(map(accepts, ours["dict"], theirs["dict"]))
    return bool(ours == theirs)


class Drift:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.allowed_seen: set[tuple[str, str]] = set()

    def report(self, where: str, what: str, detail: str) -> None:
        if (where, what) in ALLOWED:
            self.allowed_seen.add((where, what))
        else:
            self.problems.append(f"{where}: {what}: {detail}")


def compare_callable(
    drift: Drift, where: str, ours: dict[str, Any], theirs: dict[str, Any]
) -> None:
    if ours["returns"] != theirs["returns"]:
        drift.report(where, "call shape", f"{ours['returns']} instead of {theirs['returns']}")
    our_params = {param["name"]: param for param in ours["params"]}
    our_positional = [p["name"] for p in ours["params"] if p["kind"] == "POSITIONAL_OR_KEYWORD"]
    their_positional = [p["name"] for p in theirs["params"] if p["kind"] == "POSITIONAL_OR_KEYWORD"]
    if our_positional[: len(their_positional)] != their_positional:
        drift.report(where, "positional parameters", f"{our_positional} vs {their_positional}")
    their_names = {param["name"] for param in theirs["params"]}
    for param in theirs["params"]:
        name, kind = param["name"], param["kind"]
        if kind.startswith("VAR_"):
            if not any(p["kind"] == kind for p in ours["params"]):
                drift.report(where, f"*{name}", f"no {kind} parameter")
            continue
        mine = our_params.get(name)
        if mine is None:
            drift.report(where, f"parameter {name}", "missing")
            continue
        if kind == "KEYWORD_ONLY" and mine["kind"] not in ("KEYWORD_ONLY", "POSITIONAL_OR_KEYWORD"):
            drift.report(where, f"kind of {name}", f"{mine['kind']} instead of {kind}")
        if "default" in param and mine.get("default", object()) != param["default"]:
            drift.report(
                where,
                f"default of {name}",
                f"{mine.get('default', 'required')!r} instead of {param['default']!r}",
            )
    for param in ours["params"]:
        required = "default" not in param and not param["kind"].startswith("VAR_")
        if param["name"] not in their_names and required:
            drift.report(where, f"parameter {param['name']}", "new and required")


def compare_methods(drift: Drift, where: str, ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    for name, spec in theirs.items():
        if name not in ours:
            drift.report(f"{where}.{name}", "method", "missing")
        else:
            compare_callable(drift, f"{where}.{name}", ours[name], spec)


STRICTNESS = {"allow": 0, "ignore": 1, "forbid": 2}


def compare_model(drift: Drift, where: str, ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    our_extra, their_extra = ours["extra"], theirs["extra"]
    too_strict = STRICTNESS[our_extra] > STRICTNESS[their_extra]
    if too_strict or (their_extra in ("forbid", "allow") and our_extra != their_extra):
        drift.report(where, "extra", f"{our_extra} instead of {their_extra}")
    for name, field in theirs["fields"].items():
        at = f"{where}.{name}"
        mine = ours["fields"].get(name)
        if mine is None:
            drift.report(at, "field", "missing")
            continue
        if not accepts(mine["type"], field["type"]):
            drift.report(at, "type", f"{mine['type']} does not accept {field['type']}")
        if "default" in field and mine.get("default", object()) != field["default"]:
            drift.report(at, "default", f"{mine.get('default', 'required')!r}")
        if not set(mine["constraints"]) <= set(field["constraints"]):
            drift.report(at, "constraints", f"{mine['constraints']} vs {field['constraints']}")
    for name, field in ours["fields"].items():
        if name not in theirs["fields"] and "default" not in field:
            drift.report(f"{where}.{name}", "field", "new and required")
    compare_methods(drift, where, ours["methods"], theirs["methods"])


def compare_object(drift: Drift, where: str, ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    if ours["kind"] != theirs["kind"]:
        drift.report(where, "kind", f"{ours['kind']} instead of {theirs['kind']}")
    elif theirs["kind"] == "model":
        compare_model(drift, where, ours, theirs)
    elif theirs["kind"] == "class":
        compare_methods(drift, where, ours["methods"], theirs["methods"])
        if theirs.get("fields") != ours.get("fields"):
            drift.report(where, "dataclass fields", f"{ours.get('fields')}")
    elif theirs["kind"] == "alias":
        if not accepts(ours["type"], theirs["type"]):
            drift.report(where, "alias", f"{ours['type']} does not accept {theirs['type']}")
    elif ours != theirs:
        drift.report(where, "value", f"{ours} instead of {theirs}")


def drift_between(ours: dict[str, Any], theirs: dict[str, Any]) -> Drift:
    drift = Drift()
    for name in sorted(set(theirs["all"]) - set(ours["all"])):
        drift.report("meshapi.__all__", name, "missing")
    for section, module in (("toplevel", "meshapi"), ("types", "meshapi._types")):
        for name, spec in theirs[section].items():
            if name not in ours[section]:
                drift.report(f"{module}.{name}", "name", "missing")
            else:
                compare_object(drift, name, ours[section][name], spec)
    for path, node in theirs["tree"].items():
        if path not in ours["tree"]:
            drift.report(path, "resource", "missing")
        else:
            compare_methods(drift, path, ours["tree"][path]["methods"], node["methods"])
    for what, attributes in theirs["objects"].items():
        for name, type_name in attributes.items():
            mine = ours["objects"][what].get(name)
            if mine != type_name:
                drift.report(f"{what}.{name}", "attribute", f"{mine} instead of {type_name}")
    return drift


# --------------------------------------------------------------------------- the tests


def test_the_bundled_sdk_has_not_drifted_from_the_official_one(
    official: dict[str, Any], ours: dict[str, Any]
) -> None:
    drift = drift_between(ours, official)

    assert drift.problems == [], "drift from the official SDK:\n" + "\n".join(drift.problems)
    assert drift.allowed_seen == set(ALLOWED), (
        "allowed differences that no longer exist (remove them from ALLOWED): "
        f"{sorted(set(ALLOWED) - drift.allowed_seen)}"
    )


def test_the_comparison_catches_drift(official: dict[str, Any], ours: dict[str, Any]) -> None:
    """Break our surface on purpose in each way the comparison claims to catch."""
    broken = json.loads(json.dumps(ours))
    del broken["toplevel"]["ChatResource"]
    broken["all"].remove("__version__")
    models = broken["tree"]["MeshAPI().models"]["methods"]
    models["list"]["params"] = [p for p in models["list"]["params"] if p["name"] != "provider"]
    models["get"]["returns"] = "coroutine"
    params = broken["types"]["WebSearchParams"]["fields"]
    params["max_results"]["default"] = 10
    params["query"]["type"] = "int"
    del broken["types"]["ModelInfo"]["fields"]["is_free"]
    broken["types"]["ResponsesResponse"]["extra"] = "ignore"
    broken["objects"]["MeshAPIError()"]["request_id"] = "NoneType"
    init = broken["toplevel"]["MeshAPI"]["methods"]["__init__"]
    init["params"].insert(0, {"name": "region", "kind": "POSITIONAL_OR_KEYWORD"})
    update = broken["tree"]["MeshAPI().templates"]["methods"]["update"]
    update["params"].reverse()

    problems = "\n".join(drift_between(broken, official).problems)

    for expected in (
        "meshapi.ChatResource: name: missing",
        "meshapi.__all__: __version__: missing",
        "MeshAPI().models.list: parameter provider: missing",
        "MeshAPI().models.get: call shape: coroutine instead of value",
        "WebSearchParams.max_results: default: 10",
        "WebSearchParams.query: type: int does not accept str",
        "ModelInfo.is_free: field: missing",
        "ResponsesResponse: extra: ignore instead of allow",
        "MeshAPIError().request_id: attribute: NoneType instead of str",
        "MeshAPI.__init__: parameter region: new and required",
        "MeshAPI().templates.update: positional parameters",
    ):
        assert expected in problems


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        ("Any", {"model": ["X"]}, True),
        ("float", "int", True),
        ("int", "float", False),
        ({"union": ["str", "None"]}, "None", True),
        ("str", {"union": ["str", "None"]}, False),
        ("str", {"literal": ["a", "b"]}, True),
        ({"literal": ["a"]}, {"literal": ["a", "b"]}, False),
        ({"list": {"model": ["A", "B"]}}, {"list": {"model": ["B"]}}, True),
        ({"dict": ["str", "Any"]}, {"dict": ["str", "int"]}, True),
        ({"dict": ["str", "int"]}, {"dict": ["str", "Any"]}, False),
        ({"model": ["A"]}, {"dict": ["str", "Any"]}, False),
    ],
)
def test_type_acceptance_rules(ours: Any, theirs: Any, expected: bool) -> None:
    assert accepts(ours, theirs) is expected


def test_a_failed_install_fails_the_test_with_the_reason() -> None:
    """An unreachable index must fail (not skip) the drift test, saying what went wrong."""
    command = [sys.executable, "-c", "import sys; sys.stderr.write('No route to host'); exit(1)"]

    with pytest.raises(pytest.fail.Exception) as caught:
        run(command, f"install {OFFICIAL} from the package index")

    message = str(caught.value)
    assert "package index reachable" in message
    assert "No route to host" in message
