"""`/v1/files` (contract §10): files for retrieval — upload, embed, search.

`POST /v1/files` makes a file and answers a signed URL the fake itself serves
(`PUT /v1/files/{id}/upload?expires=&sig=`, no bearer token: the signature is the
credential, good for one upload of that file within `SIGNED_URL_TTL` seconds and with
the init's `mime_type`). The file then moves on the fake's clock: upload `processing`
(1 s) → `ready`; embedding, once asked by `POST /v1/files/embed` or `embed: true` at
init, `pending` → `processing` (2 s) → `ready`. `POST /v1/files/search` ranks the chunks
of the embedded files by the embeddings area's deterministic vectors.

The parts: the wire shapes (`wire.py`), the rule vocabulary and context
(`vocabulary.py`), the store and the steps (`store.py`), text and chunks (`text.py`),
ranking (`search.py`) and the scripting face (`script.py`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from ...headers import header
from ...jsonbody import dumps
from ...responses import JSONBytes
from ..base import Endpoint, Response, held_data_operations
from . import search
from .script import FilesScript
from .store import EMBEDDING, UPLOAD, StoredFile, files_of, iso_time
from .vocabulary import PROCEED, FilesContext, FilesMatch, FilesReply
from .wire import (
    BulkEmbedRequest,
    BulkEmbedResponse,
    FileList,
    FileStatus,
    InitUploadRequest,
    InitUploadResponse,
    ListQuery,
    SearchRequest,
    SearchResponse,
    UploadAccepted,
    UploadQuery,
)

if TYPE_CHECKING:
    from ..base import Host

PATH = "/v1/files"
ITEM = PATH + "/{file_id}"
UPLOAD_PATH = ITEM + "/upload"
FIRST_ID = "a3034eef-e35d-47cf-806b-eb5935a4f478"
"""The id the first file made on a fake with seed 0 gets (ids follow the seed)."""
WAIT_LIMIT = 300.0
"""Seconds of the fake's clock an embed with `wait` waits at most (the gateway's timeout)."""
_POLL = 0.05
"""Real seconds between looks at the clock while an embed waits."""


def answer(ctx: FilesContext, state: Host) -> FilesReply:
    return PROCEED


def _base_url(ctx: FilesContext) -> str:
    """Where the client reached the fake: the signed URL points back there."""
    host = header(ctx.raw_headers, b"host") or "localhost"
    return f"http://{host}"


def render_init(ctx: FilesContext, reply: FilesReply, state: Host) -> ASGIApp:
    request = ctx.init
    assert request is not None
    stored = files_of(state).create(
        state,
        base_url=_base_url(ctx),
        file_name=request.file_name,
        mime_type=request.mime_type,
        metadata=request.metadata,
        auto_embed=bool(request.embed),
        upload=UPLOAD.then(reply.upload),
        embedding=EMBEDDING.then(reply.embedding),
    )
    body = {
        "file_id": stored.id,
        "signed_url": stored.signed_url,
        "expires_at": iso_time(stored.expires),
    }
    return JSONBytes(dumps(body))


_INLINE_BYTES = 64 * 1024
"""Uploads larger than this are chunked and embedded in a worker thread, so a big file
does not hold up every other request meanwhile."""


async def render_upload(ctx: FilesContext, reply: FilesReply, state: Host) -> ASGIApp:
    query: UploadQuery = ctx.request
    store = files_of(state)
    stored = store.accept(
        ctx.path_params["file_id"],
        query.expires,
        query.sig,
        header(ctx.raw_headers, b"content-type"),
        ctx.raw_body,
        state.clock.now(),
        upload=reply.upload,
        embedding=reply.embedding,
    )
    if len(ctx.raw_body) <= _INLINE_BYTES:
        store.index(stored)
    else:
        await asyncio.get_running_loop().run_in_executor(None, store.index, stored)
    body = {"file_id": stored.id, "size_bytes": len(ctx.raw_body), "upload_status": "processing"}
    return JSONBytes(dumps(body))


def render_list(ctx: FilesContext, reply: FilesReply, state: Host) -> ASGIApp:
    query: ListQuery = ctx.request
    return JSONBytes(dumps(files_of(state).page(query.limit, query.offset, state.clock.now())))


def render_get(ctx: FilesContext, reply: FilesReply, state: Host) -> ASGIApp:
    stored = files_of(state).find(ctx.path_params["file_id"])
    return JSONBytes(dumps(stored.status(state.clock.now())))


async def render_embed(ctx: FilesContext, reply: FilesReply, state: Host) -> ASGIApp:
    request: BulkEmbedRequest = ctx.request
    store = files_of(state)
    now = state.clock.now()
    asked: list[StoredFile] = []
    for file_id in dict.fromkeys(request.file_ids):
        stored = store.get(file_id)
        if stored is not None and stored.content is not None:
            store.ask_embedding(stored, reply.embedding, now)
            asked.append(stored)
    if request.wait:
        await _wait_until_ended(asked, state)
    now = state.clock.now()
    results = [_embed_result(file_id, store.get(file_id), now) for file_id in request.file_ids]
    return JSONBytes(dumps({"results": results}))


async def _wait_until_ended(files: list[StoredFile], state: Host) -> None:
    """Until every file's steps have ended on the clock (or `WAIT_LIMIT` went by): the
    clock runs at the time scale, and an `advance` ends the wait at the next look."""
    ends = [end for end in (f.ends_at() for f in files) if end is not None]
    if not ends:
        return
    deadline = min(max(ends), state.clock.now() + WAIT_LIMIT)
    while (left := deadline - state.clock.now()) > 0:
        await asyncio.sleep(min(left * state.clock.time_scale, _POLL))


def _embed_result(file_id: str, stored: StoredFile | None, now: float) -> dict[str, Any]:
    if stored is None:
        return {
            "file_id": file_id,
            "embedding_status": "failed",
            "error": f"not_found: no file with id {file_id!r}",
        }
    status = stored.embedding_status(now)
    result: dict[str, Any] = {"file_id": file_id, "embedding_status": status}
    if stored.content is None:
        result["error"] = (
            "file_not_uploaded: PUT the file's bytes to its signed URL before embedding it"
        )
    elif status == "ready":
        result["chunk_count"] = len(stored.index().chunks)
    elif status == "failed":
        result["error"] = stored.error_code(now)
    return result


def render_search(ctx: FilesContext, reply: FilesReply, state: Host) -> ASGIApp:
    request = ctx.search
    assert request is not None
    if reply.hits is not None:
        hits = search.scripted(reply.hits, request)
    else:
        now = state.clock.now()
        hits = search.rank(search.searchable(files_of(state).all(), request, now), request)
    return JSONBytes(dumps({"results": hits}))


_op = held_data_operations(answer, "file_id", FIRST_ID)


GET = _op(
    "get",
    "GET",
    ITEM,
    "A file's upload and embedding status, as it stands on the fake's clock",
    render=render_get,
    response=Response("The file's status", FileStatus),
    errors=(401, 404),
)
INIT = _op(
    "init",
    "POST",
    PATH,
    "Start an upload: a file id and a signed URL to PUT the bytes to",
    render=render_init,
    request=InitUploadRequest,
    response=Response(
        "The file id and its signed upload URL",
        InitUploadResponse,
        links={
            "GetFile": {
                "operationId": GET.operation_id,
                "parameters": {"file_id": "$response.body#/file_id"},
            }
        },
    ),
    errors=(400, 401, 403, 413, 422, 429, 500, 503),
)
UPLOAD_OP = _op(
    "upload",
    "PUT",
    UPLOAD_PATH,
    "The signed upload URL: PUT the file's bytes with the init's mime type (no token)",
    render=render_upload,
    body="raw",
    query=UploadQuery,
    public=True,
    response=Response("The bytes were accepted; processing starts", UploadAccepted),
    errors=(403, 404, 409, 413, 422, 500, 503),
)
LIST = _op(
    "list",
    "GET",
    PATH,
    "List files, newest first (offset paging)",
    render=render_list,
    query=ListQuery,
    response=Response("A page of files", FileList),
    errors=(401, 422),
)
EMBED = _op(
    "embed",
    "POST",
    PATH + "/embed",
    "Embed files (1-100); each result says how its file stands",
    render=render_embed,
    request=BulkEmbedRequest,
    response=Response("One result per file id", BulkEmbedResponse),
    errors=(400, 401, 413, 422, 429, 500, 503),
)
SEARCH = _op(
    "search",
    "POST",
    PATH + "/search",
    "Search the chunks of embedded files, best first",
    render=render_search,
    request=SearchRequest,
    response=Response("The best chunks, by cosine similarity", SearchResponse),
    errors=(400, 401, 413, 422, 429, 500, 503),
)

ENDPOINT = Endpoint(
    name="files",
    match=FilesMatch,
    reply=FilesReply,
    script=FilesScript,
    context=FilesContext,
    description="RAG files: init an upload, PUT the bytes to the signed URL, list, get, "
    "embed and search, moving through their states on the fake's clock.",
    operations=(INIT, LIST, EMBED, SEARCH, GET, UPLOAD_OP),
)
