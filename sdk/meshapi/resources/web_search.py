"""``client.web``: ``POST /v1/web/search`` (feature-flagged on the gateway)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.web_search import WebSearchParams, WebSearchResponse

Params = WebSearchParams | Mapping[str, Any]


def _search(params: Params) -> Call[WebSearchResponse]:
    body = rq.dump(params, WebSearchParams)
    return rq.post("/v1/web/search", body, rq.as_model(WebSearchResponse))


class WebResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def search(self, params: Params) -> WebSearchResponse:
        return self._http.call(_search(params))


class AsyncWebResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def search(self, params: Params) -> WebSearchResponse:
        return await self._http.call(_search(params))
