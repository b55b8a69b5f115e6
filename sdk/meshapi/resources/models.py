"""``client.models``: the catalogue (bare JSON arrays), one model by id, and search."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, Literal

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.models import ModelInfo, ModelSearchParams, ModelsPage

ModelType = Literal["text", "embedding", "image", "audio", "video"]
SearchParams = ModelSearchParams | Mapping[str, Any]


def _list(free: bool | None, type: ModelType | None, provider: str | None) -> Call[list[ModelInfo]]:
    query = {"free": free, "type": type, "provider": provider}
    return rq.get("/v1/models", rq.as_model_list(ModelInfo), query)


def _free() -> Call[list[ModelInfo]]:
    return rq.get("/v1/models/free", rq.as_model_list(ModelInfo))


def _paid() -> Call[list[ModelInfo]]:
    return rq.get("/v1/models/paid", rq.as_model_list(ModelInfo))


def _search(params: SearchParams | None) -> Call[ModelsPage]:
    """List fields (``brand``, ``input_modality``, ...) go out as repeated query keys."""
    return rq.get("/v1/models/search", rq.as_model(ModelsPage), rq.dump(params, ModelSearchParams))


def _get(model_id: str) -> Call[ModelInfo]:
    """Ids like ``openai/gpt-4o`` keep their ``/``: the route takes the rest of the path."""
    return rq.get(f"/v1/models/{rq.model_path(model_id)}", rq.as_model(ModelInfo))


class ModelsResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def list(
        self,
        *,
        free: bool | None = None,
        type: ModelType | None = None,
        provider: str | None = None,
    ) -> list[ModelInfo]:
        return self._http.call(_list(free, type, provider))

    def free(self) -> builtins.list[ModelInfo]:
        return self._http.call(_free())

    def paid(self) -> builtins.list[ModelInfo]:
        return self._http.call(_paid())

    def search(self, params: SearchParams | None = None) -> ModelsPage:
        return self._http.call(_search(params))

    def get(self, model_id: str) -> ModelInfo:
        return self._http.call(_get(model_id))


class AsyncModelsResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def list(
        self,
        *,
        free: bool | None = None,
        type: ModelType | None = None,
        provider: str | None = None,
    ) -> list[ModelInfo]:
        return await self._http.call(_list(free, type, provider))

    async def free(self) -> builtins.list[ModelInfo]:
        return await self._http.call(_free())

    async def paid(self) -> builtins.list[ModelInfo]:
        return await self._http.call(_paid())

    async def search(self, params: SearchParams | None = None) -> ModelsPage:
        return await self._http.call(_search(params))

    async def get(self, model_id: str) -> ModelInfo:
        return await self._http.call(_get(model_id))
