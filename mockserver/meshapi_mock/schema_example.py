"""Build a JSON value that satisfies a JSON Schema, deterministically.

Default mode answers tool calls and structured output (`response_format`) with it, so it
covers what tool definitions and pydantic models (strict or not) produce: objects with
required properties (`minProperties`, `additionalProperties`, `dependentRequired` too),
the primitive types with their bounds (`minimum`/`exclusiveMinimum` in both drafts'
spellings, `multipleOf`, `minLength`/`maxLength`, `pattern`, common `format`s), enums,
consts, arrays (`items`, `prefixItems`, `minItems`/`maxItems`, `uniqueItems`,
`contains`), nullable types, `anyOf`/`oneOf`/`allOf` (merged with the keywords beside
them) and local `$ref`s into `$defs` or `definitions`. `hint` seeds string values (e.g.
a city named in the prompt); array items get a `variant` each, so they differ. A
`uniqueItems` array whose items have fewer values than it needs (`minItems: 3` of the
integers 10 and 11) stops at the values there are: unique, and short.

The schema comes from the request, so the value is bounded whatever it asks for: no
array longer than `MAX_ITEMS`, no string longer than `MAX_LENGTH`, and at most
`MAX_NODES` values and `MAX_CHARS` characters of padding in all (nested `minItems`
would otherwise multiply). Past a bound the value stops satisfying the schema rather
than the fake running out of memory. Recursive schemas take their way out (an empty
list, a null branch) once nested `SHALLOW` levels deep. A schema too broken to follow
(a bound that is not a number, or out of range) raises `TypeError` or `ValueError`;
callers fall back to an empty object.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .regex_example import CHECK_SECONDS, matches, pattern_example
from .schema_check import has_kind, multiple_of, resolve, same

MAX_ITEMS = 100
MAX_LENGTH = 10_000
MAX_CHARS = 100_000
MAX_NODES = 10_000
MAX_DEPTH = 16
SHALLOW = 6
"""Past this depth optional structure is left out, so recursive schemas end."""
REGEX_SECONDS = 0.5
"""Time all regex searches of one example may take; past it, patterns are not followed.
Searches of the patterns schemas use take microseconds: only a pattern that backtracks
wildly spends it (each search stops at `CHECK_SECONDS`)."""

_COMBINATORS = ("$ref", "allOf", "anyOf", "oneOf")
_KINDS_BY_KEYWORD = (
    ("object", ("properties", "required", "additionalProperties", "minProperties")),
    ("array", ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)
_TIGHTER_LOW = ("minimum", "minLength", "minItems", "minProperties", "minContains")
_TIGHTER_HIGH = ("maximum", "maxLength", "maxItems", "maxProperties", "maxContains")


_FORMATS: dict[str, Callable[[int], str]] = {
    "date": lambda n: f"2026-01-{1 + n % 28:02d}",
    "date-time": lambda n: f"2026-01-{1 + n % 28:02d}T00:00:00Z",
    "time": lambda n: f"{n % 24:02d}:00:00Z",
    "duration": lambda n: f"P{1 + n}D",
    "email": lambda n: f"user{n or ''}@example.com",
    "idn-email": lambda n: f"user{n or ''}@example.com",
    "hostname": lambda n: f"host{n or ''}.example.com",
    "idn-hostname": lambda n: f"host{n or ''}.example.com",
    "uri": lambda n: f"https://example.com/{n or ''}",
    "url": lambda n: f"https://example.com/{n or ''}",
    "iri": lambda n: f"https://example.com/{n or ''}",
    "uri-reference": lambda n: f"/items/{n}",
    "iri-reference": lambda n: f"/items/{n}",
    "uri-template": lambda n: f"https://example.com/{n}/{{id}}",
    "uuid": lambda n: f"00000000-0000-4000-8000-{n % 10**12:012d}",
    "ipv4": lambda n: f"127.0.0.{1 + n % 254}",
    "ipv6": lambda n: f"::{1 + n % 0xFFFF:x}",
    "json-pointer": lambda n: f"/items/{n}",
    "relative-json-pointer": lambda n: f"{n}",
    "regex": lambda n: f"^item{n}$",
}


def example(schema: Any, hint: str = "example", *, root: Any = None, depth: int = 0) -> Any:
    """A value valid against `schema`; `$ref`s resolve against `root` (default: `schema`)."""
    try:
        return _Builder(schema if root is None else root).build(schema, hint, depth, 0)
    except OverflowError as exc:  # a bound of 1e400 reads as infinity
        raise ValueError(f"a bound is out of range: {exc}") from None


class _Builder:
    """One example: the document `$ref`s resolve against and the size budget left."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.nodes = MAX_NODES
        self.chars = MAX_CHARS
        self.regex_left = REGEX_SECONDS

    def regex_seconds(self) -> float:
        """How long the next regex may run (0 once the example's regex time is spent)."""
        return max(min(CHECK_SECONDS, self.regex_left), 0)

    def matches(self, pattern: Any, value: str) -> bool:
        if not isinstance(pattern, str):
            return False
        with self.timing_regex():
            return matches(pattern, value, self.regex_seconds())

    def pattern_example(self, pattern: str, low: int, high: int | None, variant: int) -> Any:
        with self.timing_regex():
            return pattern_example(pattern, low, high, variant, self.regex_seconds())

    @contextmanager
    def timing_regex(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.regex_left -= time.perf_counter() - started

    def build(self, schema: Any, hint: str, depth: int, variant: int) -> Any:
        self.nodes -= 1
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return {}
        schema = self.flatten(schema, depth)
        if "const" in schema:
            return schema["const"]
        kind = _kind(schema, depth)
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            fitting = [value for value in enum if has_kind(value, schema.get("type"))]
            options = fitting or enum
            return options[variant % len(options)]
        if variant == 0 and "default" in schema and _plain_default(self, schema["default"], schema):
            return schema["default"]
        return _BUILDERS.get(kind, _string)(self, schema, hint, depth, variant)

    def flatten(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """One schema: `$ref`, `allOf` and the first usable `anyOf`/`oneOf` branch merged
        into the keywords beside them (`{"type": "object", "allOf": [...]}` keeps its type)."""
        merged = {k: v for k, v in schema.items() if k not in _COMBINATORS}
        self.nodes -= 1  # `allOf: [{$ref: A}, {$ref: A}]` in A would branch without end
        if depth > MAX_DEPTH or self.nodes <= 0:
            return merged
        parts: list[Any] = []
        if isinstance(schema.get("$ref"), str):
            parts.append(resolve(self.root, schema["$ref"]))
        if isinstance(schema.get("allOf"), list):
            parts.extend(schema["allOf"])
        for key in ("anyOf", "oneOf"):
            options = [s for s in schema.get(key) or () if isinstance(s, dict)]
            if options:
                parts.append(_branch(options, depth))
        for part in parts:
            if isinstance(part, dict):
                _merge(merged, self.flatten(part, depth + 1))
        return merged

    def count(self, wanted: int) -> int:
        """How many array items the budget still allows."""
        allowed = max(min(wanted, MAX_ITEMS, self.nodes), 0)
        self.nodes -= allowed
        return allowed


def _branch(options: list[dict[str, Any]], depth: int) -> dict[str, Any]:
    """The branch to follow: the first that is not null, unless nested deep (then null)."""
    nulls = [s for s in options if s.get("type") == "null"]
    others = [s for s in options if s.get("type") != "null"]
    if depth >= SHALLOW and nulls:
        return nulls[0]
    return (others or options)[0]


def _kind(schema: dict[str, Any], depth: int) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if isinstance(k, str)]
        if depth >= SHALLOW and "null" in kinds:
            return "null"
        return next((k for k in kinds if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    for name, keywords in _KINDS_BY_KEYWORD:
        if any(k in schema for k in keywords):
            return name
    return "string"


def _plain_default(b: _Builder, value: Any, schema: dict[str, Any]) -> bool:
    """A scalar default that plainly fits the keywords beside it (a default need not)."""
    if not has_kind(value, schema.get("type")) or isinstance(value, list | dict):
        return False
    if isinstance(value, str):
        short = "minLength" in schema and len(value) < _int(schema["minLength"])
        long = "maxLength" in schema and len(value) > _int(schema["maxLength"])
        pattern = schema.get("pattern")
        unmatched = pattern is not None and not b.matches(pattern, value)
        return not (short or long or unmatched or "format" in schema)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _Number(schema).fits(value)
    return True


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"a bound must be a number, got {value!r}")
    return math.ceil(value)


def _object(b: _Builder, schema: dict[str, Any], hint: str, depth: int, variant: int) -> Any:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = schema.get("required")
    names = [n for n in required if isinstance(n, str)] if isinstance(required, list) else []
    names = list(dict.fromkeys(names))
    wanted = _int(schema.get("minProperties", 0))
    for name in properties:
        if len(names) >= wanted:
            break
        if name not in names:
            names.append(name)
    extra = schema.get("additionalProperties", True)
    while len(names) < min(wanted, MAX_ITEMS) and extra is not False:
        names.append(f"field{len(names) + 1}")
    _add_dependencies(schema, names)
    return {
        name: b.build(
            _property_schema(b, schema, properties, name),
            _hint_for(name, hint),
            depth + 1,
            variant,
        )
        for name in names
    }


def _add_dependencies(schema: dict[str, Any], names: list[str]) -> None:
    dependent = schema.get("dependentRequired")
    if not isinstance(dependent, dict):
        return
    for name in names:  # grows while iterated: dependencies of dependencies count too
        for needed in dependent.get(name) or ():
            if isinstance(needed, str) and needed not in names:
                names.append(needed)


def _property_schema(
    b: _Builder, schema: dict[str, Any], properties: dict[str, Any], name: str
) -> Any:
    if name in properties:
        return properties[name]
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict):
        for pattern, sub in patterns.items():
            if b.matches(pattern, name):
                return sub
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


def _array(b: _Builder, schema: dict[str, Any], hint: str, depth: int, variant: int) -> Any:
    prefix = schema.get("prefixItems")
    items = schema.get("items", {})
    if isinstance(items, list):  # draft 7's tuple form
        prefix, items = items, schema.get("additionalItems", {})
    prefix = [s for s in prefix if isinstance(s, dict | bool)] if isinstance(prefix, list) else []
    contains = schema.get("contains")
    with_contains = {"allOf": [items, contains]} if isinstance(contains, dict) else items
    containing = _int(schema.get("minContains", 1)) if isinstance(contains, dict) else 0
    low = _int(schema.get("minItems", 0))
    count = max(low, len(prefix) + containing, 1 if depth < SHALLOW else 0)
    if items is False:
        count = min(count, len(prefix))
    if "maxItems" in schema:
        count = max(min(count, _int(schema["maxItems"])), 0)
    unique = schema.get("uniqueItems") is True
    values: list[Any] = []
    attempt = 0
    for _ in range(b.count(count)):
        while True:
            index = len(values)
            item_schema = prefix[index] if index < len(prefix) else items
            if index >= len(prefix) and index < len(prefix) + containing:
                item_schema = with_contains
            value = b.build(item_schema, hint, depth + 1, variant + attempt)
            attempt += 1
            fresh = not unique or not any(same(value, other) for other in values)
            if fresh or attempt > 3 * count + 3:
                break
        if not fresh:
            break  # the items have no more values: the array stays unique, if short
        values.append(value)
    return values


def _string(b: _Builder, schema: dict[str, Any], hint: str, depth: int, variant: int) -> Any:
    low = min(_int(schema.get("minLength", 0)), MAX_LENGTH)
    high = _int(schema["maxLength"]) if "maxLength" in schema else None
    plain = hint if variant == 0 else f"{hint} {variant + 1}"
    make = _FORMATS.get(str(schema.get("format", "")))
    value = make(variant) if make is not None else plain
    pattern = schema.get("pattern")
    fits = low <= len(value) and (high is None or len(value) <= high)
    if isinstance(pattern, str) and b.chars > 0 and not (fits and b.matches(pattern, value)):
        found = b.pattern_example(pattern, low, high, variant)
        if found is not None and len(found) <= b.chars:
            b.chars -= len(found)
            return found
    padding = low - len(value)
    if padding > 0:
        padding = min(padding, b.chars)
        b.chars -= padding
        value = value + "x" * padding
    if high is not None and len(value) > high:
        value = _shortened(value, max(high, 0), variant)
    return value


def _shortened(value: str, high: int, variant: int) -> str:
    """`value` cut to `high` characters, ending in the variant's number past the first
    variant, so the items of a `uniqueItems` array of short strings still differ."""
    tag = _digits(variant) if variant else ""
    if len(tag) > high:
        return value[:high]
    return value[: high - len(tag)] + tag


def _digits(n: int) -> str:
    """`n` in base 36: the shortest tag for it."""
    digits = ""
    while True:
        n, digit = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if not n:
            return digits


class _Number:
    """A number's bounds, in either draft's spelling, and `multipleOf`."""

    def __init__(self, schema: dict[str, Any]) -> None:
        kind = schema.get("type")
        self.integer = kind == "integer" or (
            isinstance(kind, list) and "integer" in kind and "number" not in kind
        )
        self.low, self.low_open = _bound(schema, "minimum", "exclusiveMinimum", max)
        self.high, self.high_open = _bound(schema, "maximum", "exclusiveMaximum", min)
        step = schema.get("multipleOf")
        self.step: float | None = None
        if step is not None:
            if isinstance(step, bool) or not isinstance(step, int | float) or step <= 0:
                raise TypeError(f"multipleOf must be a positive number, got {step!r}")
            self.step = step

    def fits(self, value: float) -> bool:
        if self.integer and not float(value).is_integer():
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            return False
        return self.step is None or multiple_of(value, self.step)

    def candidates(self, variant: int) -> list[float]:
        """Values to try, best first: from the lowest allowed upwards (shifted by
        `variant`), where the variant lands otherwise, then the middle of the range and the
        top of it."""
        step, unit = self.step, self.step or 1
        if self.low is not None:
            base = self._lowest()
        elif self.high is not None:
            base = self._from_top(min(1, self.high))
        else:
            base = math.ceil(1 / step) * step if step else 1
        tries = [base + (variant + k) * unit for k in range(4)]
        if variant:
            tries += self._spread(base, variant)
        tries += [base + k * unit for k in range(4)]
        if self.low is not None and self.high is not None:
            tries.append((self.low + self.high) / 2)
        if self.high is not None:
            tries += [self._from_top(self.high), self._from_top(self.high) - unit]
        return tries

    def _spread(self, base: float, variant: int) -> list[float]:
        """Where `variant` goes once counting up from `base` leaves the range, so that the
        items of a `uniqueItems` array differ as long as the range has values left: down
        from the top when nothing bounds the range below, round it again when it holds
        whole steps, else ever finer points between its bounds."""
        unit = self.step or 1
        if self.low is None:
            return [base - (variant + k) * unit for k in range(4)]
        if self.high is None:
            return []
        if self.integer or self.step is not None:
            size = max(math.floor((self.high - base) / unit) + 1, 1)
            return [base + ((variant + k) % size) * unit for k in range(min(size, 64))]
        return [self.low + (self.high - self.low) * _fraction(variant + k) for k in range(4)]

    def _lowest(self) -> float:
        low = self.low
        assert low is not None
        if self.step is not None:
            above = math.floor(low / self.step) + 1 if self.low_open else math.ceil(low / self.step)
            return above * self.step
        if self.integer:
            return math.floor(low) + 1 if self.low_open else math.ceil(low)
        if not self.low_open:
            return low
        gap = 1.0 if self.high is None else min(1.0, (self.high - low) / 2)
        return low + gap

    def _from_top(self, high: float | None) -> float:
        if high is None:
            return 1
        if self.step is not None:
            return math.floor(high / self.step) * self.step
        if self.integer:
            return math.floor(high)
        return high - (min(1.0, abs(high) / 2 or 0.5) if self.high_open else 0)


def _fraction(n: int) -> float:
    """The `n`th of 1/2, 1/4, 3/4, 1/8, 3/8, ...: ever finer points strictly inside (0, 1)."""
    m = n + 1
    depth = m.bit_length()
    return (2 * (m - (1 << (depth - 1))) + 1) / (1 << depth)


def _bound(
    schema: dict[str, Any], inclusive: str, exclusive: str, tighter: Callable[..., float]
) -> tuple[float | None, bool]:
    """(bound, open): draft 6+ `exclusiveMinimum: 3`, or draft 4 `exclusiveMinimum: true`."""
    closed = schema.get(inclusive)
    opened = schema.get(exclusive)
    for value in (closed, opened):
        if value is not None and not isinstance(value, bool | int | float):
            raise TypeError(f"a bound must be a number, got {value!r}")
    if isinstance(opened, bool):
        if isinstance(closed, bool):
            raise TypeError(f"{inclusive} must be a number, got {closed!r}")
        return closed, opened and closed is not None
    if isinstance(closed, bool):
        raise TypeError(f"{inclusive} must be a number, got {closed!r}")
    if closed is None or opened is None:
        return (closed, False) if opened is None else (opened, True)
    bound = tighter(closed, opened)
    return bound, bound == opened


def _number(b: _Builder, schema: dict[str, Any], hint: str, depth: int, variant: int) -> Any:
    number = _Number(schema)
    candidates = number.candidates(variant)
    value = next((c for c in candidates if number.fits(_finite(c))), candidates[0])
    if number.integer or (isinstance(value, float) and value.is_integer() and abs(value) < 2**53):
        return math.ceil(value)
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise OverflowError(f"{value} is not a finite number")
    return value


Builder = Callable[[_Builder, dict[str, Any], str, int, int], Any]

_BUILDERS: dict[str, Builder] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": lambda b, schema, hint, depth, variant: variant % 2 == 0,
    "null": lambda b, schema, hint, depth, variant: None,
}


def _hint_for(name: str, hint: str) -> str:
    return hint if hint != "example" else name


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    """`into` and `part` both hold: bounds take the tighter, properties and items combine."""
    for key, value in part.items():
        if key not in into:
            into[key] = value
        elif key == "properties" and isinstance(value, dict) and isinstance(into[key], dict):
            into[key] = {**value, **into[key]}
            for name in value.keys() & into[key].keys():
                if value[name] != into[key][name]:
                    into[key][name] = {"allOf": [into[key][name], value[name]]}
        elif key == "required" and isinstance(value, list) and isinstance(into[key], list):
            into[key] = [*into[key], *value]
        elif key in ("items", "additionalProperties", "contains") and isinstance(value, dict):
            if isinstance(into[key], dict) and into[key] != value:
                into[key] = {"allOf": [into[key], value]}
        elif key == "type":
            into[key] = _common_types(into[key], value)
        elif key == "enum" and isinstance(value, list) and isinstance(into[key], list):
            both = [v for v in into[key] if v in value]
            into[key] = both or into[key]
        elif key in _TIGHTER_LOW + _TIGHTER_HIGH and _both_numbers(into[key], value):
            into[key] = (max if key in _TIGHTER_LOW else min)(into[key], value)


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))


def _common_types(a: Any, b: Any) -> Any:
    first = a if isinstance(a, list) else [a]
    second = b if isinstance(b, list) else [b]
    common = [t for t in first if t in second or (t == "integer" and "number" in second)]
    common += [t for t in second if t == "integer" and "number" in first and t not in common]
    if not common:
        return a
    return common[0] if len(common) == 1 else common
