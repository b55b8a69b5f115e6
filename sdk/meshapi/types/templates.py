"""Prompt templates: ``/v1/templates`` CRUD. Timestamps are ISO-8601 strings."""

from __future__ import annotations

from typing import Any

from meshapi.types._base import OptionsModel, RequestModel, ResponseModel


class TemplateMessage(OptionsModel):
    role: str
    content: str


class CreateTemplateParams(RequestModel):
    name: str
    description: str | None = None
    system: str | None = None
    messages: list[dict[str, Any]] | None = None
    model: str | None = None
    params: dict[str, Any] | None = None
    variables: list[str] | None = None
    team_id: str | None = None


class UpdateTemplateParams(RequestModel):
    name: str | None = None
    description: str | None = None
    system: str | None = None
    messages: list[dict[str, Any]] | None = None
    model: str | None = None
    params: dict[str, Any] | None = None
    variables: list[str] | None = None


class TemplateSummary(ResponseModel):
    id: str
    name: str
    owner: str | None = None
    is_global: bool
    description: str | None = None
    system: str | None = None
    messages: list[dict[str, Any]] | None = None
    model: str | None = None
    params: dict[str, Any] | None = None
    variables: list[str] | None = None
    created_at: str
    updated_at: str
