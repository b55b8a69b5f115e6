"""The base of every rule model: unknown fields are errors, so a typo never goes unseen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
