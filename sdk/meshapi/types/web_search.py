"""Web search: ``POST /v1/web/search`` (feature-flagged on the gateway)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meshapi.types._base import RequestModel, ResponseModel


class WebSearchParams(RequestModel):
    query: str = Field(min_length=1, max_length=2000)
    model: str | None = None
    provider: Literal["native", "tavily"] | None = None
    max_results: int = Field(5, ge=1, le=20)
    search_depth: Literal["basic", "advanced"] = "basic"
    include_domains: list[str] | None = None
    exclude_domains: list[str] | None = None
    include_answer: bool = False


class WebSearchResultItem(ResponseModel):
    title: str
    url: str
    content: str = ""
    score: float | None = None
    published_date: str | None = None


class WebSearchResponse(ResponseModel):
    query: str
    answer: str | None = None
    results: list[WebSearchResultItem] = Field(default_factory=list)
    provider: str
    request_id: str = ""
