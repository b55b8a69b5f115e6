"""Hypothesis strategies for satisfiable JSON Schemas (draft 2020-12) and pydantic models.

Each schema drawn here has at least one valid instance, by construction (bounds around an
anchor value, `oneOf` branches of distinct types, `allOf` parts that cannot conflict, no
more unique items than their values) or because a validator accepts one of a few
witnesses (`not`, overlapping `oneOf` branches, `if`/`then`/`else`), so a default-mode
answer that fails to validate against it is the generator's fault.
"""

from __future__ import annotations

import datetime
import enum
import itertools
import json
import re
import uuid
from typing import Annotated, Any, Literal, Optional, Union

import jsonschema_rs
from hypothesis import strategies as st
from pydantic import BaseModel, Field, create_model

FORMATS = ["date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname"]

# --------------------------------------------------------------------------- patterns

_atoms = st.one_of(
    st.sampled_from(["a", "b", "x", "Z", "0", "7", "-", "_", " ", "@"]).map(re.escape),
    st.sampled_from([r"\d", r"\w", "[a-z]", "[A-F0-9]", "[^0-9]", "[^a-z]", ".", r"\.", "[xyz]"]),
)
_quantifiers = st.sampled_from(["", "", "?", "*", "+", "{2}", "{1,3}", "{0,2}", "{3,}"])
_pieces = st.tuples(_atoms, _quantifiers).map("".join)
_groups = st.tuples(
    st.lists(st.lists(_pieces, min_size=1, max_size=3).map("".join), min_size=1, max_size=3),
    _quantifiers,
).map(lambda g: "(" + "|".join(g[0]) + ")" + g[1])
pattern_bodies = st.lists(st.one_of(_pieces, _pieces, _groups), min_size=1, max_size=5).map("".join)
"""Regexes of the shapes schemas use: classes, escapes, groups, alternations, repeats."""
patterns = st.tuples(st.sampled_from(["^", ""]), pattern_bodies, st.sampled_from(["$", ""])).map(
    "".join
)

REALISTIC_PATTERNS = [
    r"^\d{5}(-\d{4})?$",
    r"^[A-Z]{2}-\d{3}$",
    r"^[a-z][a-z0-9_]*$",
    r"^(red|green|blue)$",
    r"^\+?[0-9 ]{7,15}$",
    r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
    r"^#[0-9a-fA-F]{6}$",
    r"^(\d+)\.(\d+)\.(\d+)$",
    r"^[A-Z][a-z]+ \d{1,3}$",
    r"^(?:ab|cd){2,3}$",
    r"^(a+)-\1$",
    r"(?i)^[a-z]+$",
    r"^\bword\b-(?:x|y)$",
]

# --------------------------------------------------------------------------- leaves


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    kind = draw(st.sampled_from(["plain", "length", "format", "pattern", "pattern+length"]))
    if kind == "format":
        schema["format"] = draw(st.sampled_from(FORMATS))
    if kind.startswith("pattern"):
        schema["pattern"] = draw(st.one_of(patterns, st.sampled_from(REALISTIC_PATTERNS)))
    if kind == "pattern+length":
        schema["pattern"] = draw(st.sampled_from([r"^[a-z]+$", r"^\d*$", r"^(ab)+$", "x"]))
        schema["minLength"] = draw(st.integers(0, 30))
    if kind == "length":
        low = draw(st.integers(0, 40))
        schema.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "minLength": st.just(low),
                        "maxLength": st.integers(low, low + 20),
                    },
                )
            )
        )
    return schema


def _bounds(draw: st.DrawFn, anchor: float, spread: st.SearchStrategy[Any]) -> dict[str, Any]:
    """Bounds that keep `anchor` valid: inclusive or exclusive, either side or both."""
    schema: dict[str, Any] = {}
    if draw(st.booleans()):
        gap = draw(spread)
        if draw(st.booleans()) and anchor - gap < anchor:
            schema["exclusiveMinimum"] = anchor - gap
        else:
            schema["minimum"] = anchor - gap
    if draw(st.booleans()):
        gap = draw(spread)
        if draw(st.booleans()) and anchor + gap > anchor:
            schema["exclusiveMaximum"] = anchor + gap
        else:
            schema["maximum"] = anchor + gap
    return schema


@st.composite
def integer_schemas(draw: st.DrawFn) -> dict[str, Any]:
    step = draw(st.one_of(st.none(), st.integers(1, 7)))
    anchor = draw(st.integers(-(10**6), 10**6)) * (step or 1)
    schema: dict[str, Any] = {"type": "integer", **_bounds(draw, anchor, st.integers(0, 50))}
    if step is not None:
        schema["multipleOf"] = step
    return schema


@st.composite
def number_schemas(draw: st.DrawFn) -> dict[str, Any]:
    step = draw(st.sampled_from([None, None, 0.5, 0.25, 1.5, 2]))
    if step is None:
        anchor = draw(st.floats(-1e6, 1e6, allow_nan=False))
        spread: st.SearchStrategy[Any] = st.floats(0, 100, allow_nan=False)
    else:
        anchor = draw(st.integers(-1000, 1000)) * step
        spread = st.integers(0, 20).map(lambda n: n * step)
    schema: dict[str, Any] = {"type": "number", **_bounds(draw, anchor, spread)}
    if step is not None:
        schema["multipleOf"] = step
    return schema


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-100, 100),
    st.floats(-100, 100, allow_nan=False),
    st.text(max_size=8),
)
enums = st.lists(scalars, min_size=1, max_size=4, unique_by=lambda v: (type(v), v)).map(
    lambda values: {"enum": values}
)
leaves = st.one_of(
    string_schemas(),
    string_schemas(),
    integer_schemas(),
    number_schemas(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    enums,
    st.builds(lambda value: {"const": value}, scalars),
    st.just({}),
)

# --------------------------------------------------------------------------- composites

names = st.one_of(
    st.sampled_from(["city", "name", "count", "tags", "id", "unit", "when", "score", "note"]),
    st.text(min_size=1, max_size=6),
)


def objects(
    children: st.SearchStrategy[Any], closed: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        properties = draw(st.dictionaries(names, children, max_size=4))
        required = (
            draw(st.lists(st.sampled_from(sorted(properties)), unique=True)) if (properties) else []
        )
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if closed and draw(st.booleans()):
            schema["additionalProperties"] = False
        if len(properties) > 0 and draw(st.booleans()):
            schema["minProperties"] = draw(st.integers(0, len(properties)))
        return schema

    return build()


def arrays(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        low = draw(st.integers(0, 4))
        schema: dict[str, Any] = {"type": "array", "items": draw(children)}
        if draw(st.booleans()):
            schema["minItems"] = low
        if draw(st.booleans()):
            schema["maxItems"] = draw(st.integers(low, low + 3))
        return schema

    return build()


_varied_items = st.sampled_from(
    [
        {"type": "string"},
        {"type": "integer"},
        {"type": "number", "minimum": 0},
        {"type": "string", "format": "date"},
        {"type": "string", "pattern": "^[a-z]{3}$"},
        {"enum": ["a", "b", "c", "d", "e"]},
        {"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]},
    ]
)
unique_arrays = st.builds(
    lambda items, low: {"type": "array", "items": items, "minItems": low, "uniqueItems": True},
    _varied_items,
    st.integers(0, 5),
)
"""`uniqueItems` only over items that can differ, as many as the array needs."""

# --------------------------------------------------------------------------- small domains


def _json_key(value: Any) -> tuple[str, Any]:
    """Equal keys for JSON-equal scalars: 1 and 1.0 are one number, `true` is not 1."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    return ("number", float(value))


UNBOUNDED = 6


@st.composite
def small_domains(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A schema with few values, and how many (`UNBOUNDED` when more than an array needs)."""
    kind = draw(
        st.sampled_from(["range", "steps", "fractions", "below", "enum", "object", "scalar"])
    )
    low = draw(st.integers(-20, 20))
    width = draw(st.integers(0, 4))
    bounds: dict[str, Any]
    if kind == "range":
        if draw(st.booleans()):
            bounds = {"exclusiveMinimum": low - 1, "exclusiveMaximum": low + width + 1}
        else:
            bounds = {"minimum": low, "maximum": low + width}
        return {"type": "integer", **bounds}, width + 1
    if kind == "steps":
        number = draw(st.sampled_from(["integer", "number"]))
        step = draw(st.sampled_from([2, 3] if number == "integer" else [2, 0.5, 0.25, 1.5]))
        bounds = {"minimum": low * step, "maximum": (low + width) * step}
        return {"type": number, "multipleOf": step, **bounds}, width + 1
    if kind == "fractions":  # a range of numbers: as many values as wanted unless a point
        schema: dict[str, Any] = {"type": "number", "minimum": low, "maximum": low + width / 4}
        return schema, 1 if width == 0 else UNBOUNDED
    if kind == "below":  # a top and no bottom: counting up soon leaves it
        tops: list[dict[str, Any]] = [{"type": "integer", "maximum": low}]
        tops.append({"type": "string", "maxLength": 1})
        return draw(st.sampled_from(tops)), UNBOUNDED
    if kind == "enum":
        values = draw(st.lists(scalars, min_size=1, max_size=4))
        return {"enum": values}, len({_json_key(v) for v in values})
    if kind == "object":
        inner: tuple[dict[str, Any], int] = draw(
            small_domains().filter(lambda domain: domain[0].get("type") != "object")
        )
        schema = {"type": "object", "properties": {"k": inner[0]}, "required": ["k"]}
        return {**schema, "additionalProperties": False}, inner[1]
    few: tuple[dict[str, Any], int] = draw(st.sampled_from(_FEW_VALUES))
    return few


_FEW_VALUES: list[tuple[dict[str, Any], int]] = [
    ({"type": "boolean"}, 2),
    ({"type": "null"}, 1),
    ({"const": "only"}, 1),
    ({"type": "string", "maxLength": 0}, 1),
]


@st.composite
def small_unique_arrays(draw: st.DrawFn) -> dict[str, Any]:
    """`uniqueItems` over items with few values: never more items than values."""
    items, size = draw(small_domains())
    low = draw(st.integers(0, min(size, UNBOUNDED - 1)))
    schema: dict[str, Any] = {"type": "array", "items": items, "uniqueItems": True}
    schema["minItems"] = low
    if draw(st.booleans()):
        schema["maxItems"] = draw(st.integers(low, low + 2))
    return schema


_KINDS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "null": {"type": "null"},
    "object": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
    "array": {"type": "array", "items": {"type": "integer"}},
}
one_ofs = st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=3, unique=True).map(
    lambda kinds: {"oneOf": [_KINDS[k] for k in kinds]}
)
"""Branches of distinct types, so exactly one can hold."""


# ------------------------------------------------------------------- what the builder checks
# `not`, `oneOf` branches that overlap and `if`/`then`/`else` are drawn from small pools of
# the keywords and values a builder reaches for first ("example", 0, 1, the first type), and
# kept only when one of `WITNESSES` validates: satisfiable, as a validator says.

_PLAIN = [None, True, False, 0, 1, -1, 2, 0.5, "", "a", "b", "e", "x", "1", "k", "example"]
_TYPES = ["null", "boolean", "integer", "number", "string", "array", "object"]
WITNESSES: list[Any] = [
    *_PLAIN,
    *[3, 5, 10, -10, 1.5, -0.5, 2.5, "ab", "abcdef", "example 2", "hello world"],
    *[[], [1], [1, 2, 3], {}, {"a": "x"}, {"b": 1}, {"a": "x", "b": 1}],
]


def _has_witness(witnesses: list[Any]) -> Any:
    def check(schema: dict[str, Any]) -> bool:
        validator = jsonschema_rs.Draft202012Validator(schema)
        return any(validator.is_valid(value) for value in witnesses)

    return check


_plain_values = st.sampled_from(_PLAIN)
_negatable = st.sampled_from(
    [
        {"type": "string"},
        {"type": "string", "maxLength": 3},
        {"type": "string", "minLength": 2},
        {"type": "integer"},
        {"type": "integer", "minimum": 0, "maximum": 3},
        {"type": "number"},
        {"type": "number", "minimum": -1, "maximum": 1},
        {"type": "boolean"},
        {"type": ["string", "null"]},
        {"type": ["integer", "string"]},
        {"enum": ["a", "b", "example"]},
        {"type": "array", "items": {"type": "integer"}},
        {"type": "object"},
        {},
    ]
)
_types = st.lists(st.sampled_from(_TYPES), min_size=1, max_size=2, unique=True).map(
    lambda kinds: kinds[0] if len(kinds) == 1 else kinds
)
_bounds_to_negate = st.builds(
    lambda key, bound: {key: bound},
    st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
    st.sampled_from([-1, 0, 0.5, 1, 2, 3]),
)
_sizes_to_negate = st.builds(
    lambda key, size: {key: size},
    st.sampled_from(["minLength", "maxLength", "minItems", "maxItems", "minProperties"]),
    st.integers(0, 8),
)
_negated = st.one_of(
    _plain_values.map(lambda value: {"const": value}),
    st.lists(_plain_values, min_size=1, max_size=4).map(lambda values: {"enum": values}),
    _types.map(lambda kind: {"type": kind}),
    _bounds_to_negate,
    st.tuples(_types, _bounds_to_negate).map(lambda t: {"type": t[0], **t[1]}),
    _sizes_to_negate,
)
negations = st.one_of(
    st.builds(lambda base, negated: {**base, "not": negated}, _negatable, _negated),
    st.builds(
        lambda base, first, second: {**base, "allOf": [{"not": first}, {"not": second}]},
        _negatable,
        _negated,
        _negated,
    ),
    st.builds(
        lambda base, options: {**base, "not": {"anyOf": options}},
        _negatable,
        st.lists(_negated, min_size=1, max_size=3),
    ),
).filter(_has_witness(WITNESSES))
"""A `not` (or two, or one of an `anyOf`) beside the keywords it takes values from."""

_overlapping = st.sampled_from(
    [
        {"type": "integer"},
        {"type": "integer", "multipleOf": 2},
        {"type": "number"},
        {"type": "number", "minimum": 0},
        {"type": "number", "maximum": 10},
        {"type": "string"},
        {"type": "string", "minLength": 3},
        {"type": "string", "maxLength": 5},
        {"type": ["string", "null"]},
        {"type": "null"},
        {"type": "boolean"},
        {"enum": ["a", "b", 1]},
        {"const": 1},
        {"not": {"type": "string"}},
        {"type": "object"},
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]},
        {},
    ]
)
overlapping_one_ofs = (
    st.lists(_overlapping, min_size=2, max_size=3, unique_by=json.dumps)
    .map(lambda branches: {"oneOf": branches})
    .filter(_has_witness(WITNESSES))
)
"""`oneOf` branches that share values: the answer must hold for exactly one."""

_KEYS: list[Any] = [None, "a", "b", "k", "example", "", 0, 1, 2, True, False]
OBJECT_WITNESSES = [
    {name: value for name, value in zip("kvw", values, strict=True) if value is not None}
    for values in itertools.product(_KEYS, [None, 0, 5], [None, "", "x"])
]
_conditions = st.sampled_from(
    [
        {"properties": {"k": {"const": "a"}}},
        {"properties": {"k": {"const": "k"}}},  # what property k holds by default
        {"properties": {"k": {"const": 0}}},
        {"properties": {"k": {"const": True}}},
        {"properties": {"k": {"enum": ["a", "example", "k"]}}, "required": ["k"]},
        {"properties": {"k": {"type": "string"}}},
        {"properties": {"k": {"minimum": 1}}},
        {"required": ["v"]},
        {"not": {"required": ["w"]}},
    ]
)
_consequences = st.sampled_from(
    [
        {"required": ["v"]},
        {"required": ["w"]},
        {"required": ["v", "w"]},
        {"properties": {"v": {"minimum": 5}}, "required": ["v"]},
        {"properties": {"k": {"const": "b"}}},
        {"properties": {"w": {"maxLength": 0}}},
        {"not": {"required": ["w"]}},
        {"minProperties": 3},
    ]
)


@st.composite
def _conditional(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(
        st.sampled_from(
            [
                {"type": "string"},
                {"enum": ["a", "b"]},
                {"type": "integer", "minimum": 0, "maximum": 2},
                {"type": "boolean"},
            ]
        )
    )
    properties = {"k": key, "v": {"type": "integer"}, "w": {"type": "string"}}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "if": draw(_conditions)}
    if draw(st.booleans()):
        schema["required"] = ["k"]
    if draw(st.booleans()):
        schema["additionalProperties"] = False
    branches = st.fixed_dictionaries({}, optional={"then": _consequences, "else": _consequences})
    return {**schema, **draw(branches)}


conditionals = st.one_of(
    _conditional(),
    st.lists(_conditional(), min_size=2, max_size=2).map(lambda both: {"allOf": both}),
).filter(_has_witness(OBJECT_WITNESSES))
"""Objects whose `if` (on a property a builder fills from the hint) picks `then` or `else`."""


def pattern_objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`minProperties` where mostly only `patternProperties` may add names. The patterns
    start with distinct literals and leave their end open, so each has names without end
    and no name matches two."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        bodies = draw(st.lists(pattern_bodies, min_size=1, max_size=3))
        patterns = {f"^p{n}_{body}": draw(children) for n, body in enumerate(bodies)}
        schema: dict[str, Any] = {"type": "object", "patternProperties": patterns}
        schema["minProperties"] = draw(st.integers(1, 3))
        schema["additionalProperties"] = draw(st.one_of(st.just(False), st.just(False), children))
        if draw(st.booleans()):
            free = names.filter(lambda name: not any(re.search(p, name) for p in patterns))
            schema["properties"] = draw(st.dictionaries(free, children, max_size=2))
        return schema

    return build()


@st.composite
def nullable(draw: st.DrawFn, children: st.SearchStrategy[Any]) -> dict[str, Any]:
    child: dict[str, Any] = draw(children)
    if child.get("type") == "null":
        return child
    if draw(st.booleans()) and isinstance(child.get("type"), str):
        return {**child, "type": [child["type"], "null"]}
    return {"anyOf": [child, {"type": "null"}]}


@st.composite
def all_ofs(draw: st.DrawFn, children: st.SearchStrategy[Any]) -> dict[str, Any]:
    if draw(st.booleans()):
        low = draw(st.integers(-50, 50))
        high = low + draw(st.integers(0, 50))
        return {"type": "integer", "allOf": [{"minimum": low}, {"maximum": high}]}
    first = draw(objects(children, closed=False))
    second = draw(objects(children, closed=False))
    taken = set(first["properties"])
    second["properties"] = {k: v for k, v in second["properties"].items() if k not in taken}
    second["required"] = [k for k in second.get("required", ()) if k not in taken]
    second.pop("minProperties", None)
    return {"allOf": [first, second]}


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        objects(children),
        objects(children),
        arrays(children),
        nullable(children),
        st.lists(children, min_size=1, max_size=3).map(lambda options: {"anyOf": options}),
        all_ofs(children),
        pattern_objects(children),
        children.map(lambda child: {"x-def": child}),
    )


def _hoist_definitions(schema: Any) -> Any:
    """Move each `{"x-def": child}` into `$defs` and point at it with a `$ref`."""
    definitions: dict[str, Any] = {}
    counter = itertools.count()

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        if set(node) == {"x-def"}:
            name = f"D{next(counter)}"
            definitions[name] = walk(node["x-def"])
            return {"$ref": f"#/$defs/{name}"}
        out = dict(node)
        for key in ("properties", "patternProperties"):
            if isinstance(node.get(key), dict):
                out[key] = {k: walk(v) for k, v in node[key].items()}
        if "items" in node:
            out["items"] = walk(node["items"])
        for key in ("anyOf", "oneOf", "allOf"):
            if isinstance(node.get(key), list):
                out[key] = [walk(option) for option in node[key]]
        return out

    root = walk(schema)
    return {**root, "$defs": definitions} if definitions else root


json_schemas = st.recursive(
    st.one_of(
        leaves,
        unique_arrays,
        one_ofs,
        small_unique_arrays(),
        negations,
        overlapping_one_ofs,
        conditionals,
    ),
    _extend,
    max_leaves=10,
).map(_hoist_definitions)
"""A satisfiable JSON Schema: nested objects, arrays, combinators and `$ref`s included."""


# --------------------------------------------------------------------------- pydantic models


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Size(int, enum.Enum):
    SMALL = 1
    LARGE = 3


_model_names = (f"Model{n}" for n in itertools.count())
field_names = names.filter(
    lambda n: n.isidentifier() and not n.startswith(("_", "model_")) and n not in dir(BaseModel)
)

scalar_types = st.sampled_from(
    [
        int,
        float,
        str,
        bool,
        Literal["a", "b"],
        Colour,
        Size,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        uuid.UUID,
        Annotated[int, Field(ge=10, le=20)],
        Annotated[int, Field(gt=0, multiple_of=5)],
        Annotated[float, Field(gt=0, lt=1)],
        Annotated[str, Field(min_length=3, max_length=5)],
        Annotated[str, Field(pattern=r"^[A-Z]{3}\d$")],
    ]
)


def _model(fields: dict[str, tuple[Any, Any]]) -> Any:
    return create_model(next(_model_names), **fields)  # type: ignore[call-overload]


def _wrap(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        inner.map(lambda t: Optional[t]),  # noqa: UP045 - a runtime type expression
        inner.map(lambda t: list[t]),  # type: ignore[valid-type]
        inner.map(lambda t: Annotated[list[t], Field(min_length=2)]),  # type: ignore[valid-type]
        inner.map(lambda t: dict[str, t]),  # type: ignore[valid-type]
        st.tuples(inner, inner).map(lambda ts: Union[ts[0], ts[1]]),  # noqa: UP007
        st.dictionaries(field_names, inner, min_size=1, max_size=3).map(
            lambda fields: _model({name: (t, ...) for name, t in fields.items()})
        ),
    )


field_types = st.recursive(scalar_types, _wrap, max_leaves=6)


@st.composite
def pydantic_models(draw: st.DrawFn) -> type[BaseModel]:
    """A model of required and optional fields of the types above, nested models included."""
    fields = draw(
        st.dictionaries(
            field_names,
            st.tuples(field_types, st.booleans()),
            min_size=1,
            max_size=5,
        )
    )
    model: type[BaseModel] = _model(
        {name: (t, None) if optional else (t, ...) for name, (t, optional) in fields.items()}
    )
    return model
