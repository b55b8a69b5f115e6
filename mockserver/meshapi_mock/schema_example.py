"""Build a JSON value that satisfies a JSON Schema, deterministically.

Covers what tool definitions use in practice: objects with required properties,
the primitive types with their bounds, enums, consts, arrays, `anyOf`/`oneOf`/`allOf`
and local `$ref`s. `hint` seeds string values (e.g. a city named in the prompt).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

_FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
}


def example(schema: Any, hint: str = "example", *, root: Any = None, depth: int = 0) -> Any:
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 16:
        return {}
    if "$ref" in schema:
        return example(_resolve(root, schema["$ref"]), hint, root=root, depth=depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        options = [s for s in schema.get(key, ()) if isinstance(s, dict)]
        non_null = [s for s in options if s.get("type") != "null"]
        if options:
            return example((non_null or options)[0], hint, root=root, depth=depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part = _resolve(root, part["$ref"]) if "$ref" in part else part
            _merge(merged, part)
        return example(merged, hint, root=root, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    return _BUILDERS.get(kind, _string)(schema, hint, root, depth)


def _object(schema: dict[str, Any], hint: str, root: Any, depth: int) -> Any:
    properties = schema.get("properties") or {}
    required = [name for name in schema.get("required") or () if isinstance(name, str)]
    return {
        name: example(properties.get(name, {}), _hint_for(name, hint), root=root, depth=depth + 1)
        for name in required
    }


def _array(schema: dict[str, Any], hint: str, root: Any, depth: int) -> Any:
    count = max(int(schema.get("minItems", 1)), 1)
    if "maxItems" in schema:
        count = min(count, int(schema["maxItems"]))
    items = schema.get("items", {})
    return [example(items, hint, root=root, depth=depth + 1) for _ in range(count)]


def _string(schema: dict[str, Any], hint: str, root: Any, depth: int) -> Any:
    value = _FORMATS.get(schema.get("format", ""), hint)
    min_length = int(schema.get("minLength", 0))
    if len(value) < min_length:
        value = value + "x" * (min_length - len(value))
    if "maxLength" in schema:
        value = value[: int(schema["maxLength"])]
    return value


def _number(schema: dict[str, Any], hint: str, root: Any, depth: int) -> Any:
    integer = schema.get("type") == "integer" or (
        isinstance(schema.get("type"), list) and "integer" in schema["type"]
    )
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value: float = 1 if low is None else low
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        value = schema["exclusiveMinimum"] + (1 if integer else 0.5)
    if high is not None and value > high:
        value = high
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - (1 if integer else 0.5)
    step = schema.get("multipleOf")
    if step:
        value = math.ceil(value / step) * step
    return math.ceil(value) if integer else value


Builder = Callable[[dict[str, Any], str, Any, int], Any]

_BUILDERS: dict[str, Builder] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": lambda schema, hint, root, depth: True,
    "null": lambda schema, hint, root, depth: None,
}


def _hint_for(name: str, hint: str) -> str:
    return hint if hint != "example" else name


def _resolve(root: Any, ref: str) -> Any:
    if not ref.startswith("#/"):
        return {}
    node = root
    for part in ref[2:].split("/"):
        if not isinstance(node, dict):
            return {}
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
    return node


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if key == "properties":
            into.setdefault("properties", {}).update(value)
        elif key == "required":
            into.setdefault("required", []).extend(value)
        else:
            into.setdefault(key, value)
