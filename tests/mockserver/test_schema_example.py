"""Default-mode tool arguments and structured output come from a JSON Schema the client
sends: the builder must follow combined keywords, stay small whatever the schema asks, and
give a value a JSON Schema validator (and pydantic, for a model's schema) accepts."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi._structured import strict_schema
from meshapi_mock.schema_example import example
from openai import pydantic_function_tool
from pydantic import BaseModel
from support.json_schemas import json_schemas, pattern_bodies, pydantic_models

SMALL = 1_000_000
"""Bytes of JSON: sent in a blink, where the schemas below ask for gigabytes."""


def test_all_of_keeps_the_keywords_beside_it() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 3}},
        "allOf": [{"required": ["city"]}, {"required": ["days"]}],
    }
    assert example(schema, "Paris") == {"city": "Paris", "days": 3}


def test_one_of_merges_its_first_branch_with_the_keywords_beside_it() -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string", "format": "uuid"}},
        "oneOf": [{"required": ["id"]}, {"required": ["name"]}],
    }
    assert example(schema) == {"id": "00000000-0000-4000-8000-000000000000"}


def test_a_ref_beside_other_keywords() -> None:
    root = {"$defs": {"Unit": {"enum": ["celsius", "fahrenheit"]}}}
    schema = {"$ref": "#/$defs/Unit", "description": "unit"}
    assert example(schema, root=root) == "celsius"


def nested(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 10**9}
    for _ in range(levels):
        schema = {"type": "array", "minItems": 10**9, "items": schema}
    return schema


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": 10**9},
        {"type": "string", "minLength": 10**9},
        nested(4),
        {"$defs": {"A": {"allOf": [{"$ref": "#/$defs/A"}] * 4}}, "$ref": "#/$defs/A"},
    ],
    ids=["long array", "long string", "nested arrays", "branching recursion"],
)
def test_the_value_stays_small_whatever_the_schema_asks(schema: dict[str, Any]) -> None:
    assert len(json.dumps(example(schema))) < SMALL


@pytest.mark.parametrize("pattern", [r"^\w$", r"^\w+$", r"^\d{2}$", r"^\S+$", r"^[^\s]+$"])
def test_patterns_read_their_classes_as_json_schema_does(pattern: str) -> None:
    """ECMA-262's `\\w` and `\\d` are ASCII, its `\\s` Unicode: a property name offered as a
    hint must not pass where Python's reading differs ("º" as a word, "²" as a digit, a
    no-break space as not a space)."""
    names = ("º", "²²", "prix\u00a0HT")
    schema = {
        "type": "object",
        "properties": {name: {"type": "string", "pattern": pattern} for name in names},
        "required": list(names),
    }

    assert_valid(schema, example(schema))


def test_patterns_that_backtrack_cost_no_more_than_the_example_s_regex_budget() -> None:
    """Each search stops at its timeout and all of an example's share one budget, so a
    schema full of catastrophic patterns still gets its (imperfect) answer."""
    evil = {"type": "string", "pattern": "^(?=(a+)+c)(a+)+b$", "minLength": 5000}
    schema = {"type": "array", "minItems": 100, "items": evil}

    value = example(schema)

    assert len(value) == 100 and len(json.dumps(value)) < SMALL


def test_a_bound_out_of_range_is_a_broken_schema() -> None:
    with pytest.raises(ValueError, match="out of range"):
        example({"type": "integer", "minimum": float("inf")})


def test_a_huge_schema_demand_gets_a_prompt_small_tool_call(http: httpx.Client) -> None:
    parameters = {"type": "object", "properties": {"rows": nested(3)}, "required": ["rows"]}
    tool = {"type": "function", "function": {"name": "fill", "parameters": parameters}}
    body = {"messages": [{"role": "user", "content": "Fill it"}], "tools": [tool]}

    response = http.post("/v1/chat/completions", json={**body, "tool_choice": "required"})

    assert response.status_code == 200
    assert len(response.content) < SMALL
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    assert list(json.loads(call["function"]["arguments"])) == ["rows"]


# --- any satisfiable schema: the example validates (checked by a JSON Schema validator) ---

hints = st.one_of(st.just("example"), st.from_regex(r"[A-Z][a-z]{1,8}", fullmatch=True))


def assert_valid(schema: dict[str, Any], value: Any, draft: Any = None) -> None:
    """Valid, formats included; building the validator also checks the schema itself."""
    validator = (draft or jsonschema_rs.Draft202012Validator)(schema, validate_formats=True)
    problems = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(value)]
    assert not problems, (json.dumps(value)[:2000], problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=json_schemas, hint=hints)
def test_the_example_of_any_satisfiable_schema_validates(schema: dict[str, Any], hint: str) -> None:
    assert_valid(schema, example(schema, hint))


@settings(max_examples=300, deadline=None)
@given(
    body=pattern_bodies,
    anchors=st.sampled_from([("^", "$"), ("^", ""), ("", "$"), ("", "")]),
    min_length=st.integers(0, 12),
    count=st.integers(1, 5),
)
def test_a_string_follows_its_pattern_and_length(
    body: str, anchors: tuple[str, str], min_length: int, count: int
) -> None:
    """Any length when one end is open (the match can be padded); the pattern's own otherwise."""
    pattern = anchors[0] + body + anchors[1]
    item: dict[str, Any] = {"type": "string", "pattern": pattern}
    if anchors != ("^", "$"):
        item["minLength"] = min_length
    schema = {"type": "array", "minItems": count, "items": item}

    assert_valid(schema, example(schema))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(model=pydantic_models(), flavour=st.sampled_from(["plain", "openai", "meshapi"]), hint=hints)
def test_a_pydantic_model_validates_its_example(
    model: type[BaseModel], flavour: str, hint: str
) -> None:
    """As `model_json_schema()` is, and made strict as the `openai` SDK's `parse()` and
    strict tools send it, or the bundled SDK's `parse(strict=True)`."""
    schema = model.model_json_schema()
    if flavour == "openai":
        schema = dict(pydantic_function_tool(model)["function"]["parameters"] or {})
    elif flavour == "meshapi":
        schema = strict_schema(schema)
    value = example(schema, hint)

    assert_valid(schema, value)
    model.model_validate_json(json.dumps(value))


def test_draft_4_exclusive_bounds_are_flags() -> None:
    schema = {
        "type": "object",
        "properties": {
            "low": {"type": "integer", "minimum": 5, "exclusiveMinimum": True},
            "high": {"type": "number", "maximum": 0.5, "exclusiveMaximum": True},
        },
        "required": ["low", "high"],
    }
    value = example(schema)

    assert_valid(schema, value, jsonschema_rs.Draft4Validator)
    assert value["low"] == 6


def test_unique_items_differ_and_recursion_ends() -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "tag": {"enum": ["a", "b", "c"]},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                    "parent": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                },
                "required": ["tag", "children", "parent"],
            }
        },
        "type": "array",
        "items": {"$ref": "#/$defs/Node"},
        "minItems": 3,
        "uniqueItems": True,
    }
    value = example(schema)

    assert_valid(schema, value)
    assert [node["tag"] for node in value] == ["a", "b", "c"]


# --- what merging keywords cannot promise: found by an audit, answered over HTTP ---------

UNIQUE = {"type": "array", "minItems": 3, "uniqueItems": True}
AUDITED: dict[str, tuple[dict[str, Any], str]] = {
    "unique integers below a maximum": (
        {**UNIQUE, "items": {"type": "integer", "maximum": 0}},
        "list three numbers",
    ),
    "unique numbers between two bounds": (
        {**UNIQUE, "items": {"type": "number", "minimum": 0, "maximum": 1}},
        "list three numbers",
    ),
    "unique short strings": (
        {**UNIQUE, "items": {"type": "string", "maxLength": 1}},
        "list three letters",
    ),
    "not an enum holding the hint": (
        {"type": "string", "not": {"enum": ["x", "example"]}},
        "say something",  # no proper noun: the hint is "example"
    ),
    "if a property is the hint then another is required": (
        {
            "type": "object",
            "properties": {"k": {"type": "string"}},
            "required": ["k"],
            "if": {"properties": {"k": {"const": "Paris"}}},
            "then": {"required": ["v"]},
        },
        "what about Paris?",
    ),
    "patternProperties only, at least one": (
        {
            "type": "object",
            "patternProperties": {"^x_": {"type": "integer"}},
            "additionalProperties": False,
            "minProperties": 1,
        },
        "fill it",
    ),
    "oneOf branches that overlap": (
        {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]},
        "pick a number",
    ),
}


def _answer(http: httpx.Client, surface: str, schema: dict[str, Any], prompt: str) -> Any:
    """The value default mode answers `schema` with, asked as `surface` asks it."""
    messages = [{"role": "user", "content": prompt}]
    if surface == "chat":
        spec = {"name": "out", "schema": schema}
        body = {
            "messages": messages,
            "response_format": {"type": "json_schema", "json_schema": spec},
        }
        response = http.post("/v1/chat/completions", json=body)
        assert response.status_code == 200, response.text
        return json.loads(response.json()["choices"][0]["message"]["content"])
    if surface == "responses":
        text = {"format": {"type": "json_schema", "name": "out", "schema": schema}}
        response = http.post("/v1/responses", json={"input": prompt, "text": text})
        assert response.status_code == 200, response.text
        (message,) = [item for item in response.json()["output"] if item["type"] == "message"]
        return json.loads("".join(part["text"] for part in message["content"]))
    # Arguments are an object: the value is its property "x" (with no proper noun in the
    # prompt, a string property holds its name, so "x" here is "example" at the top).
    parameters = {"type": "object", "properties": {"x": schema}, "required": ["x"]}
    tool = {"type": "function", "function": {"name": "fill", "parameters": parameters}}
    body = {"messages": messages, "tools": [tool], "tool_choice": "required"}
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    (call,) = response.json()["choices"][0]["message"]["tool_calls"]
    return json.loads(call["function"]["arguments"])["x"]


@pytest.mark.parametrize("surface", ["chat", "responses", "tool"])
@pytest.mark.parametrize("case", list(AUDITED), ids=list(AUDITED))
def test_audited_schemas_get_a_valid_answer(http: httpx.Client, case: str, surface: str) -> None:
    """Structured output in chat and in responses, and tool arguments: each a value valid
    against a schema whose generated value once was not (the `if` fires on the hint)."""
    schema, prompt = AUDITED[case]

    assert_valid(schema, _answer(http, surface, schema, prompt))


@pytest.mark.parametrize(
    ("items", "values"),
    [
        ({"type": "integer", "minimum": 10, "maximum": 11}, [10, 11]),
        ({"type": "integer", "minimum": 0, "maximum": 1}, [0, 1]),
        ({"enum": [1, True, 1.0]}, [1, True]),  # 1 and 1.0 are one JSON number, true not
    ],
)
def test_unique_items_with_too_few_values_stop_at_the_values_there_are(
    items: dict[str, Any], values: list[Any]
) -> None:
    """No value satisfies `minItems: 3` with two possible items: the answer stays unique."""
    schema = {"type": "array", "minItems": 3, "uniqueItems": True, "items": items}

    value = example(schema)

    assert json.dumps(value) == json.dumps(values)
    assert_valid({**schema, "minItems": len(values)}, value)
