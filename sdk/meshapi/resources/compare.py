"""``client.compare``: several models answer the same messages, optionally judged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call, StreamCall
from meshapi._streaming import AsyncStream, Stream
from meshapi.types.compare import CompareParams, CompareResponse, CompareStreamEvent

PATH = "/v1/chat/compare"
Params = CompareParams | Mapping[str, Any]


def _create(params: Params) -> Call[CompareResponse]:
    checked = rq.coerce(params, CompareParams)
    if checked.stream:
        raise ValueError("Use stream() for streaming compare requests.")
    return rq.post(PATH, rq.dump(checked, CompareParams), rq.as_model(CompareResponse))


def _stream(params: Params) -> StreamCall[CompareStreamEvent]:
    """Named SSE events (``event: delta`` ...): the name is each event's ``.event``."""
    body = {**rq.dump(params, CompareParams), "stream": True}
    return rq.sse(PATH, body, rq.event_parser(CompareStreamEvent), event_names=True)


class CompareResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def create(self, params: Params) -> CompareResponse:
        return self._http.call(_create(params))

    def stream(self, params: Params) -> Stream[CompareStreamEvent]:
        return self._http.open_stream(_stream(params))


class AsyncCompareResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: Params) -> CompareResponse:
        return await self._http.call(_create(params))

    def stream(self, params: Params) -> AsyncStream[CompareStreamEvent]:
        return self._http.open_stream(_stream(params))
