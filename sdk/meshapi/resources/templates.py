"""``client.templates``: prompt-template CRUD; the list is a bare JSON array."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import Call
from meshapi.types.templates import CreateTemplateParams, TemplateSummary, UpdateTemplateParams

PATH = "/v1/templates"
CreateParams = CreateTemplateParams | Mapping[str, Any]
UpdateParams = UpdateTemplateParams | Mapping[str, Any]

# Template ids go into paths as given, as the official SDK does.


def _create(params: CreateParams) -> Call[TemplateSummary]:
    return rq.post(PATH, rq.dump(params, CreateTemplateParams), rq.as_model(TemplateSummary))


def _list() -> Call[list[TemplateSummary]]:
    return rq.get(PATH, rq.as_model_list(TemplateSummary))


def _get(template_id: str) -> Call[TemplateSummary]:
    return rq.get(f"{PATH}/{template_id}", rq.as_model(TemplateSummary))


def _update(template_id: str, params: UpdateParams) -> Call[TemplateSummary]:
    body = rq.dump(params, UpdateTemplateParams)
    return rq.patch(f"{PATH}/{template_id}", body, rq.as_model(TemplateSummary))


class TemplatesResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def create(self, params: CreateParams) -> TemplateSummary:
        return self._http.call(_create(params))

    def list(self) -> list[TemplateSummary]:
        return self._http.call(_list())

    def get(self, template_id: str) -> TemplateSummary:
        return self._http.call(_get(template_id))

    def update(self, template_id: str, params: UpdateParams) -> TemplateSummary:
        return self._http.call(_update(template_id, params))

    def delete(self, template_id: str) -> None:
        self._http.call(rq.delete(f"{PATH}/{template_id}"))


class AsyncTemplatesResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def create(self, params: CreateParams) -> TemplateSummary:
        return await self._http.call(_create(params))

    async def list(self) -> list[TemplateSummary]:
        return await self._http.call(_list())

    async def get(self, template_id: str) -> TemplateSummary:
        return await self._http.call(_get(template_id))

    async def update(self, template_id: str, params: UpdateParams) -> TemplateSummary:
        return await self._http.call(_update(template_id, params))

    async def delete(self, template_id: str) -> None:
        await self._http.call(rq.delete(f"{PATH}/{template_id}"))
