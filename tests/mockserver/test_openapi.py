"""`/openapi.json` says what the validator and the pipeline do, in ways a fuzzer cannot see.

Schemathesis (`test_schemathesis.py`) checks answers against the document, but the
document's `4XX`/`5XX` (what a rule can script) would hide an undeclared 401 or 422,
and it never compares schemas with the models. These tests do: each component is the
model's own schema, each example is valid both ways, and each status the pipeline
answers by itself is declared by name on every operation it can reach.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from meshapi_mock import MockServer
from meshapi_mock.config import ServerConfig
from meshapi_mock.endpoints.base import Operation
from meshapi_mock.openapi import openapi_document
from meshapi_mock.registry import ENDPOINTS
from meshapi_mock.schema_example import example
from pydantic import BaseModel

REF = "#/components/schemas/{model}"
AUTH = {"Authorization": "Bearer rsk_openapi"}
LIMIT = 4096
"""The fake below refuses bodies over this many bytes, so 413 is cheap to reach."""

DOCUMENT = openapi_document()
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
OPERATIONS = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


def models(kind: str) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for endpoint in ENDPOINTS:
        for op in endpoint.operations:
            candidates = [op.request] if kind == "request" else [op.response.schema]
            if kind == "response":
                candidates.append(op.response.stream_schema)
            for model in candidates:
                if isinstance(model, type) and issubclass(model, BaseModel):
                    found[model.__name__] = model
    return list(found.values())


# --------------------------------------------------------------------------- schemas


def test_the_document_is_valid_openapi() -> None:
    """Checked against the OpenAPI 3.2 meta-schema (3.1 has no `itemSchema` for streams)."""
    schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT)).validate()


@pytest.mark.parametrize(
    ("model", "mode"),
    [(m, "validation") for m in models("request")]
    + [(m, "serialization") for m in models("response")],
    ids=lambda value: value.__name__ if isinstance(value, type) else value,
)
def test_each_component_is_the_models_own_schema(model: type[BaseModel], mode: Any) -> None:
    """So the document cannot drift from what the validator checks (or the fake renders)."""
    own = model.model_json_schema(ref_template=REF, mode=mode)
    definitions = own.pop("$defs", {})
    assert SCHEMAS[model.__name__] == own
    for name, schema in definitions.items():
        assert SCHEMAS[name] == schema, name


def request_examples() -> Iterator[Any]:
    for model in models("request"):
        for index, value in enumerate(SCHEMAS[model.__name__].get("examples", ())):
            yield pytest.param(model, value, id=f"{model.__name__}[{index}]")


@pytest.mark.parametrize(("model", "value"), list(request_examples()))
def test_each_example_is_valid_for_the_document_and_the_validator(
    model: type[BaseModel], value: Any
) -> None:
    document_schema = {"$ref": REF.format(model=model.__name__), **DOCUMENT}
    jsonschema_rs.validator_for(document_schema).validate(value)
    model.model_validate_json(json.dumps(value))


def test_there_are_examples_to_check() -> None:
    assert len(list(request_examples())) >= 3


# --------------------------------------------------------------------------- statuses


@pytest.fixture(scope="module")
def fake() -> Iterator[MockServer]:
    with MockServer(ServerConfig(max_body_bytes=LIMIT)) as server:
        yield server


def declared(operation: dict[str, Any]) -> set[str]:
    return set(operation["responses"])


def call(
    fake: MockServer, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    for parameter in DOCUMENT["paths"].get(path, {}).get(method, {}).get("parameters", ()):
        if parameter["in"] == "path" and "example" in parameter:  # it finds something
            path = path.replace("{" + parameter["name"] + "}", parameter["example"])
    return httpx.request(method.upper(), fake.url + path, headers=headers or AUTH, timeout=10, **kw)


def registered(path: str, method: str) -> Operation:
    return next(
        op
        for endpoint in ENDPOINTS
        for op in endpoint.operations
        if (op.openapi_path, op.method.lower()) == (path, method)
    )


def valid_body(operation: dict[str, Any]) -> bytes:
    """The model's first documented example, else one built from the schema (which cannot
    know that an edit's `image` must hold a real image)."""
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    documented = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]].get("examples")
    return json.dumps(documented[0] if documented else example(schema, root=DOCUMENT)).encode()


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=IDS)
def test_every_status_the_pipeline_answers_is_declared_by_name(
    fake: MockServer, path: str, method: str, operation: dict[str, Any]
) -> None:
    fake.reset()
    fake.templates.add("example")  # what the templates' path example finds
    success = next(status for status in operation["responses"] if status.startswith("2"))
    answered = {call(fake, method, path, headers={}).status_code}  # no key
    content = operation.get("requestBody", {}).get("content", {})
    if content and "application/json" not in content:  # raw bytes: only the size is read
        answered.add(call(fake, method, path, content=b" " * (LIMIT + 1)).status_code)
        assert 413 in answered
    if "application/json" in content:
        body = valid_body(operation)
        assert call(fake, method, path, content=body).status_code == int(success), body
        answered.add(call(fake, method, path, content=b"{").status_code)
        answered.add(call(fake, method, path, content=b"[]").status_code)
        answered.add(call(fake, method, path, content=b" " * (LIMIT + 1)).status_code)
        fake.strict = True
        answered.add(call(fake, method, path, content=body).status_code)
    for parameter in operation.get("parameters", ()):
        if parameter["in"] == "query" and parameter["schema"].get("type") != "string":
            bad = {parameter["name"]: "not-a-value"}
            answered.add(call(fake, method, path, params=bad).status_code)

    assert {str(s) for s in answered} <= declared(operation)
    assert {"408", "4XX", "5XX"} <= declared(operation)
    if operation["security"]:  # a public operation (a signed URL) takes no key
        assert "401" in declared(operation)
    if "application/json" in content:
        assert {400, 413, 422} <= answered  # each step was reached
        if registered(path, method).synthetic:  # strict mode refuses only made-up answers
            assert 404 in answered


def test_an_unknown_model_is_a_declared_404(fake: MockServer) -> None:
    response = call(fake, "get", "/v1/models/acme/unknown")
    assert response.status_code == 404
    assert "404" in declared(DOCUMENT["paths"]["/v1/models/{model_id}"]["get"])


def test_streams_are_described_event_by_event() -> None:
    chat = DOCUMENT["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    event = chat["text/event-stream"]["itemSchema"]
    validator = jsonschema_rs.validator_for({**event, **DOCUMENT})
    assert validator.is_valid({"event": "message", "data": "[DONE]"})
    assert not validator.is_valid({"event": "message"})
    assert not validator.is_valid({"data": 1})
    assert DOCUMENT["openapi"].startswith("3.2.")  # itemSchema is 3.2's


@pytest.mark.parametrize("seconds", [2, 2.5, 0.0000001])
def test_a_scripted_retry_after_has_the_documented_form(fake: MockServer, seconds: float) -> None:
    fake.reset()
    fake.chat.error(429, retry_after=seconds)
    body = {"messages": [{"role": "user", "content": "hi"}]}
    response = call(fake, "post", "/v1/chat/completions", json=body)
    assert response.status_code == 429
    header = DOCUMENT["components"]["headers"]["RetryAfter"]["schema"]
    assert jsonschema_rs.validator_for(header).is_valid(response.headers["retry-after"])
