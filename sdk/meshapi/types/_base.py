"""Base classes that fix how strict each direction of the wire is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    """What we send: a misspelt field is a bug in the caller, so it fails loudly."""

    model_config = ConfigDict(extra="forbid")


class OptionsModel(BaseModel):
    """A nested request building block that drops unknown keys, as the official SDK's do.

    Top-level params models refuse unknown fields; so do the chat building blocks, which stay
    strict on purpose (see ``meshapi.types.chat``).
    """

    model_config = ConfigDict(extra="ignore")


class ResponseModel(BaseModel):
    """What we receive: the server may add fields at any time, so they are kept, not rejected."""

    model_config = ConfigDict(extra="allow")
