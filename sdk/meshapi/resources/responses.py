"""``client.responses``: the Responses API, JSON or SSE, plus background-job listing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call, StreamCall
from meshapi._streaming import AsyncStream, Stream
from meshapi.types.responses import (
    ResponsesListResponse,
    ResponsesParams,
    ResponsesResponse,
    ResponsesStreamEvent,
)

PATH = "/v1/responses"
Params = ResponsesParams | Mapping[str, Any]


def _create(params: Params) -> Call[ResponsesResponse]:
    checked = rq.coerce(params, ResponsesParams)
    if checked.stream:
        raise ValueError("Use stream() for streaming responses requests.")
    return rq.post(PATH, rq.dump(checked, ResponsesParams), rq.as_model(ResponsesResponse))


def _stream(params: Params) -> StreamCall[ResponsesStreamEvent]:
    """Events keep the SSE ``event:`` name as ``.event``; the stream may end without [DONE]."""
    body = {**rq.dump(params, ResponsesParams), "stream": True}
    return rq.sse(PATH, body, rq.event_parser(ResponsesStreamEvent), event_names=True)


def _list(after: str | None, limit: int | None) -> Call[ResponsesListResponse]:
    return rq.get(PATH, rq.as_model(ResponsesListResponse), {"after": after, "limit": limit})


def _get(response_id: str) -> Call[ResponsesResponse]:
    # The id goes into the path as given, as the official SDK does.
    return rq.get(f"{PATH}/{response_id}", rq.as_model(ResponsesResponse))


class ResponsesResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def create(self, params: Params) -> ResponsesResponse:
        return self._http.call(_create(params))

    def stream(self, params: Params) -> Stream[ResponsesStreamEvent]:
        return self._http.open_stream(_stream(params))

    def list(self, *, after: str | None = None, limit: int | None = None) -> ResponsesListResponse:
        return self._http.call(_list(after, limit))

    def get(self, response_id: str) -> ResponsesResponse:
        return self._http.call(_get(response_id))


class AsyncResponsesResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: Params) -> ResponsesResponse:
        return await self._http.call(_create(params))

    def stream(self, params: Params) -> AsyncStream[ResponsesStreamEvent]:
        return self._http.open_stream(_stream(params))

    async def list(
        self, *, after: str | None = None, limit: int | None = None
    ) -> ResponsesListResponse:
        return await self._http.call(_list(after, limit))

    async def get(self, response_id: str) -> ResponsesResponse:
        return await self._http.call(_get(response_id))
