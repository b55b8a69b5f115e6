"""``client.images``: generation (JSON or SSE chunks) and JSON/base64 edits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call, StreamCall
from meshapi._streaming import AsyncStream, Stream
from meshapi.types.images import (
    ImageEditParams,
    ImageGenerationChunk,
    ImageGenerationParams,
    ImageGenerationResponse,
)

GENERATIONS = "/v1/images/generations"
GenerateParams = ImageGenerationParams | Mapping[str, Any]
EditParams = ImageEditParams | Mapping[str, Any]


def _generate(params: GenerateParams) -> Call[ImageGenerationResponse]:
    """``stream`` is sent as given; use :meth:`ImagesResource.stream` for SSE."""
    body = rq.dump(params, ImageGenerationParams)
    return rq.post(GENERATIONS, body, rq.as_model(ImageGenerationResponse))


def _edit(params: EditParams) -> Call[ImageGenerationResponse]:
    body = rq.dump(params, ImageEditParams)
    return rq.post("/v1/images/edits", body, rq.as_model(ImageGenerationResponse))


def _stream(params: GenerateParams) -> StreamCall[ImageGenerationChunk]:
    body = {**rq.dump(params, ImageGenerationParams), "stream": True}
    return rq.sse(GENERATIONS, body, rq.event_parser(ImageGenerationChunk))


class ImagesResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def generate(self, params: GenerateParams) -> ImageGenerationResponse:
        return self._http.call(_generate(params))

    def edit(self, params: EditParams) -> ImageGenerationResponse:
        return self._http.call(_edit(params))

    def stream(self, params: GenerateParams) -> Stream[ImageGenerationChunk]:
        return self._http.open_stream(_stream(params))


class AsyncImagesResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def generate(self, params: GenerateParams) -> ImageGenerationResponse:
        return await self._http.call(_generate(params))

    async def edit(self, params: EditParams) -> ImageGenerationResponse:
        return await self._http.call(_edit(params))

    def stream(self, params: GenerateParams) -> AsyncStream[ImageGenerationChunk]:
        return self._http.open_stream(_stream(params))
