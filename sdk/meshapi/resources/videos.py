"""``client.videos``: video generation tasks on ``/v1/video/generations`` (singular)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.videos import (
    CreateVideoGenerationResponse,
    ListVideoGenerationsParams,
    VideoGenerationParams,
    VideoTaskListResponse,
    VideoTaskResponse,
)

PATH = "/v1/video/generations"
GenerateParams = VideoGenerationParams | Mapping[str, Any]
ListParams = ListVideoGenerationsParams | Mapping[str, Any]


def _generate(params: GenerateParams) -> Call[CreateVideoGenerationResponse]:
    body = rq.dump(params, VideoGenerationParams)
    return rq.post(PATH, body, rq.as_model(CreateVideoGenerationResponse))


def _list(params: ListParams | None) -> Call[VideoTaskListResponse]:
    query = rq.dump(params, ListVideoGenerationsParams)
    return rq.get(PATH, rq.as_model(VideoTaskListResponse), query)


def _retrieve(task_id: str) -> Call[VideoTaskResponse]:
    # The id goes into the path as given, as the official SDK does.
    return rq.get(f"{PATH}/{task_id}", rq.as_model(VideoTaskResponse))


class VideosResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def generate(self, params: GenerateParams) -> CreateVideoGenerationResponse:
        return self._http.call(_generate(params))

    def list(self, params: ListParams | None = None) -> VideoTaskListResponse:
        return self._http.call(_list(params))

    def retrieve(self, task_id: str) -> VideoTaskResponse:
        return self._http.call(_retrieve(task_id))


class AsyncVideosResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def generate(self, params: GenerateParams) -> CreateVideoGenerationResponse:
        return await self._http.call(_generate(params))

    async def list(self, params: ListParams | None = None) -> VideoTaskListResponse:
        return await self._http.call(_list(params))

    async def retrieve(self, task_id: str) -> VideoTaskResponse:
        return await self._http.call(_retrieve(task_id))
