"""Whether a JSON value satisfies a JSON Schema, for the keywords `schema_example` follows.

`schema_example` makes a value valid by construction where it can. What construction
cannot promise — that a value avoids a `not`, matches exactly one `oneOf` branch, or meets
the `then`/`else` its `if` picks — it checks here afterwards, and tries another value when
the check fails. The fake has no JSON Schema validator among its dependencies, so this is
a small one: the types, `enum`/`const`, bounds in both drafts' spellings, `multipleOf`,
lengths, `pattern`, the array and object keywords, the combinators and local `$ref`s.
Keywords it does not know (`format`, say) count as satisfied. Every check shares one
budget (`MAX_CHECKS` schema nodes); once it is spent, and past `MAX_DEPTH` nested
schemas, the answer is "holds", so a schema built to be expensive costs a bounded time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

MAX_CHECKS = 20_000
MAX_DEPTH = 64

_COMBINED = ("allOf", "anyOf", "oneOf")

Matches = Callable[[Any, str], bool]
"""`matches(pattern, string)`: does the (unanchored) pattern occur in the string."""


def has_kind(value: Any, kind: Any) -> bool:
    """Whether `value` has (one of) the JSON type(s) `kind` names; True when none is named."""
    if kind is None:
        return True
    kinds = kind if isinstance(kind, list) else [kind]
    return any(_is(value, k) for k in kinds if isinstance(k, str))


def _is(value: Any, kind: str) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "integer":
        return number and (isinstance(value, int) or value.is_integer())
    checks: dict[str, bool] = {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "number": number,
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    return checks.get(kind, False)


def same(a: Any, b: Any) -> bool:
    """JSON equality, as `enum`, `const` and `uniqueItems` compare: 1 and 1.0 are one
    number, `true` is not 1 (Python says it is), and key order does not count."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def multiple_of(value: float, step: float) -> bool:
    """As JSON Schema validators check it: whole quotient, in floating point when needed."""
    if isinstance(value, int) and isinstance(step, int):
        return value % step == 0
    quotient = value / step
    try:
        return int(quotient) == quotient
    except OverflowError:
        return False


def resolve(root: Any, ref: str) -> Any:
    """The schema a local `$ref` points at (`{}`, which allows anything, when none)."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return {}
    node = root
    for part in ref[2:].split("/"):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            return {}
        node = node.get(unquote(part).replace("~1", "/").replace("~0", "~"), {})
    return node


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(schema: dict[str, Any], key: str) -> int | float | None:
    bound = schema.get(key)
    return bound if _number(bound) else None


class Checker:
    """Checks against one document (what `$ref`s resolve against), on one budget."""

    def __init__(self, root: Any, matches: Matches) -> None:
        self.root = root
        self.matches = matches
        self.left = MAX_CHECKS

    def holds(self, schema: Any, value: Any, depth: int = 0) -> bool:
        self.left -= 1
        if schema is False:
            return False
        if not isinstance(schema, dict) or self.left <= 0 or depth > MAX_DEPTH:
            return True
        return all(check(self, schema, value, depth + 1) for check in _CHECKS)

    def _each(self, schemas: Any, value: Any, depth: int) -> list[bool] | None:
        """Whether each schema of a combinator's list holds (None: no list to check)."""
        if not isinstance(schemas, list):
            return None
        return [self.holds(s, value, depth) for s in schemas]

    def combinators(self, schema: dict[str, Any], value: Any, depth: int) -> bool:
        ref = schema.get("$ref")
        if isinstance(ref, str) and not self.holds(resolve(self.root, ref), value, depth):
            return False
        every, some, one = (self._each(schema.get(k), value, depth) for k in _COMBINED)
        if (every and not all(every)) or (some and not any(some)) or (one and sum(one) != 1):
            return False
        if "not" in schema and self.holds(schema["not"], value, depth):
            return False
        if "if" in schema:
            branch = "then" if self.holds(schema["if"], value, depth) else "else"
            return self.holds(schema.get(branch, True), value, depth)
        return True

    def plain(self, schema: dict[str, Any], value: Any, depth: int) -> bool:
        if not has_kind(value, schema.get("type")):
            return False
        enum = schema.get("enum")
        if isinstance(enum, list) and not any(same(value, option) for option in enum):
            return False
        return "const" not in schema or same(value, schema["const"])

    def number(self, schema: dict[str, Any], value: Any, depth: int) -> bool:
        if not _number(value):
            return True
        low, high = _count(schema, "minimum"), _count(schema, "maximum")
        low_open, high_open = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if low is not None and (value < low or (low_open is True and value == low)):
            return False
        if high is not None and (value > high or (high_open is True and value == high)):
            return False
        if _number(low_open) and value <= low_open:
            return False
        if _number(high_open) and value >= high_open:
            return False
        step = _count(schema, "multipleOf")
        return step is None or step <= 0 or multiple_of(value, step)

    def string(self, schema: dict[str, Any], value: Any, depth: int) -> bool:
        if not isinstance(value, str):
            return True
        low, high = _count(schema, "minLength"), _count(schema, "maxLength")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            return False
        return "pattern" not in schema or self.matches(schema["pattern"], value)

    def array(self, schema: dict[str, Any], value: Any, depth: int) -> bool:
        if not isinstance(value, list):
            return True
        low, high = _count(schema, "minItems"), _count(schema, "maxItems")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            return False
        prefix, items = schema.get("prefixItems"), schema.get("items", True)
        if isinstance(items, list):  # draft 7's tuple form
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        for index, item in enumerate(value):
            if not self.holds(prefix[index] if index < len(prefix) else items, item, depth):
                return False
        unique = schema.get("uniqueItems") is True
        if unique and any(same(a, b) for i, a in enumerate(value) for b in value[i + 1 :]):
            return False
        return "contains" not in schema or self.contains(schema, value, depth)

    def contains(self, schema: dict[str, Any], value: list[Any], depth: int) -> bool:
        found = sum(self.holds(schema["contains"], item, depth) for item in value)
        low, high = _count(schema, "minContains"), _count(schema, "maxContains")
        return found >= (1 if low is None else low) and (high is None or found <= high)

    def object(self, schema: dict[str, Any], value: Any, depth: int) -> bool:
        if not isinstance(value, dict):
            return True
        low, high = _count(schema, "minProperties"), _count(schema, "maxProperties")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            return False
        required = schema.get("required")
        if isinstance(required, list) and any(name not in value for name in required):
            return False
        return all(self.member(schema, name, item, depth) for name, item in value.items())

    def member(self, schema: dict[str, Any], name: str, item: Any, depth: int) -> bool:
        """One property: its own schema, each pattern's it matches, or `additionalProperties`;
        `propertyNames`, and what `dependentRequired`/`dependentSchemas` ask of its object."""
        properties = schema.get("properties")
        patterns = schema.get("patternProperties")
        applied = []
        if isinstance(properties, dict) and name in properties:
            applied.append(properties[name])
        if isinstance(patterns, dict):
            applied += [sub for pattern, sub in patterns.items() if self.matches(pattern, name)]
        if not applied:
            applied.append(schema.get("additionalProperties", True))
        names = schema.get("propertyNames", True)
        return all(self.holds(s, item, depth) for s in applied) and self.holds(names, name, depth)

    def dependencies(self, schema: dict[str, Any], value: Any, depth: int) -> bool:
        if not isinstance(value, dict):
            return True
        needed = schema.get("dependentRequired")
        if isinstance(needed, dict):
            for name, names in needed.items():
                if name in value and isinstance(names, list) and any(n not in value for n in names):
                    return False
        dependent = schema.get("dependentSchemas")
        if isinstance(dependent, dict):
            return all(self.holds(sub, value, depth) for n, sub in dependent.items() if n in value)
        return True


_CHECKS: tuple[Callable[[Checker, dict[str, Any], Any, int], bool], ...] = (
    Checker.plain,
    Checker.number,
    Checker.string,
    Checker.array,
    Checker.object,
    Checker.dependencies,
    Checker.combinators,
)
