"""``client.router``: ``POST /v1/router/select`` picks a model for the messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.router_select import RouterSelectParams, RouterSelectResponse

Params = RouterSelectParams | Mapping[str, Any]


def _select(params: Params) -> Call[RouterSelectResponse]:
    body = rq.dump(params, RouterSelectParams)
    return rq.post("/v1/router/select", body, rq.as_model(RouterSelectResponse))


class RouterResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def select(self, params: Params) -> RouterSelectResponse:
        return self._http.call(_select(params))


class AsyncRouterResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def select(self, params: Params) -> RouterSelectResponse:
        return await self._http.call(_select(params))
