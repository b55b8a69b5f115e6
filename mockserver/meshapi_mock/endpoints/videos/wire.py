"""Video generation on the wire (contract §15): what clients send and what the fake sends.

The request is the task API of text/image-to-video models: `content` items (a text
prompt, reference images or video, a draft task), the video's shape (`resolution`,
`ratio`, `duration` or `frames`) and how to run it. The task answered is the Task of
§15: its `status`, the echoed settings, `content.video_url` once it succeeded.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...contract import Integral, WireInt, WireModel, required_when, with_conditions
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

Duration = Annotated[int, Field(ge=1, le=MAX_DURATION), Integral]
Frames = Annotated[int, Field(ge=1, le=MAX_FRAMES), Integral]
Seed = Annotated[int, Field(ge=-1, le=MAX_SEED), Integral]


class VideoContentItem(WireModel):
    """One input: a `text` prompt, or a media item by URL (`image_url: {url}`, …)."""

    model_config = ConfigDict(
        json_schema_extra=with_conditions(
            *(
                required_when(
                    "type", kind, (kind, {"type": "string" if kind == "text" else "object"})
                )
                for kind in ("text", "image_url", "video_url", "audio_url", "draft_task")
            )
        )
    )

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model": "openai/sora-2",
                    "content": [{"type": "text", "text": "A fox in the snow"}],
                    "return_last_frame": True,
                    "duration": 2,
                }
            ]
        }
    )

    model: Annotated[str, Field(min_length=1)]
    content: Annotated[list[VideoContentItem], Field(min_length=1, max_length=16)]
    callback_url: str | None = None
    return_last_frame: bool | None = None
    service_tier: str | None = None
    execution_expires_after: Annotated[int, Field(ge=1, le=MAX_UNIX_TIME), Integral] | None = Field(
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
    priority: WireInt | None = None


_UNIX = re.compile(r"-?[0-9]+")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def unix_seconds(value: str) -> int:
    """A query time: Unix seconds, or an RFC 3339 date-time (`2026-01-01T00:00:00Z`)."""
    if _UNIX.fullmatch(value):
        return int(value)
    problem = f"{value!r} is neither Unix seconds nor an RFC 3339 date-time"
    if not _RFC3339.fullmatch(value):
        raise ValueError(problem)
    text = value.upper().replace("Z", "+00:00")
    whole, _, rest = text.partition(".")
    if rest:  # a fraction of any length (Python 3.10 reads only 3 or 6 digits): dropped
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = whole + rest[digits:]
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(problem) from None
    return math.floor(when.timestamp())


def _query_time(schema: dict[str, Any]) -> None:
    """Unix seconds or a date-time; empty means no bound."""
    schema["anyOf"] = [
        {"type": "string", "pattern": r"^(-?[0-9]+)?$"},
        {"type": "string", "format": "date-time"},
        {"type": "null"},
    ]


class VideoListQuery(BaseModel):
    """`GET /v1/video/generations`: tasks, newest first, filtered, offset paging."""

    model_config = ConfigDict(extra="ignore")

    status: Status | None = None
    model: str | None = None
    created_after: str | None = Field(
        default=None,
        description="Unix seconds or an RFC 3339 date-time; tasks created at or after it.",
        json_schema_extra=_query_time,
    )
    created_before: str | None = Field(
        default=None,
        description="Unix seconds or an RFC 3339 date-time; tasks created at or before it.",
        json_schema_extra=_query_time,
    )
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=MAX_UNIX_TIME)] = 0

    @field_validator("created_after", "created_before")
    @classmethod
    def _a_time(cls, value: str | None) -> str | None:
        if not value:
            return None  # `created_after=` with no value: no bound
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
