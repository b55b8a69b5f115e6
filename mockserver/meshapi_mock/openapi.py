"""`/openapi.json`, generated from the contract models so it cannot drift from them."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from ._version import __version__
from .contract import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ErrorEnvelope,
    ModelInfo,
    ModelsPage,
)

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


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _models_list(summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "security": [{"bearer": []}],
            "responses": {
                "200": _json({"type": "array", "items": _ref("ModelInfo")}, "Bare array"),
                **_errors(401),
            },
        }
    }


@cache
def openapi_document() -> dict[str, Any]:
    models = [
        (ChatCompletionRequest, "validation"),
        (ChatCompletion, "serialization"),
        (ChatCompletionChunk, "serialization"),
        (ModelInfo, "serialization"),
        (ModelsPage, "serialization"),
        (ErrorEnvelope, "serialization"),
    ]
    _, schemas = models_json_schema(models, ref_template=_REF)  # type: ignore[arg-type]
    chat_ok = {
        "description": "A completion, or an SSE stream of chunks when `stream` is true",
        "content": {
            "application/json": {"schema": _ref("ChatCompletion")},
            "text/event-stream": {"schema": _ref("ChatCompletionChunk")},
        },
    }
    paths: dict[str, Any] = {
        "/v1/chat/completions": {
            "post": {
                "summary": "Create a chat completion",
                "security": [{"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ChatCompletionRequest")}},
                },
                "responses": {"200": chat_ok, **_errors(400, 401, 402, 413, 422, 429, 500, 503)},
            }
        },
        "/v1/models": _models_list("List models"),
        "/v1/models/free": _models_list("List free models"),
        "/v1/models/paid": _models_list("List paid models"),
        "/v1/models/search": {
            "get": {
                "summary": "Search models",
                "security": [{"bearer": []}],
                "responses": {
                    "200": _json(_ref("ModelsPage"), "A page of models"),
                    **_errors(401, 422),
                },
            }
        },
        "/v1/models/{model_id}": {
            "get": {
                "summary": "Get one model",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "model_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {"200": _json(_ref("ModelInfo"), "The model"), **_errors(401, 404)},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "MeshAPI (meshapi-mock)", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
