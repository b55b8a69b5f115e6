"""`/v1/video/generations` (contract §15): generate → a task; get, list; the video itself.

A created task moves on the fake's clock (`store.py`): `queued` 1 s, `running` 3 s, then
`succeeded` with `content.video_url` (and `last_frame_url` when `return_last_frame`),
URLs on the fake itself that serve a real MP4 and PNG (`media.py`) without a key, as a
provider's signed links do. A rule scripts the durations, a failure (`error {code,
message}`), an expiry, the usage and any echoed field. The list filters by status,
model and creation time, newest first, with offset paging.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from ...errors import MeshError
from ...ids import IdFactory
from ...jsonbody import dumps
from ...responses import JSONBytes, RawBytes
from ...scripting.context import CallContext
from ..base import Endpoint, Response, held_data_operations
from .media import Video, last_frame, mp4, size
from .script import VideosScript
from .store import StoredTask, TaskStore
from .vocabulary import TaskDurations, VideosContext, VideosMatch, VideosReply
from .wire import (
    DEFAULT_FPS,
    CreatedTask,
    VideoGenerationRequest,
    VideoListQuery,
    VideoTask,
    VideoTaskList,
    unix_seconds,
)

if TYPE_CHECKING:
    from ..base import Host

STORE = "videos"
PATH = "/v1/video/generations"
ITEM = PATH + "/{task_id}"
DEFAULT_DURATION = 5
DEFAULT_EXPIRY = 172_800
"""Seconds a task may take when the request sets no `execution_expires_after` (48 h)."""
_PROCEED = VideosReply()


def store_of(state: Host) -> TaskStore:
    return state.store(STORE, TaskStore)


def task_id(ids: IdFactory, number: int) -> str:
    """The id of the `number`-th task a fake creates (derived from its seed)."""
    return "cgt-" + ids.digest(b"video-task", b"%d" % number)[:24]


FIRST_ID = task_id(IdFactory(), 1)
"""The id of the first task on a fake with seed 0 (for `/openapi.json` examples)."""


def _answer(ctx: CallContext, state: Host) -> VideosReply:
    return _PROCEED


def origin(ctx: CallContext) -> str:
    """Where the client reached the fake: the URLs of a task's files start with it."""
    return "http://" + (ctx.headers.get("host") or "127.0.0.1")


def _create(ctx: VideosContext, reply: VideosReply, state: Host) -> ASGIApp:
    request = ctx.create
    assert request is not None
    store = store_of(state)
    new_id = reply.id or task_id(state.ids, store.next_number())
    now = state.clock.now()
    durations = reply.durations or TaskDurations()
    fields = _fields(request, reply, ctx, state)
    width, height = size(fields["resolution"], fields["ratio"])
    key = b"%d\x00%s" % (fields["seed"], (ctx.prompt or "").encode())
    completion = width * height * fields["frames"] // 1024
    usage = reply.usage
    given_completion = usage.completion_tokens if usage else None
    given_total = usage.total_tokens if usage else None
    completion = completion if given_completion is None else given_completion
    expires = request.execution_expires_after or DEFAULT_EXPIRY
    store.add(
        StoredTask(
            id=new_id,
            started=now,
            created_at=int(now) if reply.created_at is None else reply.created_at,
            queued_for=durations.queued,
            running_for=durations.running,
            outcome=reply.status or "succeeded",
            fields=fields,
            video=Video(width, height, fields["frames"], fields["framespersecond"], key),
            error=reply.failure.model_dump() if reply.failure is not None else None,
            usage={
                "completion_tokens": completion,
                "total_tokens": completion if given_total is None else given_total,
            },
            video_url=reply.video_url,
            last_frame_url=reply.last_frame_url,
            last_frame=bool(request.return_last_frame),
            expires_after=expires,
        )
    )
    return JSONBytes(dumps({"id": new_id}))


def _fields(
    request: VideoGenerationRequest, reply: VideosReply, ctx: VideosContext, state: Host
) -> dict[str, Any]:
    """What the task reports in every status: the request's settings, filled in."""
    fps = reply.framespersecond or DEFAULT_FPS
    if reply.frames is not None:
        frames = reply.frames
    elif reply.duration is not None:
        frames = reply.duration * fps
    else:
        frames = request.frames or (request.duration or DEFAULT_DURATION) * fps
    seed = reply.seed
    if seed is None:
        asked = request.seed
        made_up = int(state.ids.digest(b"video-seed", ctx.raw_body)[:8], 16) % 2**31
        seed = made_up if asked is None or asked == -1 else asked
    ratio = reply.ratio or request.ratio or "16:9"
    draft_task = next((i.draft_task for i in request.content if i.draft_task is not None), None)
    return {
        "model": reply.model or request.model,
        "seed": seed,
        "resolution": reply.resolution
        or request.resolution
        or ("480p" if request.draft else "720p"),
        "ratio": "16:9" if ratio in ("adaptive", "keep_ratio") else ratio,
        "duration": reply.duration or math.ceil(frames / fps),
        "frames": frames,
        "framespersecond": fps,
        "generate_audio": request.generate_audio,
        "camera_fixed": request.camera_fixed,
        "watermark": request.watermark,
        "safety_identifier": request.safety_identifier,
        "priority": request.priority,
        "draft": request.draft,
        "draft_task_id": None if draft_task is None else draft_task.get("id"),
        "service_tier": request.service_tier or "default",
        "execution_expires_after": request.execution_expires_after or DEFAULT_EXPIRY,
    }


def _get(ctx: CallContext, reply: VideosReply, state: Host) -> ASGIApp:
    task = store_of(state).find(ctx.path_params["task_id"])
    return JSONBytes(dumps(task.view(state.clock.now(), origin(ctx))))


def _list(ctx: CallContext, reply: VideosReply, state: Host) -> ASGIApp:
    query: VideoListQuery = ctx.request
    now, where = state.clock.now(), origin(ctx)
    after = None if query.created_after is None else unix_seconds(query.created_after)
    before = None if query.created_before is None else unix_seconds(query.created_before)
    views = [
        view
        for view in (task.view(now, where) for task in store_of(state).newest_first())
        if (query.status is None or view["status"] == query.status)
        and (query.model is None or view["model"] == query.model)
        and (after is None or view["created_at"] >= after)
        and (before is None or view["created_at"] <= before)
    ]
    page = views[query.offset : query.offset + query.limit]
    body = {
        "object": "list",
        "data": page,
        "has_more": query.offset + len(page) < len(views),
        "total": len(views),
        "limit": query.limit,
        "offset": query.offset,
    }
    return JSONBytes(dumps(body))


def _finished(ctx: CallContext, state: Host) -> StoredTask:
    task = store_of(state).find(ctx.path_params["task_id"])
    status = task.status_at(state.clock.now())
    if status != "succeeded":
        raise MeshError(404, "not_found", f"Task {task.id!r} has no video: it is {status}.")
    return task


async def _content(ctx: CallContext, reply: VideosReply, state: Host) -> ASGIApp:
    video = _finished(ctx, state).video
    body = await asyncio.get_running_loop().run_in_executor(None, mp4, video)
    return RawBytes(body, content_type=b"video/mp4")


async def _last_frame(ctx: CallContext, reply: VideosReply, state: Host) -> ASGIApp:
    video = _finished(ctx, state).video
    body = await asyncio.get_running_loop().run_in_executor(None, last_frame, video)
    return RawBytes(body, content_type=b"image/png")


_op = held_data_operations(_answer, "task_id", FIRST_ID)


GET = _op(
    "get",
    "GET",
    ITEM,
    "Get a task as it stands on the fake's clock",
    _get,
    response=Response("The task", VideoTask),
    errors=(401, 404),
)
_BINARY = {"type": "string", "format": "binary"}
CONTENT = _op(
    "content",
    "GET",
    ITEM + "/content",
    "The video of a succeeded task: an MP4 (no key needed, like a signed link)",
    _content,
    public=True,
    response=Response("The video", _BINARY, media_type="video/mp4"),
    errors=(401, 404),
)
LAST_FRAME = _op(
    "last_frame",
    "GET",
    ITEM + "/last_frame",
    "The last frame of a succeeded task's video: a PNG (no key needed)",
    _last_frame,
    public=True,
    response=Response("The last frame", _BINARY, media_type="image/png"),
    errors=(401, 404),
)
_BY_ID = {"task_id": "$response.body#/id"}
CREATE = _op(
    "create",
    "POST",
    PATH,
    "Create a video generation task",
    _create,
    request=VideoGenerationRequest,
    model_fields=("model",),
    response=Response(
        "The new task's id",
        CreatedTask,
        links={"GetTask": {"operationId": GET.operation_id, "parameters": _BY_ID}},
    ),
    errors=(400, 401, 402, 404, 413, 422, 429, 500, 503),
)
LIST = _op(
    "list",
    "GET",
    PATH,
    "List tasks, newest first (offset paging)",
    _list,
    query=VideoListQuery,
    response=Response("A page of tasks", VideoTaskList),
    errors=(401, 422),
)

ENDPOINT = Endpoint(
    name="videos",
    match=VideosMatch,
    reply=VideosReply,
    script=VideosScript,
    context=VideosContext,
    description="Video generation tasks on the fake's clock, with real MP4 videos: create, "
    "get, list, and the video and last frame they point to.",
    operations=(CREATE, LIST, GET, CONTENT, LAST_FRAME),
)
