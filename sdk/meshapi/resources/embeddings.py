"""``client.embeddings``: ``POST /v1/embeddings``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.embeddings import EmbeddingsParams, EmbeddingsResponse

Params = EmbeddingsParams | Mapping[str, Any]


def _create(params: Params) -> Call[EmbeddingsResponse]:
    body = rq.dump(params, EmbeddingsParams)
    return rq.post("/v1/embeddings", body, rq.as_model(EmbeddingsResponse))


class EmbeddingsResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def create(self, params: Params) -> EmbeddingsResponse:
        return self._http.call(_create(params))


class AsyncEmbeddingsResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: Params) -> EmbeddingsResponse:
        return await self._http.call(_create(params))
