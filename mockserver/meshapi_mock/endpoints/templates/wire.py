"""`/v1/templates` on the wire (contract §8): create and update bodies, TemplateSummary.

Template messages are chat messages (`{role, content}`…), checked when the template is
stored, so a template that was accepted always renders into a valid conversation.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator

from ...contract import Message, WireModel


def _string_only(schema: dict[str, Any]) -> None:
    """`name` may be left out of an update (unchanged) but never be null: no null, no default."""
    schema.pop("default", None)
    options = schema.pop("anyOf")
    schema.update(next(o for o in options if o.get("type") == "string"))


_EXAMPLES: dict[str, Any] = {
    "examples": [
        {
            "name": "support-agent",
            "description": "Answers support questions for one company.",
            "system": "You are a support agent for {{company}}. Be concise and friendly.",
            "model": "openai/gpt-4o-mini",
            "params": {"temperature": 0.3},
            "variables": ["company"],
        }
    ]
}


class CreateTemplateRequest(WireModel):
    """Body of `POST /v1/templates`. `{{name}}` slots in `system` and message contents are
    filled from a chat, compare or responses request's `variables`."""

    model_config = ConfigDict(json_schema_extra=_EXAMPLES)

    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    system: str | None = None
    messages: list[Message] | None = None
    model: str | None = None
    params: dict[str, Any] | None = Field(
        default=None,
        description="Request defaults (e.g. `temperature`) used where a request sets none.",
    )
    variables: list[str] | None = Field(default=None, description="The slot names, documented.")
    team_id: str | None = Field(default=None, description="Accepted; the fake has no teams.")


class UpdateTemplateRequest(WireModel):
    """Body of `PATCH /v1/templates/{id}`: fields left out stay as they are; `null`
    clears one (all but `name`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"model": "openai/gpt-4o"}]})

    name: str | None = Field(default=None, min_length=1, json_schema_extra=_string_only)
    description: str | None = None
    system: str | None = None
    messages: list[Message] | None = None
    model: str | None = None
    params: dict[str, Any] | None = None
    variables: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _name_is_kept(cls, value: str | None) -> str | None:
        if value is None:  # only a value sent is validated: left out stays None, unchanged
            raise ValueError("name cannot be cleared; leave it out to keep it")
        return value


class TemplateSummary(WireModel):
    """A stored template as every `/v1/templates` operation answers it."""

    id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    name: str
    owner: str | None = Field(default=None, description="The owner's UUID; null when global.")
    is_global: bool
    description: str | None = None
    system: str | None = None
    messages: list[dict[str, Any]] | None = None
    model: str | None = None
    params: dict[str, Any] | None = None
    variables: list[str] | None = None
    created_at: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    updated_at: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
