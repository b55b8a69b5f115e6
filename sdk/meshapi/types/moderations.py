"""Moderations: ``POST /v1/moderations``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel


class ModerationImageUrl(OptionsModel):
    url: str


class ModerationInputItem(OptionsModel):
    type: Literal["text", "image_url"]
    text: str | None = None
    image_url: ModerationImageUrl | None = None


class ModerationParams(RequestModel):
    input: str | list[str] | list[ModerationInputItem]
    model: str = "omni-moderation-latest"


class ModerationResult(ResponseModel):
    flagged: bool
    categories: dict[str, bool] = Field(default_factory=dict)
    category_scores: dict[str, float] = Field(default_factory=dict)


class ModerationResponse(ResponseModel):
    id: str | None = None
    model: str | None = None
    results: list[ModerationResult] = Field(default_factory=list)
