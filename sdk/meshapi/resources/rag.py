"""``client.rag``: files for retrieval: upload, embed, search.

``upload_file`` is two calls: ``POST /v1/files`` for a signed URL, then a ``PUT`` of the bytes
to that URL, which carries only ``Content-Type`` (no token: the URL is the credential) and,
as in the official SDK, is sent once (never retried) and fails with ``httpx.HTTPStatusError``
rather than a MeshAPI error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshapi import _request as rq
from meshapi._http import AsyncHttpClient, SyncHttpClient
from meshapi._request import APIRequest, Call
from meshapi.types.rag import (
    BulkEmbedRequest,
    BulkEmbedResponse,
    InitUploadRequest,
    InitUploadResponse,
    RagFileListResponse,
    RagFileStatus,
    SearchRequest,
    SearchResponse,
)

PATH = "/v1/files"
InitParams = InitUploadRequest | Mapping[str, Any]
EmbedParams = BulkEmbedRequest | Mapping[str, Any]
SearchParams = SearchRequest | Mapping[str, Any]


def _init_upload(params: InitParams) -> Call[InitUploadResponse]:
    return rq.post(PATH, rq.dump(params, InitUploadRequest), rq.as_model(InitUploadResponse))


def _put(upload: InitUploadResponse, mime_type: str, content: bytes) -> Call[None]:
    request = APIRequest(
        "PUT",
        upload.signed_url,
        content=content,
        headers={"Content-Type": mime_type},
        retry=False,
    )
    return Call(request, rq.nothing, error=rq.http_status_error)


def _list(limit: int | None, offset: int | None) -> Call[RagFileListResponse]:
    return rq.get(PATH, rq.as_model(RagFileListResponse), {"limit": limit, "offset": offset})


def _get(file_id: str) -> Call[RagFileStatus]:
    return rq.get(f"{PATH}/{rq.segment(file_id)}", rq.as_model(RagFileStatus))


def _embed(params: EmbedParams) -> Call[BulkEmbedResponse]:
    body = rq.dump(params, BulkEmbedRequest)
    return rq.post(f"{PATH}/embed", body, rq.as_model(BulkEmbedResponse))


def _search(params: SearchParams) -> Call[SearchResponse]:
    return rq.post(f"{PATH}/search", rq.dump(params, SearchRequest), rq.as_model(SearchResponse))


def _init_params(
    file_name: str, mime_type: str, embed: bool | None, metadata: dict[str, Any] | None
) -> InitUploadRequest:
    return InitUploadRequest(
        file_name=file_name, mime_type=mime_type, embed=embed, metadata=metadata
    )


class RagResource:
    def __init__(self, http: SyncHttpClient) -> None:
        self._http = http

    def init_upload(self, params: InitParams) -> InitUploadResponse:
        return self._http.call(_init_upload(params))

    def list(self, limit: int | None = None, offset: int | None = None) -> RagFileListResponse:
        return self._http.call(_list(limit, offset))

    def get(self, file_id: str) -> RagFileStatus:
        return self._http.call(_get(file_id))

    def embed(self, params: EmbedParams) -> BulkEmbedResponse:
        return self._http.call(_embed(params))

    def search(self, params: SearchParams) -> SearchResponse:
        return self._http.call(_search(params))

    def upload_file(
        self,
        *,
        file_name: str,
        mime_type: str,
        content: bytes,
        embed: bool | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> InitUploadResponse:
        """Create the file and upload its bytes; returns the first step's answer."""
        upload = self.init_upload(_init_params(file_name, mime_type, embed, metadata))
        self._http.call(_put(upload, mime_type, content))
        return upload


class AsyncRagResource:
    def __init__(self, http: AsyncHttpClient) -> None:
        self._http = http

    async def init_upload(self, params: InitParams) -> InitUploadResponse:
        return await self._http.call(_init_upload(params))

    async def list(
        self, limit: int | None = None, offset: int | None = None
    ) -> RagFileListResponse:
        return await self._http.call(_list(limit, offset))

    async def get(self, file_id: str) -> RagFileStatus:
        return await self._http.call(_get(file_id))

    async def embed(self, params: EmbedParams) -> BulkEmbedResponse:
        return await self._http.call(_embed(params))

    async def search(self, params: SearchParams) -> SearchResponse:
        return await self._http.call(_search(params))

    async def upload_file(
        self,
        *,
        file_name: str,
        mime_type: str,
        content: bytes,
        embed: bool | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> InitUploadResponse:
        """Create the file and upload its bytes; returns the first step's answer."""
        upload = await self.init_upload(_init_params(file_name, mime_type, embed, metadata))
        await self._http.call(_put(upload, mime_type, content))
        return upload
