"""Video generation on the wire (contract §15): what clients send and what the fake sends.

The request is the task API of text/image-to-video models: `content` items (a text
prompt, reference images or video, a draft task), the video's shape (`resolution`,
`ratio`, `duration` or `frames`) and how to run it. The task answered is the Task of
§15: its `status`, the echoed settings, `content.video_url` once it succeeded.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...contract import WireModel
from ...scripting.wire_values import MAX_UNIX_TIME

Resolution = Literal["480p", "720p", "1080p"]
Ratio = Literal["16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive", "keep_ratio"]
ContentType = Literal["text", "image_url", "video_url", "audio_url", "draft_task"]
Status = Literal["queued", "running", "succeeded", "failed", "expired", "cancelled"]

MAX_DURATION = 60
"""Seconds of video one task may ask for."""
MAX_FRAMES = 1440
MAX_SEED = 2**32 - 1
DEFAULT_FPS = 24

Duration = Annotated[int, Field(ge=1, le=MAX_DURATION)]
Frames = Annotated[int, Field(ge=1, le=MAX_FRAMES)]
Seed = Annotated[int, Field(ge=-1, le=MAX_SEED)]


class VideoContentItem(WireModel):
    """One input: a `text` prompt, or a media item by URL (`image_url: {url}`, …)."""

    type: ContentType
    text: str | None = None
    image_url: dict[str, Any] | None = None
    video_url: dict[str, Any] | None = None
    audio_url: dict[str, Any] | None = None
    draft_task: dict[str, Any] | None = None
    role: str | None = None

    @model_validator(mode="after")
    def _has_its_field(self) -> VideoContentItem:
        if getattr(self, self.type) is None:
            raise ValueError(f"a {self.type!r} item needs its {self.type!r} field")
        return self


class VideoGenerationRequest(WireModel):
    """`POST /v1/video/generations`."""

    model: Annotated[str, Field(min_length=1)]
    content: Annotated[list[VideoContentItem], Field(min_length=1, max_length=16)]
    callback_url: str | None = None
    return_last_frame: bool | None = None
    service_tier: str | None = None
    execution_expires_after: Annotated[int, Field(ge=1, le=MAX_UNIX_TIME)] | None = Field(
        default=None, description="Seconds a task may take before it is `expired`."
    )
    generate_audio: bool | None = None
    draft: bool | None = None
    resolution: Resolution | None = None
    ratio: Ratio | None = None
    duration: Duration | None = None
    frames: Frames | None = Field(default=None, description="Overrides `duration`.")
    seed: Seed | None = Field(default=None, description="-1 or absent: one is chosen.")
    camera_fixed: bool | None = None
    watermark: bool | None = None
    safety_identifier: str | None = None
    priority: int | None = None


def unix_seconds(value: str) -> int:
    """A query time: Unix seconds, or an ISO-8601 date-time (UTC when it names no zone)."""
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is neither Unix seconds nor an ISO-8601 date-time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return math.floor(when.timestamp())


class VideoListQuery(BaseModel):
    """`GET /v1/video/generations`: tasks, newest first, filtered, offset paging."""

    model_config = ConfigDict(extra="ignore")

    status: Status | None = None
    model: str | None = None
    created_after: str | None = Field(
        default=None, description="Unix seconds or ISO-8601; tasks created at or after it."
    )
    created_before: str | None = Field(
        default=None, description="Unix seconds or ISO-8601; tasks created at or before it."
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=MAX_UNIX_TIME)] = 0

    @field_validator("created_after", "created_before")
    @classmethod
    def _a_time(cls, value: str | None) -> str | None:
        if value is not None:
            unix_seconds(value)
        return value


# --------------------------------------------------------------------------- what is sent


class CreatedTask(WireModel):
    id: str


class TaskError(WireModel):
    code: str
    message: str


class TaskContent(WireModel):
    video_url: str | None = None
    last_frame_url: str | None = None


class TaskUsage(WireModel):
    completion_tokens: int
    total_tokens: int


class VideoTask(WireModel):
    """A task as it stands on the fake's clock."""

    id: str
    status: Status
    model: str
    error: TaskError | None
    created_at: int
    updated_at: int
    content: TaskContent | None
    seed: int
    resolution: str
    ratio: str
    duration: int
    frames: int
    framespersecond: int
    generate_audio: bool | None = None
    camera_fixed: bool | None = None
    watermark: bool | None = None
    safety_identifier: str | None = None
    priority: int | None = None
    draft: bool | None = None
    draft_task_id: str | None = None
    service_tier: str | None = None
    execution_expires_after: int | None = None
    usage: TaskUsage | None


class VideoTaskList(WireModel):
    object: Literal["list"]
    data: list[VideoTask]
    has_more: bool
    total: int
    limit: int
    offset: int
