"""``client.moderations``: ``POST /v1/moderations`` (``model`` defaults to omni-moderation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.moderations import ModerationParams, ModerationResponse

Params = ModerationParams | Mapping[str, Any]


def _create(params: Params) -> Call[ModerationResponse]:
    body = rq.dump(params, ModerationParams)
    return rq.post("/v1/moderations", body, rq.as_model(ModerationResponse))


class ModerationsResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def create(self, params: Params) -> ModerationResponse:
        return self._http.call(_create(params))


class AsyncModerationsResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: Params) -> ModerationResponse:
        return await self._http.call(_create(params))
