"""`/openapi.json`, built from the registry and the contract models, so it cannot drift.

Paths come from the same operations the routes are built from; schemas come from the
request, query and response models each operation declares. The error statuses come
from the pipeline's steps each operation goes through (a bearer key → 401, a JSON body
→ 400/413/422, a query → 422, a made-up answer → 404 in strict mode), so what the fake
can answer and what the document says it answers are derived from one declaration.
A Schemathesis run (`tests/mockserver/test_schemathesis.py`) holds the two together.
WebSocket operations are listed under `x-websockets`, outside `paths` (see `_websocket`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ._version import __version__
from .contract import ErrorEnvelope, StreamError
from .endpoints.base import Operation, Response
from .registry import ENDPOINTS

OPENAPI_VERSION = "3.2.0"
"""3.2 because it is the first to describe a server-sent event stream (`itemSchema`)."""

_REF = "#/components/schemas/{model}"

STATUS_DESCRIPTIONS: dict[str, str] = {
    "400": "The body is not JSON (malformed, not UTF-8, or a NaN/Infinity literal)",
    "401": "The bearer key is missing or invalid",
    "402": "Spend limit reached (answered when a rule scripts it)",
    "403": "The key may not do this, or the feature is off (scripted)",
    "404": (
        "Not found: an unknown id, a model the catalogue cannot serve (`model_not_found`), "
        "or in strict mode a request no rule matched (`no_matching_rule`)"
    ),
    "408": "The request (headers and body) did not arrive within the request timeout",
    "413": "The body is larger than the server's limit",
    "422": "The request failed validation; `error.details` lists each problem",
    "429": "Rate limited (scripted); `Retry-After` says when to retry",
    "500": "Upstream error (scripted)",
    "501": (
        "Not implemented: a catalogue model of a kind the operation does not serve "
        "(`model_capability_not_supported`), or the feature is off (scripted)"
    ),
    "503": "Upstream unavailable (scripted)",
    "4XX": "Any other client error a rule scripts",
    "5XX": "Any other server error a rule scripts, or the fake's own failure (`mock_*` codes)",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


RAW_MEDIA_TYPE = "application/octet-stream"
"""How a `raw` body is documented; the operation may want a particular type (its own)."""
_BYTES = {"type": "string", "format": "binary"}
_REQUEST_ID = {"$ref": "#/components/headers/RequestId"}
_RETRY_AFTER = {"$ref": "#/components/headers/RetryAfter"}


def error_statuses(operation: Operation) -> list[str]:
    """Every error status the operation can answer, most specific first."""
    statuses = set(operation.errors)
    if not operation.public:
        statuses.add(401)
    statuses.add(408)
    if operation.request is not None:
        statuses |= {400, 413, 422}
    if operation.body == "raw":
        statuses.add(413)
    if operation.query is not None:
        statuses.add(422)
    if operation.synthetic:
        statuses.add(404)
    if operation.model_kinds:
        statuses.add(501)
    return [*map(str, sorted(statuses)), "4XX", "5XX"]


def _error(status: str) -> dict[str, Any]:
    headers: dict[str, Any] = {"x-request-id": _REQUEST_ID}
    if status in ("429", "503", "4XX", "5XX"):
        headers["Retry-After"] = _RETRY_AFTER
    return {
        "description": STATUS_DESCRIPTIONS.get(status, "MeshAPI error envelope"),
        "headers": headers,
        "content": {"application/json": {"schema": _ref("ErrorEnvelope")}},
    }


def _schema(schema: type[BaseModel] | dict[str, Any] | None) -> dict[str, Any]:
    if schema is None:
        return {}
    if isinstance(schema, dict):
        return schema
    return _ref(schema.__name__)


def _json_event(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}


def sse_event(model: type[BaseModel]) -> dict[str, Any]:
    """One server-sent event of a stream of `model` chunks (contract §1.10).

    A `data` line holds a chunk, an error frame, or the `[DONE]` sentinel.
    """
    data = {"anyOf": [_json_event(_ref(model.__name__)), _json_event(_ref("StreamError"))]}
    data["anyOf"].append({"const": "[DONE]"})
    return {
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": {"type": "string"},
            "id": {"type": "string"},
            "retry": {"type": "integer", "minimum": 0},
            "data": data,
        },
    }


def _success(response: Response) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "description": response.description,
        "headers": {"x-request-id": _REQUEST_ID},
    }
    if response.status != 204:  # No Content has no body, so no media type
        schema = _schema(response.schema)
        if response.array:
            schema = {"type": "array", "items": schema}
        content: dict[str, Any] = {response.media_type: {"schema": schema}}
        content.update({kind: {"schema": dict(other)} for kind, other in response.also.items()})
        if response.stream_schema is not None:
            content["text/event-stream"] = {"itemSchema": sse_event(response.stream_schema)}
        doc["content"] = content
    if response.links:
        doc["links"] = {name: dict(link) for name, link in response.links.items()}
    return doc


def _query_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """A query value is never JSON null: an absent parameter is how a client says "none"."""
    rest = {k: v for k, v in prop.items() if k != "anyOf" and (k, v) != ("default", None)}
    options = prop.get("anyOf")
    if not isinstance(options, list):
        return rest
    kept = [o for o in options if o.get("type") != "null"]
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}


def _shadowed(operation: Operation) -> list[str]:
    """Literal siblings routed before a trailing `{name:path}` (`/v1/models/search`)."""
    prefix, _, last = operation.path.rpartition("/")
    if not last.endswith(":path}"):
        return []
    return sorted(
        other.path.rpartition("/")[2]
        for endpoint in ENDPOINTS
        for other in endpoint.operations
        if other.method == operation.method
        and other.path.rpartition("/")[0] == prefix
        and not other.path.rpartition("/")[2].startswith("{")
    )


def _path_parameter(operation: Operation, part: str) -> dict[str, Any]:
    name, _, kind = part[1:-1].partition(":")
    param: dict[str, Any] = {"name": name, "in": "path", "required": True}
    param["schema"] = {"type": "string"}
    if kind == "path":
        param["description"] = "May contain `/`."
        shadowed = _shadowed(operation)
        if shadowed:
            # Not `not: {enum}`: OpenAPI already matches concrete paths first.
            param["description"] += (
                " "
                + ", ".join(f"`{s}`" for s in shadowed)
                + (" are other operations (concrete paths match first).")
            )
    if name in operation.path_examples:
        param["example"] = operation.path_examples[name]
    return param


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    params = [
        _path_parameter(operation, part)
        for part in operation.path.split("/")
        if part.startswith("{")
    ]
    if operation.query is not None:
        schema = operation.query.model_json_schema()
        required = set(schema.get("required", ()))
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": _query_schema(prop),
                }
            )
    return params


def _operation(operation: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {"operationId": operation.operation_id}
    doc["summary"] = operation.summary
    doc["security"] = [] if operation.public else [{"bearer": []}]
    parameters = _parameters(operation)
    if parameters:
        doc["parameters"] = parameters
    if operation.request is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(operation.request.__name__)}},
        }
    elif operation.body == "raw":
        doc["requestBody"] = {"required": True, "content": {RAW_MEDIA_TYPE: {"schema": _BYTES}}}
    doc["responses"] = {
        str(operation.response.status): _success(operation.response),
        **{status: _error(status) for status in error_statuses(operation)},
    }
    return doc


def _websocket(operation: Operation) -> dict[str, Any]:
    """A WebSocket operation, under `x-websockets`: OpenAPI describes requests and their
    responses, not a socket's events, and a plain GET of the path only gets 426 (so it is
    no operation for a fuzzer to call). Its handshake's query parameters and key are here."""
    doc: dict[str, Any] = {"operationId": operation.operation_id, "summary": operation.summary}
    doc["parameters"] = _parameters(operation)
    if operation.key_query is not None:
        doc["key"] = f"query parameter `{operation.key_query}` (or a bearer header)"
    return doc


def _schema_models() -> list[tuple[type[BaseModel], str]]:
    models: dict[type[BaseModel], str] = {}
    for endpoint in ENDPOINTS:
        for op in endpoint.operations:
            if op.request is not None:
                models.setdefault(op.request, "validation")
            for out in (op.response.schema, op.response.stream_schema):
                if isinstance(out, type) and issubclass(out, BaseModel):
                    models.setdefault(out, "serialization")
    models.setdefault(ErrorEnvelope, "serialization")
    models.setdefault(StreamError, "serialization")
    return list(models.items())


_HEADERS: dict[str, Any] = {
    "RequestId": {
        "description": "The request's id (echoed when the client sent one); also in error bodies",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    },
    "RetryAfter": {
        "description": "Seconds to wait before retrying (delta-seconds, possibly fractional)",
        "required": False,
        "schema": {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
    },
}


@cache
def openapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(_schema_models(), ref_template=_REF)  # type: ignore[arg-type]
    paths: dict[str, Any] = {}
    websockets: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        for operation in endpoint.operations:
            if operation.public and operation.path.startswith("/openapi"):
                continue
            if operation.websocket is not None:
                websockets[operation.openapi_path] = _websocket(operation)
                continue
            item = paths.setdefault(operation.openapi_path, {})
            item[operation.method.lower()] = _operation(operation)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "MeshAPI (meshapi-mock)", "version": __version__},
        "paths": paths,
        "x-websockets": websockets,
        "components": {
            "schemas": schemas["$defs"],
            "headers": _HEADERS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A MeshAPI key: `rsk_` and any characters, unless the fake "
                    "was started with a list of accepted keys",
                }
            },
        },
    }
