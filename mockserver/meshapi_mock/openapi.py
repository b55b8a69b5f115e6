"""`/openapi.json`, built from the registry and the contract models, so it cannot drift.

Paths come from the same operations the routes are built from; schemas come from the
request, query and response models each operation declares.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ._version import __version__
from .contract import ErrorEnvelope
from .endpoints.base import Operation, Response
from .registry import ENDPOINTS

_REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {
            "description": "MeshAPI error envelope",
            "content": {"application/json": {"schema": _ref("ErrorEnvelope")}},
        }
        for s in statuses
    }


def _schema(schema: type[BaseModel] | dict[str, Any] | None) -> dict[str, Any]:
    if schema is None:
        return {}
    if isinstance(schema, dict):
        return schema
    return _ref(schema.__name__)


def _success(response: Response) -> dict[str, Any]:
    schema = _schema(response.schema)
    if response.array:
        schema = {"type": "array", "items": schema}
    content = {response.media_type: {"schema": schema}}
    if response.stream_schema is not None:
        content["text/event-stream"] = {"schema": _ref(response.stream_schema.__name__)}
    return {"description": response.description, "content": content}


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    params = [
        {
            "name": part[1:-1].split(":")[0],
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
        }
        for part in operation.path.split("/")
        if part.startswith("{")
    ]
    if operation.query is not None:
        schema = operation.query.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": False, "schema": prop})
    return params


def _operation(operation: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {"summary": operation.summary}
    if not operation.public:
        doc["security"] = [{"bearer": []}]
    parameters = _parameters(operation)
    if parameters:
        doc["parameters"] = parameters
    if operation.request is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(operation.request.__name__)}},
        }
    doc["responses"] = {"200": _success(operation.response), **_errors(*operation.errors)}
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
    return list(models.items())


@cache
def openapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(_schema_models(), ref_template=_REF)  # type: ignore[arg-type]
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        for operation in endpoint.operations:
            if operation.public and operation.path.startswith("/openapi"):
                continue
            item = paths.setdefault(operation.openapi_path, {})
            item[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": "MeshAPI (meshapi-mock)", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
