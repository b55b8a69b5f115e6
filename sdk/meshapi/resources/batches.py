"""``client.batches``: inline chat-completion batches; ids are fully escaped in paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.batches import BatchListResponse, BatchObject, CreateBatchParams

PATH = "/v1/batches"
Params = CreateBatchParams | Mapping[str, Any]


def _create(params: Params) -> Call[BatchObject]:
    return rq.post(PATH, rq.dump(params, CreateBatchParams), rq.as_model(BatchObject))


def _list(after: str | None, limit: int | None) -> Call[BatchListResponse]:
    return rq.get(PATH, rq.as_model(BatchListResponse), {"after": after, "limit": limit})


def _get(batch_id: str) -> Call[BatchObject]:
    return rq.get(f"{PATH}/{rq.segment(batch_id)}", rq.as_model(BatchObject))


def _cancel(batch_id: str) -> Call[BatchObject]:
    return rq.post(f"{PATH}/{rq.segment(batch_id)}/cancel", {}, rq.as_model(BatchObject))


class BatchesResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def create(self, params: Params) -> BatchObject:
        return self._http.call(_create(params))

    def list(self, *, after: str | None = None, limit: int | None = None) -> BatchListResponse:
        return self._http.call(_list(after, limit))

    def get(self, batch_id: str) -> BatchObject:
        return self._http.call(_get(batch_id))

    def cancel(self, batch_id: str) -> BatchObject:
        return self._http.call(_cancel(batch_id))


class AsyncBatchesResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: Params) -> BatchObject:
        return await self._http.call(_create(params))

    async def list(
        self, *, after: str | None = None, limit: int | None = None
    ) -> BatchListResponse:
        return await self._http.call(_list(after, limit))

    async def get(self, batch_id: str) -> BatchObject:
        return await self._http.call(_get(batch_id))

    async def cancel(self, batch_id: str) -> BatchObject:
        return await self._http.call(_cancel(batch_id))
