"""JSON Schema's own rules for types, equal values, multiples and local `$ref`s.

Python's are close but not the same: `true == 1` and `1 in [True]` hold in Python, while
JSON Schema (`enum`, `const`, `uniqueItems`) tells `true` and 1 apart and counts 1 and
1.0 as one number; an integer is any number without a fraction, 1.0 included.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote


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
