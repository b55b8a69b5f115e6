"""Build a JSON value that satisfies a JSON Schema, deterministically.

Default mode answers tool calls and structured output (`response_format`) with it, so it
covers what tool definitions and pydantic models (strict or not) produce: objects with
required properties (`minProperties`, `additionalProperties`, `dependentRequired` too),
the primitive types with their bounds (`minimum`/`exclusiveMinimum` in both drafts'
spellings, `multipleOf`, `minLength`/`maxLength`, `pattern`, common `format`s), enums,
consts, arrays (`items`, `prefixItems`, `minItems`/`maxItems`, `uniqueItems`,
`contains`), nullable types, `patternProperties`, `anyOf`/`oneOf`/`allOf` and
`if`/`then`/`else` (merged with the keywords beside them), `not`, and local `$ref`s
into `$defs` or `definitions`. What merging cannot promise (that the value avoids a
`not`, meets exactly one `oneOf` branch, and the `then` or `else` its `if` calls for)
is checked with `schema_check`, and other branches and variants are tried, at most
`MAX_TRIES` values; when none passes, the schema is taken to be unsatisfiable and the
first stands. `hint` seeds string values (e.g. a city named in the prompt); array items
get a `variant` each, so they differ. A `uniqueItems` array whose items have fewer
values than it needs (`minItems: 3` of the integers 10 and 11) stops at the values
there are: unique, and short.

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
from .schema_check import Checker, has_kind, multiple_of, resolve, same

MAX_ITEMS = 100
MAX_LENGTH = 10_000
MAX_CHARS = 100_000
MAX_NODES = 10_000
MAX_DEPTH = 16
SHALLOW = 6
"""Past this depth optional structure is left out, so recursive schemas end."""
MAX_TRIES = 24
"""Values built for one schema whose `not`, `oneOf` or `if` the first value breaks."""
SETTLED_SHIFTS = 2
"""Later variants tried once each `if` has the branches the value calls for."""
REGEX_SECONDS = 0.5
"""Time all regex searches of one example may take; past it, patterns are not followed.
Searches of the patterns schemas use take microseconds: only a pattern that backtracks
wildly spends it (each search stops at `CHECK_SECONDS`)."""

_COMBINATORS = ("$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else")
_KINDS_BY_KEYWORD = (
    ("object", ("properties", "required", "additionalProperties", "minProperties")),
    ("array", ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)
_TIGHTER_LOW = (
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
    "minContains",
)
_TIGHTER_HIGH = (
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
    "maxContains",
)
_ANY_KIND = ("string", "integer", "number", "object", "array", "boolean", "null")
"""The kinds a schema that names none may take, in order of preference."""
_ANNOTATIONS = ("title", "description", "$comment", "examples", "default", "deprecated")
_NUMBERS = ("integer", "number")
_OPPOSITES: dict[str, tuple[str, tuple[str, ...], Callable[[Any], Any]]] = {
    "minimum": ("exclusiveMaximum", _NUMBERS, lambda bound: bound),
    "exclusiveMinimum": ("maximum", _NUMBERS, lambda bound: bound),
    "maximum": ("exclusiveMinimum", _NUMBERS, lambda bound: bound),
    "exclusiveMaximum": ("minimum", _NUMBERS, lambda bound: bound),
    "minLength": ("maxLength", ("string",), lambda bound: math.ceil(bound) - 1),
    "maxLength": ("minLength", ("string",), lambda bound: math.floor(bound) + 1),
    "minItems": ("maxItems", ("array",), lambda bound: math.ceil(bound) - 1),
    "maxItems": ("minItems", ("array",), lambda bound: math.floor(bound) + 1),
    "minProperties": ("maxProperties", ("object",), lambda bound: math.ceil(bound) - 1),
    "maxProperties": ("minProperties", ("object",), lambda bound: math.floor(bound) + 1),
}
"""A negated bound, the bound that keeps a value out of it, the kinds it bounds, and how
its number turns (a length below 3 is at most 2)."""
_KIND_KEYWORDS: dict[str, tuple[str, ...]] = {
    **{keyword: kinds for keyword, (_, kinds, _) in _OPPOSITES.items()},
    "multipleOf": _NUMBERS,
    **dict.fromkeys(("pattern", "format"), ("string",)),
    **dict.fromkeys(("items", "prefixItems", "contains", "uniqueItems"), ("array",)),
    **dict.fromkeys(
        ("properties", "required", "additionalProperties", "patternProperties"), ("object",)
    ),
    **dict.fromkeys(("propertyNames", "dependentRequired"), ("object",)),
}
"""Keywords that hold for every value of the other kinds."""


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
        self.checker = Checker(root, self.matches)

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
        """A value of the schema flattened by plan 0. When the schema has what construction
        cannot promise (a `not`, a `oneOf` of several branches, an `if`), the value is
        checked, and while it fails: each `if` takes the branches its values call for
        (`then` when the value meets the `if`, `else` when not, both if it turns), on a
        later variant too once that settles; then the other plans (so the hint stays),
        and the plans again on later variants. None passes: the first value, as for a
        schema no value satisfies."""
        self.nodes -= 1
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return {}
        first: list[Any] = []
        settled: dict[int, frozenset[str]] | None = {}
        number = shift = 0
        plans = 1
        for _ in range(MAX_TRIES):
            plan = _Plan(number, settled or {})
            flat = self.flatten(schema, depth, plan)
            if not plan.checked:
                return self.build_flat(flat, hint, depth, variant + shift)
            flat = _fractional(_typed(flat, plan, depth), plan)
            value = self.build_flat(flat, hint, depth, variant + shift)
            if self.checker.holds(schema, value) or self.checker.left <= 0:
                return value
            first = first or [value]
            plans = max(plans, plan.choices)  # a branch taken may hold more choices
            if settled is None:
                number, shift = _next_plan(number, shift, plans)
                continue
            called = self.called_for(plan, value, settled)
            if called != settled:
                settled = called
            elif shift < SETTLED_SHIFTS and called:
                shift += 1  # another value may leave an `if` unmet that this one meets
            else:
                settled, number, shift = None, *_next_plan(0, 0, plans)
        return first[0]

    def called_for(
        self, plan: _Plan, value: Any, settled: dict[int, frozenset[str]]
    ) -> dict[int, frozenset[str]]:
        """The branches each `if` met calls for, added to those it took."""
        called = dict(settled)
        for schema in plan.conditions:
            branch = "then" if self.checker.holds(schema["if"], value) else "else"
            if branch in schema:
                called[id(schema)] = called.get(id(schema), frozenset()) | {branch}
        return called

    def build_flat(self, schema: dict[str, Any], hint: str, depth: int, variant: int) -> Any:
        if "const" in schema:
            return schema["const"]
        kind = _kind(schema, depth)
        schema = _inverted(schema, kind)
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            fitting = [value for value in enum if has_kind(value, schema.get("type"))]
            options = fitting or enum
            return options[variant % len(options)]
        if variant == 0 and "default" in schema and _plain_default(self, schema["default"], schema):
            return schema["default"]
        return _BUILDERS.get(kind, _string)(self, schema, hint, depth, variant)

    def flatten(self, schema: dict[str, Any], depth: int, plan: _Plan) -> dict[str, Any]:
        """One schema: `$ref`, `allOf`, the `anyOf`/`oneOf` branch and the `then`/`else`
        (or neither) that `plan` picks merged into the keywords beside them (`{"type":
        "object", "allOf": [...]}` keeps its type). What construction cannot promise goes
        into one `not` for `build` to check: the schema's own `not`, the `oneOf` branches
        not taken (exactly one may hold) and the ways of breaking an `if`."""
        merged = {k: v for k, v in schema.items() if k not in _COMBINATORS}
        self.nodes -= 1  # `allOf: [{$ref: A}, {$ref: A}]` in A would branch without end
        if depth > MAX_DEPTH or self.nodes <= 0:
            return merged
        parts: list[Any] = []
        negations: list[Any] = [schema["not"]] if "not" in schema else []
        if isinstance(schema.get("$ref"), str):
            parts.append(resolve(self.root, schema["$ref"]))
        if isinstance(schema.get("allOf"), list):
            parts.extend(schema["allOf"])
        for key in ("anyOf", "oneOf"):
            options = _ordered([s for s in schema.get(key) or () if isinstance(s, dict)], depth)
            if options:
                chosen = plan.pick(len(options))
                parts.append(options[chosen])
                if key == "oneOf":
                    negations += options[:chosen] + options[chosen + 1 :]
        condition = _condition(schema)
        if condition is not None:
            branches, broken = condition
            negations.append(broken)
            plan.conditions.append(schema)
            taken = plan.settled.get(id(schema))
            if taken is None:
                parts.append(branches[plan.pick(len(branches))])
            else:
                parts += [schema[branch] for branch in sorted(taken, reverse=True)]
        plan.checked = plan.checked or bool(negations)
        twice = [n for n in negations if isinstance(n, dict) and list(n) == ["not"]]
        parts += [n["not"] for n in twice]  # what is not not X is X, which can be built
        negations = [n for n in negations if n not in twice]
        for part in parts:
            if isinstance(part, dict):
                _merge(merged, self.flatten(part, depth + 1, plan))
        if negations:
            _merge(merged, {"not": negations[0] if len(negations) == 1 else {"anyOf": negations}})
        return merged

    def count(self, wanted: int) -> int:
        """How many array items the budget still allows."""
        allowed = max(min(wanted, MAX_ITEMS, self.nodes), 0)
        self.nodes -= allowed
        return allowed


def _next_plan(number: int, shift: int, plans: int) -> tuple[int, int]:
    """The plan to try after `number`, and on which variant: all plans, then again."""
    return (number + 1, shift) if number + 1 < plans else (0, shift + 1)


class _Plan:
    """Which branch each choice of one flattening takes (an `anyOf`/`oneOf` branch, an
    `if`'s `then`, `else` or neither, a type): the digits of `number`, one per choice met,
    each in the base of its options, so plan 0 takes every first (preferred) option and
    counting up tries the others; an `if` in `settled` (by `id`) takes the branches named
    there instead. `choices` counts the combinations met (up to `MAX_TRIES`), `checked`
    tells that the value must be checked, `conditions` the schemas with an `if` met."""

    def __init__(self, number: int, settled: dict[int, frozenset[str]]) -> None:
        self.left = number
        self.settled = settled
        self.choices = 1
        self.checked = False
        self.conditions: list[dict[str, Any]] = []

    def pick(self, options: int) -> int:
        self.choices = min(self.choices * options, MAX_TRIES)
        chosen = self.left % options
        self.left //= options
        return chosen


def _ordered(options: list[dict[str, Any]], depth: int) -> list[dict[str, Any]]:
    """The branches in the order to try them: those that are not null first, unless
    nested deep (then null first, so recursion ends)."""
    nulls = [s for s in options if s.get("type") == "null"]
    others = [s for s in options if s.get("type") != "null"]
    return nulls + others if depth >= SHALLOW else others + nulls


def _condition(schema: dict[str, Any]) -> tuple[list[Any], Any] | None:
    """An `if`'s branches to merge, in the order to try them, and the schema of the values
    that break it (the `if` holds and the `then` does not, or neither holds nor the
    `else`). Neither first: the value may well leave the `if` unmet. Then ways to meet
    the `if`: the `then`, alone or with the `if` (or the `if` alone, when no `then`); ways
    to fail it: its negation (with the `else`); and both branches, for an `if` that
    turns with what either adds."""
    if "if" not in schema or not ("then" in schema or "else" in schema):
        return None
    test, then, otherwise = schema["if"], schema.get("then"), schema.get("else")
    broken = []
    branches: list[Any] = [None]
    if "then" in schema:
        broken.append({"allOf": [test, {"not": then}]})
        branches += [then, {"allOf": [test, then]}]
    else:
        branches.append(test)
    if "else" in schema:
        broken.append({"allOf": [{"not": test}, {"not": otherwise}]})
        branches += [otherwise, {"allOf": [{"not": test}, otherwise]}]
    else:
        branches.append({"not": test})
    if "then" in schema and "else" in schema:
        branches.append({"allOf": [then, otherwise]})
    return branches, broken[0] if len(broken) == 1 else {"anyOf": broken}


def _kind(schema: dict[str, Any], depth: int) -> str:
    """The JSON type to build: the first the schema allows that its `not` leaves open."""
    ruled_out = _ruled_out(schema)
    kind = schema.get("type")
    if isinstance(kind, list):
        named = [k for k in kind if isinstance(k, str)]
        kinds = [k for k in named if k not in ruled_out] or named
        if depth >= SHALLOW and "null" in kinds:
            return "null"
        return next((k for k in kinds if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    for name, keywords in _KINDS_BY_KEYWORD:
        if any(k in schema for k in keywords) and name not in ruled_out:
            return name
    return next((k for k in _ANY_KIND if k not in ruled_out), "string")


def _typed(schema: dict[str, Any], plan: _Plan, depth: int) -> dict[str, Any]:
    """The type `plan` picks among those a type list (or the lack of a `type`) allows:
    first those that a `not` leaves open and fewest negations can hold for. A string
    may be unable to avoid every negation where null can (a `oneOf` whose other branches
    take the short strings and the long ones), or any number where a string can."""
    kinds = schema.get("type")
    if isinstance(kinds, list):
        named = [k for k in kinds if isinstance(k, str)]
    elif kinds is None and "enum" not in schema and "const" not in schema:
        named = list(dict.fromkeys((_kind(schema, depth), *_ANY_KIND)))
    else:
        return schema
    if len(named) < 2:
        return schema
    ruled_out = _ruled_out(schema)
    negations = _negations(schema)

    def rank(kind: str) -> tuple[bool, int, bool]:
        threats = sum(_meets(negation.get("type"), kind) for negation in negations)
        return kind in ruled_out, threats, (kind == "null") != (depth >= SHALLOW)

    named.sort(key=rank)
    return {**schema, "type": named[plan.pick(len(named))]}


def _negations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas a value must not satisfy, one by one (`not: {anyOf: [A, B]}` is
    neither A nor B)."""
    found: list[dict[str, Any]] = []
    pending = [schema["not"]] if "not" in schema else []
    while pending:
        negation = pending.pop(0)
        if isinstance(negation, dict) and list(negation) == ["anyOf"]:
            if isinstance(negation["anyOf"], list):
                pending[:0] = negation["anyOf"]
        elif isinstance(negation, dict):
            found.append(negation)
    return found


def _fractional(schema: dict[str, Any], plan: _Plan) -> dict[str, Any]:
    """A number that a negation of integers (`not: {"type": "integer", "minimum": 0}`)
    cannot bound below or above may still avoid it by not being whole: a second choice
    for `plan`, made by negating integers altogether."""
    if schema.get("type") != "number":
        return schema
    kinds = [n.get("type") for n in _negations(schema)]
    if not any(k == "integer" or (isinstance(k, list) and "integer" in k) for k in kinds):
        return schema
    if plan.pick(2) == 0:
        return schema
    return {**schema, "not": {"anyOf": [schema["not"], {"type": "integer"}]}}


def _ruled_out(schema: dict[str, Any]) -> set[str]:
    """The types no value of which avoids some negation: those a `not: {"type": ...}`
    names, and those a negation says nothing about (`not: {"minimum": 0}` holds for
    every string, so only a number below 0 avoids it)."""
    ruled_out: set[str] = set()
    for negation in _negations(schema):
        keys = [k for k in negation if k not in ("type", *_ANNOTATIONS)]
        for kind in _ANY_KIND:
            if _applies(negation.get("type"), kind) and all(
                kind not in _KIND_KEYWORDS.get(k, (kind,)) for k in keys
            ):
                ruled_out.add(kind)
    return ruled_out


def _inverted(schema: dict[str, Any], kind: str) -> dict[str, Any]:
    """`not: {"minimum": 0}` on a number is `exclusiveMaximum: 0`: a negated single bound
    on the kind being built (or on a type it shares values with) becomes the opposite
    bound, so the value avoids it by construction (other variants count upwards, and
    never get below a minimum). Likewise an object avoids `not: {"properties": {"k":
    S}}` (an `if` to fail, say) only with a `k` that breaks S, so `k` is required so."""
    opposites: dict[str, Any] = {}
    fractional = kind == "number" and "integer" in _ruled_out(schema)
    for negation in _negations(schema):
        keys = [k for k in negation if k not in ("type", *_ANNOTATIONS)]
        if len(keys) != 1 or keys[0] not in _OPPOSITES:
            continue
        opposite, kinds, turn = _OPPOSITES[keys[0]]
        bound, types = negation[keys[0]], negation.get("type")
        if fractional and not _applies(types, kind):
            continue  # a number that is not whole avoids what only integers can meet
        if kind in kinds and _meets(types, kind) and _both_numbers(bound, 0):
            _merge(opposites, {opposite: turn(bound)})
    for negation in _negations(schema) if kind == "object" else ():
        properties = negation.get("properties")
        keys = [k for k in negation if k not in ("type", *_ANNOTATIONS)]
        if keys == ["properties"] and isinstance(properties, dict) and properties:
            name, sub = next(iter(properties.items()))  # present, and not as it says
            _merge(opposites, {"required": [name], "properties": {name: {"not": sub}}})
    if not opposites:
        return schema
    inverted = dict(schema)
    _merge(inverted, opposites)
    return inverted


def _applies(kinds: Any, kind: str) -> bool:
    """Whether every value of JSON type `kind` has (one of) the type(s) `kinds` name."""
    named = kinds if isinstance(kinds, list) else [kinds]
    return kinds is None or kind in named or (kind == "integer" and "number" in named)


def _meets(kinds: Any, kind: str) -> bool:
    """Whether some value of JSON type `kind` has (one of) the type(s) `kinds` name."""
    named = kinds if isinstance(kinds, list) else [kinds]
    return _applies(kinds, kind) or (kind == "number" and "integer" in named)


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
    if extra is False:
        _add_pattern_names(b, schema, names, min(wanted, MAX_ITEMS), variant)
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


def _add_pattern_names(
    b: _Builder, schema: dict[str, Any], names: list[str], wanted: int, variant: int
) -> None:
    """Names up to `minProperties` where only `patternProperties` may add any: strings
    that match the patterns, each pattern in turn, shifted by the attempt (or else made
    another) to be new."""
    patterns = schema.get("patternProperties")
    usable = [p for p in patterns if isinstance(p, str)] if isinstance(patterns, dict) else []
    longest = dict.fromkeys(usable, 0)
    for attempt in range(variant, variant + wanted + 4):
        for pattern in usable:
            if len(names) >= wanted:
                return
            name = b.pattern_example(pattern, 1, None, attempt)
            if isinstance(name, str) and name in names:
                longest[pattern] = max(longest[pattern], len(name))
                name = _another_name(b, pattern, name, longest[pattern] + 1, attempt)
            if isinstance(name, str) and name not in names:
                names.append(name)
                longest[pattern] = max(longest[pattern], len(name))


def _another_name(b: _Builder, pattern: str, taken: str, low: int, attempt: int) -> Any:
    """A name for `pattern` other than `taken`: tagged with the attempt's number where the
    pattern's end is open, else a longer match."""
    tagged = taken + _digits(attempt)
    if b.matches(pattern, tagged):
        return tagged
    return b.pattern_example(pattern, low, None, attempt)


def _property_schema(
    b: _Builder, schema: dict[str, Any], properties: dict[str, Any], name: str
) -> Any:
    """What the property's value must satisfy: its own schema and those of the patterns
    its name matches, all of them, or else `additionalProperties`."""
    applied = [properties[name]] if name in properties else []
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict):
        applied += [sub for pattern, sub in patterns.items() if b.matches(pattern, name)]
    if not applied:
        extra = schema.get("additionalProperties")
        return extra if isinstance(extra, dict) else {}
    return applied[0] if len(applied) == 1 else {"allOf": applied}


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
        self.fractional = not self.integer and "integer" in _ruled_out(schema)
        self.low, self.low_open = _bound(schema, "minimum", "exclusiveMinimum", max)
        self.high, self.high_open = _bound(schema, "maximum", "exclusiveMaximum", min)
        step = schema.get("multipleOf")
        self.step: float | None = None
        if step is not None:
            if isinstance(step, bool) or not isinstance(step, int | float) or step <= 0:
                raise TypeError(f"multipleOf must be a positive number, got {step!r}")
            self.step = step

    def fits(self, value: float) -> bool:
        if (self.integer or self.fractional) and float(value).is_integer() != self.integer:
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            return False
        return self.step is None or multiple_of(value, self.step)

    def candidates(self, variant: int) -> list[float]:
        """Values to try, best first: from the lowest allowed upwards (shifted by
        `variant`), where the variant lands otherwise, then the middle of the range and the
        top of it; halfway between them when the value must not be whole."""
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
        if self.fractional:
            tries += [t + unit / 2 for t in tries]
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
        elif key == "not" and into[key] != value:
            into[key] = {"anyOf": [into[key], value]}
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
