"""Build a JSON value that satisfies a JSON Schema, deterministically.

Covers what tool definitions use in practice: objects with required properties,
the primitive types with their bounds, enums, consts, arrays, `anyOf`/`oneOf`/`allOf`
(merged with the keywords beside them) and local `$ref`s. `hint` seeds string values
(e.g. a city named in the prompt).

The schema comes from the request, so the value is bounded whatever it asks for: no
array longer than `MAX_ITEMS`, no string longer than `MAX_LENGTH`, and at most
`MAX_NODES` values and `MAX_CHARS` characters of padding in all (nested `minItems`
would otherwise multiply). Past a bound
the value stops satisfying the schema rather than the fake running out of memory.
A schema too broken to follow (a bound that is not a number, or out of range) raises
`TypeError` or `ValueError`; callers fall back to an empty object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

MAX_ITEMS = 100
MAX_LENGTH = 10_000
MAX_CHARS = 100_000
MAX_NODES = 10_000
MAX_DEPTH = 16

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

_COMBINATORS = ("$ref", "allOf", "anyOf", "oneOf")


def example(schema: Any, hint: str = "example", *, root: Any = None, depth: int = 0) -> Any:
    try:
        return _Builder(schema if root is None else root).build(schema, hint, depth)
    except OverflowError as exc:  # a bound of 1e400 reads as infinity
        raise ValueError(f"a bound is out of range: {exc}") from None


class _Builder:
    """One example: the document `$ref`s resolve against and the size budget left."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.nodes = MAX_NODES
        self.chars = MAX_CHARS

    def build(self, schema: Any, hint: str, depth: int) -> Any:
        self.nodes -= 1
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return {}
        schema = self.flatten(schema, depth)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        if "default" in schema:
            return schema["default"]
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        return _BUILDERS.get(kind, _string)(self, schema, hint, depth)

    def flatten(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """One schema: `$ref`, `allOf` and the first usable `anyOf`/`oneOf` branch merged
        into the keywords beside them (`{"type": "object", "allOf": [...]}` keeps its type)."""
        merged = {k: v for k, v in schema.items() if k not in _COMBINATORS}
        self.nodes -= 1  # `allOf: [{$ref: A}, {$ref: A}]` in A would branch without end
        if depth > MAX_DEPTH or self.nodes <= 0:
            return merged
        parts: list[Any] = []
        if isinstance(schema.get("$ref"), str):
            parts.append(_resolve(self.root, schema["$ref"]))
        if isinstance(schema.get("allOf"), list):
            parts.extend(schema["allOf"])
        for key in ("anyOf", "oneOf"):
            options = [s for s in schema.get(key) or () if isinstance(s, dict)]
            if options:
                non_null = [s for s in options if s.get("type") != "null"]
                parts.append((non_null or options)[0])
        for part in parts:
            if isinstance(part, dict):
                _merge(merged, self.flatten(part, depth + 1))
        return merged

    def count(self, wanted: int) -> int:
        """How many array items the budget still allows."""
        allowed = max(min(wanted, MAX_ITEMS, self.nodes), 0)
        self.nodes -= allowed
        return allowed


def _object(b: _Builder, schema: dict[str, Any], hint: str, depth: int) -> Any:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = schema.get("required")
    names = [n for n in required if isinstance(n, str)] if isinstance(required, list) else []
    return {
        name: b.build(properties.get(name, {}), _hint_for(name, hint), depth + 1)
        for name in dict.fromkeys(names)
    }


def _array(b: _Builder, schema: dict[str, Any], hint: str, depth: int) -> Any:
    count = max(int(schema.get("minItems", 1)), 1)
    if "maxItems" in schema:
        count = min(count, int(schema["maxItems"]))
    items = schema.get("items", {})
    return [b.build(items, hint, depth + 1) for _ in range(b.count(count))]


def _string(b: _Builder, schema: dict[str, Any], hint: str, depth: int) -> Any:
    value = _FORMATS.get(str(schema.get("format", "")), hint)
    padding = min(int(schema.get("minLength", 0)), MAX_LENGTH) - len(value)
    if padding > 0:
        padding = min(padding, b.chars)
        b.chars -= padding
        value = value + "x" * padding
    if "maxLength" in schema:
        value = value[: max(int(schema["maxLength"]), 0)]
    return value


def _number(b: _Builder, schema: dict[str, Any], hint: str, depth: int) -> Any:
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


Builder = Callable[[_Builder, dict[str, Any], str, int], Any]

_BUILDERS: dict[str, Builder] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": lambda b, schema, hint, depth: True,
    "null": lambda b, schema, hint, depth: None,
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
        if key == "properties" and isinstance(value, dict):
            properties = into.get("properties")
            into["properties"] = {**value, **properties} if isinstance(properties, dict) else value
        elif key == "required" and isinstance(value, list):
            required = into.get("required")
            into["required"] = [*required, *value] if isinstance(required, list) else value
        else:
            into.setdefault(key, value)
