"""Video generation tasks: ``/v1/video/generations`` (singular ``video``)."""

from __future__ import annotations

from typing import Any

from meshapi.types._base import RequestModel, ResponseModel


class VideoContentItem(RequestModel):
    type: str
    text: str | None = None
    image_url: dict[str, Any] | None = None
    video_url: dict[str, Any] | None = None
    audio_url: dict[str, Any] | None = None
    draft_task: dict[str, Any] | None = None
    role: str | None = None


class VideoGenerationParams(RequestModel):
    model: str
    content: list[VideoContentItem]
    callback_url: str | None = None
    return_last_frame: bool | None = None
    service_tier: str | None = None
    execution_expires_after: int | None = None
    generate_audio: bool | None = None
    draft: bool | None = None
    resolution: str | None = None
    ratio: str | None = None
    duration: int | None = None
    frames: int | None = None
    seed: int | None = None
    camera_fixed: bool | None = None
    watermark: bool | None = None
    safety_identifier: str | None = None
    priority: int | None = None


class CreateVideoGenerationResponse(ResponseModel):
    id: str


class VideoTaskError(ResponseModel):
    code: str
    message: str


class VideoTaskContent(ResponseModel):
    video_url: str | None = None
    last_frame_url: str | None = None


class VideoTaskUsage(ResponseModel):
    completion_tokens: int
    total_tokens: int


class VideoTaskResponse(ResponseModel):
    id: str
    status: str
    model: str | None = None
    error: VideoTaskError | None = None
    created_at: int | None = None
    updated_at: int | None = None
    content: VideoTaskContent | None = None
    seed: int | None = None
    resolution: str | None = None
    ratio: str | None = None
    duration: int | None = None
    frames: int | None = None
    framespersecond: int | None = None
    generate_audio: bool | None = None
    safety_identifier: str | None = None
    priority: int | None = None
    draft: bool | None = None
    draft_task_id: str | None = None
    service_tier: str | None = None
    execution_expires_after: int | None = None
    usage: VideoTaskUsage | None = None


class ListVideoGenerationsParams(RequestModel):
    status: str | None = None
    model: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    limit: int | None = None
    offset: int | None = None


class VideoTaskListResponse(ResponseModel):
    object: str | None = None
    data: list[VideoTaskResponse]
    has_more: bool
    total: int
    limit: int
    offset: int
