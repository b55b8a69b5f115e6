"""Default-mode tool arguments come from the tool's JSON Schema, which the client sends:
the builder must follow combined keywords and stay small whatever the schema asks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from meshapi_mock.schema_example import example

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
